-- The statement lesson_get (src/learning.c) sends, for the learners the wrk
-- script uses (learner 1 + k * stride) and a random lesson of one of their
-- courses, as a worker that holds the lesson's head sends it: with the
-- lesson's version, so no head comes back (src/lesson_cache.c). Ids are
-- built from numbers as tests/bench/data.sql made them. The worker knows
-- the version; pgbench reads it first, by the lesson's and its course's
-- primary keys (a second statement, about 0.03 ms: not inside the first,
-- where a sub-select as an argument would keep PostgreSQL from inlining
-- api.lesson_read, and each call would be planned again). The handler's
-- statement is "SELECT status, body, version, head FROM
-- api.lesson_read($1, $2, $3, $4)".
\set k random(0, :signed - 1)
\set n 1 + :k * :stride
\set c (:n + random(0, :per - 1)) % :courses
\set u 100000000000 + :n
\set l 100000000000 + :c * :lpc + random(0, :lpc - 1)
SELECT learning.lesson_version(c.outline_etag, l.updated_at) AS version
FROM lessons l JOIN courses c ON c.id = l.course_id
WHERE l.id = ('00000000-0000-4000-a000-' || :l)::uuid \gset
SELECT status, body, version, head FROM api.lesson_read(
    ('00000000-0000-4000-8000-' || :u)::uuid,
    ('00000000-0000-4000-9000-' || :u)::uuid,
    ('00000000-0000-4000-a000-' || :l)::uuid, :version);
