-- make bench: realistic data made inside PostgreSQL with generate_series.
--
--   psql "$URL" -v learners=100000 -v courses=20 -v modules=5 -v lessons=6 \
--       -v per_learner=3 -v progress=1000000 -v hash='$argon2id$...' \
--       -f tests/bench/data.sql
--
-- It writes the real tables the migrations made, and refuses to touch a
-- database that holds anything but earlier bench data.
--
-- Ids are made from numbers so the Lua scripts and pgbench can name rows
-- without asking the database: entity KIND, number N gives the uuid
-- 00000000-0000-4000-KIND-1NNNNNNNNNNN (12 decimal digits are 12 valid hex
-- digits). Kinds: 8000 users, 9000 sessions, c000 courses, b000 modules,
-- a000 lessons, d000 enrollments, e000 quizzes (quiz c: course c's),
-- f000 certificates (learner n's).
--
--   learner n (1..learners)      email learnerN@bench.example, one live
--                                session; enrolled in courses
--                                (n + j) % courses, j = 0..per_learner-1
--   course c (0..courses-1)      slug bench-course-C, published, modules x
--                                lessons, outline built by
--                                content.outline_refresh
--   lesson of course c, ord o    number c * modules * lessons + o (o is the
--                                reading order, 0-based)
--   lesson_progress row p        enrollment p % E (E = all enrollments),
--                                reading-order lesson p / E; every row but
--                                an enrollment's last is completed

\set ON_ERROR_STOP 1
-- Learners 1, 1 + cert_stride, ... get a certificate (scripts/bench: the
-- ones it signs in).
\if :{?cert_stride}
\else
	\set cert_stride 100
\endif
SET client_min_messages = warning;

SELECT :'hash' LIKE '$argon2id$%' AS hash_ok \gset
\if :hash_ok
\else
	DO $$ BEGIN RAISE EXCEPTION 'data.sql: -v hash must be an argon2id '
	    'hash (build/sgctl hash)'; END $$;
\endif

-- Refuse a database with anything in it that the bench did not make.
DO $$
BEGIN
	-- make seed-large's learners (the reports phase, tests/bench/reports.sh)
	-- are bench data too.
	IF EXISTS (SELECT 1 FROM users
	    WHERE email NOT LIKE '%@bench.example'
	      AND email NOT LIKE '%@large.example'
	      AND email NOT LIKE 'erased-00000000-0000-4001-8000-%@invalid') THEN
		RAISE EXCEPTION 'data.sql: this database holds users that are '
		    'not bench data; use an empty database for make bench';
	END IF;
END;
$$;

CREATE FUNCTION pg_temp.bid(p_kind text, p_n bigint)
RETURNS uuid LANGUAGE sql IMMUTABLE AS $$
	SELECT ('00000000-0000-4000-' || p_kind || '-' ||
	    (100000000000 + p_n)::text)::uuid;
$$;

\timing on
BEGIN;
TRUNCATE users, courses, media, login_throttle, jobs CASCADE;

-- Foreign keys are checked row by row by triggers; the rows below are
-- consistent by construction, so a superuser skips the checks (a 1,000,000
-- row load takes a third of the time). Others load with the checks on.
SELECT rolsuper AS is_super FROM pg_roles WHERE rolname = current_user \gset
\if :is_super
	SET LOCAL session_replication_role = replica;
\endif

-- The instructor who owns the courses is user 0.
INSERT INTO users (id, email, password_hash, display_name, country,
    profession, organisation, language, role)
VALUES (pg_temp.bid('8000', 0), 'instructor@bench.example', :'hash',
    'Bench Instructor', 'GB', 'other', 'Safeguard Learn bench', 'en',
    'instructor');

INSERT INTO users (id, email, password_hash, display_name, country,
    profession, organisation, language, created_at, password_changed_at)
SELECT pg_temp.bid('8000', n), 'learner' || n || '@bench.example', :'hash',
    'Bench Learner ' || n,
    (ARRAY['PH','ES','GB','KE','MX','IN','BR','NG','US','TH'])[1 + n % 10],
    (enum_range(NULL::profession))[1 + n % 7],
    CASE WHEN n % 3 = 0 THEN NULL ELSE 'Organisation ' || (n % 997) END,
    CASE WHEN n % 4 = 3 THEN 'es' ELSE 'en' END,
    now() - make_interval(days => (n % 700)),
    now() - make_interval(days => (n % 700))
FROM generate_series(1, :learners) AS n;

-- One live session a learner: pgbench passes (uid, sid) pairs that
-- auth.check accepts, as an access token would name them.
INSERT INTO sessions (id, user_id, created_at, last_used_at, expires_at)
SELECT pg_temp.bid('9000', n), pg_temp.bid('8000', n), now(), now(),
    now() + interval '30 days'
FROM generate_series(1, :learners) AS n;

INSERT INTO courses (id, slug, title, summary, language, audiences,
    estimated_hours, status, version, translation_group, owner_id,
    created_at, updated_at, published_at)
SELECT pg_temp.bid('c000', c), 'bench-course-' || c,
    (ARRAY['Recognising grooming', 'Interviewing children',
	'Online exploitation', 'Trauma-informed practice',
	'Safe referral pathways', 'Evidence and disclosure',
	'Working with families', 'Digital evidence'])[1 + c % 8] ||
	' ' || (c / 8 + 1),
    'A course of ' || :modules || ' modules for people who work with '
	'children: what to notice, what to do, and whom to tell.',
    CASE WHEN c % 4 = 3 THEN 'es' ELSE 'en' END,
    ARRAY[(enum_range(NULL::profession))[1 + c % 7],
	(enum_range(NULL::profession))[1 + (c + 3) % 7]],
    1.5 + c % 4, 'published', 1,
    CASE WHEN c < 8 THEN 'bench-group-' || (c / 2) END,
    pg_temp.bid('8000', 0),
    now() - make_interval(days => 60 + c), now() - make_interval(days => c),
    now() - make_interval(days => 30 + c)
FROM generate_series(0, :courses - 1) AS c;

INSERT INTO modules (id, course_id, key, title, summary, position,
    package_sha256)
SELECT pg_temp.bid('b000', c * :modules + m), pg_temp.bid('c000', c),
    'm' || (m + 1), 'Module ' || (m + 1) || ' of course ' || c,
    'What this module covers, in a sentence or two.', m + 1,
    repeat('0', 64)
FROM generate_series(0, :courses - 1) AS c,
    generate_series(0, :modules - 1) AS m;

-- Lesson bodies of about 4 KB of HTML, as cmark renders them.
INSERT INTO lessons (id, module_id, course_id, key, title, position,
    minutes, markdown, html)
SELECT pg_temp.bid('a000', (c * :modules + m) * :lessons + k),
    pg_temp.bid('b000', c * :modules + m), pg_temp.bid('c000', c),
    'l' || (k + 1), 'Lesson ' || (k + 1) || ': ' || topic, k + 1,
    5 + (k * 3) % 11,
    '## ' || topic || E'\n\n' || repeat(para || E'\n\n', 8),
    '<h2>' || topic || '</h2>' || repeat('<p>' || para || '</p>', 8) ||
	'<ul><li>Notice</li><li>Record</li><li>Refer</li></ul>'
FROM generate_series(0, :courses - 1) AS c,
    generate_series(0, :modules - 1) AS m,
    generate_series(0, :lessons - 1) AS k,
    LATERAL (SELECT 'Topic ' || c || '.' || m || '.' || k AS topic,
	'When a child tells you something, listen without leading, write '
	'down their words as they said them, and pass what you heard to the '
	'designated person the same day. Lesson ' || k || ' of module ' ||
	m || ' explains why each step matters and what the law expects.'
	AS para) t;

-- A quiz on each course's last module, of ten single-choice questions of
-- four choices, not required (so that completions, and the progress
-- scenario, are as without quizzes), unlimited attempts: the quiz
-- scenarios start, save and submit attempts at it.
INSERT INTO quizzes (id, module_id, course_id, key, title, pass_mark,
    required, definition)
SELECT pg_temp.bid('e000', c), pg_temp.bid('b000', c * :modules + :modules - 1),
    pg_temp.bid('c000', c), 'check', 'Check your understanding', 70, false,
    jsonb_build_object('key', 'check', 'title', 'Check your understanding',
	'questions', (SELECT jsonb_agg(jsonb_build_object('key', 'q' || i,
	    'type', 'single_choice',
	    'prompt', 'Question ' || i || ': which step comes first?',
	    'explanation', 'Listening comes before anything else.',
	    'choices', (SELECT jsonb_agg(jsonb_build_object('key', k,
		'text', 'Choice ' || k || ' of question ' || i,
		'correct', k = 'a', 'feedback', 'Why ' || k || '.')
		ORDER BY k) FROM unnest(ARRAY['a', 'b', 'c', 'd']) k))
	    ORDER BY i) FROM generate_series(1, 10) i))
FROM generate_series(0, :courses - 1) AS c;

-- Enrollment e = (n - 1) * per_learner + j; its progress rows are
-- p = e, e + E, e + 2E ... below the progress count, so their number and
-- the last lesson touched follow from e alone.
INSERT INTO enrollments (id, user_id, course_id, enrolled_at, course_version,
    last_activity_at, last_lesson_id)
SELECT pg_temp.bid('d000', e), pg_temp.bid('8000', n),
    pg_temp.bid('c000', (n + j) % :courses),
    now() - make_interval(days => 1 + e % 90), 1,
    CASE WHEN rows > 0 THEN now() - make_interval(hours => e % 2000) END,
    CASE WHEN rows > 0 THEN pg_temp.bid('a000',
	((n + j) % :courses) * :modules * :lessons + rows - 1) END
FROM generate_series(1, :learners) AS n,
    generate_series(0, :per_learner - 1) AS j,
    LATERAL (SELECT (n - 1) * :per_learner + j AS e) x,
    LATERAL (SELECT CASE WHEN x.e >= :progress THEN 0 ELSE least(
	(:progress - 1 - x.e) / (:learners * :per_learner) + 1,
	:modules * :lessons) END AS rows) r;

INSERT INTO lesson_progress (enrollment_id, lesson_id, position, time_spent,
    first_beat_at, last_beat_at, completed_at, updated_at)
SELECT pg_temp.bid('d000', e), pg_temp.bid('a000',
	((n + j) % :courses) * :modules * :lessons + o),
    (p % 97) / 97.0, 60 + p % 900,
    now() - make_interval(hours => 2 + p % 2000),
    now() - make_interval(hours => 1 + p % 2000),
    CASE WHEN p + :learners * :per_learner < :progress
	THEN now() - make_interval(hours => 1 + p % 2000) END,
    now() - make_interval(hours => 1 + p % 2000)
FROM generate_series(0, :progress - 1) AS p,
    LATERAL (SELECT p % (:learners * :per_learner) AS e,
	p / (:learners * :per_learner) AS o) x,
    LATERAL (SELECT x.e / :per_learner + 1 AS n,
	x.e % :per_learner AS j) y
WHERE o < :modules * :lessons;

-- A certificate for each learner the bench signs in (n = 1 + k *
-- cert_stride), of their first enrollment: id f000-N, code
-- BNCH-NNNN-NNNN-NNNN from N, and a stored PDF of 30 kB of random bytes
-- (as incompressible as a real one; its own copy in each row).
WITH blob AS (
	SELECT decode(string_agg(lpad(to_hex((random() * 255)::int), 2, '0'),
	    ''), 'hex') AS b FROM generate_series(1, 30000))
INSERT INTO certificates (id, enrollment_id, completed_at, user_id,
    course_id, code, name, course_title, language, course_version, hours,
    issued_at, pdf, pdf_sha256)
SELECT pg_temp.bid('f000', n), pg_temp.bid('d000', (n - 1) * :per_learner),
    now() - interval '1 day', pg_temp.bid('8000', n),
    pg_temp.bid('c000', n % :courses),
    'BNCH-' || substr(lpad(n::text, 12, '0'), 1, 4) || '-' ||
	substr(lpad(n::text, 12, '0'), 5, 4) || '-' ||
	substr(lpad(n::text, 12, '0'), 9, 4),
    'Bench Learner ' || n, 'Bench course ' || n % :courses, 'en', 1, 2.5,
    now() - interval '1 day', p.pdf, encode(sha256(p.pdf), 'hex')
FROM generate_series(1, :learners, :cert_stride) AS n,
    LATERAL (SELECT blob.b || int8send(n) AS pdf FROM blob) p;

COMMIT;

-- Outlines are stored ready to send, as publishing a course does.
SELECT count(content.outline_refresh(id)) AS outlines FROM courses;
\timing off

VACUUM (ANALYZE) users, sessions, courses, modules, lessons, enrollments,
    lesson_progress, progress_beats, quizzes, quiz_attempts, certificates;
-- The load's dirty pages are written now, not during the first run.
\if :is_super
	CHECKPOINT;
\endif

SELECT (SELECT count(*) FROM users) AS users,
    (SELECT count(*) FROM sessions) AS sessions,
    (SELECT count(*) FROM courses) AS courses,
    (SELECT count(*) FROM lessons) AS lessons,
    (SELECT count(*) FROM quizzes) AS quizzes,
    (SELECT count(*) FROM enrollments) AS enrollments,
    (SELECT count(*) FROM lesson_progress) AS lesson_progress;
