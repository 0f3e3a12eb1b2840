-- The minimal correct statement for GET /api/v1/lessons/:id, sent with
-- -M prepared (the honest ceiling, issue 25): the session is live and its
-- user active, the learner is enrolled in the lesson's course, and the
-- lesson and the learner's progress in it are read, in one SELECT by
-- primary keys and unique indexes. Same learners and lessons as
-- ../pgbench/lesson.sql.
\set k random(0, :signed - 1)
\set n 1 + :k * :stride
\set c (:n + random(0, :per - 1)) % :courses
\set u 100000000000 + :n
\set l 100000000000 + :c * :lpc + random(0, :lpc - 1)
SELECT l.id, l.title, l.minutes, l.html, l.video_url, l.attachments,
    lp.position, lp.time_spent, lp.completed_at
FROM sessions s
JOIN users u ON u.id = s.user_id
JOIN lessons l ON l.id = ('00000000-0000-4000-a000-' || :l)::uuid
JOIN enrollments e ON e.user_id = s.user_id AND e.course_id = l.course_id
    AND e.left_at IS NULL
LEFT JOIN lesson_progress lp ON lp.enrollment_id = e.id
    AND lp.lesson_id = l.id
WHERE s.id = ('00000000-0000-4000-9000-' || :u)::uuid
  AND s.user_id = ('00000000-0000-4000-8000-' || :u)::uuid
  AND s.revoked_at IS NULL AND s.expires_at > now()
  AND u.disabled_at IS NULL AND u.erased_at IS NULL;
