-- The learner's API: enrollment, lessons, progress.

-- The caller's access to a lesson: the lesson and course, and the
-- enrollment when the caller is a learner on it. Instructors of the
-- course and admins read every lesson; others must be enrolled.
CREATE FUNCTION learning.lesson_access(p_uid uuid, p_role user_role,
    p_lesson uuid, OUT l lessons, OUT c courses, OUT e enrollments,
    OUT staff boolean)
LANGUAGE plpgsql STABLE AS $$
BEGIN
	SELECT * INTO l FROM lessons WHERE id = p_lesson;
	IF NOT FOUND THEN
		PERFORM api.refuse(404, 'lesson_not_found', 'No such lesson.');
	END IF;
	SELECT * INTO c FROM courses WHERE id = l.course_id;
	SELECT * INTO e FROM enrollments x
	WHERE x.user_id = p_uid AND x.course_id = c.id AND x.left_at IS NULL;
	staff := content.can_edit(p_uid, p_role, c.id);
	IF staff THEN
		RETURN;
	END IF;
	IF c.status <> 'published' THEN
		PERFORM api.refuse(404, 'lesson_not_found', 'No such lesson.');
	END IF;
	IF e.id IS NULL THEN
		PERFORM api.refuse(403, 'not_enrolled',
		    'Enroll in this course to read its lessons.');
	END IF;
END;
$$;

CREATE FUNCTION api.enroll(p_uid uuid, p_sid uuid, p_slug text)
RETURNS api.reply
LANGUAGE plpgsql AS $$
DECLARE
	c	courses;
	r	record;
BEGIN
	PERFORM auth.check(p_uid, p_sid);
	SELECT * INTO c FROM courses WHERE slug = p_slug AND status = 'published';
	IF NOT FOUND THEN
		PERFORM api.refuse(404, 'course_not_found',
		    'No course has that address.');
	END IF;
	SELECT * INTO r FROM learning.enroll(p_uid, c.id, 'self');
	CASE r.status
	WHEN 'not_open' THEN
		PERFORM api.refuse(409, 'enrollment_not_open',
		    'Enrollment for this course has not opened yet.');
	WHEN 'closed' THEN
		PERFORM api.refuse(409, 'enrollment_closed',
		    'Enrollment for this course has closed.');
	WHEN 'full' THEN
		PERFORM api.refuse(409, 'course_full',
		    'This course has no places left.');
	ELSE
	END CASE;
	RETURN api.ok(learning.enrollment_json(r.enrollment, c)::json,
	    CASE WHEN r.status = 'enrolled' THEN 201 ELSE 200 END);
END;
$$;

-- Leaving keeps the progress for a return.
CREATE FUNCTION api.unenroll(p_uid uuid, p_sid uuid, p_slug text)
RETURNS api.reply
LANGUAGE plpgsql AS $$
BEGIN
	PERFORM auth.check(p_uid, p_sid);
	UPDATE enrollments e SET left_at = now()
	FROM courses c
	WHERE c.id = e.course_id AND c.slug = p_slug AND e.user_id = p_uid
	  AND e.left_at IS NULL;
	IF NOT FOUND THEN
		PERFORM api.refuse(404, 'not_enrolled',
		    'You are not enrolled in this course.');
	END IF;
	RETURN ROW(204, NULL)::api.reply;
END;
$$;

CREATE FUNCTION api.my_enrollments(p_uid uuid, p_sid uuid)
RETURNS api.reply
LANGUAGE plpgsql STABLE AS $$
BEGIN
	PERFORM auth.check(p_uid, p_sid);
	RETURN api.ok(json_build_object('enrollments', coalesce((
	    SELECT json_agg(learning.enrollment_json(e, c)
		ORDER BY coalesce(e.last_activity_at, e.enrolled_at) DESC)
	    FROM enrollments e JOIN courses c ON c.id = e.course_id
	    WHERE e.user_id = p_uid AND e.left_at IS NULL), '[]')));
END;
$$;

