-- The minimal correct statement for PUT /api/v1/attempts/:id/answers, sent
-- with -M prepared (the honest ceiling, issue 25): the session is live,
-- the attempt is the learner's, open and before its deadline, the
-- question is one of its draw, and the answer is merged into the saved
-- ones, in one UPDATE. The attempt's ids are read first, as
-- ../pgbench/quiz_save.sql does (a lookup the handler does not make).
\set k random(0, :qsigned - 1)
\set n 1 + :k * :stride
\set u 100000000000 + :n
SELECT a.id AS attempt, a.questions->0->>'id' AS qid,
    a.questions->0->'view'->'choices'->0->>'id' AS choice
    FROM quiz_attempts a
    WHERE a.user_id = ('00000000-0000-4000-8000-' || :u)::uuid
      AND a.state = 'open' LIMIT 1 \gset
UPDATE quiz_attempts a SET
    answers = a.answers || jsonb_build_object(:qid::text,
	jsonb_build_object('choice', :choice::text)),
    saved_at = now()
FROM sessions s JOIN users u ON u.id = s.user_id
WHERE a.id = :attempt::uuid
  AND a.user_id = s.user_id AND a.state = 'open'
  AND (a.deadline IS NULL OR a.deadline > now())
  AND a.questions @> jsonb_build_array(jsonb_build_object('id', :qid::text))
  AND s.id = ('00000000-0000-4000-9000-' || :u)::uuid
  AND s.user_id = ('00000000-0000-4000-8000-' || :u)::uuid
  AND s.revoked_at IS NULL AND s.expires_at > now()
  AND u.disabled_at IS NULL AND u.erased_at IS NULL
RETURNING a.saved_at;
