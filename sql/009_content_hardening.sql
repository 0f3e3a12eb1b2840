-- Content hardening: module positions, course versions, translation
-- groups, catalog search and lesson headings.

------------------------------------------------------------------------------
-- Module positions are 1..n within a course, each once. Until now a new
-- module took its manifest's `order` even when another module had it, and
-- a re-upload moved a module back to its `order`, undoing a reorder.
-- Existing courses are renumbered in their current order first.

UPDATE modules m SET position = r.rn
FROM (SELECT id, row_number() OVER (PARTITION BY course_id
	ORDER BY position, created_at, key) AS rn FROM modules) r
WHERE m.id = r.id AND m.position <> r.rn;

-- Checked at the end of each statement, so that one UPDATE may shift or
-- swap positions.
ALTER TABLE modules ADD CONSTRAINT modules_course_position_key
    UNIQUE (course_id, position) DEFERRABLE INITIALLY IMMEDIATE;

/*
 * Imports a module from the document the server built out of a validated
 * package: new, or replacing the module with the same key as a new
 * version. Lessons keep their ids (and so learners their progress) when
 * their keys remain; lessons whose keys are gone are removed.
 *
 * A module that exists keeps its position: its manifest's `order` counts
 * only when it first arrives, and then it goes to that place (or last, if
 * the course has fewer modules), the modules from there on moving down one.
 * Every import is a new version of the course, so that in-progress
 * learners follow it (learning.follow_new_version).
 */
CREATE OR REPLACE FUNCTION content.module_import(p_course uuid, p_doc jsonb)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
	v_mod		modules;
	v_created	boolean;
	v_media		jsonb;
	v_lesson	jsonb;
	v_at		int;
	v_pos		int := 0;
	v_keys		text[] := '{}';
BEGIN
	FOR v_media IN SELECT * FROM jsonb_array_elements(p_doc->'media') LOOP
		INSERT INTO media (sha256, content_type, size, bytes)
		VALUES (v_media->>'sha256', v_media->>'content_type',
		    (v_media->>'size')::int, decode(v_media->>'data', 'base64'))
		ON CONFLICT (sha256) DO NOTHING;
	END LOOP;

	UPDATE modules SET title = p_doc->>'title',
	    summary = coalesce(p_doc->>'summary', ''),
	    requires_previous = coalesce((p_doc->>'requires_previous')::boolean,
		false),
	    package_sha256 = p_doc->>'package_sha256',
	    version = version + 1, updated_at = now()
	WHERE course_id = p_course AND key = p_doc->>'key'
	RETURNING * INTO v_mod;
	v_created := NOT FOUND;
	IF v_created THEN
		v_at := least(coalesce((p_doc->>'order')::int, 1000000),
		    1 + (SELECT count(*) FROM modules WHERE course_id = p_course));
		UPDATE modules SET position = position + 1
		WHERE course_id = p_course AND position >= v_at;
		INSERT INTO modules (course_id, key, title, summary, position,
		    requires_previous, package_sha256)
		VALUES (p_course, p_doc->>'key', p_doc->>'title',
		    coalesce(p_doc->>'summary', ''), v_at,
		    coalesce((p_doc->>'requires_previous')::boolean, false),
		    p_doc->>'package_sha256')
		RETURNING * INTO v_mod;
	END IF;

	FOR v_lesson IN SELECT * FROM jsonb_array_elements(p_doc->'lessons') LOOP
		v_pos := v_pos + 1;
		v_keys := v_keys || (v_lesson->>'key');
		INSERT INTO lessons AS l (module_id, course_id, key, title,
		    position, minutes, markdown, html, video_url,
		    captions_sha256, attachments)
		VALUES (v_mod.id, p_course, v_lesson->>'key',
		    v_lesson->>'title', v_pos, (v_lesson->>'minutes')::int,
		    v_lesson->>'markdown', v_lesson->>'html',
		    v_lesson->>'video_url', v_lesson->>'captions_sha256',
		    coalesce(v_lesson->'attachments', '[]'))
		ON CONFLICT (module_id, key) DO UPDATE SET
		    title = EXCLUDED.title, position = EXCLUDED.position,
		    minutes = EXCLUDED.minutes, markdown = EXCLUDED.markdown,
		    html = EXCLUDED.html, video_url = EXCLUDED.video_url,
		    captions_sha256 = EXCLUDED.captions_sha256,
		    attachments = EXCLUDED.attachments, updated_at = now();
	END LOOP;
	DELETE FROM lessons WHERE module_id = v_mod.id AND key <> ALL (v_keys);

	IF p_doc->'quiz' IS NULL OR jsonb_typeof(p_doc->'quiz') = 'null' THEN
		DELETE FROM quizzes WHERE module_id = v_mod.id;
	ELSE
		INSERT INTO quizzes AS q (module_id, course_id, key, title,
		    pass_mark, required, definition)
		VALUES (v_mod.id, p_course, p_doc->'quiz'->>'key',
		    p_doc->'quiz'->>'title',
		    coalesce((p_doc->'quiz'->>'pass_mark')::int, 70),
		    coalesce((p_doc->'quiz'->>'required')::boolean, true),
		    p_doc->'quiz')
		ON CONFLICT (module_id) DO UPDATE SET
		    key = EXCLUDED.key, title = EXCLUDED.title,
		    pass_mark = EXCLUDED.pass_mark, required = EXCLUDED.required,
		    definition = EXCLUDED.definition, updated_at = now();
	END IF;

	UPDATE courses SET version = version + 1, updated_at = now()
	WHERE id = p_course;
	PERFORM content.outline_refresh(p_course);

	RETURN jsonb_build_object('id', v_mod.id, 'key', v_mod.key,
	    'version', v_mod.version, 'created', v_created,
	    'order', v_mod.position, 'lessons', v_pos);