CREATE FUNCTION api.lesson_get(p_uid uuid, p_sid uuid, p_lesson uuid)
RETURNS api.reply
LANGUAGE plpgsql STABLE AS $$
DECLARE
	v_role	user_role := auth.check(p_uid, p_sid);
	a	record;
	v_lock	jsonb;
	m	modules;
	v_ord	bigint;
BEGIN
	SELECT * INTO a FROM learning.lesson_access(p_uid, v_role, p_lesson);
	IF NOT a.staff THEN
		v_lock := learning.lesson_lock((a.e).id, p_lesson);
		IF v_lock IS NOT NULL THEN
			RETURN ROW(403, jsonb_build_object('error', v_lock)::text)
			    ::api.reply;
		END IF;
	END IF;
	SELECT * INTO m FROM modules WHERE id = (a.l).module_id;
	SELECT ord INTO v_ord FROM learning.course_lessons((a.c).id)
	WHERE lesson_id = p_lesson;

	RETURN api.ok(json_build_object(
	    'id', (a.l).id, 'key', (a.l).key, 'title', (a.l).title,
	    'minutes', (a.l).minutes, 'html', (a.l).html,
	    'video', CASE WHEN (a.l).video_url IS NULL THEN NULL ELSE
		json_build_object('url', (a.l).video_url, 'captions_url',
		CASE WHEN (a.l).captions_sha256 IS NULL THEN NULL
		ELSE '/api/v1/media/' || (a.l).captions_sha256 END) END,
	    'attachments', (SELECT coalesce(json_agg(json_build_object(
		'name', x->>'name', 'content_type', x->>'content_type',
		'size', (x->>'size')::int,
		'url', '/api/v1/media/' || (x->>'sha256'))), '[]')
		FROM jsonb_array_elements((a.l).attachments) x),
	    'course', json_build_object('slug', (a.c).slug,
		'title', (a.c).title, 'language', (a.c).language),
	    'module', json_build_object('key', m.key, 'title', m.title),
	    'prev', (SELECT json_build_object('id', l.id, 'title', l.title)
		FROM learning.course_lessons((a.c).id) cl
		JOIN lessons l ON l.id = cl.lesson_id WHERE cl.ord = v_ord - 1),
	    'next', (SELECT json_build_object('id', l.id, 'title', l.title)
		FROM learning.course_lessons((a.c).id) cl
		JOIN lessons l ON l.id = cl.lesson_id WHERE cl.ord = v_ord + 1),
	    'progress', (SELECT json_build_object(
		'status', CASE WHEN lp.completed_at IS NOT NULL THEN 'completed'
		    ELSE 'in_progress' END,
		'position', lp.position, 'time_spent', lp.time_spent)
		FROM lesson_progress lp
		WHERE lp.enrollment_id = (a.e).id AND lp.lesson_id = p_lesson)));
END;
$$;

/*
 * One progress beat. Replaying an Idempotency-Key returns the first
 * answer and changes nothing. Time credited is capped twice: by the wall
 * clock since the previous beat plus a slack, and in total by the wall
 * clock since the first beat plus the slack, so concurrent or replayed
 * beats cannot add up to more time than has passed.
 */
CREATE FUNCTION api.progress_put(p_uid uuid, p_sid uuid, p_lesson uuid,
    p_key text, p_position real, p_delta int, p_completed boolean)
RETURNS api.reply
LANGUAGE plpgsql AS $$
DECLARE
	v_role		user_role := auth.check(p_uid, p_sid);
	a		record;
	e		enrollments;
	lp		lesson_progress;
	v_lock		jsonb;
	v_prev		jsonb;
	v_credit	int;
	v_budget	int;
	v_done		boolean;
	v_body		jsonb;
