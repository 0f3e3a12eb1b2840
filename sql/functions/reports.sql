-- Completion reports (issue 24, docs/reports.md): one home for the
-- report's filters, the caller's scope and its rows.
--
-- api.report_completions checks the session and the filters and answers
-- them normalised (reports.scope); src/reports.c then streams the rows of
-- reports.completions(<those filters>) with COPY on a connection of its
-- own, and api.report_completions_count counts the same enrollments
-- (reports.enrollments, which reports.completions reads). Both run on
-- the reports database (REPORTS_DATABASE_URL, a replica when set): nothing
-- here writes.
--
-- The filters reach these functions as one jsonb constant (a literal
-- in the COPY, EXECUTE in the count), so the planner folds every absent
-- filter's "IS NULL OR ..." away and plans for the filters given: a
-- report of one course reads that course's enrollments by index, not all
-- of them.

-- A date of the query string (YYYY-MM-DD), or 400 invalid_query naming it.
CREATE OR REPLACE FUNCTION reports.date_arg(p_args jsonb, p_name text)
RETURNS date LANGUAGE plpgsql STABLE AS $$
DECLARE
	v	text := p_args->>p_name;
	d	date;
BEGIN
	IF v IS NULL THEN
		RETURN NULL;
	END IF;
	IF v ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' THEN
		BEGIN
			d := to_date(v, 'YYYY-MM-DD');
			IF to_char(d, 'YYYY-MM-DD') <> v THEN
				d := NULL;
			END IF;
		EXCEPTION WHEN others THEN
			d := NULL;
		END;
	END IF;
	IF d IS NULL THEN
		PERFORM api.refuse(400, 'invalid_query',
		    'Dates are written YYYY-MM-DD.', p_name);
	END IF;
	RETURN d;
END;
$$;

-- One of the values allowed, or 400 invalid_query naming the argument.
CREATE OR REPLACE FUNCTION reports.enum_arg(p_args jsonb, p_name text,
    p_allowed text[])
RETURNS text LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
	v	text := p_args->>p_name;
BEGIN
	IF v IS NOT NULL AND NOT v = ANY (p_allowed) THEN
		PERFORM api.refuse(400, 'invalid_query', format('%s is one of: %s.',
		    p_name, array_to_string(p_allowed, ', ')), p_name);
	END IF;
	RETURN v;
END;
$$;

/*
 * The caller's report: their session, the filters checked and normalised,
 * and what they may see. Admins on the admin route see every course and
 * the e-mail column; the instructor route shows the caller's own courses
 * (an admin's: all) and never an e-mail. The answer:
 * {"filters": {...}, "email": bool, "file": "completions_<filters>_<date>"}.
 */
CREATE OR REPLACE FUNCTION reports.scope(p_uid uuid, p_sid uuid,
    p_args jsonb, p_admin_route boolean)
RETURNS jsonb LANGUAGE plpgsql STABLE AS $$
DECLARE
	v_role	user_role := auth.require(p_uid, p_sid,
	    CASE WHEN p_admin_route THEN 'admin' ELSE 'instructor' END::user_role);
	v_from	date := reports.date_arg(p_args, 'from');
	v_to	date := reports.date_arg(p_args, 'to');
	v_date	text := coalesce(reports.enum_arg(p_args, 'date',
	    '{enrolled,completed}'), 'enrolled');
	v_status text := reports.enum_arg(p_args, 'status',
	    '{enrolled,in_progress,completed}');
	v_prof	text := reports.enum_arg(p_args, 'profession',
	    enum_range(NULL::profession)::text[]);
	v_country text := upper(p_args->>'country');
	v_org	text := nullif(btrim(p_args->>'organisation'), '');
	c	courses;
	v_label	text;
