-- make seed-large: a large, realistic data set for the reports, made inside
-- PostgreSQL with generate_series (scripts/seed-large runs it).
--
--   psql "$URL" -v learners=200000 -v enrollments=1000000 \
--       -f scripts/seed-large.sql
--
-- It adds to what the database holds (the demo accounts and courses stay)
-- and refuses to run twice: its rows are marked by the address domain
-- @large.example and the course slugs large-course-N.
--
--   20 courses (large-course-0..19), 2 modules x 2 lessons and a quiz each,
--   owned by instructor@large.example;
--   learners over two years, countries and professions weighted as the
--   platform's audience is, an organisation for most (a few large ones, a
--   long tail), 0.5% erased;
--   enrollments spread over the courses (popular ones first), enrolled
--   after the account was made: a quarter not started, a third under way,
--   the rest completed 1..180 days after enrolling (never in the future);
--   lesson progress matching that, quiz attempts (1..3, scores 30..100)
--   for most who reached the quiz, a certificate for each completion of
--   the even-numbered courses.
--
-- The random choices are seeded (setseed), so two databases seeded alike
-- hold the same numbers.

\set ON_ERROR_STOP 1
SET client_min_messages = warning;

DO $$
BEGIN
	IF EXISTS (SELECT 1 FROM courses WHERE slug = 'large-course-0') THEN
		RAISE EXCEPTION 'seed-large: this database is already seeded '
		    '(course large-course-0 exists); it runs once a database';
	END IF;
END;
$$;

SELECT (:enrollments + :learners - 1) / :learners <= 20 AS shape_ok \gset
\if :shape_ok
\else
	DO $$ BEGIN RAISE EXCEPTION 'seed-large: at most 20 enrollments a '
	    'learner (ENROLLMENTS <= 20 * LEARNERS)'; END $$;
\endif

CREATE FUNCTION pg_temp.lid(p_kind text, p_n bigint)
RETURNS uuid LANGUAGE sql IMMUTABLE AS $$
	SELECT ('00000000-0000-4001-' || p_kind || '-' ||
	    (100000000000 + p_n)::text)::uuid;
$$;

-- A value from a weighted list, for a uniform draw u in [0, 1).
CREATE FUNCTION pg_temp.pick(p_values text[], p_weights int[], p_u float8)
RETURNS text LANGUAGE sql IMMUTABLE AS $$
	SELECT v FROM (SELECT v, sum(w) OVER (ORDER BY i) AS c,
	    sum(w) OVER () AS t
	    FROM unnest(p_values, p_weights) WITH ORDINALITY AS x(v, w, i)) s
	WHERE c > p_u * t ORDER BY c LIMIT 1;
$$;

\timing on
BEGIN;
SELECT setseed(0.24);

-- Foreign keys are checked row by row by triggers; the rows below are
-- consistent by construction, so a superuser skips the checks.
SELECT rolsuper AS is_super FROM pg_roles WHERE rolname = current_user \gset
\if :is_super
	SET LOCAL session_replication_role = replica;
\endif

INSERT INTO users (id, email, password_hash, display_name, country,
    profession, organisation, language, role)
VALUES (pg_temp.lid('8000', 0), 'instructor@large.example', '!',
    'Large Seed Instructor', 'GB', 'other', 'Safeguard Learn', 'en',
    'instructor');

-- Countries and professions: the weights of the intended audience.
CREATE TEMP TABLE seed_weights AS SELECT
    ARRAY['GB','US','IN','PH','KE','NG','MX','ES','BR','ZA','AU','CA',
	'UG','GH','TH','CO','PE','DE','FR','IE']::text[] AS countries,
    ARRAY[16,12,10,9,8,7,6,5,5,4,3,3,2,2,2,2,1,1,1,1] AS cweights,
    ARRAY['education','social_work','health','law_enforcement','ngo',
	'legal','other']::text[] AS professions,
    ARRAY[30,22,18,12,9,4,5] AS pweights;

-- The draws first, so each learner's values come from one row.
CREATE TEMP TABLE seed_learners AS
SELECT n, random() AS uc, random() AS up, random() AS uo, random() AS ud,
    random() AS ue
FROM generate_series(1, :learners) AS n;

INSERT INTO users (id, email, password_hash, display_name, country,
    profession, organisation, language, created_at, password_changed_at,
    updated_at, erased_at)
