-- One quiz cycle, as quiz_cycle.lua makes it over two HTTP requests: the
-- four statements src/quiz_attempts.c sends to start an attempt
-- (api.quiz_attempt_start answers the pool, the C draw runs, then
-- api.quiz_attempt_create writes it) and to submit it with no answer
-- (api.attempt_questions answers the questions, the C grade runs, then
-- api.attempt_submit writes it). One pgbench transaction is one cycle,
-- so scripts/bench compares it with the cycles the wrk script completed
-- a second (its "cycles"), not with its requests.
--
-- The C parts are done once: each client reads, on its first
-- transaction, the draw and the grade of the reference attempt the
-- fixture started and submitted over HTTP (the first quiz-cycle learner's,
-- 1 + qsigned * stride; tests/bench/lib.sh, quiz_attempts_make), and
-- sends them again for every attempt. The bench quizzes all have the same
-- ten questions (tests/bench/data.sql), so that draw fits each of them.
-- The seed is a constant: the server's is random bytes.
--
-- Slots as the wrk script has them: a quiz-cycle learner (k from qsigned
-- to signed - 1) at one of their courses' quizzes (j below per). Each
-- client takes the slots s = client_id mod clients, so that no two
-- clients start one learner's quiz at once: that second start would
-- answer the first's open attempt (200) and its submit the first's
-- result, two cheap statements that would flatter the ceiling. (With
-- fewer slots than clients some share, as they must.)
\if :ref = 0
\set ref_u 100000000000 + 1 + :qsigned * :stride
SELECT questions::text AS draw, answers::text AS answers,
    marks::text AS marks, review::text AS review, score, 1 AS ref
    FROM quiz_attempts
    WHERE user_id = ('00000000-0000-4000-8000-' || :ref_u)::uuid
      AND state = 'submitted' LIMIT 1 \gset
\endif
\set slots (:signed - :qsigned) * :per
\set s :client_id + :clients * random(0, greatest(0, (:slots - 1 - :client_id) / :clients))
\set s mod(:s, :slots)
\set n 1 + (:qsigned + :s / :per) * :stride
\set u 100000000000 + :n
\set c 100000000000 + mod(:n + mod(:s, :per), :courses)
SELECT status, body, coalesce(body::jsonb->'attempt'->>'id', '') AS attempt
    FROM api.quiz_attempt_start(
    ('00000000-0000-4000-8000-' || :u)::uuid,
    ('00000000-0000-4000-9000-' || :u)::uuid,
    ('00000000-0000-4000-e000-' || :c)::uuid) \gset
\if :status = 1
SELECT status, body, body::jsonb->'attempt'->>'id' AS attempt
    FROM api.quiz_attempt_create(
    ('00000000-0000-4000-8000-' || :u)::uuid,
    ('00000000-0000-4000-9000-' || :u)::uuid,
    ('00000000-0000-4000-e000-' || :c)::uuid,
    '5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed',
    :draw::jsonb) \gset
\endif
SELECT status, body FROM api.attempt_questions(
    ('00000000-0000-4000-8000-' || :u)::uuid,
    ('00000000-0000-4000-9000-' || :u)::uuid,
    :attempt::uuid, true);
SELECT status, body FROM api.attempt_submit(
    ('00000000-0000-4000-8000-' || :u)::uuid,
    ('00000000-0000-4000-9000-' || :u)::uuid,
    :attempt::uuid, :answers::jsonb, :marks::jsonb, :review::jsonb,
    :score::numeric);
