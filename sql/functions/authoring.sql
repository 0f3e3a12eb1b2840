-- Authoring, for src/authoring.c and sgctl: courses and modules are
-- checked (content.course_for_edit), changed and audit-logged in one
-- statement.
--
-- A file of sql/functions/: each function, view and trigger here is defined
-- once, in all sql/, with CREATE OR REPLACE; scripts/migrate applies every
-- such file again, in one transaction after the versioned sql/schema/ files,
-- whenever one of them changed. The api schema is rebuilt whole (dropped and
-- created) first, so a changed signature leaves no stale overload; the
-- auth, content and learning schemas hold tables, so their functions are
-- only replaced: dropping one there is a line in a new sql/schema/ file.

-- The course an instructor may edit, or the refusal: 404 when unknown,
-- 403 when it is someone else's.
CREATE OR REPLACE FUNCTION content.course_for_edit(p_uid uuid, p_sid uuid,
    p_slug text)
RETURNS courses LANGUAGE plpgsql AS $$
DECLARE
	v_role	user_role := auth.require(p_uid, p_sid, 'instructor');
	c	courses;
BEGIN
	SELECT * INTO c FROM courses WHERE slug = p_slug FOR UPDATE;
	IF NOT FOUND THEN
		PERFORM api.refuse(404, 'course_not_found',
		    'No course has that address.');
	END IF;
	IF NOT content.can_edit(p_uid, v_role, c.id) THEN
		PERFORM api.refuse(403, 'not_your_course',
		    'Only this course''s instructors can change it.');
	END IF;
	RETURN c;
END;
$$;

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
	-- Beats of lessons about to go finish first, or find them gone.
	PERFORM learning.enrollments_lock(p_course);
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
		-- Settings an instructor changed through the API stay
		-- (settings_updated_at); the other settings columns are
		-- the API's alone and a package never sets them.
		ON CONFLICT (module_id) DO UPDATE SET
		    key = EXCLUDED.key, title = EXCLUDED.title,
		    pass_mark = CASE WHEN q.settings_updated_at IS NULL
			THEN EXCLUDED.pass_mark ELSE q.pass_mark END,
		    required = CASE WHEN q.settings_updated_at IS NULL
			THEN EXCLUDED.required ELSE q.required END,
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

-- Creates or updates a course from a document (authoring API and seed).
CREATE OR REPLACE FUNCTION content.course_upsert(p_owner uuid, p_doc jsonb)
RETURNS courses LANGUAGE plpgsql AS $$
DECLARE
	c	courses;
BEGIN
	INSERT INTO courses AS x (slug, title, summary, language, audiences,
	    estimated_hours, translation_group, sequential, enroll_opens_at,
	    enroll_closes_at, capacity, certificate_valid_months, owner_id)
	VALUES (p_doc->>'slug', p_doc->>'title',
	    coalesce(p_doc->>'summary', ''), p_doc->>'language',
	    coalesce((SELECT array_agg(a::profession) FROM
		jsonb_array_elements_text(p_doc->'audiences') a), '{}'),
	    coalesce((p_doc->>'estimated_hours')::numeric, 1),
	    p_doc->>'translation_group',
	    coalesce((p_doc->>'sequential')::boolean, false),
	    (p_doc->>'enroll_opens_at')::timestamptz,
	    (p_doc->>'enroll_closes_at')::timestamptz,
	    (p_doc->>'capacity')::int,
	    (p_doc->>'certificate_valid_months')::int, p_owner)
	ON CONFLICT (slug) DO NOTHING
	RETURNING * INTO c;
	IF NOT FOUND THEN
		PERFORM api.refuse(409, 'slug_taken',
		    'A course already has that address.', 'slug');
	END IF;
	PERFORM content.outline_refresh(c.id);
	RETURN c;
END;
$$;

