-- The reports' summary (docs/reports.md, "Summary"), for src/report_summary.c:
-- the whole dashboard in one statement, read only, so that it can run on a
-- read replica (REPORTS_DATABASE_URL); and the rollups it reads, kept by
-- triggers in the transaction that changes the rows (schema: 019).
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
 * (every course for an admin; else the courses they own or teach; p_staff
 * 'admin' is the admin route, which asks for an admin), read from the
 * rollups below (sql/schema/019_report_rollups.sql),
 * or of the course p_course, enrolled from p_from to p_to (inclusive,
 * UTC days). An enrollment counts while the learner is in the course, as
 * in the completions report. Erased accounts count: only their country and
 * profession are read, and those stay on the anonymised row.
 */
CREATE OR REPLACE FUNCTION api.report_summary(p_uid uuid, p_sid uuid,
    p_staff text, p_course text, p_from text, p_to text)
RETURNS api.reply
LANGUAGE plpgsql STABLE
-- PL/pgSQL plans the statement below once for the arguments given, then
-- after five calls on a connection may keep a generic plan, made for any
-- scope, course and dates: it read every rollup through the scope's join
-- and took 380 ms where the plan for the arguments takes 180 (seed-large
-- data). So each call is planned for its own arguments (about 2 ms).
SET plan_cache_mode = force_custom_plan AS $$
DECLARE
	v_role		user_role := auth.require(p_uid, p_sid,
			    CASE p_staff WHEN 'admin' THEN 'admin'
			    ELSE 'instructor' END::user_role);
	-- Every course is in scope: the rollups are read without the
	-- scope's list (planned as a constant, see above).
	v_every		boolean := v_role = 'admin';
	-- Active: a last activity since v_since; report_active_daily keeps
	-- it by day, for every enrollment day (v_by_day: no dates given).
	v_since		timestamptz := now() - interval '30 days';
	v_since_day	date := (v_since AT TIME ZONE 'UTC')::date;
	v_by_day	boolean := p_from IS NULL AND p_to IS NULL;
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
	), daily AS (
		SELECT r.course_id, sum(r.enrolled) AS enrolled,
		    sum(r.completed) AS completed,
		    round(sum(r.score_sum) / nullif(sum(r.score_n), 0), 1)
			AS mean_best
		FROM report_daily r
		WHERE (v_course IS NULL OR r.course_id = v_course)
		  AND (v_every OR r.course_id IN (SELECT id FROM scope))
		  AND (v_from IS NULL OR r.day >= v_from)
		  AND (v_to IS NULL OR r.day <= v_to)
		GROUP BY r.course_id
	), active AS (
		-- Active since v_since: without dates, the rollup's days after
		-- v_since's and the rest of that day counted live; with dates,
		-- which the rollup does not keep, counted live (the recent end
		-- of enrollments_activity_idx). The courses outside the scope
		-- are left out by the join below, on 20 rows.
		SELECT x.course_id, sum(x.n) AS n FROM (
			SELECT r.course_id, sum(r.n) AS n
			FROM report_active_daily r
			WHERE v_by_day AND r.active_on > v_since_day
			  AND (v_course IS NULL OR r.course_id = v_course)
			GROUP BY r.course_id
			UNION ALL
			SELECT e.course_id, count(*)
			FROM enrollments e
			WHERE e.last_activity_at >= v_since
			  AND (NOT v_by_day OR e.last_activity_at <
			    (v_since_day + 1)::timestamp AT TIME ZONE 'UTC')
			  AND (v_course IS NULL OR e.course_id = v_course)
			  AND e.left_at IS NULL
			  AND (v_from IS NULL OR e.enrolled_at >=
			    v_from::timestamp AT TIME ZONE 'UTC')
			  AND (v_to IS NULL OR e.enrolled_at <
			    (v_to + 1)::timestamp AT TIME ZONE 'UTC')
			GROUP BY e.course_id) x
		GROUP BY x.course_id
	), done AS MATERIALIZED (
		-- The completions read once, summed two ways: by course and
		-- days to complete (course_id set), and by week (week set).
		SELECT r.course_id, r.completed_on - r.day AS d,
		    date_trunc('week', r.completed_on::timestamp)::date AS week,
		    sum(r.n) AS n
		FROM report_daily_completions r
		WHERE (v_course IS NULL OR r.course_id = v_course)
		  AND (v_every OR r.course_id IN (SELECT id FROM scope))
		  AND (v_from IS NULL OR r.day >= v_from)
		  AND (v_to IS NULL OR r.day <= v_to) AND r.n <> 0
		GROUP BY GROUPING SETS ((r.course_id, 2), (3))
	), hist AS (
		-- Days to complete, with the running count up to each.
		SELECT course_id, d, sum(n) OVER (PARTITION BY course_id
			ORDER BY d) AS upto,
		    sum(n) OVER (PARTITION BY course_id) AS total
		FROM done WHERE course_id IS NOT NULL
	), median AS (
		-- percentile_cont(0.5): the mean of the middle two (or one).
		SELECT course_id, round((min(d) FILTER (WHERE upto >
			floor((total - 1) / 2.0)) + min(d) FILTER (WHERE upto >
			ceil((total - 1) / 2.0))) / 2.0, 1) AS days
		FROM hist GROUP BY course_id
	), weeks AS (
		SELECT week, n FROM done WHERE week IS NOT NULL
	)
	SELECT json_build_object(
	    'from', v_from, 'to', v_to,
	    'generated_at', date_trunc('second', now()),
	    'courses', (SELECT coalesce(json_agg(json_build_object(
		'slug', c.slug, 'title', c.title,
		'enrolled', coalesce(d.enrolled, 0),
		'active_30d', coalesce(a.n, 0),
		'completed', coalesce(d.completed, 0),
		'completion_rate', api.report_rate(d.completed, d.enrolled),
		'median_days_to_complete', m.days,
		'mean_best_score', d.mean_best)
		ORDER BY coalesce(d.enrolled, 0) DESC, c.slug), '[]')
		FROM scope c LEFT JOIN daily d ON d.course_id = c.id
		LEFT JOIN active a ON a.course_id = c.id
		LEFT JOIN median m ON m.course_id = c.id),
	    'by_country', (SELECT coalesce(json_agg(json_build_object(
		'country', g.country, 'enrolled', g.enrolled,
		'completed', g.completed,
		'completion_rate', api.report_rate(g.completed, g.enrolled))
		ORDER BY g.enrolled DESC, g.country), '[]')
		FROM (SELECT r.country, sum(r.enrolled) AS enrolled,
		    sum(r.completed) AS completed
		    FROM report_daily_country r
		    WHERE (v_course IS NULL OR r.course_id = v_course)
		      AND (v_every OR r.course_id IN (SELECT id FROM scope))
		      AND (v_from IS NULL OR r.day >= v_from)
		      AND (v_to IS NULL OR r.day <= v_to)
		    GROUP BY r.country HAVING sum(r.enrolled) > 0) g),
	    'by_profession', (SELECT coalesce(json_agg(json_build_object(
		'profession', g.profession, 'enrolled', g.enrolled,
		'completed', g.completed,
		'completion_rate', api.report_rate(g.completed, g.enrolled))
		ORDER BY g.enrolled DESC, g.profession), '[]')
		FROM (SELECT r.profession, sum(r.enrolled) AS enrolled,
		    sum(r.completed) AS completed
		    FROM report_daily_profession r
		    WHERE (v_course IS NULL OR r.course_id = v_course)
		      AND (v_every OR r.course_id IN (SELECT id FROM scope))
		      AND (v_from IS NULL OR r.day >= v_from)
		      AND (v_to IS NULL OR r.day <= v_to)
		    GROUP BY r.profession HAVING sum(r.enrolled) > 0) g),
	    'weekly', (SELECT coalesce(json_agg(json_build_object(
		'week', w.week, 'completions', coalesce(weeks.n, 0))
		ORDER BY w.week), '[]')
		FROM (SELECT generate_series(min(week), max(week),
		    interval '1 week')::date AS week FROM weeks
		    WHERE n > 0) w
		LEFT JOIN weeks USING (week)))
	INTO v_body;
	RETURN api.ok(v_body);
