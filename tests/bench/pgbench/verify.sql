-- The statement verify_get (src/certificates.c) sends: a signed-in
-- learner's certificate code, from one address's budget.
\set k random(0, :signed - 1)
\set n 1 + :k * :stride
SELECT status, body, retry_after FROM api.verify(
    'BNCH-' || substr(lpad(:n::text, 12, '0'), 1, 4) || '-' ||
    substr(lpad(:n::text, 12, '0'), 5, 4) || '-' ||
    substr(lpad(:n::text, 12, '0'), 9, 4), 'verify:bench');