-- Translation groups. A course in another's group is listed as "also
-- available in" on that course's page, so joining a group that other
-- courses use is for those who may edit one of them (admins always); a
-- group no other course uses is free to take.
CREATE OR REPLACE FUNCTION content.group_check(p_uid uuid, p_role user_role,
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

CREATE OR REPLACE FUNCTION api.instructor_courses(p_uid uuid, p_sid uuid)
RETURNS api.reply
LANGUAGE plpgsql STABLE AS $$
DECLARE
	v_role	user_role := auth.require(p_uid, p_sid, 'instructor');
BEGIN
	RETURN api.ok(json_build_object('courses', coalesce((
	    SELECT json_agg(content.course_json(c) || jsonb_build_object(
		'status', c.status, 'version', c.version,
		'updated_at', c.updated_at,
		'certificate_valid_months', c.certificate_valid_months,
		'modules', (SELECT count(*) FROM modules m
		    WHERE m.course_id = c.id)) ORDER BY c.updated_at DESC)
	    FROM courses c
	    WHERE v_role = 'admin' OR c.owner_id = p_uid OR EXISTS (
		SELECT 1 FROM course_instructors ci
		WHERE ci.course_id = c.id AND ci.user_id = p_uid)), '[]')));
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
	    certificate_valid_months = CASE
		WHEN p_doc ? 'certificate_valid_months'
		THEN (p_doc->>'certificate_valid_months')::int
		ELSE certificate_valid_months END,
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

CREATE OR REPLACE FUNCTION api.module_upload(p_uid uuid, p_sid uuid,
    p_slug text, p_doc jsonb, p_request_id text)
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

-- A removed module leaves no gap: the ones after it move up.
CREATE OR REPLACE FUNCTION api.module_delete(p_uid uuid, p_sid uuid,
    p_slug text, p_key text, p_request_id text)
RETURNS api.reply
LANGUAGE plpgsql AS $$
DECLARE
	c	courses := content.course_for_edit(p_uid, p_sid, p_slug);
	v_pos	int;
BEGIN
	PERFORM learning.enrollments_lock(c.id);
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

-- p_keys: every module key of the course, in the new order.
CREATE OR REPLACE FUNCTION api.module_reorder(p_uid uuid, p_sid uuid,
    p_slug text, p_keys jsonb, p_request_id text)
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

-- Publishes a course, or takes it back to draft, as p_actor: for the API
-- (api.course_publish, once content.course_for_edit has checked the
-- session) and for sgctl, which acts as a named account. The actor must be
-- an active instructor or admin who may edit the course; a course without
-- lessons is not published; the change is audit-logged with the actor.
CREATE OR REPLACE FUNCTION content.course_publish(p_course uuid,
    p_actor uuid, p_publish boolean, p_request_id text)
RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	v_role	user_role;
	c	courses;
BEGIN
	SELECT u.role INTO v_role FROM users u WHERE u.id = p_actor
	    AND u.erased_at IS NULL AND u.disabled_at IS NULL;
	IF v_role IS NULL OR v_role < 'instructor' THEN
		PERFORM api.refuse(403, 'forbidden',
		    'Your account cannot do this.');
	END IF;
	SELECT * INTO c FROM courses WHERE id = p_course FOR UPDATE;
	IF NOT FOUND THEN
		PERFORM api.refuse(404, 'course_not_found',
		    'No course has that address.');
	END IF;
	IF NOT content.can_edit(p_actor, v_role, c.id) THEN
		PERFORM api.refuse(403, 'not_your_course',
		    'Only this course''s instructors can change it.');
	END IF;
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
	PERFORM auth.audit(p_actor, CASE WHEN p_publish THEN 'course.publish'
	    ELSE 'course.unpublish' END, 'course', c.slug, p_request_id);
END;
$$;

CREATE OR REPLACE FUNCTION api.course_publish(p_uid uuid, p_sid uuid,
    p_slug text, p_publish boolean, p_request_id text)
RETURNS api.reply
LANGUAGE plpgsql AS $$
DECLARE
	c	courses := content.course_for_edit(p_uid, p_sid, p_slug);
BEGIN
	PERFORM content.course_publish(c.id, p_uid, p_publish, p_request_id);
	RETURN api.ok((SELECT outline FROM courses WHERE id = c.id)::json);
END;
$$;

-- A draft as a learner would see it, for its instructors, with the
-- settings only its instructors see (the edit form starts from them).
CREATE OR REPLACE FUNCTION api.course_preview(p_uid uuid, p_sid uuid,
    p_slug text)
RETURNS api.reply
LANGUAGE plpgsql AS $$
DECLARE
	c	courses := content.course_for_edit(p_uid, p_sid, p_slug);
BEGIN
	RETURN api.ok((content.outline_json(c.id) || jsonb_build_object(
	    'certificate_valid_months', c.certificate_valid_months))::json);
END;
$$;

CREATE OR REPLACE FUNCTION api.course_instructor_add(p_uid uuid, p_sid uuid,
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


-- A course for its instructors and admins to read (no lock, no change):
-- 404 when unknown, 403 when it is someone else's.
CREATE OR REPLACE FUNCTION content.course_for_read(p_uid uuid, p_sid uuid,
    p_slug text)
RETURNS courses LANGUAGE plpgsql STABLE AS $$
DECLARE
	v_role	user_role := auth.require(p_uid, p_sid, 'instructor');
	c	courses;
BEGIN
	SELECT * INTO c FROM courses WHERE slug = p_slug;
	IF NOT FOUND THEN
		PERFORM api.refuse(404, 'course_not_found',
		    'No course has that address.');
	END IF;
	IF NOT content.can_edit(p_uid, v_role, c.id) THEN
		PERFORM api.refuse(403, 'not_your_course',
		    'Only this course''s instructors can see its learners.');
	END IF;
	RETURN c;
END;
$$;

/*
 * The learners of a course and their progress, 50 a page, for its
 * instructors and admins. Learners are named by their display name only:
 * a course's learners may be investigators whose identity the instructor
 * has no need to know, so the address (and a search by it, which would
 * tell whether an address is enrolled) is an admin's alone. Rows are
 * enrollments (their id, not the account's, which would let instructors
 * follow one person across courses); learners who left or were erased are
 * not listed.
 */
CREATE OR REPLACE FUNCTION api.course_learners(p_uid uuid, p_sid uuid,
    p_slug text, p_q text, p_page int)
RETURNS api.reply
LANGUAGE plpgsql STABLE AS $$
DECLARE
	c	courses := content.course_for_read(p_uid, p_sid, p_slug);
	v_admin	boolean := (SELECT u.role = 'admin' FROM users u
	    WHERE u.id = p_uid);
	v_pat	text := CASE WHEN btrim(coalesce(p_q, '')) <> ''
	    THEN content.like_pattern(btrim(p_q)) END;
	v_size	int := 50;
BEGIN
	RETURN api.ok(json_build_object(
	    'course', json_build_object('slug', c.slug, 'title', c.title,
		'language', c.language, 'status', c.status),
	    'page', greatest(coalesce(p_page, 1), 1),
	    'page_size', v_size,
	    'lessons', (SELECT count(*) FROM lessons l WHERE l.course_id = c.id),
	    'quizzes', (SELECT count(*) FROM quizzes q WHERE q.course_id = c.id),
	    'total', (SELECT count(*) FROM enrollments e
		JOIN users u ON u.id = e.user_id
		WHERE e.course_id = c.id AND e.left_at IS NULL
		  AND u.erased_at IS NULL AND (v_pat IS NULL
		    OR u.display_name ILIKE v_pat
		    OR (v_admin AND u.email ILIKE v_pat))),
	    'learners', coalesce((SELECT json_agg(x.j ORDER BY x.ord)
		FROM (SELECT row_number() OVER (ORDER BY e.enrolled_at DESC,
			e.id) AS ord,
		    jsonb_build_object('id', e.id,
			'display_name', u.display_name,
			'enrolled_at', e.enrolled_at,
			'completed_at', e.completed_at,
			'last_activity_at', e.last_activity_at,
			'percent', learning.percent(e.id, c.id),
			'lessons_done', (SELECT count(*) FROM lesson_progress lp
			    JOIN lessons l ON l.id = lp.lesson_id
			    WHERE lp.enrollment_id = e.id
			      AND l.course_id = c.id
			      AND lp.completed_at IS NOT NULL),
			'quizzes_passed', (SELECT count(*) FROM quiz_passes qp
			    JOIN quizzes q ON q.id = qp.quiz_id
			    WHERE qp.enrollment_id = e.id
			      AND q.course_id = c.id))
		    || CASE WHEN v_admin THEN jsonb_build_object('email',
			u.email) ELSE '{}' END AS j
		    FROM enrollments e JOIN users u ON u.id = e.user_id
		    WHERE e.course_id = c.id AND e.left_at IS NULL
		      AND u.erased_at IS NULL AND (v_pat IS NULL
			OR u.display_name ILIKE v_pat
			OR (v_admin AND u.email ILIKE v_pat))
		    ORDER BY e.enrolled_at DESC, e.id
		    LIMIT v_size OFFSET api.page_offset(p_page, v_size)) x),
		'[]')));
END;
$$;
