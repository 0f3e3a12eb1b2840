-- The statement lesson_get (src/learning.c) sends, for the learners the wrk
-- script uses (learner 1 + k * stride) and a random lesson of one of their
-- courses. Ids are built from numbers as tests/bench/data.sql made them; the
-- concatenation and cast are the only difference from the C handler's
-- "SELECT status, body FROM api.lesson_get($1, $2, $3)".
\set k random(0, :signed - 1)
\set n 1 + :k * :stride
\set c (:n + random(0, :per - 1)) % :courses
\set u 100000000000 + :n
\set l 100000000000 + :c * :lpc + random(0, :lpc - 1)
SELECT status, body FROM api.lesson_get(
    ('00000000-0000-4000-8000-' || :u)::uuid,
    ('00000000-0000-4000-9000-' || :u)::uuid,
    ('00000000-0000-4000-a000-' || :l)::uuid);
