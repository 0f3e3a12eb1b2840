-- Enrollment, lesson progress and course completion.
--
-- Every progress write locks the learner's enrollment row first, so all
-- writes for one learner in one course are serialised: two devices sending
-- beats at once cannot lose a completion (no write skew between lessons),
-- and completed_at is set exactly once, by the UPDATE that finds it NULL,
-- in the transaction that satisfied the rule. That transaction also
-- enqueues the certificate job.

CREATE SCHEMA IF NOT EXISTS learning;

CREATE TABLE enrollments (
	id		uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	user_id		uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	course_id	uuid NOT NULL REFERENCES courses (id) ON DELETE CASCADE,
	enrolled_at	timestamptz NOT NULL DEFAULT now(),
	left_at		timestamptz,
	completed_at	timestamptz,
	course_version	int NOT NULL,
	last_activity_at timestamptz,
	last_lesson_id	uuid REFERENCES lessons (id) ON DELETE SET NULL,
	source		text NOT NULL DEFAULT 'self',
	UNIQUE (user_id, course_id)
);
CREATE INDEX enrollments_course_idx ON enrollments (course_id)
    WHERE left_at IS NULL;

CREATE TABLE lesson_progress (
	enrollment_id	uuid NOT NULL REFERENCES enrollments (id)
	    ON DELETE CASCADE,
	lesson_id	uuid NOT NULL REFERENCES lessons (id) ON DELETE CASCADE,
	position	real NOT NULL DEFAULT 0,
	time_spent	int NOT NULL DEFAULT 0,
	first_beat_at	timestamptz NOT NULL DEFAULT now(),
	last_beat_at	timestamptz,
	completed_at	timestamptz,
	updated_at	timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (enrollment_id, lesson_id)
);
CREATE INDEX lesson_progress_lesson_idx ON lesson_progress (lesson_id);

-- Replays of a beat (same Idempotency-Key) get the first answer back.
CREATE TABLE progress_beats (
	user_id		uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	key		text NOT NULL,
	lesson_id	uuid NOT NULL,
	response	jsonb NOT NULL,
	created_at	timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (user_id, key)
);
CREATE INDEX progress_beats_created_idx ON progress_beats (created_at);

-- Quiz passes count towards completion; the quiz engine writes them.
CREATE TABLE quiz_passes (
	enrollment_id	uuid NOT NULL REFERENCES enrollments (id)
	    ON DELETE CASCADE,
	quiz_id		uuid NOT NULL REFERENCES quizzes (id) ON DELETE CASCADE,
	passed_at	timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (enrollment_id, quiz_id)
);

-- The outbox the certificates issue consumes.
CREATE TABLE certificate_jobs (
	id		bigserial PRIMARY KEY,
	enrollment_id	uuid NOT NULL UNIQUE REFERENCES enrollments (id)
	    ON DELETE CASCADE,
	created_at	timestamptz NOT NULL DEFAULT now(),
	processed_at	timestamptz
);

------------------------------------------------------------------------------
-- Rules

-- Seconds of reading credited before the first beat, and the slack each
-- beat may exceed the wall clock by.
CREATE FUNCTION learning.beat_slack()
RETURNS int LANGUAGE sql IMMUTABLE AS $$ SELECT 30 $$;

-- Lessons of a course in reading order.
CREATE FUNCTION learning.course_lessons(p_course uuid)
RETURNS TABLE (lesson_id uuid, module_id uuid, module_pos int,
    lesson_pos int, ord bigint)
LANGUAGE sql STABLE AS $$
	SELECT l.id, m.id, m.position, l.position,
	    row_number() OVER (ORDER BY m.position, l.position)
	FROM lessons l JOIN modules m ON m.id = l.module_id
	WHERE l.course_id = p_course;
$$;

-- Is this module complete: its lessons done and its required quiz passed?
CREATE FUNCTION learning.module_done(p_enrollment uuid, p_module uuid)
RETURNS boolean LANGUAGE sql STABLE AS $$
	SELECT NOT EXISTS (SELECT 1 FROM lessons l
		LEFT JOIN lesson_progress lp ON lp.lesson_id = l.id
		    AND lp.enrollment_id = p_enrollment
		WHERE l.module_id = p_module AND lp.completed_at IS NULL)
	    AND NOT EXISTS (SELECT 1 FROM quizzes q
		WHERE q.module_id = p_module AND q.required
		  AND NOT EXISTS (SELECT 1 FROM quiz_passes qp
		    WHERE qp.quiz_id = q.id AND qp.enrollment_id = p_enrollment));