END;
$$;

-- completed / enrolled, 0 when nobody enrolled, to four places.
CREATE OR REPLACE FUNCTION api.report_rate(p_completed numeric,
    p_enrolled numeric)
RETURNS numeric LANGUAGE sql IMMUTABLE AS $$
	SELECT CASE WHEN p_enrolled > 0
	    THEN round(p_completed::numeric / p_enrolled, 4) ELSE 0 END;
$$;

-- Rollups (sql/schema/019_report_rollups.sql) ------------------------------

/*
 * Adds (p_sign 1) or takes away (-1) an enrollment's share of the rollups:
 * nothing when the learner left the course (as the completions report,
 * sql/functions/reports.sql, leaves them out); its best scores are
 * those of its quiz attempts now, so that a change of the enrollment row
 * takes away and adds the same scores.
 */
CREATE OR REPLACE FUNCTION reports.rollup_apply(p_e enrollments,
    p_country char(2), p_profession profession, p_sign int)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
	v_day		date := (p_e.enrolled_at AT TIME ZONE 'UTC')::date;
	v_done		int := CASE WHEN p_e.completed_at IS NULL THEN 0
			    ELSE p_sign END;
	v_sum		numeric;
	v_n		int;
BEGIN
	IF p_e.left_at IS NOT NULL THEN
		RETURN;
	END IF;
	SELECT coalesce(sum(best), 0), count(best) INTO v_sum, v_n
	FROM (SELECT max(score) AS best FROM quiz_attempts
	    WHERE enrollment_id = p_e.id AND state = 'submitted'
	    GROUP BY quiz_id) b;

	INSERT INTO report_daily AS r (course_id, day, enrolled, completed,
	    score_sum, score_n)
	VALUES (p_e.course_id, v_day, p_sign, v_done, p_sign * v_sum,
	    p_sign * v_n)
	ON CONFLICT (course_id, day) DO UPDATE SET
	    enrolled = r.enrolled + EXCLUDED.enrolled,
	    completed = r.completed + EXCLUDED.completed,
	    score_sum = r.score_sum + EXCLUDED.score_sum,
	    score_n = r.score_n + EXCLUDED.score_n;
	INSERT INTO report_daily_country AS r (course_id, day, country,
	    enrolled, completed)
	VALUES (p_e.course_id, v_day, p_country, p_sign, v_done)
	ON CONFLICT (course_id, day, country) DO UPDATE SET
	    enrolled = r.enrolled + EXCLUDED.enrolled,
	    completed = r.completed + EXCLUDED.completed;
	INSERT INTO report_daily_profession AS r (course_id, day, profession,
	    enrolled, completed)
	VALUES (p_e.course_id, v_day, p_profession, p_sign, v_done)
	ON CONFLICT (course_id, day, profession) DO UPDATE SET
	    enrolled = r.enrolled + EXCLUDED.enrolled,
	    completed = r.completed + EXCLUDED.completed;
	IF p_e.completed_at IS NOT NULL THEN
		INSERT INTO report_daily_completions AS r (course_id, day,
		    completed_on, n)
		VALUES (p_e.course_id, v_day,
		    (p_e.completed_at AT TIME ZONE 'UTC')::date, p_sign)
		ON CONFLICT (course_id, day, completed_on) DO UPDATE SET
		    n = r.n + EXCLUDED.n;
	END IF;
