-- The statement verify_get (src/certificates.c) sends: a signed-in
-- learner's certificate code, from one address's budget.
\set k random(0, :signed - 1)
\set n 1 + :k * :stride
SELECT status, body, retry_after FROM api.verify((SELECT 'BNCH-' ||
    substr(d, 1, 4) || '-' || substr(d, 5, 4) || '-' || substr(d, 9, 4)
    FROM (SELECT lpad(:n::text, 12, '0') AS d) x), 'verify-bench');
