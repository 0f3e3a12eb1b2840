-- The statement progress_put (src/learning.c) sends: a beat with a fresh
-- key, a position, 10 s, and one in ten marking the lesson completed.
\set k random(0, :signed - 1)
\set n 1 + :k * :stride
\set c (:n + random(0, :per - 1)) % :courses
\set u 100000000000 + :n
\set l 100000000000 + :c * :lpc + random(0, :lpc - 1)
\set key random(1, 999999999999)
\set pos random(0, 600)
\set done random(1, 10)
SELECT status, body FROM api.progress_put(
    ('00000000-0000-4000-8000-' || :u)::uuid,
    ('00000000-0000-4000-9000-' || :u)::uuid,
    ('00000000-0000-4000-a000-' || :l)::uuid,
    'pgbench-' || :client_id || '-' || :key, :pos, 10, :done = 1);