SELECT pg_temp.lid('8000', l.n),
    CASE WHEN l.ue < 0.005 THEN 'erased-' || pg_temp.lid('8000', l.n) ||
	'@invalid' ELSE 'learner' || l.n || '@large.example' END,
    '!',
    CASE WHEN l.ue < 0.005 THEN 'Erased account'
	ELSE 'Large Learner ' || l.n END,
    c.country, p.profession::profession,
    CASE WHEN l.ue < 0.005 OR l.uo < 0.12 THEN NULL
	ELSE 'Organisation ' || floor(1500 * l.uo * l.uo)::int END,
    CASE WHEN c.country IN ('MX','ES','CO','PE') THEN 'es' ELSE 'en' END,
    now() - make_interval(secs => l.ud * 730 * 86400),
    now() - make_interval(secs => l.ud * 730 * 86400), now(),
    CASE WHEN l.ue < 0.005 THEN now() - interval '3 days' END
FROM seed_learners l, seed_weights w,
    LATERAL (SELECT pg_temp.pick(w.countries, w.cweights, l.uc)
	AS country) c,
    LATERAL (SELECT pg_temp.pick(w.professions, w.pweights, l.up)
	AS profession) p;

INSERT INTO courses (id, slug, title, summary, language, audiences,
    estimated_hours, status, version, owner_id, created_at, updated_at,
    published_at)
SELECT pg_temp.lid('c000', c), 'large-course-' || c,
    (ARRAY['Recognising grooming', 'Interviewing children',
	'Online exploitation', 'Trauma-informed practice',
	'Safe referral pathways', 'Evidence and disclosure',
	'Working with families', 'Digital evidence'])[1 + c % 8] ||
	' ' || (c / 8 + 1),
    'A course for people who work with children.',
    CASE WHEN c % 5 = 4 THEN 'es' ELSE 'en' END,
    ARRAY[(enum_range(NULL::profession))[1 + c % 7]],
    1.5 + c % 4, 'published', 1, pg_temp.lid('8000', 0),
    now() - interval '800 days', now() - interval '800 days',
    now() - interval '790 days'
FROM generate_series(0, 19) AS c;

INSERT INTO modules (id, course_id, key, title, summary, position,
    package_sha256)
SELECT pg_temp.lid('b000', c * 2 + m), pg_temp.lid('c000', c),
    'm' || (m + 1), 'Module ' || (m + 1), 'What this module covers.',
    m + 1, repeat('0', 64)
FROM generate_series(0, 19) AS c, generate_series(0, 1) AS m;

INSERT INTO lessons (id, module_id, course_id, key, title, position,
    minutes, markdown, html)
SELECT pg_temp.lid('a000', c * 4 + m * 2 + k), pg_temp.lid('b000', c * 2 + m),
    pg_temp.lid('c000', c), 'l' || (k + 1), 'Lesson ' || (m * 2 + k + 1),
    k + 1, 10, 'What to notice, what to do, whom to tell.',
    '<p>What to notice, what to do, whom to tell.</p>'
FROM generate_series(0, 19) AS c, generate_series(0, 1) AS m,
    generate_series(0, 1) AS k;

INSERT INTO quizzes (id, module_id, course_id, key, title, pass_mark,
    required, definition)
SELECT pg_temp.lid('e000', c), pg_temp.lid('b000', c * 2 + 1),
    pg_temp.lid('c000', c), 'check', 'Check your understanding', 70, false,
    jsonb_build_object('key', 'check', 'title', 'Check your understanding',
	'questions', jsonb_build_array(jsonb_build_object('key', 'q1',
	    'type', 'true_false', 'prompt', 'Listen first?',
	    'correct', true)))
FROM generate_series(0, 19) AS c;

-- Enrollment e: learner e % L + 1, its (e / L)-th course, the courses of
-- a learner distinct (a rotation of a popularity-weighted first course).
-- state: 0 not started, 1 under way, 2 completed.
CREATE TEMP TABLE seed_enrollments AS
SELECT e, n, course, enrolled_at, state,
    CASE WHEN state = 2 THEN done_at END AS completed_at,
    CASE WHEN state = 2 THEN done_at
	WHEN state = 1 THEN least(enrolled_at + make_interval(secs =>
	    60 * 86400 * d * d), now()) END AS active_at,
    CASE WHEN state = 1 THEN 1 + floor(random() * 3)::int
	WHEN state = 2 THEN 4 ELSE 0 END AS lessons_done