$$;

/*
 * Why a lesson is locked for an enrollment, or NULL when it is open:
 * {"code": "lesson_locked", "message": "...", "unlock": {...}}.
 */
CREATE FUNCTION learning.lesson_lock(p_enrollment uuid, p_lesson uuid)
RETURNS jsonb LANGUAGE plpgsql STABLE AS $$
DECLARE
	v_course	courses;
	v_mod		modules;
	v_before	record;
BEGIN
	SELECT c.* INTO v_course FROM courses c JOIN lessons l
	    ON l.course_id = c.id WHERE l.id = p_lesson;
	SELECT m.* INTO v_mod FROM modules m JOIN lessons l
	    ON l.module_id = m.id WHERE l.id = p_lesson;

	IF v_mod.requires_previous THEN
		SELECT m.id, m.title INTO v_before FROM modules m
		WHERE m.course_id = v_course.id AND m.position < v_mod.position
		  AND NOT learning.module_done(p_enrollment, m.id)
		ORDER BY m.position LIMIT 1;
		IF FOUND THEN
			RETURN jsonb_build_object('code', 'lesson_locked',
			    'message', format('Complete the module "%s" and its '
			    'quiz first.', v_before.title),
			    'unlock', jsonb_build_object('module_id', v_before.id,
			    'title', v_before.title));
		END IF;
	END IF;

	IF v_course.sequential THEN
		SELECT l.id, l.title INTO v_before
		FROM learning.course_lessons(v_course.id) cl
		JOIN lessons l ON l.id = cl.lesson_id
		LEFT JOIN lesson_progress lp ON lp.lesson_id = l.id
		    AND lp.enrollment_id = p_enrollment
		WHERE cl.ord < (SELECT x.ord FROM learning.course_lessons(
		    v_course.id) x WHERE x.lesson_id = p_lesson)
		  AND lp.completed_at IS NULL
		ORDER BY cl.ord LIMIT 1;
		IF FOUND THEN
			RETURN jsonb_build_object('code', 'lesson_locked',
			    'message', format('Finish the lesson "%s" first.',
			    v_before.title),
			    'unlock', jsonb_build_object('lesson_id', v_before.id,
			    'title', v_before.title));
		END IF;
	END IF;
	RETURN NULL;
END;
$$;

-- Percent of lessons completed, 0..100.
CREATE FUNCTION learning.percent(p_enrollment uuid, p_course uuid)
RETURNS int LANGUAGE sql STABLE AS $$
	SELECT CASE WHEN count(l.id) = 0 THEN 0 ELSE
	    (100 * count(lp.completed_at) / count(l.id))::int END
	FROM lessons l LEFT JOIN lesson_progress lp ON lp.lesson_id = l.id
	    AND lp.enrollment_id = p_enrollment
	WHERE l.course_id = p_course;
$$;

-- Where to resume: the last lesson touched if not complete, else the
-- first lesson not completed, else the first lesson.
CREATE FUNCTION learning.resume_lesson(p_enrollment uuid)
RETURNS uuid LANGUAGE sql STABLE AS $$
	SELECT coalesce(
	    (SELECT e.last_lesson_id FROM enrollments e
		JOIN lesson_progress lp ON lp.enrollment_id = e.id
		    AND lp.lesson_id = e.last_lesson_id
		WHERE e.id = p_enrollment AND lp.completed_at IS NULL),
	    (SELECT cl.lesson_id FROM enrollments e,
		learning.course_lessons(e.course_id) cl
		WHERE e.id = p_enrollment AND NOT EXISTS (
		    SELECT 1 FROM lesson_progress lp
		    WHERE lp.enrollment_id = e.id AND lp.lesson_id = cl.lesson_id
		      AND lp.completed_at IS NOT NULL)
		ORDER BY cl.ord LIMIT 1),
	    (SELECT cl.lesson_id FROM enrollments e,
		learning.course_lessons(e.course_id) cl
		WHERE e.id = p_enrollment ORDER BY cl.ord LIMIT 1));