END;
$$;

/*
 * Enrollments made by one statement, however many: their shares summed by
 * group first, so that each rollup row is written once a statement. (A
 * row trigger wrote the same row once per enrollment: 60,000 enrollments
 * of one course in one statement made a chain of 60,000 versions of one
 * row, each write walking it.)
 */
CREATE OR REPLACE FUNCTION reports.rollup_add(p_rows enrollments[])
RETURNS void LANGUAGE sql AS $$
	WITH e AS (
		SELECT r.id, r.course_id,
		    (r.enrolled_at AT TIME ZONE 'UTC')::date AS day,
		    (r.completed_at AT TIME ZONE 'UTC')::date AS completed_on,
		    u.country, u.profession
		FROM unnest(p_rows) r JOIN users u ON u.id = r.user_id
		WHERE r.left_at IS NULL
	), s AS (
		SELECT enrollment_id, sum(best) AS total, count(*) AS n
		FROM (SELECT enrollment_id, max(score) AS best
		    FROM quiz_attempts
		    WHERE enrollment_id IN (SELECT id FROM e)
		      AND state = 'submitted'
		    GROUP BY enrollment_id, quiz_id) b
		GROUP BY enrollment_id
	), d AS (
		INSERT INTO report_daily AS r (course_id, day, enrolled,
		    completed, score_sum, score_n)
		SELECT e.course_id, e.day, count(*), count(e.completed_on),
		    coalesce(sum(s.total), 0), coalesce(sum(s.n), 0)
		FROM e LEFT JOIN s ON s.enrollment_id = e.id
		GROUP BY e.course_id, e.day
		ON CONFLICT (course_id, day) DO UPDATE SET
		    enrolled = r.enrolled + EXCLUDED.enrolled,
		    completed = r.completed + EXCLUDED.completed,
		    score_sum = r.score_sum + EXCLUDED.score_sum,
		    score_n = r.score_n + EXCLUDED.score_n
	), c AS (
		INSERT INTO report_daily_country AS r (course_id, day, country,
		    enrolled, completed)
		SELECT course_id, day, country, count(*), count(completed_on)
		FROM e GROUP BY course_id, day, country
		ON CONFLICT (course_id, day, country) DO UPDATE SET
		    enrolled = r.enrolled + EXCLUDED.enrolled,
		    completed = r.completed + EXCLUDED.completed
	), p AS (
		INSERT INTO report_daily_profession AS r (course_id, day,
		    profession, enrolled, completed)
		SELECT course_id, day, profession, count(*), count(completed_on)
		FROM e GROUP BY course_id, day, profession
		ON CONFLICT (course_id, day, profession) DO UPDATE SET
		    enrolled = r.enrolled + EXCLUDED.enrolled,
		    completed = r.completed + EXCLUDED.completed
	)
	INSERT INTO report_daily_completions AS r (course_id, day,
	    completed_on, n)
	SELECT course_id, day, completed_on, count(*)
	FROM e WHERE completed_on IS NOT NULL
	GROUP BY course_id, day, completed_on
	ON CONFLICT (course_id, day, completed_on) DO UPDATE SET
	    n = r.n + EXCLUDED.n;
