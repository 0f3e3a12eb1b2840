-- The statement verify_get (src/certificates.c) sends on a miss of the
-- worker's cache (a hit sends none): a signed-in learner's certificate
-- code, from one address's budget.
\set k random(0, :signed - 1)
\set n 1 + :k * :stride
SELECT v.status, v.body, v.retry_after, CASE WHEN v.status = 200 AND
    v.body::json->>'status' = 'valid' THEN floor(extract(epoch FROM
    (v.body::json->>'expires_at')::timestamptz - now()) * 1000)::bigint END
FROM api.verify((SELECT 'BNCH-' ||
    substr(d, 1, 4) || '-' || substr(d, 5, 4) || '-' || substr(d, 9, 4)
    FROM (SELECT lpad(:n::text, 12, '0') AS d) x), 'verify-bench') v;
