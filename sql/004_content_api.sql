-- The catalog, course outlines, and the authoring API.
--
-- Every authoring change is checked (content.course_for_edit), made, and
-- audit-logged in one statement.

CREATE FUNCTION api.catalog(p_lang text, p_audience text, p_q text,
    p_page int)
RETURNS api.reply
LANGUAGE plpgsql STABLE AS $$
DECLARE
	v_size	int := 20;
	v_q	text := nullif(btrim(p_q), '');
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
		    OR c.title ILIKE '%' || v_q || '%')),
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
			OR c.title ILIKE '%' || v_q || '%')
		    ORDER BY rank DESC, c.published_at DESC, c.slug
		    LIMIT v_size OFFSET api.page_offset(p_page, v_size)) x),
		'[]')));
END;
$$;

-- A published course's stored outline and its entity tag.
CREATE FUNCTION api.course_outline(p_slug text)
RETURNS TABLE (status int, body text, etag text)
LANGUAGE sql STABLE AS $$
	SELECT 200, c.outline, c.outline_etag FROM courses c
	WHERE c.slug = p_slug AND c.status = 'published';
$$;

CREATE FUNCTION api.media_get(p_sha text)
RETURNS TABLE (content_type text, bytes bytea)
LANGUAGE sql STABLE AS $$
	SELECT m.content_type, m.bytes FROM media m WHERE m.sha256 = p_sha;
$$;

CREATE FUNCTION api.instructor_courses(p_uid uuid, p_sid uuid)
RETURNS api.reply
LANGUAGE plpgsql STABLE AS $$
DECLARE
	v_role	user_role := auth.require(p_uid, p_sid, 'instructor');
BEGIN
	RETURN api.ok(json_build_object('courses', coalesce((
	    SELECT json_agg(content.course_json(c) || jsonb_build_object(
		'status', c.status, 'version', c.version,
		'updated_at', c.updated_at,
		'modules', (SELECT count(*) FROM modules m
		    WHERE m.course_id = c.id)) ORDER BY c.updated_at DESC)
	    FROM courses c
	    WHERE v_role = 'admin' OR c.owner_id = p_uid OR EXISTS (
		SELECT 1 FROM course_instructors ci
		WHERE ci.course_id = c.id AND ci.user_id = p_uid)), '[]')));
END;
$$;

CREATE FUNCTION api.course_create(p_uid uuid, p_sid uuid, p_doc jsonb,
    p_request_id text)
RETURNS api.reply
LANGUAGE plpgsql AS $$
DECLARE
	c	courses;
BEGIN
	PERFORM auth.require(p_uid, p_sid, 'instructor');
	c := content.course_upsert(p_uid, p_doc);
	PERFORM auth.audit(p_uid, 'course.create', 'course', c.slug,
	    p_request_id, jsonb_build_object('title', c.title));
	RETURN api.ok((SELECT outline FROM courses WHERE id = c.id)::json, 201);
END;
$$;

CREATE FUNCTION api.course_patch(p_uid uuid, p_sid uuid, p_slug text,
    p_doc jsonb, p_request_id text)
RETURNS api.reply
LANGUAGE plpgsql AS $$
DECLARE
	c	courses := content.course_for_edit(p_uid, p_sid, p_slug);
BEGIN
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
	PERFORM auth.audit(p_uid, 'course.update', 'course', c.slug,
	    p_request_id, p_doc);
	RETURN api.ok((SELECT outline FROM courses WHERE id = c.id)::json);
END;
$$;

CREATE FUNCTION api.module_upload(p_uid uuid, p_sid uuid, p_slug text,
    p_doc jsonb, p_request_id text)
RETURNS api.reply
LANGUAGE plpgsql AS $$
DECLARE
	c	courses := content.course_for_edit(p_uid, p_sid, p_slug);
	v_res	jsonb;
BEGIN
	v_res := content.module_import(c.id, p_doc);
	PERFORM auth.audit(p_uid, CASE WHEN (v_res->>'created')::boolean
	    THEN 'module.create' ELSE 'module.replace' END, 'course', c.slug,
	    p_request_id, jsonb_build_object('module', v_res->>'key',
	    'version', v_res->'version', 'sha256', p_doc->>'package_sha256'));
	RETURN api.ok(json_build_object('module', v_res,
	    'course', (SELECT outline FROM courses WHERE id = c.id)::json),
	    CASE WHEN (v_res->>'created')::boolean THEN 201 ELSE 200 END);
END;
$$;

CREATE FUNCTION api.module_delete(p_uid uuid, p_sid uuid, p_slug text,
    p_key text, p_request_id text)
RETURNS api.reply
LANGUAGE plpgsql AS $$
DECLARE
	c	courses := content.course_for_edit(p_uid, p_sid, p_slug);