BEGIN
	IF v_country IS NOT NULL AND v_country !~ '^[A-Z]{2}$' THEN
		PERFORM api.refuse(400, 'invalid_query',
		    'A country is its ISO 3166 alpha-2 code.', 'country');
	END IF;
	IF v_from > v_to THEN
		PERFORM api.refuse(400, 'invalid_query',
		    'The range ends before it starts.', 'to');
	END IF;
	IF p_args ? 'course' THEN
		SELECT * INTO c FROM courses WHERE slug = p_args->>'course';
		IF NOT FOUND THEN
			PERFORM api.refuse(404, 'course_not_found',
			    'No course has that address.', 'course');
		END IF;
		IF NOT content.can_edit(p_uid, v_role, c.id) THEN
			PERFORM api.refuse(403, 'not_your_course',
			    'Only this course''s instructors can report on it.',
			    'course');
		END IF;
	END IF;

	v_label := concat_ws('_', c.slug,
	    'from-' || v_from, 'to-' || v_to,
	    CASE WHEN v_date = 'completed' AND (v_from IS NOT NULL OR
		v_to IS NOT NULL) THEN 'by-completion' END,
	    lower(v_country), v_prof,
	    left(trim(BOTH '-' FROM regexp_replace(lower(v_org),
		'[^a-z0-9]+', '-', 'g')), 40),
	    v_status);
	RETURN jsonb_build_object(
	    'filters', jsonb_strip_nulls(jsonb_build_object(
		'course_id', c.id,
		'date', v_date,
		'from_at', v_from::timestamp AT TIME ZONE 'UTC',
		'to_before', (v_to + 1)::timestamp AT TIME ZONE 'UTC',
		'country', v_country,
		'profession', v_prof,
		'organisation', lower(v_org),
		'status', v_status,
		-- An instructor's own courses; admins: every course.
		'scope', CASE WHEN v_role < 'admin' THEN p_uid END)),
	    'email', p_admin_route,
	    'file', 'completions_' || coalesce(nullif(v_label, ''), 'all') ||
		'_' || to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD'));
END;
$$;

-- A time as the report writes it: UTC, ISO 8601, to the second. STABLE,
-- as to_char is: PostgreSQL inlines a SQL function only when its body is
-- no more volatile than it says, and an IMMUTABLE one around to_char ran
-- as a function call of its own per row (1.5 s of a million-row export).
CREATE OR REPLACE FUNCTION reports.utc(p timestamptz)
RETURNS text LANGUAGE sql STABLE PARALLEL SAFE AS $$
	SELECT to_char(p AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"');
$$;

/*
 * A CSV cell a spreadsheet will not run: text starting with = + - @, a tab
 * or a carriage return gets a leading single quote (OWASP, "CSV
 * injection"). Only the CSV form uses it: JSON keeps the values as they are.
 * COPY's CSV format does the RFC 4180 quoting around it. The first
 * character's code (ascii: NULL for NULL, 0 for '') is one cheap call;
 * left(p, 1) made a string of it first, a row's cells a second a million.
 */
CREATE OR REPLACE FUNCTION reports.cell(p text)
RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT CASE WHEN ascii(p) IN (9, 13, 43, 45, 61, 64)
	    THEN '''' || p ELSE p END;
$$;

/*
 * The enrollments a report is about: the filters, and the instructor's
 * scope. Learners who left are not reported. The count counts these;
 * reports.completions makes the rows of them.
 */
CREATE OR REPLACE FUNCTION reports.enrollments(f jsonb)
RETURNS TABLE (id uuid, course_id uuid, enrolled_at timestamptz,
    completed_at timestamptz, display_name text, email text, country text,
    profession text, organisation text, erased boolean)
LANGUAGE sql STABLE AS $$
	SELECT e.id, e.course_id, e.enrolled_at, e.completed_at,
	    u.display_name, u.email, u.country::text, u.profession::text,
	    u.organisation, u.erased_at IS NOT NULL
	FROM enrollments e
	JOIN users u ON u.id = e.user_id
	WHERE e.left_at IS NULL
	  AND (f->>'course_id' IS NULL OR e.course_id = (f->>'course_id')::uuid)
	  AND (f->>'scope' IS NULL OR e.course_id IN (
		SELECT o.id FROM courses o WHERE o.owner_id = (f->>'scope')::uuid
		UNION SELECT i.course_id FROM course_instructors i
		WHERE i.user_id = (f->>'scope')::uuid))
	  AND (f->>'from_at' IS NULL OR CASE WHEN f->>'date' = 'completed'
		THEN e.completed_at ELSE e.enrolled_at END
		>= (f->>'from_at')::timestamptz)
	  AND (f->>'to_before' IS NULL OR CASE WHEN f->>'date' = 'completed'
		THEN e.completed_at ELSE e.enrolled_at END
		< (f->>'to_before')::timestamptz)
	  AND (f->>'country' IS NULL OR u.country = f->>'country')
	  AND (f->>'profession' IS NULL OR u.profession::text = f->>'profession')
	  AND (f->>'organisation' IS NULL OR (u.erased_at IS NULL
		AND lower(u.organisation) = f->>'organisation'))
	  AND (f->>'status' IS NULL OR f->>'status' = CASE
		WHEN e.completed_at IS NOT NULL THEN 'completed'
		WHEN EXISTS (SELECT 1 FROM lesson_progress p
		    WHERE p.enrollment_id = e.id) THEN 'in_progress'
		ELSE 'enrolled' END)
$$;

/*
 * The report's rows, one an enrollment of reports.enrollments, in no
 * particular order (a sort would hold back the first row of a million
 * until the last was read). Erased accounts keep their country,
 * profession and progress but not their name, address or organisation
 * (docs/security.md). time_spent_seconds and percent_done are of the
 * current round; the best quiz score is the highest submitted attempt of
 * any quiz of the course; the certificate is the latest issued for the
 * enrollment.
 *
 * Progress, scores and certificates are grouped by enrollment and hashed
 * (a lateral subquery would make a million index lookups a table for a
 * report of everything); with a course given, the groups are of that
 * course's lessons, quizzes and certificates only, found by index.
 * LANGUAGE sql, one statement: PostgreSQL inlines it into the caller's
 * query, so the filters, given as a constant, are planned as constants.
 */
CREATE OR REPLACE FUNCTION reports.completions(f jsonb)
RETURNS TABLE (learner_name text, email text, country text,
    profession text, organisation text, course text, language text,
    enrolled_at text, completed_at text, time_spent_seconds bigint,
    percent_done int, best_quiz_score numeric, certificate_code text,
    certificate_status text)
LANGUAGE sql STABLE AS $$
	SELECT CASE WHEN NOT e.erased THEN e.display_name
		ELSE 'Erased learner' END,
	    CASE WHEN NOT e.erased THEN e.email END,
	    e.country, e.profession,
	    CASE WHEN NOT e.erased THEN e.organisation END,
	    c.slug, c.language,
	    reports.utc(e.enrolled_at), reports.utc(e.completed_at),
	    coalesce(lp.seconds, 0),
	    CASE WHEN e.completed_at IS NOT NULL THEN 100
		WHEN coalesce(n.lessons, 0) = 0 OR lp.done IS NULL THEN 0
		ELSE least(100, (100 * lp.done / n.lessons)::int) END,
	    round(qa.best, 2), ct.code, ct.status
	FROM reports.enrollments(f) e
	JOIN courses c ON c.id = e.course_id
	LEFT JOIN (SELECT l.course_id, count(*) AS lessons FROM lessons l
	    GROUP BY l.course_id) n ON n.course_id = e.course_id
	LEFT JOIN (SELECT p.enrollment_id, sum(p.time_spent) AS seconds,
		count(p.completed_at) AS done
	    FROM lesson_progress p
	    WHERE f->>'course_id' IS NULL OR p.lesson_id IN (SELECT l.id
		FROM lessons l WHERE l.course_id = (f->>'course_id')::uuid)
	    GROUP BY p.enrollment_id) lp ON lp.enrollment_id = e.id
	LEFT JOIN (SELECT a.enrollment_id, max(a.score) AS best
	    FROM quiz_attempts a
	    WHERE a.state = 'submitted' AND (f->>'course_id' IS NULL
		OR a.quiz_id IN (SELECT q.id FROM quizzes q
		    WHERE q.course_id = (f->>'course_id')::uuid))
	    GROUP BY a.enrollment_id) qa ON qa.enrollment_id = e.id
	LEFT JOIN (SELECT DISTINCT ON (k.enrollment_id) k.enrollment_id, k.code,
		CASE WHEN k.revoked_at IS NOT NULL THEN 'revoked'
		    WHEN k.expires_at <= now() THEN 'expired'
		    ELSE 'valid' END AS status
	    FROM certificates k
	    WHERE k.enrollment_id IS NOT NULL AND (f->>'course_id' IS NULL
		OR k.course_id = (f->>'course_id')::uuid)
	    ORDER BY k.enrollment_id, k.issued_at DESC) ct
	    ON ct.enrollment_id = e.id
$$;

-- The report's columns, in order (reports.completions names them); the
-- e-mail only when p_email. defuse: a cell reports.cell defuses in CSV,
-- the text that anyone may write. Not the others, whose every value
-- starts with a letter or a digit: the profession (an enum, whose text
-- reports.cell would make twice a row), the course's address and the
-- certificate's code (CHECKs of 003 and 014), the certificate's status
-- (reports.completions's words).
CREATE OR REPLACE FUNCTION reports.columns(p_email boolean)
RETURNS TABLE (ord int, name text, defuse boolean)
LANGUAGE sql IMMUTABLE AS $$
	SELECT c.ord, c.name, c.defuse
	FROM (VALUES (1, 'learner_name', true), (2, 'email', true),
	    (3, 'country', true), (4, 'profession', false),
	    (5, 'organisation', true), (6, 'course', false),
	    (7, 'language', true), (8, 'enrolled_at', false),
	    (9, 'completed_at', false), (10, 'time_spent_seconds', false),
	    (11, 'percent_done', false), (12, 'best_quiz_score', false),
	    (13, 'certificate_code', false), (14, 'certificate_status', false))
	    AS c(ord, name, defuse)
	WHERE p_email OR c.name <> 'email';
$$;

/*
 * The COPY that streams a report (src/report_stream.c). csv: the columns
 * as reports.completions names them (the header row), text cells defused
 * for spreadsheets, RFC 4180 quoting by COPY. ndjson and json: one JSON
 * object a row, keys in the same order. JSON text escapes every control
 * character, so a CSV COPY whose quote and delimiter are control
 * characters sends it untouched, one row a line (text COPY would double
 * its backslashes). The filters are a literal: COPY takes no parameters.
 */
CREATE OR REPLACE FUNCTION reports.copy_statement(p_filters jsonb,
    p_email boolean, p_format text)
RETURNS text LANGUAGE sql IMMUTABLE AS $$
	SELECT CASE WHEN p_format = 'csv' THEN format(
	    'COPY (SELECT %s FROM reports.completions(%L::jsonb)) '
	    'TO STDOUT (FORMAT csv, HEADER)', (SELECT string_agg(
		CASE WHEN c.defuse THEN format('reports.cell(%I) AS %I',
		    c.name, c.name) ELSE quote_ident(c.name) END, ', '
		ORDER BY c.ord) FROM reports.columns(p_email) c), p_filters)
	ELSE format('COPY (SELECT row_to_json(r)::text FROM (SELECT %s '
	    'FROM reports.completions(%L::jsonb)) r) TO STDOUT '
	    '(FORMAT csv, DELIMITER E''\x02'', QUOTE E''\x01'')',
	    (SELECT string_agg(quote_ident(c.name), ', ' ORDER BY c.ord)
		FROM reports.columns(p_email) c), p_filters)
	END;
$$;

-- The stream's first step: the caller's report (reports.scope) and the
-- COPY that streams it.
CREATE OR REPLACE FUNCTION api.report_completions(p_uid uuid, p_sid uuid,
    p_args json, p_admin_route boolean, p_format text)
RETURNS api.reply
LANGUAGE plpgsql STABLE AS $$
DECLARE
	v_scope	jsonb := reports.scope(p_uid, p_sid, p_args::jsonb,
	    p_admin_route);
BEGIN
	RETURN api.ok(json_build_object(
	    'file', v_scope->>'file',
	    'copy', reports.copy_statement(v_scope->'filters',
		(v_scope->>'email')::boolean, p_format)));
END;
$$;

-- How many rows the same report has. EXECUTE plans the filters as
-- constants, as the stream's COPY does.
CREATE OR REPLACE FUNCTION api.report_completions_count(p_uid uuid,
    p_sid uuid, p_args json, p_admin_route boolean)
RETURNS api.reply
LANGUAGE plpgsql STABLE AS $$
DECLARE
	v_scope	jsonb := reports.scope(p_uid, p_sid, p_args::jsonb,
	    p_admin_route);
	v_rows	bigint;
BEGIN
	EXECUTE format('SELECT count(*) FROM reports.enrollments(%L::jsonb)',
	    v_scope->'filters') INTO v_rows;
	RETURN api.ok(json_build_object('rows', v_rows));
END;
$$;
