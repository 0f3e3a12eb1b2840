-- The minimal correct statement for PUT /api/v1/lessons/:id/progress, sent
-- with -M prepared (the honest ceiling, issue 25): the session is live,
-- the learner enrolled in the lesson's course; the Idempotency-Key's row
-- is written (a replay writes nothing more), and the progress row is
-- upserted with the credited time capped by the wall clock since the
-- previous beat plus the 30 s slack. One statement, one transaction.
-- Same beats as ../pgbench/progress.sql.
\set k random(0, :signed - 1)
\set n 1 + :k * :stride
\set c (:n + random(0, :per - 1)) % :courses
\set u 100000000000 + :n
\set l 100000000000 + :c * :lpc + random(0, :lpc - 1)
\set key random(1, 999999999999)
\set pos random(0, 600)
\set done random(1, 10)
WITH a AS (
	SELECT e.id AS enrollment_id, l.id AS lesson_id, s.user_id
	FROM sessions s
	JOIN users u ON u.id = s.user_id
	JOIN lessons l ON l.id = ('00000000-0000-4000-a000-' || :l)::uuid
	JOIN enrollments e ON e.user_id = s.user_id
	    AND e.course_id = l.course_id AND e.left_at IS NULL
	WHERE s.id = ('00000000-0000-4000-9000-' || :u)::uuid
	  AND s.user_id = ('00000000-0000-4000-8000-' || :u)::uuid
	  AND s.revoked_at IS NULL AND s.expires_at > now()
	  AND u.disabled_at IS NULL AND u.erased_at IS NULL
), k AS (
	INSERT INTO progress_beats (user_id, key, lesson_id, response)
	SELECT a.user_id, 'minimal-' || :client_id || '-' || :key,
	    a.lesson_id, '{}'
	FROM a
	ON CONFLICT DO NOTHING
	RETURNING 1
)
INSERT INTO lesson_progress AS lp (enrollment_id, lesson_id, position,
    time_spent, first_beat_at, last_beat_at, completed_at)
SELECT a.enrollment_id, a.lesson_id, :pos, least(10, 30), now(), now(),
    CASE WHEN :done = 1 THEN now() END
FROM a WHERE EXISTS (SELECT FROM k)
ON CONFLICT (enrollment_id, lesson_id) DO UPDATE SET
    position = excluded.position,
    time_spent = lp.time_spent + least(10, greatest(0,
	extract(epoch FROM now() - lp.last_beat_at)::int + 30)),
    last_beat_at = now(),
    completed_at = coalesce(lp.completed_at, excluded.completed_at),
    updated_at = now()
RETURNING lp.position, lp.time_spent, lp.completed_at;