BEGIN
	DELETE FROM modules WHERE course_id = c.id AND key = p_key;
	IF NOT FOUND THEN
		PERFORM api.refuse(404, 'module_not_found',
		    'This course has no module with that key.');
	END IF;
	UPDATE courses SET version = version + 1, updated_at = now()
	WHERE id = c.id;
	PERFORM content.outline_refresh(c.id);
	PERFORM auth.audit(p_uid, 'module.delete', 'course', c.slug,
	    p_request_id, jsonb_build_object('module', p_key));
	RETURN ROW(204, NULL)::api.reply;
END;
$$;

-- p_keys: every module key of the course, in the new order.
CREATE FUNCTION api.module_reorder(p_uid uuid, p_sid uuid, p_slug text,
    p_keys jsonb, p_request_id text)
RETURNS api.reply
LANGUAGE plpgsql AS $$
DECLARE
	c	courses := content.course_for_edit(p_uid, p_sid, p_slug);
BEGIN
	IF (SELECT array_agg(k ORDER BY k) FROM jsonb_array_elements_text(p_keys) k)
	    IS DISTINCT FROM
	    (SELECT array_agg(m.key ORDER BY m.key) FROM modules m
		WHERE m.course_id = c.id) THEN
		PERFORM api.refuse(422, 'keys_mismatch',
		    'List every module key of the course exactly once.', 'keys');
	END IF;
	UPDATE modules m SET position = k.ord, updated_at = now()
	FROM jsonb_array_elements_text(p_keys) WITH ORDINALITY AS k(key, ord)
	WHERE m.course_id = c.id AND m.key = k.key;
	PERFORM content.outline_refresh(c.id);
	PERFORM auth.audit(p_uid, 'module.reorder', 'course', c.slug,
	    p_request_id, jsonb_build_object('keys', p_keys));
	RETURN api.ok((SELECT outline FROM courses WHERE id = c.id)::json);
END;
$$;

CREATE FUNCTION api.course_publish(p_uid uuid, p_sid uuid, p_slug text,
    p_publish boolean, p_request_id text)
RETURNS api.reply
LANGUAGE plpgsql AS $$
DECLARE
	c	courses := content.course_for_edit(p_uid, p_sid, p_slug);
BEGIN
	IF p_publish AND NOT EXISTS (SELECT 1 FROM lessons l
	    WHERE l.course_id = c.id) THEN
		PERFORM api.refuse(422, 'course_empty',
		    'Upload at least one module with lessons before publishing.');
	END IF;
	UPDATE courses SET
	    status = CASE WHEN p_publish THEN 'published' ELSE 'draft' END
		::course_status,
	    published_at = CASE WHEN p_publish
		THEN coalesce(published_at, now()) ELSE published_at END,
	    updated_at = now()
	WHERE id = c.id;
	PERFORM content.outline_refresh(c.id);
	PERFORM auth.audit(p_uid, CASE WHEN p_publish THEN 'course.publish'
	    ELSE 'course.unpublish' END, 'course', c.slug, p_request_id);
	RETURN api.ok((SELECT outline FROM courses WHERE id = c.id)::json);
END;
$$;

-- A draft as a learner would see it, for its instructors.
CREATE FUNCTION api.course_preview(p_uid uuid, p_sid uuid, p_slug text)
RETURNS api.reply
LANGUAGE plpgsql AS $$
DECLARE
	c	courses := content.course_for_edit(p_uid, p_sid, p_slug);
BEGIN
	RETURN api.ok(content.outline_json(c.id)::json);
END;
$$;

CREATE FUNCTION api.course_instructor_add(p_uid uuid, p_sid uuid,
    p_slug text, p_email text, p_request_id text)
RETURNS api.reply
LANGUAGE plpgsql AS $$
DECLARE
	c	courses := content.course_for_edit(p_uid, p_sid, p_slug);
	v_user	users;
BEGIN
	SELECT * INTO v_user FROM users u WHERE lower(u.email) = lower(p_email)
	    AND u.erased_at IS NULL AND u.disabled_at IS NULL;
	IF NOT FOUND OR v_user.role = 'learner' THEN
		PERFORM api.refuse(422, 'not_an_instructor',
		    'That address is not an instructor''s account.', 'email');
	END IF;
	INSERT INTO course_instructors (course_id, user_id)
	VALUES (c.id, v_user.id) ON CONFLICT DO NOTHING;
	PERFORM auth.audit(p_uid, 'course.instructor_add', 'course', c.slug,
	    p_request_id, jsonb_build_object('user_id', v_user.id));
	RETURN api.ok(json_build_object('course', c.slug,
	    'instructor', json_build_object('id', v_user.id,
	    'display_name', v_user.display_name)), 201);
END;
$$;