END;
$$;

-- A removed module leaves no gap: the ones after it move up.
CREATE OR REPLACE FUNCTION api.module_delete(p_uid uuid, p_sid uuid,
    p_slug text, p_key text, p_request_id text)
RETURNS api.reply
LANGUAGE plpgsql AS $$
DECLARE
	c	courses := content.course_for_edit(p_uid, p_sid, p_slug);
	v_pos	int;
BEGIN
	DELETE FROM modules WHERE course_id = c.id AND key = p_key
	RETURNING position INTO v_pos;
	IF NOT FOUND THEN
		PERFORM api.refuse(404, 'module_not_found',
		    'This course has no module with that key.');
	END IF;
	UPDATE modules SET position = position - 1
	WHERE course_id = c.id AND position > v_pos;
	UPDATE courses SET version = version + 1, updated_at = now()
	WHERE id = c.id;
	PERFORM content.outline_refresh(c.id);
	PERFORM auth.audit(p_uid, 'module.delete', 'course', c.slug,
	    p_request_id, jsonb_build_object('module', p_key));
	RETURN ROW(204, NULL)::api.reply;
END;
$$;

------------------------------------------------------------------------------
-- Translation groups. A course in another's group is listed as "also
-- available in" on that course's page, so joining a group that other
-- courses use is for those who may edit one of them (admins always); a
-- group no other course uses is free to take.

CREATE FUNCTION content.group_check(p_uid uuid, p_role user_role,
    p_group text, p_course uuid)
RETURNS void LANGUAGE plpgsql STABLE AS $$
BEGIN
	IF p_group IS NULL OR p_role = 'admin' THEN
		RETURN;
	END IF;
	-- NULL when no other course uses the group: free to take.
	IF NOT (SELECT bool_or(content.can_edit(p_uid, p_role, t.id))
	    FROM courses t WHERE t.translation_group = p_group
	      AND t.id IS DISTINCT FROM p_course) THEN
		PERFORM api.refuse(403, 'translation_group_not_yours',
		    'Only the instructors of a course in that translation '
		    'group can add a translation to it.', 'translation_group');
	END IF;
END;
$$;

CREATE OR REPLACE FUNCTION api.course_create(p_uid uuid, p_sid uuid,
    p_doc jsonb, p_request_id text)
RETURNS api.reply
LANGUAGE plpgsql AS $$
DECLARE
	v_role	user_role := auth.require(p_uid, p_sid, 'instructor');
	c	courses;
