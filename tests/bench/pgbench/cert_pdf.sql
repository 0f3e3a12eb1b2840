-- The statement certificate_pdf (src/certificates.c) sends, without a
-- client tag: the learner's certificate and its PDF.
\set k random(0, :signed - 1)
\set n 1 + :k * :stride
\set u 100000000000 + :n
SELECT pdf_sha, pdf FROM api.certificate_pdf(
    ('00000000-0000-4000-8000-' || :u)::uuid,
    ('00000000-0000-4000-9000-' || :u)::uuid,
    ('00000000-0000-4000-f000-' || :u)::uuid, NULL);