$$;

/*
 * Sets completed_at when the rule holds: every lesson completed and every
 * required quiz passed. Call with the enrollment row locked. Returns true
 * when this call completed the course.
 */
CREATE FUNCTION learning.complete_if_done(p_enrollment uuid)
RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
	e	enrollments;
BEGIN
	SELECT * INTO e FROM enrollments WHERE id = p_enrollment;
	IF e.completed_at IS NOT NULL THEN
		RETURN false;
	END IF;
	IF EXISTS (SELECT 1 FROM modules m WHERE m.course_id = e.course_id
	    AND NOT learning.module_done(e.id, m.id)) OR NOT EXISTS (
	    SELECT 1 FROM lessons l WHERE l.course_id = e.course_id) THEN
		RETURN false;
	END IF;
	UPDATE enrollments SET completed_at = now()
	WHERE id = e.id AND completed_at IS NULL;
	IF NOT FOUND THEN
		RETURN false;
	END IF;
	INSERT INTO certificate_jobs (enrollment_id) VALUES (e.id)
	ON CONFLICT (enrollment_id) DO NOTHING;
	RETURN true;
END;
$$;

CREATE FUNCTION learning.enrollment_json(e enrollments, c courses)
RETURNS jsonb LANGUAGE sql STABLE AS $$
	SELECT jsonb_build_object(
	    'course', jsonb_build_object('slug', c.slug, 'title', c.title,
		'language', c.language),
	    'course_slug', c.slug,
	    'enrolled_at', e.enrolled_at,
	    'last_activity_at', e.last_activity_at,
	    'completed_at', e.completed_at,
	    'percent', learning.percent(e.id, c.id),
	    'resume_lesson_id', learning.resume_lesson(e.id));
$$;

/*
 * Enrolls a user: idempotent; a learner who left comes back to the same
 * enrollment and progress. Windows and capacity are checked with the
 * course row locked, so the last seat is given once.
 */
CREATE FUNCTION learning.enroll(p_uid uuid, p_course uuid, p_source text)
RETURNS TABLE (status text, enrollment enrollments)
LANGUAGE plpgsql AS $$
DECLARE
	c	courses;
	e	enrollments;
BEGIN
	SELECT * INTO c FROM courses WHERE id = p_course FOR UPDATE;
	SELECT * INTO e FROM enrollments x
	WHERE x.user_id = p_uid AND x.course_id = p_course;
	IF FOUND AND e.left_at IS NULL THEN
		RETURN QUERY SELECT 'already_enrolled', e;
		RETURN;
	END IF;
	IF c.enroll_opens_at IS NOT NULL AND c.enroll_opens_at > now() THEN
		RETURN QUERY SELECT 'not_open', e;
		RETURN;
	END IF;
	IF c.enroll_closes_at IS NOT NULL AND c.enroll_closes_at <= now() THEN
		RETURN QUERY SELECT 'closed', e;
		RETURN;
	END IF;
	IF c.capacity IS NOT NULL AND (SELECT count(*) FROM enrollments x
	    WHERE x.course_id = p_course AND x.left_at IS NULL) >= c.capacity
	THEN
		RETURN QUERY SELECT 'full', e;
		RETURN;
	END IF;
	INSERT INTO enrollments AS x (user_id, course_id, course_version,
	    source)
	VALUES (p_uid, p_course, c.version, p_source)
	ON CONFLICT (user_id, course_id) DO UPDATE SET left_at = NULL,
	    course_version = CASE WHEN x.completed_at IS NULL
		THEN EXCLUDED.course_version ELSE x.course_version END
	RETURNING * INTO e;
	RETURN QUERY SELECT 'enrolled', e;
END;
$$;

-- A new module version moves in-progress learners to the course's new
-- version; completed enrollments keep theirs.
CREATE FUNCTION learning.follow_new_version()
RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF NEW.version <> OLD.version THEN
		UPDATE enrollments SET course_version = NEW.version
		WHERE course_id = NEW.id AND completed_at IS NULL;
	END IF;
	RETURN NEW;
END;
$$;
CREATE TRIGGER courses_follow_new_version AFTER UPDATE OF version ON courses
    FOR EACH ROW EXECUTE FUNCTION learning.follow_new_version();
