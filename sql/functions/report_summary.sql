-- The reports' summary (docs/reports.md, "Summary"), for src/report_summary.c:
-- the whole dashboard in one statement, read only, so that it can run on a
-- read replica (REPORTS_DATABASE_URL).
--
-- A file of sql/functions/: each function, view and trigger here is defined
-- once, in all sql/, with CREATE OR REPLACE; scripts/migrate applies every
-- such file again, in one transaction after the versioned sql/schema/ files,
-- whenever one of them changed. The api schema is rebuilt whole (dropped and
-- created) first, so a changed signature leaves no stale overload.

-- A YYYY-MM-DD query argument as a date, or the 400 naming it.
CREATE OR REPLACE FUNCTION api.report_date(p_name text, p_value text)
RETURNS date LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
	IF p_value IS NULL THEN
		RETURN NULL;
	END IF;
	IF p_value ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' THEN
		BEGIN
			RETURN p_value::date;
		EXCEPTION WHEN datetime_field_overflow OR
		    invalid_datetime_format THEN
			NULL;
		END;
	END IF;
	PERFORM api.refuse(400, 'invalid_query', 'The query argument '''
	    || p_name || ''' must be a date written YYYY-MM-DD.', p_name);
	RETURN NULL;
END;
$$;

/*
 * The summary of the enrollments of the courses the caller may report on
 * (p_all: every course, for an admin; else the courses they own or teach),
 * or of the course p_course, enrolled from p_from to p_to (inclusive,
 * UTC days). An enrollment counts while the learner is in the course, and
 * once completed for good (leaving afterwards does not take a completion
 * back). Erased accounts count: only their country and profession are
 * read, and those stay on the anonymised row.
 */
CREATE OR REPLACE FUNCTION api.report_summary(p_uid uuid, p_sid uuid,
    p_staff text, p_course text, p_from text, p_to text)
RETURNS api.reply
LANGUAGE plpgsql STABLE AS $$
DECLARE
	v_role		user_role := auth.require(p_uid, p_sid,
			    CASE p_staff WHEN 'admin' THEN 'admin'
			    ELSE 'instructor' END::user_role);
	v_from		date := api.report_date('from', p_from);
	v_to		date := api.report_date('to', p_to);
	v_course	uuid;
	v_body		json;
BEGIN
	IF v_from IS NOT NULL AND v_to IS NOT NULL AND v_to < v_from THEN
		PERFORM api.refuse(400, 'invalid_query',
		    'The date ''to'' comes before ''from''.', 'to');
	END IF;
	IF p_course IS NOT NULL THEN
		IF p_course !~ '^[a-z0-9]+(-[a-z0-9]+)*$' OR
		    length(p_course) > 80 THEN
			PERFORM api.refuse(400, 'invalid_query',
			    'The query argument ''course'' must be a course '
			    'address.', 'course');
		END IF;
		SELECT id INTO v_course FROM courses WHERE slug = p_course;
		IF NOT FOUND THEN
			PERFORM api.refuse(404, 'course_not_found',
			    'No course has that address.');
		END IF;
		IF NOT content.can_edit(p_uid, v_role, v_course) THEN
			PERFORM api.refuse(403, 'not_your_course',
			    'You can report only on the courses you teach.');
		END IF;
	END IF;

	WITH scope AS (
		SELECT c.id, c.slug, c.title FROM courses c
		WHERE (v_course IS NULL OR c.id = v_course)
		  AND (v_role = 'admin' OR c.owner_id = p_uid OR EXISTS (
		    SELECT 1 FROM course_instructors ci
		    WHERE ci.course_id = c.id AND ci.user_id = p_uid))
	), e AS MATERIALIZED (
		SELECT e.id, e.course_id, e.enrolled_at, e.completed_at,
		    e.last_activity_at, u.country, u.profession
		FROM scope s
		JOIN enrollments e ON e.course_id = s.id
		JOIN users u ON u.id = e.user_id
		WHERE (e.left_at IS NULL OR e.completed_at IS NOT NULL)
		  AND (v_from IS NULL OR
		    e.enrolled_at >= v_from::timestamp AT TIME ZONE 'UTC')
		  AND (v_to IS NULL OR
		    e.enrolled_at < (v_to + 1)::timestamp AT TIME ZONE 'UTC')
	), best AS (
		-- The best submitted score of each enrollment at each quiz.
		SELECT e.course_id, max(a.score) AS score
		FROM e JOIN quiz_attempts a ON a.enrollment_id = e.id
		WHERE a.state = 'submitted'
		GROUP BY e.course_id, a.enrollment_id, a.quiz_id
	), per_course AS (
		SELECT s.slug, s.title, count(e.id) AS enrolled,
		    count(e.id) FILTER (WHERE e.last_activity_at >=
			now() - interval '30 days') AS active_30d,
		    count(e.completed_at) AS completed,
		    round((percentile_cont(0.5) WITHIN GROUP (ORDER BY
			extract(epoch FROM e.completed_at - e.enrolled_at)))
			::numeric / 86400, 1) AS median_days
		FROM scope s LEFT JOIN e ON e.course_id = s.id
		GROUP BY s.id, s.slug, s.title
	), scores AS (
		SELECT s.slug, round(avg(b.score), 1) AS mean_best
		FROM best b JOIN scope s ON s.id = b.course_id
		GROUP BY s.slug
	), weeks AS (
		SELECT date_trunc('week', e.completed_at AT TIME ZONE 'UTC')::date
		    AS week, count(*) AS n
		FROM e WHERE e.completed_at IS NOT NULL GROUP BY 1
	)
	SELECT json_build_object(
	    'from', v_from, 'to', v_to,
	    'generated_at', date_trunc('second', now()),
	    'courses', (SELECT coalesce(json_agg(json_build_object(
		'slug', c.slug, 'title', c.title, 'enrolled', c.enrolled,
		'active_30d', c.active_30d, 'completed', c.completed,
		'completion_rate', api.report_rate(c.completed, c.enrolled),
		'median_days_to_complete', c.median_days,
		'mean_best_score', sc.mean_best)
		ORDER BY c.enrolled DESC, c.slug), '[]')
		FROM per_course c LEFT JOIN scores sc USING (slug)),
	    'by_country', (SELECT coalesce(json_agg(json_build_object(
		'country', g.country, 'enrolled', g.enrolled,
		'completed', g.completed,
		'completion_rate', api.report_rate(g.completed, g.enrolled))
		ORDER BY g.enrolled DESC, g.country), '[]')
		FROM (SELECT country, count(*) AS enrolled,
		    count(completed_at) AS completed
		    FROM e GROUP BY country) g),
	    'by_profession', (SELECT coalesce(json_agg(json_build_object(
		'profession', g.profession, 'enrolled', g.enrolled,
		'completed', g.completed,
		'completion_rate', api.report_rate(g.completed, g.enrolled))
		ORDER BY g.enrolled DESC, g.profession), '[]')
		FROM (SELECT profession, count(*) AS enrolled,
		    count(completed_at) AS completed
		    FROM e GROUP BY profession) g),
	    'weekly', (SELECT coalesce(json_agg(json_build_object(
		'week', w.week, 'completions', coalesce(weeks.n, 0))
		ORDER BY w.week), '[]')
		FROM (SELECT generate_series(min(week), max(week),
		    interval '1 week')::date AS week FROM weeks) w
		LEFT JOIN weeks USING (week)))
	INTO v_body;
	RETURN api.ok(v_body);
END;
$$;

-- completed / enrolled, 0 when nobody enrolled, to four places.
CREATE OR REPLACE FUNCTION api.report_rate(p_completed bigint,
    p_enrolled bigint)
RETURNS numeric LANGUAGE sql IMMUTABLE AS $$
	SELECT CASE WHEN p_enrolled > 0
	    THEN round(p_completed::numeric / p_enrolled, 4) ELSE 0 END;
$$;