FROM (
	-- Those who would complete after now are still under way.
	SELECT e, n, course, enrolled_at, done_at, d,
	    CASE WHEN state = 2 AND done_at > now() THEN 1 ELSE state END
		AS state
	FROM (
		SELECT e, n, (first_course + j) % 20 AS course,
		    now() - make_interval(secs => l.ud * 730 * 86400 *
			(1 - sqrt(random()))) AS enrolled_at,
		    CASE WHEN s < 0.25 THEN 0 WHEN s < 0.58 THEN 1
			ELSE 2 END AS state,
		    random() AS d
		FROM (SELECT e, e % :learners + 1 AS n, e / :learners AS j,
			random() AS s
		    FROM generate_series(0, :enrollments - 1) AS e) x
		JOIN seed_learners l USING (n),
		LATERAL (SELECT floor(20 * l.uc * l.up)::int AS first_course) f
	) y,
	LATERAL (SELECT y.enrolled_at + make_interval(secs =>
	    (1 + 179 * d * d * d) * 86400) AS done_at) z
) w;

INSERT INTO enrollments (id, user_id, course_id, enrolled_at, completed_at,
    course_version, last_activity_at, last_lesson_id, source)
SELECT pg_temp.lid('d000', e), pg_temp.lid('8000', n),
    pg_temp.lid('c000', course), enrolled_at, completed_at, 1,
    active_at,
    CASE WHEN lessons_done > 0 THEN
	pg_temp.lid('a000', course * 4 + lessons_done - 1) END,
    'seed'
FROM seed_enrollments;

INSERT INTO lesson_progress (enrollment_id, lesson_id, position, time_spent,
    first_beat_at, last_beat_at, completed_at, updated_at)
SELECT pg_temp.lid('d000', e), pg_temp.lid('a000', course * 4 + k),
    1, 240 + (e * 7 + k * 13) % 900, enrolled_at,
    coalesce(completed_at, enrolled_at + interval '1 hour'),
    coalesce(completed_at, enrolled_at + interval '1 hour'),
    coalesce(completed_at, enrolled_at + interval '1 hour')
FROM seed_enrollments, generate_series(0, 3) AS k
WHERE k < lessons_done;

-- Attempts at the quiz: every completion, some of those under way.
INSERT INTO quiz_attempts (quiz_id, enrollment_id, user_id, number, state,
    seed, questions, answers, started_at, submitted_at, submitted_by, marks,
    score, passed)
SELECT pg_temp.lid('e000', course), pg_temp.lid('d000', e),
    pg_temp.lid('8000', n), a, 'submitted', '\x00000000000000000000000000000000',
    '[]', '{}', t, t + interval '10 minutes', 'learner', '{}', sc, sc >= 70
FROM seed_enrollments,
    generate_series(1, 1 + e % 3) AS a,
    LATERAL (SELECT round((30 + 70 * sqrt(random()))::numeric, 4) AS sc,
	coalesce(completed_at, active_at, now()) - make_interval(hours => a)
	AS t) z
WHERE state = 2 OR (state = 1 AND e % 4 = 0);

INSERT INTO certificates (enrollment_id, completed_at, user_id, course_id,
    code, name, course_title, language, course_version, hours, issued_at)
SELECT pg_temp.lid('d000', s.e), s.completed_at, pg_temp.lid('8000', s.n),
    pg_temp.lid('c000', s.course),
    'SEED-' || substr(lpad(s.e::text, 12, '0'), 1, 4) || '-' ||
	substr(lpad(s.e::text, 12, '0'), 5, 4) || '-' ||
	substr(lpad(s.e::text, 12, '0'), 9, 4),
    u.display_name, c.title, c.language, 1, c.estimated_hours,
    s.completed_at
FROM seed_enrollments s
JOIN users u ON u.id = pg_temp.lid('8000', s.n)
JOIN courses c ON c.id = pg_temp.lid('c000', s.course)
WHERE s.state = 2 AND s.course % 2 = 0 AND u.erased_at IS NULL;

-- The load skipped the triggers that keep the reports' rollups.
SELECT reports.rollup_rebuild();

COMMIT;

SELECT count(content.outline_refresh(id)) AS outlines FROM courses
WHERE slug LIKE 'large-course-%';
\timing off

VACUUM (ANALYZE) users, courses, enrollments, lesson_progress,
    quiz_attempts, certificates, report_daily, report_daily_country,
    report_daily_profession, report_daily_completions;

SELECT (SELECT count(*) FROM users WHERE email LIKE '%@large.example'
	OR id::text LIKE '00000000-0000-4001-8000-%') AS learners,
    (SELECT count(*) FROM enrollments WHERE source = 'seed') AS enrollments,
    (SELECT count(*) FROM enrollments WHERE source = 'seed'
	AND completed_at IS NOT NULL) AS completed,
    (SELECT count(*) FROM quiz_attempts) AS quiz_attempts,
    (SELECT count(*) FROM certificates WHERE code LIKE 'SEED-%')
	AS certificates;
