-- Foundation: the api schema's reply type and the helpers every API
-- function uses (src/db.c calls them through the others). The api schema
-- is dropped and built again from these files, so whatever belongs to it
-- goes here: its types, and grants, should a role other than the owner
-- ever call it.
--
-- A file of sql/functions/: each function, view and trigger here is defined
-- once, in all sql/, with CREATE OR REPLACE; scripts/migrate applies every
-- such file again, in one transaction after the versioned sql/schema/ files,
-- whenever one of them changed. The api schema is rebuilt whole (dropped and
-- created) first, so a changed signature leaves no stale overload; the
-- auth, content and learning schemas hold tables, so their functions are
-- only replaced: dropping one there is a line in a new sql/schema/ file.

CREATE TYPE api.reply AS (status int, body text);

CREATE OR REPLACE FUNCTION api.refuse(p_status int, p_code text, p_message text,
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

CREATE OR REPLACE FUNCTION api.ok(p_body json, p_status int DEFAULT 200)
RETURNS api.reply
LANGUAGE sql IMMUTABLE AS $$
	SELECT ROW(p_status, p_body::text)::api.reply;
$$;

-- Paging shared by every list: page numbers from 1, a bounded page size.
CREATE OR REPLACE FUNCTION api.page_offset(p_page int, p_size int)
RETURNS int
LANGUAGE sql IMMUTABLE AS $$
	SELECT (greatest(coalesce(p_page, 1), 1) - 1) * p_size;
$$;