$$;

CREATE OR REPLACE FUNCTION reports.enrollments_inserted()
RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	PERFORM reports.rollup_add(
	    (SELECT array_agg(n::enrollments) FROM new_rows n));
	PERFORM reports.activity_move('{}'::enrollments[],
	    (SELECT array_agg(n::enrollments) FROM new_rows n
		WHERE n.last_activity_at IS NOT NULL));
	RETURN NULL;
END;
$$;

/*
 * An enrollment changed (a row trigger: only a change of the columns the
 * rollups read fires it, never a progress beat) or deleted. A deletion is
 * seen BEFORE, while its quiz attempts are still there; when its user or
 * its course is being deleted, it is skipped: the user's trigger has
 * already taken the share away, the course's takes its rows away.
 */
CREATE OR REPLACE FUNCTION reports.enrollment_rollup()
RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
	u	record;
BEGIN
	IF NOT EXISTS (SELECT 1 FROM courses WHERE id = OLD.course_id) THEN
		RETURN CASE TG_OP WHEN 'DELETE' THEN OLD ELSE NEW END;
	END IF;
	SELECT country, profession INTO u FROM users WHERE id = OLD.user_id;
	IF FOUND THEN
		PERFORM reports.rollup_apply(OLD, u.country, u.profession, -1);
	END IF;
	IF TG_OP = 'UPDATE' THEN
		SELECT country, profession INTO u FROM users
		WHERE id = NEW.user_id;
		PERFORM reports.rollup_apply(NEW, u.country, u.profession, 1);
		RETURN NEW;
	END IF;
	RETURN OLD;
END;
$$;

CREATE OR REPLACE TRIGGER enrollments_rollup_insert
    AFTER INSERT ON enrollments REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION reports.enrollments_inserted();
CREATE OR REPLACE TRIGGER enrollments_rollup_change
    AFTER UPDATE OF user_id, course_id, enrolled_at, completed_at, left_at
    ON enrollments
    FOR EACH ROW EXECUTE FUNCTION reports.enrollment_rollup();
