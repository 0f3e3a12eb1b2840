-- PostgreSQL plans a SQL-language function that it cannot inline anew on
-- every call; PL/pgSQL keeps the plan of its statements for the session.
-- These helpers run once per lesson or enrollment in the hottest
-- statements (progress, my enrollments, lessons), so they become PL/pgSQL
-- with the same queries. Measured with pgbench on the bench data: my
-- enrollments 1772 -> 5139/s, progress 1434 -> 2331/s (docs/BENCHMARKS.md).

CREATE OR REPLACE FUNCTION learning.percent(p_enrollment uuid, p_course uuid)
RETURNS int LANGUAGE plpgsql STABLE AS $$
BEGIN
	RETURN (SELECT CASE WHEN count(l.id) = 0 THEN 0 ELSE
	    (100 * count(lp.completed_at) / count(l.id))::int END
	FROM lessons l LEFT JOIN lesson_progress lp ON lp.lesson_id = l.id
	    AND lp.enrollment_id = p_enrollment
	WHERE l.course_id = p_course);
END;
$$;

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
