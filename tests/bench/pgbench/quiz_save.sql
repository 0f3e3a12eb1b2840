-- The statement quiz_attempt_save (src/quiz_attempts.c) sends for an
-- autosave once its worker holds the attempt's questions (a worker's
-- first save of an attempt reads them first, api.attempt_questions): the
-- save, the answers checked in C before it. The attempt, question and
-- choice ids are the server's (its draw), so a first statement reads
-- them for the learner (one of the quiz-save learners, 1 + k * stride, k
-- below qsigned): an index lookup the handler does not make, so this
-- ceiling is a little under the handler's statement alone.
\set k random(0, :qsigned - 1)
\set n 1 + :k * :stride
\set u 100000000000 + :n
SELECT a.id AS attempt, a.questions->0->>'id' AS qid,
    a.questions->0->'view'->'choices'->0->>'id' AS choice
    FROM quiz_attempts a
    WHERE a.user_id = ('00000000-0000-4000-8000-' || :u)::uuid
      AND a.state = 'open' LIMIT 1 \gset
SELECT status, body FROM api.attempt_answers_save(
    ('00000000-0000-4000-8000-' || :u)::uuid,
    ('00000000-0000-4000-9000-' || :u)::uuid,
    :attempt::uuid, jsonb_build_object(:qid::text, jsonb_build_object('choice', :choice::text)));