CREATE OR REPLACE TRIGGER enrollments_rollup_delete
    BEFORE DELETE ON enrollments
    FOR EACH ROW EXECUTE FUNCTION reports.enrollment_rollup();

-- A course deleted: its rollups go with it.
CREATE OR REPLACE FUNCTION reports.course_rollup_delete()
RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	DELETE FROM report_daily WHERE course_id = OLD.id;
	DELETE FROM report_daily_country WHERE course_id = OLD.id;
	DELETE FROM report_daily_profession WHERE course_id = OLD.id;
	DELETE FROM report_daily_completions WHERE course_id = OLD.id;
	DELETE FROM report_active_daily WHERE course_id = OLD.id;
	RETURN NULL;
END;
$$;

CREATE OR REPLACE TRIGGER courses_rollup_delete
    AFTER DELETE ON courses
    FOR EACH ROW EXECUTE FUNCTION reports.course_rollup_delete();

/*
 * Activity by day (sql/schema/021_report_activity.sql): the enrollments
 * p_old leave their course's day of last activity, p_new join theirs. Not
 * those whose learner left the course, nor those of a course being deleted
 * (its rows go with it). One statement, its rows in key order, so that two
 * transactions moving enrollments take the rows' locks in one order.
 */
CREATE OR REPLACE FUNCTION reports.activity_move(p_old enrollments[],
    p_new enrollments[])
RETURNS void LANGUAGE sql AS $$
	INSERT INTO report_active_daily AS r (course_id, active_on, n)
	SELECT m.course_id, m.active_on, sum(m.sign)
	FROM (SELECT o.course_id, o.last_activity_at, o.left_at, -1 AS sign
		FROM unnest(p_old) o
	    UNION ALL
	    SELECT w.course_id, w.last_activity_at, w.left_at, 1
		FROM unnest(p_new) w) x,
	    LATERAL (SELECT x.course_id, x.sign,
		(x.last_activity_at AT TIME ZONE 'UTC')::date AS active_on) m
	WHERE x.left_at IS NULL AND x.last_activity_at IS NOT NULL
	  AND EXISTS (SELECT 1 FROM courses c WHERE c.id = x.course_id)
	GROUP BY m.course_id, m.active_on
	HAVING sum(m.sign) <> 0
	ORDER BY m.course_id, m.active_on
	ON CONFLICT (course_id, active_on) DO UPDATE SET n = r.n + EXCLUDED.n;
$$;

CREATE OR REPLACE FUNCTION reports.enrollment_activity()
RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'UPDATE' THEN
		PERFORM reports.activity_move(ARRAY[OLD], ARRAY[NEW]);
	ELSE
		PERFORM reports.activity_move(
		    (SELECT array_agg(o::enrollments) FROM old_rows o
			WHERE o.last_activity_at IS NOT NULL),
		    '{}'::enrollments[]);
	END IF;
	RETURN NULL;
END;
$$;

-- A progress beat writes last_activity_at: only its first of a UTC day
-- moves the enrollment (the WHEN is all a beat pays the other times).
CREATE OR REPLACE TRIGGER enrollments_activity_change
    AFTER UPDATE OF last_activity_at, left_at, course_id ON enrollments
    FOR EACH ROW WHEN (OLD.course_id IS DISTINCT FROM NEW.course_id OR
	(OLD.left_at IS NULL) <> (NEW.left_at IS NULL) OR
	(OLD.last_activity_at AT TIME ZONE 'UTC')::date IS DISTINCT FROM
	(NEW.last_activity_at AT TIME ZONE 'UTC')::date)
    EXECUTE FUNCTION reports.enrollment_activity();
CREATE OR REPLACE TRIGGER enrollments_activity_delete
    AFTER DELETE ON enrollments REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION reports.enrollment_activity();

-- A learner's country or profession changed, or the learner is deleted:
-- each enrollment's share moves (or goes).
CREATE OR REPLACE FUNCTION reports.user_rollup()
RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
	e	enrollments;
