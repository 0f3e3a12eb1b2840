-- The statement catalog_list (src/courses.c) sends for the first page with
-- no filters: $1..$3 NULL, $4 '1'.
\set page 1
SELECT status, body FROM api.catalog(NULL, NULL, NULL, :page);
