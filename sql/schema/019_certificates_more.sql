-- Issue 22: re-certification. When a learner takes a course again after
-- the certificate expired (api.enrollment_renew), the enrollment starts a
-- new round (enrollments.round + 1, 015) and the progress of the round
-- that ended moves here, in the same transaction: the learning record
-- stays, the new round starts from nothing. Quiz attempts keep their own
-- round (quiz_attempts.round) and stay where they are.

CREATE TABLE enrollment_rounds (
	enrollment_id	uuid NOT NULL REFERENCES enrollments (id)
	    ON DELETE CASCADE,
	round		int NOT NULL CHECK (round >= 1),
	course_version	int NOT NULL,
	completed_at	timestamptz NOT NULL,
	ended_at	timestamptz NOT NULL DEFAULT now(),
	-- lesson_progress and quiz_passes rows of the round, without their
	-- enrollment_id: [{"lesson_id", "position", "time_spent", ...}].
	lesson_progress	jsonb NOT NULL DEFAULT '[]',
	quiz_passes	jsonb NOT NULL DEFAULT '[]',
	PRIMARY KEY (enrollment_id, round)
);
