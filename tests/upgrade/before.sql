-- Rows a database held before issue 19's split, written with the tables
-- and functions of 0f2a177 (tests/upgrade/build-old runs it there): two
-- accounts, a published course of three lessons made by the old import
-- functions, an enrollment with one lesson completed and one in progress,
-- a stored progress beat, a session and an audit entry. tests/api/
-- test_upgrade.py finds them, with these values, after scripts/migrate.
--   psql -v hash=<argon2id hash of tests/api/conftest.py's PASSWORD>

INSERT INTO users (id, email, password_hash, display_name, country,
    profession, organisation, language, role, created_at, updated_at)
VALUES
    ('00000000-0000-4000-8000-00000000a001', 'upgrade-learner@example.org',
	:'hash', 'Learner From Before', 'GB', 'education', 'A school', 'en',
	'learner', '2026-01-02 03:04:05+00', '2026-01-02 03:04:05+00'),
    ('00000000-0000-4000-8000-00000000a002', 'upgrade-instructor@example.org',
	:'hash', 'Instructor From Before', 'ES', 'social_work', NULL, 'es',
	'instructor', '2026-01-01 00:00:00+00', '2026-01-01 00:00:00+00');

SELECT content.course_upsert('00000000-0000-4000-8000-00000000a002',
    '{"slug": "upgrade-course", "title": "A course from before the split",
      "summary": "Made by the migrations of 0f2a177.", "language": "en",
      "audiences": ["education"], "estimated_hours": 2}');

SELECT content.module_import(c.id, '{"key": "first", "title": "First module",
    "order": 1, "package_sha256":
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    "media": [], "quiz": null, "lessons": [
	{"key": "one", "title": "Lesson one", "minutes": 5,
	 "markdown": "One.", "html": "<p>One.</p>"},
	{"key": "two", "title": "Lesson two", "minutes": 5,
	 "markdown": "Two.", "html": "<p>Two.</p>"},
	{"key": "three", "title": "Lesson three", "minutes": 5,
	 "markdown": "Three.", "html": "<p>Three.</p>"}]}')
FROM courses c WHERE c.slug = 'upgrade-course';

UPDATE courses SET status = 'published',
    published_at = '2026-01-03 00:00:00+00'
WHERE slug = 'upgrade-course';
SELECT content.outline_refresh(id) FROM courses WHERE slug = 'upgrade-course';

INSERT INTO enrollments (id, user_id, course_id, enrolled_at, course_version,
    last_activity_at, last_lesson_id)
SELECT '00000000-0000-4000-8000-00000000e001',
    '00000000-0000-4000-8000-00000000a001', c.id, '2026-01-04 10:00:00+00',
    c.version, '2026-01-05 11:00:00+00', l.id
FROM courses c JOIN lessons l ON l.course_id = c.id AND l.key = 'two'
WHERE c.slug = 'upgrade-course';

INSERT INTO lesson_progress (enrollment_id, lesson_id, position, time_spent,
    first_beat_at, last_beat_at, completed_at, updated_at)
SELECT '00000000-0000-4000-8000-00000000e001', l.id, v.position,
    v.time_spent, v.first_at, v.last_at, v.done_at, v.last_at
FROM lessons l JOIN courses c ON c.id = l.course_id
JOIN (VALUES
    ('one', 1.0::real, 300, '2026-01-04 10:01:00+00'::timestamptz,
	'2026-01-04 10:06:00+00'::timestamptz,
	'2026-01-04 10:06:00+00'::timestamptz),
    ('two', 0.5::real, 120, '2026-01-05 10:58:00+00', '2026-01-05 11:00:00+00',
	NULL)) AS v (key, position, time_spent, first_at, last_at, done_at)
    ON v.key = l.key
WHERE c.slug = 'upgrade-course';

-- A beat stored before the request column was filled in: a replay of its
-- key for its lesson gets this answer back.
INSERT INTO progress_beats (user_id, key, lesson_id, response, created_at)
SELECT '00000000-0000-4000-8000-00000000a001', 'beat-from-before', l.id,
    jsonb_build_object('lesson_id', l.id, 'status', 'in_progress',
	'position', 0.5, 'time_spent', 120, 'credited', 10,
	'course', jsonb_build_object('percent', 33, 'completed_at', NULL,
	    'completed_now', false)),
    now() - interval '1 day'
FROM lessons l WHERE l.key = 'two' AND l.course_id =
    (SELECT id FROM courses WHERE slug = 'upgrade-course');

INSERT INTO sessions (id, user_id, created_at, last_used_at, expires_at)
VALUES ('00000000-0000-4000-8000-00000000b001',
    '00000000-0000-4000-8000-00000000a001', '2026-01-05 10:57:00+00',
    '2026-01-05 10:57:00+00', now() + interval '30 days');

SELECT auth.audit('00000000-0000-4000-8000-00000000a002', 'course.create',
    'course', 'upgrade-course', 'req-from-before',
    '{"title": "A course from before the split"}');