BEGIN
	FOR e IN SELECT * FROM enrollments WHERE user_id = OLD.id LOOP
		PERFORM reports.rollup_apply(e, OLD.country, OLD.profession,
		    -1);
		IF TG_OP = 'UPDATE' THEN
			PERFORM reports.rollup_apply(e, NEW.country,
			    NEW.profession, 1);
		END IF;
	END LOOP;
	RETURN CASE TG_OP WHEN 'DELETE' THEN OLD ELSE NEW END;
END;
$$;

CREATE OR REPLACE TRIGGER users_rollup_change
    AFTER UPDATE OF country, profession ON users
    FOR EACH ROW WHEN (OLD.country IS DISTINCT FROM NEW.country OR
	OLD.profession IS DISTINCT FROM NEW.profession)
    EXECUTE FUNCTION reports.user_rollup();
CREATE OR REPLACE TRIGGER users_rollup_delete
    BEFORE DELETE ON users
    FOR EACH ROW EXECUTE FUNCTION reports.user_rollup();

/*
 * Quiz attempts submitted, regraded or deleted: the best score of each
 * enrollment at each quiz they touch may change. Statement triggers with
 * the rows before and after, so that a statement changing several attempts
 * of one enrollment and quiz counts the change once. Attempts deleted with
 * their enrollment or their user are skipped: those triggers took the
 * scores away (the enrollment or the user is gone by now).
 *
 * PL/pgSQL with a generic plan, made once a session: as a SQL function
 * (not inlined: a CTE and an UPDATE) the statement was parsed and planned
 * on every call, and planning it took 2-7 ms of each quiz attempt's
 * insert and submit, against 0.2-0.4 ms now (EXPLAIN ANALYZE on the
 * bench's data). The arrays are an attempt or a few whatever the call,
 * so one plan fits all.
 */
CREATE OR REPLACE FUNCTION reports.attempts_rollup(p_old quiz_attempts[],
    p_new quiz_attempts[])
RETURNS void LANGUAGE plpgsql
SET plan_cache_mode = force_generic_plan AS $$
BEGIN
	WITH o AS (SELECT * FROM unnest(p_old)),
	n AS (SELECT * FROM unnest(p_new)),
	pairs AS (
		SELECT enrollment_id, quiz_id FROM o
		UNION SELECT enrollment_id, quiz_id FROM n
	), best AS (
		SELECT p.enrollment_id,
		    (SELECT max(a.score) FROM quiz_attempts a
		     WHERE a.enrollment_id = p.enrollment_id
		       AND a.quiz_id = p.quiz_id AND a.state = 'submitted')
			AS after,
		    (SELECT max(z.score) FROM (
			SELECT a.score, a.state FROM quiz_attempts a
			WHERE a.enrollment_id = p.enrollment_id
			  AND a.quiz_id = p.quiz_id
			  AND a.id NOT IN (SELECT id FROM n)
			UNION ALL
			SELECT o.score, o.state FROM o
			WHERE o.enrollment_id = p.enrollment_id
			  AND o.quiz_id = p.quiz_id) z
		     WHERE z.state = 'submitted') AS before
		FROM pairs p
	), delta AS (
		SELECT e.course_id,
		    (e.enrolled_at AT TIME ZONE 'UTC')::date AS day,
		    sum(coalesce(b.after, 0) - coalesce(b.before, 0)) AS dsum,
		    sum((b.after IS NOT NULL)::int -
			(b.before IS NOT NULL)::int) AS dn
		FROM best b JOIN enrollments e ON e.id = b.enrollment_id
		WHERE e.left_at IS NULL
		  AND b.after IS DISTINCT FROM b.before
		  AND EXISTS (SELECT 1 FROM users u WHERE u.id = e.user_id)
		GROUP BY 1, 2
	)
	UPDATE report_daily r SET score_sum = r.score_sum + d.dsum,
	    score_n = r.score_n + d.dn
	FROM delta d WHERE r.course_id = d.course_id AND r.day = d.day;
END;
$$;

CREATE OR REPLACE FUNCTION reports.attempts_inserted()
RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	PERFORM reports.attempts_rollup('{}'::quiz_attempts[],
	    (SELECT array_agg(n::quiz_attempts) FROM new_rows n
		WHERE n.state = 'submitted'));
	RETURN NULL;
