-- Learning, for src/learning.c: enrollment, lessons, progress beats and
-- completion (the rules are in sql/schema/005_learning.sql's header).
--
-- A file of sql/functions/: each function, view and trigger here is defined
-- once, in all sql/, with CREATE OR REPLACE; scripts/migrate applies every
-- such file again, in one transaction after the versioned sql/schema/ files,
-- whenever one of them changed. The api schema is rebuilt whole (dropped and
-- created) first, so a changed signature leaves no stale overload; the
-- auth, content and learning schemas hold tables, so their functions are
-- only replaced: dropping one there is a line in a new sql/schema/ file.

-- Seconds of reading credited before the first beat, and the slack each
-- beat may exceed the wall clock by.
CREATE OR REPLACE FUNCTION learning.beat_slack()
RETURNS int LANGUAGE sql IMMUTABLE AS $$ SELECT 30 $$;

-- Lessons of a course in reading order.
CREATE OR REPLACE FUNCTION learning.course_lessons(p_course uuid)
RETURNS TABLE (lesson_id uuid, module_id uuid, module_pos int,
    lesson_pos int, ord bigint)
LANGUAGE sql STABLE AS $$
	SELECT l.id, m.id, m.position, l.position,
	    row_number() OVER (ORDER BY m.position, l.position)
	FROM lessons l JOIN modules m ON m.id = l.module_id
	WHERE l.course_id = p_course;
$$;

-- Is this module complete: its lessons done and its required quiz passed?
CREATE OR REPLACE FUNCTION learning.module_done(p_enrollment uuid,
    p_module uuid)
RETURNS boolean LANGUAGE plpgsql STABLE AS $$
BEGIN
	RETURN NOT EXISTS (SELECT 1 FROM lessons l
		LEFT JOIN lesson_progress lp ON lp.lesson_id = l.id
		    AND lp.enrollment_id = p_enrollment
		WHERE l.module_id = p_module AND lp.completed_at IS NULL)
	    AND NOT EXISTS (SELECT 1 FROM quizzes q
		WHERE q.module_id = p_module AND q.required
		  AND NOT EXISTS (SELECT 1 FROM quiz_passes qp
		    WHERE qp.quiz_id = q.id AND qp.enrollment_id = p_enrollment));
END;
$$;

/*
 * Why a lesson is locked for an enrollment, or NULL when it is open:
 * {"code": "lesson_locked", "message", "unlock": {"reason", ...}}, reason
 * being "lesson" (unlock.lesson_id: finish that lesson first, in a
 * sequential course) or what an earlier module still needs
 * (learning.module_lock).
 */
CREATE OR REPLACE FUNCTION learning.lesson_lock(p_enrollment uuid,
    p_lesson uuid)
RETURNS jsonb LANGUAGE plpgsql STABLE AS $$
DECLARE
	v		record;
	v_before	record;
BEGIN
	SELECT c.id AS course_id, c.sequential, m.position AS module_pos,
	    m.requires_previous, l.position AS lesson_pos
	INTO v FROM lessons l JOIN modules m ON m.id = l.module_id
	JOIN courses c ON c.id = l.course_id
	WHERE l.id = p_lesson;

	IF v.requires_previous THEN
		SELECT m.id INTO v_before FROM modules m
		WHERE m.course_id = v.course_id AND m.position < v.module_pos
		  AND NOT learning.module_done(p_enrollment, m.id)
		ORDER BY m.position LIMIT 1;
		IF FOUND THEN
			RETURN learning.module_lock(p_enrollment, v_before.id);
		END IF;
	END IF;

	-- Reading order is (module position, lesson position), as in
	-- learning.course_lessons: the first lesson before this one left.
	IF v.sequential THEN
		SELECT l.id, l.title INTO v_before
		FROM lessons l JOIN modules m ON m.id = l.module_id
		LEFT JOIN lesson_progress lp ON lp.lesson_id = l.id
		    AND lp.enrollment_id = p_enrollment
		WHERE l.course_id = v.course_id
		  AND (m.position, l.position) < (v.module_pos, v.lesson_pos)
		  AND lp.completed_at IS NULL
		ORDER BY m.position, l.position LIMIT 1;
		IF FOUND THEN
			RETURN jsonb_build_object('code', 'lesson_locked',
			    'message', format('Finish the lesson "%s" first.',
			    v_before.title),
			    'unlock', jsonb_build_object('reason', 'lesson',
			    'lesson_id', v_before.id, 'title', v_before.title));
		END IF;
	END IF;
	RETURN NULL;
END;
$$;

-- PostgreSQL plans a SQL-language function that it cannot inline anew on
-- every call; PL/pgSQL keeps the plan of its statements for the session.
-- learning.percent, resume_lesson and module_done (and content.can_edit)
-- run once per lesson or enrollment in the hottest statements (progress,
-- my enrollments, lessons), so they are PL/pgSQL around plain queries.
-- Measured with pgbench on the bench data: my enrollments 1772 -> 5139/s,
-- progress 1434 -> 2331/s (docs/BENCHMARKS.md).
--
-- A completed enrollment stays at 100 % when lessons are added later: its
-- completion stands (completed_at is never cleared).
CREATE OR REPLACE FUNCTION learning.percent(p_enrollment uuid, p_course uuid)
RETURNS int LANGUAGE plpgsql STABLE AS $$
BEGIN
	IF EXISTS (SELECT 1 FROM enrollments e WHERE e.id = p_enrollment
	    AND e.completed_at IS NOT NULL) THEN
		RETURN 100;
	END IF;
	RETURN (SELECT CASE WHEN count(l.id) = 0 THEN 0 ELSE
	    (100 * count(lp.completed_at) / count(l.id))::int END
	FROM lessons l LEFT JOIN lesson_progress lp ON lp.lesson_id = l.id
	    AND lp.enrollment_id = p_enrollment
	WHERE l.course_id = p_course);
END;
$$;

-- Where to resume: the last lesson touched if not complete, else the
-- first lesson not completed, else the first lesson.
CREATE OR REPLACE FUNCTION learning.resume_lesson(p_enrollment uuid)
RETURNS uuid LANGUAGE plpgsql STABLE AS $$
BEGIN
	RETURN coalesce(
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
END;
$$;

/*
 * Sets completed_at when the rule holds: every lesson completed and every
 * required quiz passed. Call with the enrollment row locked. Returns true
 * when this call completed the course, and then enqueues the certificate in
 * the same transaction (once per enrollment: the dedupe key).
 */
CREATE OR REPLACE FUNCTION learning.complete_if_done(p_enrollment uuid)
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
	WHERE id = e.id AND completed_at IS NULL
	RETURNING completed_at INTO e.completed_at;
	IF NOT FOUND THEN
		RETURN false;
	END IF;
	-- One job a completion: a later round (after the certificate
	-- expired) completes again with a new completed_at, and a new key.
	PERFORM jobs.enqueue('certificate_issue',
	    jsonb_build_object('enrollment_id', e.id),
	    'certificate_issue:' || e.id || ':' ||
		extract(epoch FROM e.completed_at));
	RETURN true;
END;
$$;

CREATE OR REPLACE FUNCTION learning.enrollment_json(e enrollments, c courses)
RETURNS jsonb LANGUAGE sql STABLE AS $$
	SELECT jsonb_build_object(
	    'course', jsonb_build_object('slug', c.slug, 'title', c.title,
		'language', c.language),
	    'course_slug', c.slug,
	    'enrolled_at', e.enrolled_at,
	    'last_activity_at', e.last_activity_at,
	    'completed_at', e.completed_at,
	    'percent', learning.percent(e.id, c.id),
	    -- A lesson of an unpublished course may be a draft's.
	    'resume_lesson_id', CASE WHEN c.status = 'published'
		THEN learning.resume_lesson(e.id) END);
$$;

/*
 * Enrolls a user: idempotent; a learner who left comes back to the same
 * enrollment and progress. Windows and capacity are checked with the
 * course row locked, so the last seat is given once.
 */
CREATE OR REPLACE FUNCTION learning.enroll(p_uid uuid, p_course uuid,
    p_source text)
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
	PERFORM mail.enrollment(e.id);
	RETURN QUERY SELECT 'enrolled', e;
END;
$$;

/*
 * A new course version moves in-progress learners to it; completed
 * enrollments keep theirs. A version that removed what a learner had left
 * to do completes the course for them, here, in the upload's transaction.
 * The UPDATE locks each moved enrollment, as complete_if_done asks; only
 * those with every remaining lesson completed can be done, so the rule
 * (which also checks quizzes) runs for those alone.
 */
CREATE OR REPLACE FUNCTION learning.follow_new_version()
RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
	v_ids	uuid[];
BEGIN
	IF NEW.version = OLD.version THEN
		RETURN NEW;
	END IF;
	WITH moved AS (
		UPDATE enrollments SET course_version = NEW.version
		WHERE course_id = NEW.id AND completed_at IS NULL
		RETURNING id)
	SELECT array_agg(m.id) INTO v_ids FROM moved m
	WHERE NOT EXISTS (SELECT 1 FROM lessons l
	    WHERE l.course_id = NEW.id AND NOT EXISTS (
		SELECT 1 FROM lesson_progress lp WHERE lp.enrollment_id = m.id
		  AND lp.lesson_id = l.id AND lp.completed_at IS NOT NULL));
	PERFORM learning.complete_if_done(x) FROM unnest(v_ids) x;
	RETURN NEW;
END;
$$;

CREATE OR REPLACE TRIGGER courses_follow_new_version
    AFTER UPDATE OF version ON courses
    FOR EACH ROW EXECUTE FUNCTION learning.follow_new_version();

/*
 * Locks a course's current enrollments, for a change that removes lessons
 * (a module upload or delete, with the course row locked): call it before
 * the DELETE. A progress beat locks its enrollment and only then writes
 * rows that reference the lesson (the foreign keys lock the lesson); the
 * DELETE locks the lesson and then, by its cascades, the progress rows
 * and enrollments that point at it. Taken the other way round, a beat
 * met a lesson deleted under it (sql error 23503, answered 500) or a
 * deadlock. With the enrollments taken first, in one order, a beat either
 * finishes before the removal or starts after it and finds the lesson
 * gone (api.progress_put checks again under its lock). Learners who left
 * cannot beat (progress_put checks left_at under the lock), so the
 * partial index serves. The upload's learning.follow_new_version locks
 * these rows anyway: this only takes them sooner.
 */
CREATE OR REPLACE FUNCTION learning.enrollments_lock(p_course uuid)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	PERFORM 1 FROM enrollments WHERE course_id = p_course
	    AND left_at IS NULL ORDER BY id FOR NO KEY UPDATE;
END;
$$;

/*
 * The learner's clock: p_claim seconds that a beat may credit by its
 * lesson's own caps, cut to what the wall clock leaves. The beat claims
 * the real time (now - p_claim, now]; what of it lies before
 * credited_until was credited already (to this or another lesson or
 * course) and is not credited again, and credited_until may run ahead of
 * now() by the slack at most. So the time credited to a learner,
 * everywhere, is a set of disjoint stretches of real time between their
 * first beat and now() plus the slack: never more than the time since
 * their first beat plus 30 s, however many beats arrive at once (in one
 * course, whose first beat may claim 30 s before it, a minute). Steady
 * reading loses nothing: a beat that claims the time since the previous
 * one is credited in full. Beats of one learner queue on the row (one
 * upsert; a beat that claims nothing does not touch it). Returns the
 * credit, also kept in the row.
 */
CREATE OR REPLACE FUNCTION learning.clock_credit(p_uid uuid, p_claim int)
RETURNS int LANGUAGE plpgsql AS $$
DECLARE
	v_claim		interval := make_interval(secs => p_claim);
	v_slack		interval :=
	    make_interval(secs => learning.beat_slack());
	v_credit	int;
BEGIN
	IF p_claim <= 0 THEN
		RETURN 0;
	END IF;
	-- One statement: the row is made, or locked and advanced from its
	-- latest version. credited_until moves to the end of what was
	-- credited (up to a second further, when the slack cuts the claim).
	INSERT INTO learner_clocks AS k (user_id, credited_until, credit)
	VALUES (p_uid, now() + least(v_claim, v_slack),
	    least(p_claim, learning.beat_slack()))
	ON CONFLICT (user_id) DO UPDATE SET
	    credit = greatest(least(p_claim, floor(extract(epoch FROM now()
		+ v_slack - greatest(k.credited_until, now() - v_claim)))), 0),
	    credited_until = greatest(k.credited_until, least(now() + v_slack,
		greatest(k.credited_until, now() - v_claim) + v_claim))
	RETURNING credit INTO v_credit;
	RETURN v_credit;
END;
$$;

-- The caller's access to a lesson: the lesson and course, and the
-- enrollment when the caller is a learner on it. Instructors of the
-- course and admins read every lesson; others must be enrolled.
CREATE OR REPLACE FUNCTION learning.lesson_access(p_uid uuid, p_role user_role,
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

-- How long a beat's answer is kept for replays. The browser's queue drops
-- a beat 30 days after it was made (MAX_AGE_MS in assets/beats.js), so a
-- key the browser may still send is always recognised.
CREATE OR REPLACE FUNCTION learning.beat_retention()
RETURNS interval LANGUAGE sql IMMUTABLE AS $$ SELECT interval '31 days' $$;

-- The advisory lock that serialises the beats carrying one user's key: a
-- duplicate sent at once waits for the first and is then answered as a
-- replay (or refused as a reuse), never by a unique violation. A hash
-- collision between two keys only makes two beats queue.
CREATE OR REPLACE FUNCTION learning.beat_lock_key(p_uid uuid, p_key text)
RETURNS bigint LANGUAGE sql IMMUTABLE AS $$
	SELECT hashtextextended('progress_beat:' || p_uid::text || ':' || p_key,
	    0);
$$;

/*
 * Deletes at most p_limit beats older than the retention, oldest first,
 * by progress_beats_created_idx; returns how many. progress_put calls it
 * from one beat in learning.beat_purge_every() (chosen by the key's hash,
 * so it is one round trip still and needs no scheduled job): those beats
 * delete up to 256 rows, 4 a beat on average, faster than beats arrive,
 * so the table stays bounded by the retention and a backlog (a first
 * deploy on an old table) drains. In batches, because the cost is mostly
 * per call, not per row: measured (track_functions, 300,000-row table) a
 * call that finds nothing costs 0.04 ms, one that deletes 1 row 0.35 ms
 * (mostly the walk past index entries of rows deleted before, until
 * VACUUM), one that deletes 256 rows 1.6 to 3.8 ms. Against a beat's
 * 0.4 to 0.6 ms, purging on every beat would add half; purging in batches
 * adds 0.02 to 0.05 ms a beat on average, within the run-to-run noise.
 * SKIP LOCKED keeps two purging beats off each other's rows.
 * Operations may run it with a larger limit too, for example
 * SELECT learning.beats_purge(100000).
 */
CREATE OR REPLACE FUNCTION learning.beats_purge(p_limit int DEFAULT 256)
RETURNS int LANGUAGE plpgsql AS $$
DECLARE
	n	int;
BEGIN
	DELETE FROM progress_beats b WHERE (b.user_id, b.key) IN (
	    SELECT x.user_id, x.key FROM progress_beats x
	    WHERE x.created_at < now() - learning.beat_retention()
	    ORDER BY x.created_at LIMIT p_limit
	    FOR UPDATE SKIP LOCKED);
	GET DIAGNOSTICS n = ROW_COUNT;
	RETURN n;
END;
$$;

-- One new beat in this many purges expired beats (learning.beats_purge).
CREATE OR REPLACE FUNCTION learning.beat_purge_every()
RETURNS int LANGUAGE sql IMMUTABLE AS $$ SELECT 64 $$;

/*
 * What an unfinished module still asks of an enrollment, as the error a
 * lesson behind it answers: its lessons not completed, its required quiz
 * not passed, or both. unlock keeps module_id and title (the browser pages
 * read them) and adds reason, lessons and quiz_id.
 */
CREATE OR REPLACE FUNCTION learning.module_lock(p_enrollment uuid,
    p_module uuid)
RETURNS jsonb LANGUAGE plpgsql STABLE AS $$
DECLARE
	v_title		text;
	v_lessons	jsonb;
	v_left		int;
	q		record;
	v_reason	text;
	v_msg		text;
BEGIN
	SELECT title INTO v_title FROM modules WHERE id = p_module;
	SELECT jsonb_agg(jsonb_build_object('id', l.id, 'title', l.title)
	    ORDER BY l.position) INTO v_lessons
	FROM lessons l LEFT JOIN lesson_progress lp ON lp.lesson_id = l.id
	    AND lp.enrollment_id = p_enrollment
	WHERE l.module_id = p_module AND lp.completed_at IS NULL;
	SELECT z.id, z.title INTO q FROM quizzes z
	WHERE z.module_id = p_module AND z.required AND NOT EXISTS (
	    SELECT 1 FROM quiz_passes qp WHERE qp.quiz_id = z.id
	      AND qp.enrollment_id = p_enrollment);

	v_left := coalesce(jsonb_array_length(v_lessons), 0);
	IF v_left = 1 THEN
		v_msg := format('Finish the lesson "%s" of the module "%s"',
		    v_lessons->0->>'title', v_title);
	ELSIF v_left > 1 THEN
		v_msg := format('Finish the %s lessons left in the module "%s"',
		    v_left, v_title);
	END IF;
	IF v_left > 0 AND q.id IS NOT NULL THEN
		v_reason := 'module_lessons_and_quiz';
		v_msg := format('%s and pass its quiz "%s" first.', v_msg,
		    q.title);
	ELSIF v_left > 0 THEN
		v_reason := 'module_lessons';
		v_msg := v_msg || ' first.';
	ELSE
		v_reason := 'quiz';
		v_msg := format('Pass the quiz "%s" of the module "%s" first.',
		    q.title, v_title);
	END IF;
	RETURN jsonb_build_object('code', 'lesson_locked', 'message', v_msg,
	    'unlock', jsonb_strip_nulls(jsonb_build_object('reason', v_reason,
	    'module_id', p_module, 'title', v_title, 'lessons', v_lessons,
	    'quiz_id', q.id, 'quiz_title', q.title)));
END;
$$;

/*
 * A quiz pass can be the last piece of a course. The quiz engine inserts
 * the pass; these triggers lock the enrollment first (before the foreign
 * key's share lock, so two passes recorded at once queue rather than
 * deadlock upgrading it) and then apply the rule in the same transaction,
 * serialised with progress beats, which lock the same row.
 */
CREATE OR REPLACE FUNCTION learning.quiz_pass_lock()
RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	PERFORM 1 FROM enrollments WHERE id = NEW.enrollment_id FOR UPDATE;
	RETURN NEW;
END;
$$;

CREATE OR REPLACE TRIGGER quiz_passes_lock_enrollment
    BEFORE INSERT ON quiz_passes
    FOR EACH ROW EXECUTE FUNCTION learning.quiz_pass_lock();

CREATE OR REPLACE FUNCTION learning.quiz_pass_complete()
RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	PERFORM learning.complete_if_done(NEW.enrollment_id);
	RETURN NULL;
END;
$$;

CREATE OR REPLACE TRIGGER quiz_passes_complete AFTER INSERT ON quiz_passes
    FOR EACH ROW EXECUTE FUNCTION learning.quiz_pass_complete();

-- The published course at this address, else a 404: what a learner may
-- enroll in (api.enroll) or take again (api.enrollment_renew).
CREATE OR REPLACE FUNCTION learning.published_course(p_slug text)
RETURNS courses
LANGUAGE plpgsql STABLE AS $$
DECLARE
	c	courses;
BEGIN
	SELECT * INTO c FROM courses WHERE slug = p_slug AND status = 'published';
	IF NOT FOUND THEN
		PERFORM api.refuse(404, 'course_not_found',
		    'No course has that address.');
	END IF;
	RETURN c;
END;
$$;

CREATE OR REPLACE FUNCTION api.enroll(p_uid uuid, p_sid uuid, p_slug text)
RETURNS api.reply
LANGUAGE plpgsql AS $$
DECLARE
	c	courses;
	r	record;
BEGIN
	PERFORM auth.check(p_uid, p_sid);
	c := learning.published_course(p_slug);
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
CREATE OR REPLACE FUNCTION api.unenroll(p_uid uuid, p_sid uuid, p_slug text)
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

/*
 * The caller's current enrollments, most recent activity first: as
 * learning.enrollment_json answers each, in one statement (issue 25: a
 * call of learning.percent and resume_lesson per enrollment, each a few
 * statements, ran at 0.25 of what the database can do). percent: 100 once
 * completed, else the share of the course's lessons completed, counted
 * as the enrollment's completed progress rows over the course's lessons
 * (an enrollment has progress rows only in its course's lessons: beats
 * write them, and a lesson's removal takes its rows), two index range
 * scans rather than a probe a lesson; resume
 * (published courses only): the last lesson touched if not completed,
 * else the first lesson not completed in reading order, else the first.
 */
CREATE OR REPLACE FUNCTION api.my_enrollments(p_uid uuid, p_sid uuid)
RETURNS api.reply
LANGUAGE plpgsql STABLE AS $$
DECLARE
	v_body	text;
BEGIN
	SELECT coalesce((SELECT json_agg(jsonb_build_object(
	    'course', jsonb_build_object('slug', c.slug, 'title', c.title,
		'language', c.language),
	    'course_slug', c.slug,
	    'enrolled_at', e.enrolled_at,
	    'last_activity_at', e.last_activity_at,
	    'completed_at', e.completed_at,
	    'percent', CASE WHEN e.completed_at IS NOT NULL THEN 100 ELSE
		coalesce((100 * (SELECT count(*) FROM lesson_progress lp
		    WHERE lp.enrollment_id = e.id
		      AND lp.completed_at IS NOT NULL)
		/ nullif((SELECT count(*) FROM lessons l
		    WHERE l.course_id = c.id), 0))::int, 0) END,
	    'resume_lesson_id', CASE WHEN c.status = 'published' THEN
		coalesce(
		    (SELECT e.last_lesson_id FROM lesson_progress lp
		    WHERE lp.enrollment_id = e.id
		      AND lp.lesson_id = e.last_lesson_id
		      AND lp.completed_at IS NULL),
		    (SELECT l.id FROM lessons l
		    JOIN modules m ON m.id = l.module_id
		    WHERE l.course_id = e.course_id AND NOT EXISTS (
			SELECT 1 FROM lesson_progress lp
			WHERE lp.enrollment_id = e.id AND lp.lesson_id = l.id
			  AND lp.completed_at IS NOT NULL)
		    ORDER BY m.position, l.position LIMIT 1),
		    (SELECT l.id FROM lessons l
		    JOIN modules m ON m.id = l.module_id
		    WHERE l.course_id = e.course_id
		    ORDER BY m.position, l.position LIMIT 1)) END)
		ORDER BY coalesce(e.last_activity_at, e.enrolled_at) DESC)
	    FROM enrollments e JOIN courses c ON c.id = e.course_id
	    WHERE e.user_id = p_uid AND e.left_at IS NULL), '[]')::text
	INTO v_body
	FROM auth.live_role(p_uid, p_sid) u;
	IF NOT FOUND THEN
		PERFORM api.refuse(401, 'session_ended',
		    'This session has ended; sign in again.');
	END IF;
	RETURN ROW(200, '{"enrollments" : ' || v_body || '}')::api.reply;
END;
$$;

/*
 * A lesson's answer without the reader's progress: what every reader of
 * the lesson is sent alike, the JSON object api.lesson_get and
 * api.lesson_read hand to src/learning.c, which keeps it by lesson and
 * version (src/lesson_cache.c) and adds "progress" as the object's last
 * member. Before and after are in reading order (module position, then
 * lesson position, as learning.course_lessons numbers them).
 */
CREATE OR REPLACE FUNCTION learning.lesson_head(p_lesson uuid)
RETURNS text LANGUAGE plpgsql STABLE AS $$
DECLARE
	v_head	text;
BEGIN
	SELECT json_build_object(
	    'id', l.id, 'key', l.key, 'title', l.title,
	    'minutes', l.minutes, 'html', l.html,
	    'video', CASE WHEN l.video_url IS NULL THEN NULL ELSE
		json_build_object('url', l.video_url, 'captions_url',
		CASE WHEN l.captions_sha256 IS NULL THEN NULL
		ELSE '/api/v1/media/' || l.captions_sha256 END) END,
	    'attachments', (SELECT coalesce(json_agg(json_build_object(
		'name', x->>'name', 'content_type', x->>'content_type',
		'size', (x->>'size')::int,
		'url', '/api/v1/media/' || (x->>'sha256'))), '[]')
		FROM jsonb_array_elements(l.attachments) x),
	    'course', json_build_object('slug', c.slug,
		'title', c.title, 'language', c.language),
	    'module', json_build_object('key', m.key, 'title', m.title),
	    'prev', (SELECT json_build_object('id', p.id, 'title', p.title)
		FROM lessons p JOIN modules pm ON pm.id = p.module_id
		WHERE p.course_id = l.course_id
		  AND (pm.position, p.position) < (m.position, l.position)
		ORDER BY pm.position DESC, p.position DESC LIMIT 1),
	    'next', (SELECT json_build_object('id', n.id, 'title', n.title)
		FROM lessons n JOIN modules nm ON nm.id = n.module_id
		WHERE n.course_id = l.course_id
		  AND (nm.position, n.position) > (m.position, l.position)
		ORDER BY nm.position, n.position LIMIT 1))::text
	INTO v_head
	FROM lessons l JOIN modules m ON m.id = l.module_id
	JOIN courses c ON c.id = l.course_id
	WHERE l.id = p_lesson;
	RETURN v_head;
END;
$$;

/*
 * What names a lesson's head: it changes whenever the head may. The
 * course's outline (its entity tag) holds the course's title and language,
 * every module's key and title and every lesson's title and place, so
 * prev and next; the lesson's updated_at moves when an upload rewrites
 * its body, video or attachments (content.module_import). STABLE, as
 * extract() on a timestamptz is: declared IMMUTABLE it would not be
 * inlined, and each call would parse and plan its body again.
 */
CREATE OR REPLACE FUNCTION learning.lesson_version(p_etag text,
    p_updated_at timestamptz)
RETURNS text LANGUAGE sql STABLE AS $$
	SELECT coalesce(p_etag, '') || ':'
	    || floor(extract(epoch FROM p_updated_at) * 1000000)::bigint;
$$;

/*
 * A reader's progress in a lesson as the lesson's answer holds it, or NULL
 * for none (a row of the null side of an outer join). A one-expression SQL
 * function, STABLE as json_build_object is: PostgreSQL inlines it.
 */
CREATE OR REPLACE FUNCTION learning.lesson_progress_json(p lesson_progress)
RETURNS text LANGUAGE sql STABLE AS $$
	SELECT CASE WHEN p.enrollment_id IS NOT NULL THEN json_build_object(
	    'status', CASE WHEN p.completed_at IS NOT NULL THEN 'completed'
		ELSE 'in_progress' END,
	    'position', p.position, 'time_spent', p.time_spent)::text END;
$$;

/*
 * A lesson for its reader, the slow and rare way: for staff, a learner
 * not enrolled, a course not published, a session ended or a lesson
 * unknown, when api.lesson_read answers status 0 or nothing. The rules
 * of learning.lesson_access and lesson_lock decide, staff
 * (content.can_edit) first. Answers as api.lesson_read does: status 200
 * with the progress as body (null when the reader has none) and the head
 * with its version; 403 with the lock as body; refusals raised.
 */
CREATE OR REPLACE FUNCTION api.lesson_get(p_uid uuid, p_sid uuid,
    p_lesson uuid, OUT status int, OUT body text, OUT version text,
    OUT head text)
LANGUAGE plpgsql STABLE AS $$
DECLARE
	v	record;
	v_lock	jsonb;
BEGIN
	SELECT u.role, l.id AS lesson_id, l.course_id, c.status,
	    c.sequential OR m.requires_previous AS lockable,
	    e.id AS enrollment_id,
	    learning.lesson_version(c.outline_etag, l.updated_at) AS version,
	    (SELECT learning.lesson_progress_json(lp) FROM lesson_progress lp
		WHERE lp.enrollment_id = e.id AND lp.lesson_id = l.id)
		AS progress
	INTO v
	FROM auth.live_role(p_uid, p_sid) u
	LEFT JOIN lessons l ON l.id = p_lesson
	LEFT JOIN modules m ON m.id = l.module_id
	LEFT JOIN courses c ON c.id = l.course_id
	LEFT JOIN enrollments e ON e.user_id = p_uid
	    AND e.course_id = l.course_id AND e.left_at IS NULL;
	IF NOT FOUND THEN
		PERFORM api.refuse(401, 'session_ended',
		    'This session has ended; sign in again.');
	END IF;
	IF v.lesson_id IS NULL THEN
		PERFORM api.refuse(404, 'lesson_not_found', 'No such lesson.');
	END IF;
	IF (v.enrollment_id IS NULL OR v.status <> 'published' OR v.lockable)
	    AND NOT content.can_edit(p_uid, v.role, v.course_id) THEN
		IF v.status <> 'published' THEN
			PERFORM api.refuse(404, 'lesson_not_found',
			    'No such lesson.');
		END IF;
		IF v.enrollment_id IS NULL THEN
			PERFORM api.refuse(403, 'not_enrolled',
			    'Enroll in this course to read its lessons.');
		END IF;
		v_lock := learning.lesson_lock(v.enrollment_id, p_lesson);
		IF v_lock IS NOT NULL THEN
			status := 403;
			body := jsonb_build_object('error', v_lock)::text;
			RETURN;
		END IF;
	END IF;
	status := 200;
	body := v.progress;
	version := v.version;
	head := learning.lesson_head(p_lesson);
END;
$$;

/*
 * A lesson for an enrolled learner of a published course, the hot path
 * (issue 25): one SELECT of primary-key and unique-index lookups, as the
 * minimal statement of tests/bench/minimal/lesson.sql, inlined into the
 * caller's statement (a one-SELECT SQL function). The head is sent only
 * when p_version, the version the worker holds, is not the lesson's own.
 * Status 200: body the progress (null when none); 403: body the lock
 * (learning.lesson_lock, asked only of lessons a rule can lock); 0, or
 * no row (the session ended): api.lesson_get decides.
 */
CREATE OR REPLACE FUNCTION api.lesson_read(p_uid uuid, p_sid uuid,
    p_lesson uuid, p_version text)
RETURNS TABLE (status int, body text, version text, head text)
LANGUAGE sql STABLE AS $$
	SELECT x.status,
	    CASE x.status WHEN 200 THEN x.progress
		WHEN 403 THEN jsonb_build_object('error', x.lock)::text END,
	    x.version,
	    CASE WHEN x.status = 200 AND x.version <> p_version
		THEN learning.lesson_head(p_lesson) END
	FROM (
		SELECT CASE WHEN l.id IS NULL OR e.id IS NULL
			OR c.status <> 'published' THEN 0
		    WHEN k.lock IS NOT NULL THEN 403 ELSE 200 END AS status,
		    k.lock,
		    learning.lesson_version(c.outline_etag, l.updated_at)
			AS version,
		    learning.lesson_progress_json(lp) AS progress
		FROM auth.live_role(p_uid, p_sid) u
		LEFT JOIN lessons l ON l.id = p_lesson
		LEFT JOIN modules m ON m.id = l.module_id
		LEFT JOIN courses c ON c.id = l.course_id
		LEFT JOIN enrollments e ON e.user_id = p_uid
		    AND e.course_id = l.course_id AND e.left_at IS NULL
		LEFT JOIN lesson_progress lp ON lp.enrollment_id = e.id
		    AND lp.lesson_id = l.id
		LEFT JOIN LATERAL (SELECT CASE WHEN e.id IS NOT NULL
		    AND (c.sequential OR m.requires_previous)
		    THEN learning.lesson_lock(e.id, l.id) END AS lock) k ON true
	) x;
$$;

/*
 * The enrollment a beat writes under, locked, for callers the fast path of
 * api.progress_put did not find: staff of an unpublished course, or a
 * refusal (the session ended, no such lesson, not enrolled), decided by
 * learning.lesson_access's rules as before.
 */
CREATE OR REPLACE FUNCTION learning.beat_enrollment(p_uid uuid, p_sid uuid,
    p_lesson uuid)
RETURNS enrollments LANGUAGE plpgsql AS $$
DECLARE
	a	record;
	e	enrollments;
BEGIN
	SELECT u.role, l.id AS lesson_id, l.course_id, c.status,
	    x.id AS enrollment_id
	INTO a
	FROM auth.live_role(p_uid, p_sid) u
	LEFT JOIN lessons l ON l.id = p_lesson
	LEFT JOIN courses c ON c.id = l.course_id
	LEFT JOIN enrollments x ON x.user_id = p_uid
	    AND x.course_id = l.course_id AND x.left_at IS NULL;
	IF NOT FOUND THEN
		PERFORM api.refuse(401, 'session_ended',
		    'This session has ended; sign in again.');
	END IF;
	IF a.lesson_id IS NULL THEN
		PERFORM api.refuse(404, 'lesson_not_found', 'No such lesson.');
	END IF;
	IF NOT content.can_edit(p_uid, a.role, a.course_id) THEN
		IF a.status <> 'published' THEN
			PERFORM api.refuse(404, 'lesson_not_found',
			    'No such lesson.');
		END IF;
		PERFORM api.refuse(403, 'not_enrolled',
		    'Enroll in this course to read its lessons.');
	END IF;
	SELECT * INTO e FROM enrollments WHERE id = a.enrollment_id
	    AND left_at IS NULL FOR UPDATE;
	IF NOT FOUND THEN
		PERFORM api.refuse(403, 'not_enrolled',
		    'Enroll in this course to record progress.');
	END IF;
	RETURN e;
END;
$$;

-- How stale enrollments.last_activity_at may grow while a learner reads
-- on: a beat writes it only when it is older (or the lesson changed). It
-- orders "my enrollments" and counts the reports' "active in 30 days";
-- written on every beat it cost a non-HOT update of the enrollment, an
-- entry in each of its indexes, on every beat (issue 25).
CREATE OR REPLACE FUNCTION learning.activity_resolution()
RETURNS interval LANGUAGE sql IMMUTABLE AS $$ SELECT interval '5 minutes' $$;

/*
 * One progress beat. The Idempotency-Key names one request of one user:
 * sent again with the same lesson and body it gets the first answer back
 * and changes nothing; sent with another lesson or body it is refused
 * (422 idempotency_key_reused, as the IETF Idempotency-Key draft asks);
 * sent twice at once, the second waits on the key's advisory lock and is
 * then answered as a replay. Time credited is capped three times: in a
 * lesson, by the wall clock since its previous beat plus a slack, and in
 * total by the wall clock since its first beat plus the slack; and across
 * all the learner's lessons and courses by their clock
 * (learning.clock_credit), so concurrent or replayed beats cannot add up
 * to more time than has passed.
 *
 * The statements are few (issue 25). The first finds the session, the
 * lesson and the enrollment of a published course, and locks the
 * enrollment, which serialises every write of this learner in this
 * course (learning.beat_enrollment takes the other callers). Under the
 * lock, one statement reads afresh what may have changed while it waited
 * (a module upload may have removed the lesson: it locks the enrollments
 * first, learning.enrollments_lock), whether a rule can lock the lesson,
 * the progress row and the counts for the percent. The progress row is
 * written by one upsert; the enrollment only when the lesson changed (a
 * HOT update: last_lesson_id is in no index) or its last activity is
 * older than learning.activity_resolution().
 */
CREATE OR REPLACE FUNCTION api.progress_put(p_uid uuid, p_sid uuid,
    p_lesson uuid, p_key text, p_position real, p_delta int,
    p_completed boolean)
RETURNS api.reply
LANGUAGE plpgsql AS $$
DECLARE
	e		enrollments;
	v		record;
	lp		lesson_progress;
	b		progress_beats;
	v_request	jsonb;
	v_key_hash	bigint := learning.beat_lock_key(p_uid, p_key);
	v_lock		jsonb;
	v_credit	int;
	v_done		boolean := false;
	v_percent	int;
	v_body		jsonb;
BEGIN
	SELECT x.* INTO e
	FROM auth.live_role(p_uid, p_sid) u
	JOIN lessons l ON l.id = p_lesson
	JOIN courses c ON c.id = l.course_id AND c.status = 'published'
	JOIN enrollments x ON x.user_id = p_uid AND x.course_id = l.course_id
	    AND x.left_at IS NULL
	FOR UPDATE OF x;
	IF NOT FOUND THEN
		e := learning.beat_enrollment(p_uid, p_sid, p_lesson);
	END IF;

	v_request := jsonb_build_object('position', p_position,
	    'time_spent_delta', p_delta, 'completed', p_completed);
	PERFORM pg_advisory_xact_lock(v_key_hash);
	SELECT * INTO b FROM progress_beats
	WHERE user_id = p_uid AND key = p_key;
	IF FOUND THEN
		IF b.lesson_id <> p_lesson OR b.request <> v_request THEN
			PERFORM api.refuse(422, 'idempotency_key_reused',
			    'This Idempotency-Key was sent before with another '
			    'lesson or body; send each beat with a new key.');
		END IF;
		RETURN api.ok(b.response::json);
	END IF;

	SELECT c.sequential OR m.requires_previous AS lockable,
	    p.time_spent, p.first_beat_at, p.last_beat_at,
	    p.completed_at IS NOT NULL AS was_done,
	    (SELECT count(*) FROM lessons k WHERE k.course_id = l.course_id)
		AS lessons,
	    (SELECT count(*) FROM lesson_progress d WHERE d.enrollment_id = e.id
		AND d.completed_at IS NOT NULL) AS done
	INTO v
	FROM lessons l JOIN modules m ON m.id = l.module_id
	JOIN courses c ON c.id = l.course_id
	LEFT JOIN lesson_progress p ON p.enrollment_id = e.id
	    AND p.lesson_id = l.id
	WHERE l.id = p_lesson;
	IF NOT FOUND THEN
		PERFORM api.refuse(404, 'lesson_not_found', 'No such lesson.');
	END IF;
	IF v.lockable THEN
		v_lock := learning.lesson_lock(e.id, p_lesson);
		IF v_lock IS NOT NULL THEN
			RETURN ROW(403, jsonb_build_object('error', v_lock)
			    ::text)::api.reply;
		END IF;
	END IF;

	-- A first beat starts the lesson's clocks now: its credit is capped
	-- by the slack alone.
	v_credit := least(greatest(p_delta, 0),
	    coalesce(extract(epoch FROM now() - v.last_beat_at)::int, 0)
		+ learning.beat_slack(),
	    coalesce(extract(epoch FROM now() - v.first_beat_at)::int, 0)
		+ learning.beat_slack() - coalesce(v.time_spent, 0));
	v_credit := learning.clock_credit(p_uid, greatest(v_credit, 0));

	-- Only beats write progress rows, under the enrollment's lock.
	INSERT INTO lesson_progress AS x (enrollment_id, lesson_id, position,
	    time_spent, last_beat_at, completed_at)
	VALUES (e.id, p_lesson, greatest(least(p_position, 1e9), 0), v_credit,
	    now(), CASE WHEN p_completed THEN now() END)
	ON CONFLICT (enrollment_id, lesson_id) DO UPDATE SET
	    position = EXCLUDED.position,
	    time_spent = x.time_spent + EXCLUDED.time_spent,
	    last_beat_at = now(),
	    completed_at = coalesce(x.completed_at, EXCLUDED.completed_at),
	    updated_at = now()
	RETURNING * INTO lp;

	IF e.last_lesson_id IS DISTINCT FROM p_lesson OR
	    e.last_activity_at IS NULL OR
	    e.last_activity_at < now() - learning.activity_resolution() THEN
		UPDATE enrollments SET last_lesson_id = p_lesson,
		    last_activity_at = CASE WHEN last_activity_at IS NULL OR
			last_activity_at < now() - learning.activity_resolution()
			THEN now() ELSE last_activity_at END
		WHERE id = e.id;
	END IF;

	-- The lessons completed now, this one counted. Completion
	-- (learning.complete_if_done, which also asks the required quizzes)
	-- is asked only once every lesson is completed, and never of an
	-- enrollment completed already (the row is locked).
	v.done := v.done + CASE WHEN lp.completed_at IS NOT NULL AND
	    NOT coalesce(v.was_done, false) THEN 1 ELSE 0 END;
	IF lp.completed_at IS NOT NULL AND e.completed_at IS NULL AND
	    v.done >= v.lessons THEN
		v_done := learning.complete_if_done(e.id);
	END IF;
	IF v_done THEN
		SELECT * INTO e FROM enrollments WHERE id = e.id;
	END IF;
	IF e.completed_at IS NOT NULL THEN
		v_percent := 100;
	ELSIF v.lessons = 0 THEN
		v_percent := 0;
	ELSE
		v_percent := (100 * v.done / v.lessons)::int;
	END IF;

	v_body := jsonb_build_object('lesson_id', p_lesson,
	    'status', CASE WHEN lp.completed_at IS NOT NULL THEN 'completed'
		ELSE 'in_progress' END,
	    'position', lp.position, 'time_spent', lp.time_spent,
	    'credited', v_credit,
	    'course', jsonb_build_object(
		'percent', v_percent,
		'completed_at', e.completed_at,
		'completed_now', v_done));
	INSERT INTO progress_beats (user_id, key, lesson_id, response, request)
	VALUES (p_uid, p_key, p_lesson, v_body, v_request);
	IF v_key_hash % learning.beat_purge_every() = 0 THEN
		PERFORM learning.beats_purge();
	END IF;
	RETURN api.ok(v_body::json);
END;
$$;

/*
 * An unpublished course is a draft: a new upload may have changed it, and
 * learners read none of it (its outline and lessons are not found). Its
 * learners keep their own standing here (enrolled, percent, completion)
 * but see no module, lesson, quiz or place to resume until it is
 * published again; its instructors see the draft.
 */
CREATE OR REPLACE FUNCTION api.course_progress(p_uid uuid, p_sid uuid,
    p_slug text)
RETURNS api.reply
LANGUAGE plpgsql STABLE AS $$
DECLARE
	v_role	user_role := auth.check(p_uid, p_sid);
	c	courses;
	e	enrollments;
	v_open	boolean;
BEGIN
	SELECT * INTO c FROM courses WHERE slug = p_slug;
	SELECT * INTO e FROM enrollments x
	WHERE x.user_id = p_uid AND x.course_id = c.id;
	IF c.id IS NULL OR e.id IS NULL THEN
		PERFORM api.refuse(404, 'not_enrolled',
		    'You are not enrolled in this course.');
	END IF;
	v_open := c.status = 'published' OR content.can_edit(p_uid, v_role,
	    c.id);

	RETURN api.ok(json_build_object(
	    'slug', c.slug, 'title', c.title,
	    'enrolled', e.left_at IS NULL,
	    'percent', learning.percent(e.id, c.id),
	    'completed_at', e.completed_at,
	    'resume_lesson_id', CASE WHEN v_open
		THEN learning.resume_lesson(e.id) END,
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
		FROM modules m WHERE m.course_id = c.id AND v_open), '[]'),
	    'remaining', json_build_object(
		'lessons', coalesce((SELECT json_agg(l.id ORDER BY cl.ord)
		    FROM learning.course_lessons(c.id) cl
		    JOIN lessons l ON l.id = cl.lesson_id
		    WHERE v_open AND NOT EXISTS (
			SELECT 1 FROM lesson_progress lp
			WHERE lp.enrollment_id = e.id AND lp.lesson_id = l.id
			  AND lp.completed_at IS NOT NULL)), '[]'),
		'quizzes', coalesce((SELECT json_agg(q.id)
		    FROM quizzes q WHERE v_open AND q.course_id = c.id
		      AND q.required AND NOT EXISTS (
			SELECT 1 FROM quiz_passes qp
			WHERE qp.quiz_id = q.id AND qp.enrollment_id = e.id)),
		    '[]'))));
END;
$$;

/*
 * Bulk enrollment by an admin: p_rows is [{"line", "email", "course"}]
 * from a CSV the server has already parsed whole. Each row gets a result;
 * the statement is one transaction. Values are trimmed of spaces and tabs
 * before they are checked. Every course the file names is locked up
 * front, in one order (by id), and held to the end, so two imports naming
 * courses A, B and B, A queue rather than deadlock.
 *
 * The rows are one set, as learning.enroll would answer them one by one
 * in line order: a row for a person already enrolled (or named by an
 * earlier row) is already_enrolled; the free seats of a course go to its
 * new learners in line order, the rest are full. One statement, with each
 * person and enrollment looked up once for all rows: linear in the rows
 * (a loop that looked up and appended row by row took 16 s for 10,000).
 * Without nested loops: PostgreSQL knows jsonb_array_elements as 100 rows
 * whatever the file, and with some statistics it chose a nested loop over
 * a hash join of the CTEs, building the hash again for every row (a
 * 2,000-row import ran 355 s of CPU in a test run, 2 s in another). Hash
 * joins take a bulk import in time linear in its rows and the tables.
 */
CREATE OR REPLACE FUNCTION api.admin_enroll_bulk(p_uid uuid, p_sid uuid,
    p_rows jsonb, p_request_id text)
RETURNS api.reply
LANGUAGE plpgsql
SET enable_nestloop = off AS $$
DECLARE
	v_results	jsonb;
	v_summary	jsonb;
	v_enrolled	bigint;
BEGIN
	PERFORM auth.require(p_uid, p_sid, 'admin');
	PERFORM 1 FROM courses c WHERE c.status = 'published' AND c.slug IN (
	    SELECT btrim(x->>'course', E' \t')
	    FROM jsonb_array_elements(p_rows) x)
	ORDER BY c.id FOR UPDATE;

	WITH r AS (
		SELECT x.n, x.v->'line' AS line,
		    btrim(coalesce(x.v->>'email', ''), E' \t') AS email,
		    btrim(coalesce(x.v->>'course', ''), E' \t') AS slug
		FROM jsonb_array_elements(p_rows) WITH ORDINALITY x(v, n)),
	-- Each row's result, but for rows that may enroll (NULL).
	checked AS (
		SELECT r.*, u.id AS user_id, c.id AS course_id,
		    CASE WHEN r.email !~ '^[^@\s]+@[^@\s]+\.[^@\s]+$'
			OR r.slug !~ '^[a-z0-9]+(-[a-z0-9]+)*$' THEN 'bad_row'
		    WHEN u.id IS NULL THEN 'unknown_email'
		    WHEN c.id IS NULL THEN 'unknown_course'
		    WHEN e.id IS NOT NULL AND e.left_at IS NULL
			THEN 'already_enrolled'
		    WHEN c.enroll_opens_at > now() THEN 'not_open'
		    WHEN c.enroll_closes_at <= now() THEN 'closed'
		    END AS result
		FROM r
		LEFT JOIN users u ON lower(u.email) = lower(r.email)
		    AND u.erased_at IS NULL AND u.disabled_at IS NULL
		LEFT JOIN courses c ON c.slug = r.slug
		    AND c.status = 'published'
		LEFT JOIN enrollments e ON e.user_id = u.id
		    AND e.course_id = c.id),
	-- Each person's first row for a course asks for a seat.
	asks AS (
		SELECT DISTINCT ON (k.user_id, k.course_id) k.n, k.user_id,
		    k.course_id
		FROM checked k WHERE k.result IS NULL
		ORDER BY k.user_id, k.course_id, k.n),
	taken AS (
		SELECT x.course_id, count(*) AS n FROM enrollments x
		WHERE x.left_at IS NULL
		  AND x.course_id IN (SELECT a.course_id FROM asks a)
		GROUP BY x.course_id),
	seated AS (
		SELECT a.*, c.version, c.capacity IS NULL
		    OR coalesce(t.n, 0) + row_number() OVER (
			PARTITION BY a.course_id ORDER BY a.n) <= c.capacity
		    AS seat
		FROM asks a JOIN courses c ON c.id = a.course_id
		LEFT JOIN taken t ON t.course_id = a.course_id),
	enrolled AS (
		INSERT INTO enrollments AS x (user_id, course_id,
		    course_version, source)
		SELECT s.user_id, s.course_id, s.version, 'admin'
		FROM seated s WHERE s.seat
		ON CONFLICT (user_id, course_id) DO UPDATE SET left_at = NULL,
		    course_version = CASE WHEN x.completed_at IS NULL
			THEN EXCLUDED.course_version ELSE x.course_version END),
	answered AS (
		SELECT k.n, k.line, k.email, k.slug, coalesce(k.result,
		    CASE WHEN NOT s.seat THEN 'full'
		    WHEN s.n = k.n THEN 'enrolled'
		    ELSE 'already_enrolled' END) AS result
		FROM checked k LEFT JOIN seated s ON s.user_id = k.user_id
		    AND s.course_id = k.course_id)
	SELECT coalesce(jsonb_agg(jsonb_build_object('line', a.line,
		'email', a.email, 'course', a.slug, 'result', a.result)
		ORDER BY a.n), '[]'),
	    (SELECT jsonb_object_agg(g.result, g.n) FROM (
		SELECT b.result, count(*) AS n FROM answered b GROUP BY 1) g),
	    count(*) FILTER (WHERE a.result = 'enrolled')
	INTO v_results, v_summary, v_enrolled
	FROM answered a;

	PERFORM auth.audit(p_uid, 'enrollment.import', 'enrollments', NULL,
	    p_request_id, jsonb_build_object('rows', jsonb_array_length(p_rows),
	    'enrolled', v_enrolled));
	RETURN api.ok(json_build_object('results', v_results,
	    'summary', v_summary));
END;
$$;