BEGIN
	PERFORM content.group_check(p_uid, v_role,
	    p_doc->>'translation_group', NULL);
	c := content.course_upsert(p_uid, p_doc);
	PERFORM auth.audit(p_uid, 'course.create', 'course', c.slug,
	    p_request_id, jsonb_build_object('title', c.title));
	RETURN api.ok((SELECT outline FROM courses WHERE id = c.id)::json, 201);
END;
$$;

-- A course leaving a group is taken off its former translations' pages.
CREATE OR REPLACE FUNCTION api.course_patch(p_uid uuid, p_sid uuid,
    p_slug text, p_doc jsonb, p_request_id text)
RETURNS api.reply
LANGUAGE plpgsql AS $$
DECLARE
	c	courses := content.course_for_edit(p_uid, p_sid, p_slug);
	v_moves	boolean := p_doc ? 'translation_group' AND
	    p_doc->>'translation_group' IS DISTINCT FROM c.translation_group;
BEGIN
	IF v_moves THEN
		/* course_for_edit checked the session: the role is enough. */
		PERFORM content.group_check(p_uid,
		    (SELECT u.role FROM users u WHERE u.id = p_uid),
		    p_doc->>'translation_group', c.id);
	END IF;
	UPDATE courses SET
	    title = coalesce(p_doc->>'title', title),
	    summary = coalesce(p_doc->>'summary', summary),
	    language = coalesce(p_doc->>'language', language),
	    audiences = CASE WHEN p_doc ? 'audiences' THEN coalesce((
		SELECT array_agg(a::profession)
		FROM jsonb_array_elements_text(p_doc->'audiences') a), '{}')
		ELSE audiences END,
	    estimated_hours = coalesce((p_doc->>'estimated_hours')::numeric,
		estimated_hours),
	    translation_group = CASE WHEN p_doc ? 'translation_group'
		THEN p_doc->>'translation_group' ELSE translation_group END,
	    sequential = coalesce((p_doc->>'sequential')::boolean, sequential),
	    enroll_opens_at = CASE WHEN p_doc ? 'enroll_opens_at'
		THEN (p_doc->>'enroll_opens_at')::timestamptz
		ELSE enroll_opens_at END,
	    enroll_closes_at = CASE WHEN p_doc ? 'enroll_closes_at'
		THEN (p_doc->>'enroll_closes_at')::timestamptz
		ELSE enroll_closes_at END,
	    capacity = CASE WHEN p_doc ? 'capacity'
		THEN (p_doc->>'capacity')::int ELSE capacity END,
	    updated_at = now()
	WHERE id = c.id;
	PERFORM content.outline_refresh(c.id);
	IF v_moves THEN
		PERFORM content.outline_refresh(t.id) FROM courses t
		WHERE t.translation_group = c.translation_group AND t.id <> c.id
		LIMIT 1;
	END IF;
	PERFORM auth.audit(p_uid, 'course.update', 'course', c.slug,
	    p_request_id, p_doc);
	RETURN api.ok((SELECT outline FROM courses WHERE id = c.id)::json);
END;
$$;

------------------------------------------------------------------------------
-- Catalog search. The title match takes q literally: % and _ in q are
-- escaped for ILIKE (backslash is its default escape character). A q of
-- stop words or punctuation only makes PostgreSQL send a NOTICE for every
-- row it tests, which the server would log: the function keeps those to
-- itself.

CREATE FUNCTION content.like_pattern(p_text text)
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

------------------------------------------------------------------------------
-- Lesson headings now go down one level at import (the page's title is
-- its one <h1>). Lessons imported before are brought in line: cmark in
-- safe mode writes headings as bare <hN> tags and escapes any "<" of the
-- text, so these tags are all headings. h5 goes first so that nothing
-- moves twice.

UPDATE lessons SET html =
    replace(replace(replace(replace(replace(replace(replace(replace(
    replace(replace(html,
	'<h5>', '<h6>'), '</h5>', '</h6>'),
	'<h4>', '<h5>'), '</h4>', '</h5>'),
	'<h3>', '<h4>'), '</h3>', '</h4>'),
	'<h2>', '<h3>'), '</h2>', '</h3>'),
	'<h1>', '<h2>'), '</h1>', '</h2>')
WHERE html ~ '<h[1-5]>';
