-- Foundation: the api schema the server calls, its reply type, and the
-- helpers every API function uses.
--
-- Convention: the server calls one function per request step,
--   SELECT status, body FROM api.something($1, $2, ...)
-- and answers with that status and JSON body. Refusals are raised with an
-- SQLSTATE of class SG ('SG404'...), the error code as MESSAGE, the human
-- sentence as DETAIL and the field as HINT; the raise rolls the statement
-- back, so nothing is half-written.

CREATE SCHEMA IF NOT EXISTS api;

CREATE TYPE api.reply AS (status int, body text);

CREATE FUNCTION api.refuse(p_status int, p_code text, p_message text,
    p_field text DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION USING
	    ERRCODE = 'SG' || p_status::text,
	    MESSAGE = p_code,
	    DETAIL = p_message,
	    HINT = coalesce(p_field, '');
END;
$$;

CREATE FUNCTION api.ok(p_body json, p_status int DEFAULT 200)
RETURNS api.reply
LANGUAGE sql IMMUTABLE AS $$
	SELECT ROW(p_status, p_body::text)::api.reply;
$$;

-- Paging shared by every list: page numbers from 1, a bounded page size.
CREATE FUNCTION api.page_offset(p_page int, p_size int)
RETURNS int
LANGUAGE sql IMMUTABLE AS $$
	SELECT (greatest(coalesce(p_page, 1), 1) - 1) * p_size;
$$;
