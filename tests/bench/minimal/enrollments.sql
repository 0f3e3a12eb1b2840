-- The minimal correct statement for GET /api/v1/me/enrollments, sent with
-- -M prepared (the honest ceiling, issue 25): the session is live, and
-- each current enrollment with its course, the lessons it completed
-- against the course's lessons (the percent) and the last lesson touched
-- (where to resume). Same learners as ../pgbench/enrollments.sql.
\set k random(0, :signed - 1)
\set n 1 + :k * :stride
\set u 100000000000 + :n
SELECT c.slug, c.title, c.language, e.enrolled_at, e.last_activity_at,
    e.completed_at, e.last_lesson_id,
    (SELECT count(*) FROM lesson_progress lp WHERE lp.enrollment_id = e.id
	AND lp.completed_at IS NOT NULL) AS done,
    (SELECT count(*) FROM lessons l WHERE l.course_id = c.id) AS lessons
FROM sessions s
JOIN users u ON u.id = s.user_id
JOIN enrollments e ON e.user_id = s.user_id AND e.left_at IS NULL
JOIN courses c ON c.id = e.course_id
WHERE s.id = ('00000000-0000-4000-9000-' || :u)::uuid
  AND s.user_id = ('00000000-0000-4000-8000-' || :u)::uuid
  AND s.revoked_at IS NULL AND s.expires_at > now()
  AND u.disabled_at IS NULL AND u.erased_at IS NULL
ORDER BY coalesce(e.last_activity_at, e.enrolled_at) DESC;