BEGIN
	SELECT * INTO a FROM learning.lesson_access(p_uid, v_role, p_lesson);
	IF (a.e).id IS NULL THEN
		PERFORM api.refuse(403, 'not_enrolled',
		    'Enroll in this course to record progress.');
	END IF;

	-- Serialise every write of this learner in this course.
	SELECT * INTO e FROM enrollments WHERE id = (a.e).id FOR UPDATE;

	SELECT response INTO v_prev FROM progress_beats
	WHERE user_id = p_uid AND key = p_key;
	IF FOUND THEN
		RETURN api.ok(v_prev::json);
	END IF;

	v_lock := learning.lesson_lock(e.id, p_lesson);
	IF v_lock IS NOT NULL THEN
		RETURN ROW(403, jsonb_build_object('error', v_lock)::text)
		    ::api.reply;
	END IF;

	INSERT INTO lesson_progress (enrollment_id, lesson_id)
	VALUES (e.id, p_lesson) ON CONFLICT DO NOTHING;
	SELECT * INTO lp FROM lesson_progress
	WHERE enrollment_id = e.id AND lesson_id = p_lesson;

	v_credit := least(greatest(p_delta, 0),
	    coalesce(extract(epoch FROM now() - lp.last_beat_at)::int, 0)
		+ learning.beat_slack());
	v_budget := extract(epoch FROM now() - lp.first_beat_at)::int
	    + learning.beat_slack() - lp.time_spent;
	v_credit := greatest(least(v_credit, v_budget), 0);

	UPDATE lesson_progress SET
	    position = greatest(least(p_position, 1e9), 0),
	    time_spent = time_spent + v_credit,
	    last_beat_at = now(),
	    completed_at = CASE WHEN p_completed
		THEN coalesce(completed_at, now()) ELSE completed_at END,
	    updated_at = now()
	WHERE enrollment_id = e.id AND lesson_id = p_lesson
	RETURNING * INTO lp;

	UPDATE enrollments SET last_activity_at = now(),
	    last_lesson_id = p_lesson
	WHERE id = e.id;

	v_done := false;
	IF lp.completed_at IS NOT NULL THEN
		v_done := learning.complete_if_done(e.id);
	END IF;
	SELECT * INTO e FROM enrollments WHERE id = e.id;

	v_body := jsonb_build_object('lesson_id', p_lesson,
	    'status', CASE WHEN lp.completed_at IS NOT NULL THEN 'completed'
		ELSE 'in_progress' END,
	    'position', lp.position, 'time_spent', lp.time_spent,
	    'credited', v_credit,
	    'course', jsonb_build_object(
		'percent', learning.percent(e.id, e.course_id),
		'completed_at', e.completed_at,
		'completed_now', v_done));
	INSERT INTO progress_beats (user_id, key, lesson_id, response)
	VALUES (p_uid, p_key, p_lesson, v_body);
	RETURN api.ok(v_body::json);
END;
$$;

CREATE FUNCTION api.course_progress(p_uid uuid, p_sid uuid, p_slug text)
RETURNS api.reply
LANGUAGE plpgsql STABLE AS $$
DECLARE
	c	courses;
	e	enrollments;
