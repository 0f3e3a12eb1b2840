-- The statement my_enrollments (src/learning.c) sends.
\set k random(0, :signed - 1)
\set n 1 + :k * :stride
\set u 100000000000 + :n
SELECT status, body FROM api.my_enrollments(
    ('00000000-0000-4000-8000-' || :u)::uuid,
    ('00000000-0000-4000-9000-' || :u)::uuid);