END;
$$;

CREATE OR REPLACE FUNCTION reports.attempts_updated()
RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	-- Saving answers of an open attempt changes no score: skipped.
	IF EXISTS (SELECT 1 FROM new_rows n WHERE n.state = 'submitted') OR
	    EXISTS (SELECT 1 FROM old_rows o WHERE o.state = 'submitted') THEN
		PERFORM reports.attempts_rollup(
		    (SELECT array_agg(o::quiz_attempts) FROM old_rows o),
		    (SELECT array_agg(n::quiz_attempts) FROM new_rows n));
	END IF;
	RETURN NULL;
END;
$$;

CREATE OR REPLACE FUNCTION reports.attempts_deleted()
RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	PERFORM reports.attempts_rollup(
	    (SELECT array_agg(o::quiz_attempts) FROM old_rows o
		WHERE o.state = 'submitted'),
	    '{}'::quiz_attempts[]);
	RETURN NULL;
END;
$$;

CREATE OR REPLACE TRIGGER quiz_attempts_rollup_insert
    AFTER INSERT ON quiz_attempts REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION reports.attempts_inserted();
CREATE OR REPLACE TRIGGER quiz_attempts_rollup_update
    AFTER UPDATE ON quiz_attempts
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION reports.attempts_updated();
CREATE OR REPLACE TRIGGER quiz_attempts_rollup_delete
    AFTER DELETE ON quiz_attempts REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION reports.attempts_deleted();

-- The rollups made again from the data: after a load that skipped the
-- triggers (make seed-large), and once when migration 019 made them.
CREATE OR REPLACE FUNCTION reports.rollup_rebuild()
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	LOCK enrollments, users, quiz_attempts IN SHARE MODE;
	TRUNCATE report_daily, report_daily_country, report_daily_profession,
	    report_daily_completions, report_active_daily;
	DELETE FROM report_rollup_state;
	CREATE TEMP TABLE rollup_src ON COMMIT DROP AS
	SELECT e.id, e.course_id, (e.enrolled_at AT TIME ZONE 'UTC')::date
		AS day,
	    (e.completed_at AT TIME ZONE 'UTC')::date AS completed_on,
	    u.country, u.profession
	FROM enrollments e JOIN users u ON u.id = e.user_id
	WHERE e.left_at IS NULL;

	INSERT INTO report_daily (course_id, day, enrolled, completed,
	    score_sum, score_n)
	SELECT s.course_id, s.day, count(*), count(s.completed_on),
	    coalesce(sum(b.total), 0), coalesce(sum(b.n), 0)
	FROM rollup_src s
	LEFT JOIN (SELECT enrollment_id, sum(best) AS total, count(*) AS n
	    FROM (SELECT enrollment_id, max(score) AS best
		FROM quiz_attempts WHERE state = 'submitted'
		GROUP BY enrollment_id, quiz_id) x
	    GROUP BY enrollment_id) b ON b.enrollment_id = s.id
	GROUP BY s.course_id, s.day;
	INSERT INTO report_daily_country
	SELECT course_id, day, country, count(*), count(completed_on)
	FROM rollup_src GROUP BY course_id, day, country;
	INSERT INTO report_daily_profession
	SELECT course_id, day, profession, count(*), count(completed_on)
	FROM rollup_src GROUP BY course_id, day, profession;
	INSERT INTO report_daily_completions
	SELECT course_id, day, completed_on, count(*)
	FROM rollup_src WHERE completed_on IS NOT NULL
	GROUP BY course_id, day, completed_on;
	INSERT INTO report_active_daily
	SELECT e.course_id, (e.last_activity_at AT TIME ZONE 'UTC')::date,
	    count(*)
	FROM enrollments e
	WHERE e.left_at IS NULL AND e.last_activity_at IS NOT NULL
	GROUP BY 1, 2;
	INSERT INTO report_rollup_state VALUES (now());
	DROP TABLE rollup_src;
END;
$$;

-- Once, when migration 019 has just made the tables.
DO $$
BEGIN
	IF NOT EXISTS (SELECT 1 FROM report_rollup_state) THEN
		PERFORM reports.rollup_rebuild();
	END IF;
END;
$$;