BEGIN
	PERFORM auth.check(p_uid, p_sid);
	SELECT * INTO c FROM courses WHERE slug = p_slug;
	SELECT * INTO e FROM enrollments x
	WHERE x.user_id = p_uid AND x.course_id = c.id;
	IF c.id IS NULL OR e.id IS NULL THEN
		PERFORM api.refuse(404, 'not_enrolled',
		    'You are not enrolled in this course.');
	END IF;

	RETURN api.ok(json_build_object(
	    'slug', c.slug, 'title', c.title,
	    'enrolled', e.left_at IS NULL,
	    'percent', learning.percent(e.id, c.id),
	    'completed_at', e.completed_at,
	    'resume_lesson_id', learning.resume_lesson(e.id),
	    'modules', coalesce((SELECT json_agg(json_build_object(
		'key', m.key, 'title', m.title,
		'status', CASE WHEN learning.module_done(e.id, m.id)
		    THEN 'completed' ELSE 'in_progress' END,
		'quiz', (SELECT json_build_object('id', q.id, 'title', q.title,
		    'required', q.required, 'passed', EXISTS (
			SELECT 1 FROM quiz_passes qp WHERE qp.quiz_id = q.id
			  AND qp.enrollment_id = e.id))
		    FROM quizzes q WHERE q.module_id = m.id),
		'lessons', (SELECT coalesce(json_agg(json_build_object(
		    'id', l.id, 'key', l.key, 'title', l.title,
		    'status', CASE WHEN lp.completed_at IS NOT NULL
			THEN 'completed' WHEN lp.lesson_id IS NOT NULL
			THEN 'in_progress' ELSE 'not_started' END,
		    'position', coalesce(lp.position, 0),
		    'time_spent', coalesce(lp.time_spent, 0),
		    'locked', learning.lesson_lock(e.id, l.id) IS NOT NULL)
		    ORDER BY l.position), '[]')
		    FROM lessons l LEFT JOIN lesson_progress lp
			ON lp.lesson_id = l.id AND lp.enrollment_id = e.id
		    WHERE l.module_id = m.id))
		ORDER BY m.position)
		FROM modules m WHERE m.course_id = c.id), '[]'),
	    'remaining', json_build_object(
		'lessons', coalesce((SELECT json_agg(l.id ORDER BY cl.ord)
		    FROM learning.course_lessons(c.id) cl
		    JOIN lessons l ON l.id = cl.lesson_id
		    WHERE NOT EXISTS (SELECT 1 FROM lesson_progress lp
			WHERE lp.enrollment_id = e.id AND lp.lesson_id = l.id
			  AND lp.completed_at IS NOT NULL)), '[]'),
		'quizzes', coalesce((SELECT json_agg(q.id)
		    FROM quizzes q WHERE q.course_id = c.id AND q.required
		      AND NOT EXISTS (SELECT 1 FROM quiz_passes qp
			WHERE qp.quiz_id = q.id AND qp.enrollment_id = e.id)),
		    '[]'))));
END;
$$;

/*
 * Bulk enrollment by an admin: p_rows is [{"line", "email", "course"}]
 * from a CSV the server has already parsed whole. Each row gets a result;
 * the statement is one transaction.
 */
CREATE FUNCTION api.admin_enroll_bulk(p_uid uuid, p_sid uuid, p_rows jsonb,
    p_request_id text)
RETURNS api.reply
LANGUAGE plpgsql AS $$
DECLARE
	v_row		jsonb;
	v_user		uuid;
	v_course	uuid;
	v_status	text;
	v_results	jsonb := '[]';
	r		record;
BEGIN
	PERFORM auth.require(p_uid, p_sid, 'admin');
	FOR v_row IN SELECT * FROM jsonb_array_elements(p_rows) LOOP
		v_user := NULL;
		v_course := NULL;
		IF coalesce(v_row->>'email', '') !~ '^[^@\s]+@[^@\s]+\.[^@\s]+$'
		    OR coalesce(v_row->>'course', '') !~ '^[a-z0-9]+(-[a-z0-9]+)*$'
		THEN
			v_status := 'bad_row';
		ELSE
			SELECT id INTO v_user FROM users
			WHERE lower(email) = lower(btrim(v_row->>'email'))
			  AND erased_at IS NULL AND disabled_at IS NULL;
			SELECT id INTO v_course FROM courses
			WHERE slug = v_row->>'course' AND status = 'published';
			IF v_user IS NULL THEN
				v_status := 'unknown_email';
			ELSIF v_course IS NULL THEN
				v_status := 'unknown_course';
			ELSE
				SELECT * INTO r FROM learning.enroll(v_user,
				    v_course, 'admin');
				v_status := r.status;
			END IF;
		END IF;
		v_results := v_results || jsonb_build_object(
		    'line', v_row->'line', 'email', v_row->>'email',
		    'course', v_row->>'course', 'result', v_status);
	END LOOP;
	PERFORM auth.audit(p_uid, 'enrollment.import', 'enrollments', NULL,
	    p_request_id, jsonb_build_object('rows', jsonb_array_length(p_rows),
	    'enrolled', (SELECT count(*) FROM jsonb_array_elements(v_results) x
		WHERE x->>'result' = 'enrolled')));
	RETURN api.ok(json_build_object('results', v_results,
	    'summary', (SELECT json_object_agg(k, n) FROM (
		SELECT x->>'result' AS k, count(*) AS n
		FROM jsonb_array_elements(v_results) x GROUP BY 1) s)));
END;
$$;
