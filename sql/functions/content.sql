-- Content: the catalog, stored outlines and media, for src/courses.c, and
-- the content helpers the other files share.
--
-- A file of sql/functions/: each function, view and trigger here is defined
-- once, in all sql/, with CREATE OR REPLACE; scripts/migrate applies every
-- such file again, in one transaction after the versioned sql/schema/ files,
-- whenever one of them changed. The api schema is rebuilt whole (dropped and
-- created) first, so a changed signature leaves no stale overload; the
-- auth, content and learning schemas hold tables, so their functions are
-- only replaced: dropping one there is a line in a new sql/schema/ file.

CREATE OR REPLACE FUNCTION content.course_json(c courses)
RETURNS jsonb LANGUAGE sql STABLE AS $$
	SELECT jsonb_build_object('slug', c.slug, 'title', c.title,
	    'summary', c.summary, 'language', c.language,
	    'audiences', to_jsonb(c.audiences),
	    'estimated_hours', c.estimated_hours,
	    'translation_group', c.translation_group);
$$;

-- The outline learners see: modules, lessons, quizzes, translations.
CREATE OR REPLACE FUNCTION content.outline_json(p_course uuid)
RETURNS jsonb LANGUAGE sql STABLE AS $$
	SELECT content.course_json(c) || jsonb_build_object(
	    'version', c.version, 'status', c.status,
	    'sequential', c.sequential,
	    'modules', coalesce((SELECT jsonb_agg(jsonb_build_object(
		'id', m.id, 'key', m.key, 'title', m.title,
		'summary', m.summary, 'order', m.position,
		'version', m.version,
		'requires_previous', m.requires_previous,
		'lessons', coalesce((SELECT jsonb_agg(jsonb_build_object(
		    'id', l.id, 'key', l.key, 'title', l.title,
		    'minutes', l.minutes) ORDER BY l.position)
		    FROM lessons l WHERE l.module_id = m.id), '[]'),
		'quiz', (SELECT jsonb_build_object('id', q.id, 'title', q.title,
		    'required', q.required)
		    FROM quizzes q WHERE q.module_id = m.id))
		ORDER BY m.position) FROM modules m WHERE m.course_id = c.id),
		'[]'),
	    'translations', coalesce((SELECT jsonb_agg(jsonb_build_object(
		'slug', t.slug, 'language', t.language, 'title', t.title)
		ORDER BY t.language)
		FROM courses t WHERE t.translation_group = c.translation_group
		  AND t.id <> c.id AND t.status = 'published'), '[]'))
	FROM courses c WHERE c.id = p_course;
$$;

-- Rebuilds the stored outline of a course and of its translations (whose
-- "also available in" lists may have changed).
CREATE OR REPLACE FUNCTION content.outline_refresh(p_course uuid)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
	v_id	uuid;
	v_text	text;
BEGIN
	FOR v_id IN
		SELECT t.id FROM courses c JOIN courses t
		    ON t.id = c.id OR (c.translation_group IS NOT NULL
		    AND t.translation_group = c.translation_group)
		WHERE c.id = p_course
	LOOP
		v_text := content.outline_json(v_id)::text;
		UPDATE courses SET outline = v_text,
		    outline_etag = '"' || md5(v_text) || '"'
		WHERE id = v_id;
	END LOOP;
END;
$$;

-- May the caller change this course? Owners, co-instructors, admins.
-- PL/pgSQL for its cached plan (see learning.percent).
CREATE OR REPLACE FUNCTION content.can_edit(p_uid uuid, p_role user_role,
    p_course uuid)
RETURNS boolean LANGUAGE plpgsql STABLE AS $$
BEGIN
	RETURN p_role = 'admin' OR EXISTS (
	    SELECT 1 FROM courses c WHERE c.id = p_course AND c.owner_id = p_uid)
	    OR EXISTS (SELECT 1 FROM course_instructors ci
		WHERE ci.course_id = p_course AND ci.user_id = p_uid);
END;
$$;

-- Catalog search. The title match takes q literally: % and _ in q are
-- escaped for ILIKE (backslash is its default escape character). A q of
-- stop words or punctuation only makes PostgreSQL send a NOTICE for every
-- row it tests, which the server would log: the function keeps those to
-- itself.
CREATE OR REPLACE FUNCTION content.like_pattern(p_text text)
RETURNS text LANGUAGE sql IMMUTABLE AS $$
	SELECT '%' || replace(replace(replace(p_text, '\', '\\'), '%', '\%'),
	    '_', '\_') || '%';
$$;

CREATE OR REPLACE FUNCTION api.catalog(p_lang text, p_audience text,
    p_q text, p_page int)
RETURNS api.reply
LANGUAGE plpgsql STABLE SET client_min_messages = warning AS $$
DECLARE
	v_size	int := 20;
	v_q	text := nullif(btrim(p_q), '');
	v_like	text := content.like_pattern(v_q);
BEGIN
	RETURN api.ok(json_build_object(
	    'page', greatest(coalesce(p_page, 1), 1),
	    'page_size', v_size,
	    'total', (SELECT count(*) FROM courses c WHERE c.status = 'published'
		AND (p_lang IS NULL OR split_part(c.language, '-', 1) = p_lang
		    OR c.language = p_lang)
		AND (p_audience IS NULL OR p_audience::profession = ANY (c.audiences))
		AND (v_q IS NULL OR c.search @@ websearch_to_tsquery(
		    content.ts_config(c.language), v_q)
		    OR c.title ILIKE v_like)),
	    'courses', coalesce((SELECT json_agg(x.j ORDER BY x.rank DESC,
		x.published_at DESC, x.slug)
		FROM (SELECT content.course_json(c) AS j, c.published_at, c.slug,
		    CASE WHEN v_q IS NULL THEN 0 ELSE ts_rank(c.search,
			websearch_to_tsquery(content.ts_config(c.language), v_q))
		    END AS rank
		    FROM courses c WHERE c.status = 'published'
		    AND (p_lang IS NULL OR split_part(c.language, '-', 1) = p_lang
			OR c.language = p_lang)
		    AND (p_audience IS NULL OR
			p_audience::profession = ANY (c.audiences))
		    AND (v_q IS NULL OR c.search @@ websearch_to_tsquery(
			content.ts_config(c.language), v_q)
			OR c.title ILIKE v_like)
		    ORDER BY rank DESC, c.published_at DESC, c.slug
		    LIMIT v_size OFFSET api.page_offset(p_page, v_size)) x),
		'[]')));
END;
$$;

-- A published course's stored outline and its entity tag.
CREATE OR REPLACE FUNCTION api.course_outline(p_slug text)
RETURNS TABLE (status int, body text, etag text)
LANGUAGE sql STABLE AS $$
	SELECT 200, c.outline, c.outline_etag FROM courses c
	WHERE c.slug = p_slug AND c.status = 'published';
$$;

CREATE OR REPLACE FUNCTION api.media_get(p_sha text)
RETURNS TABLE (content_type text, bytes bytea)
LANGUAGE sql STABLE AS $$
	SELECT m.content_type, m.bytes FROM media m WHERE m.sha256 = p_sha;
$$;

-- What a media file is, without its bytes: src/media.c sends the bytes
-- from its copy on disk once it has one. The length is the bytes' own
-- (octet_length reads it from the TOAST header, not the value).
CREATE OR REPLACE FUNCTION api.media_head(p_sha text)
RETURNS TABLE (content_type text, size int)
LANGUAGE sql STABLE AS $$
	SELECT m.content_type, octet_length(m.bytes) FROM media m
	WHERE m.sha256 = p_sha;
$$;

