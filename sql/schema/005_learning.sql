-- Enrollment, lesson progress and course completion.
--
-- Every progress write locks the learner's enrollment row first, so all
-- writes for one learner in one course are serialised: two devices sending
-- beats at once cannot lose a completion (no write skew between lessons),
-- and completed_at is set exactly once, by the UPDATE that finds it NULL,
-- in the transaction that satisfied the rule. That transaction also
-- enqueues the certificate job.
--
-- The functions and the trigger: sql/functions/learning.sql.

CREATE SCHEMA IF NOT EXISTS learning;

CREATE TABLE enrollments (
	id		uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	user_id		uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	course_id	uuid NOT NULL REFERENCES courses (id) ON DELETE CASCADE,
	enrolled_at	timestamptz NOT NULL DEFAULT now(),
	left_at		timestamptz,
	completed_at	timestamptz,
	course_version	int NOT NULL,
	last_activity_at timestamptz,
	last_lesson_id	uuid REFERENCES lessons (id) ON DELETE SET NULL,
	source		text NOT NULL DEFAULT 'self',
	UNIQUE (user_id, course_id)
);
CREATE INDEX enrollments_course_idx ON enrollments (course_id)
    WHERE left_at IS NULL;

CREATE TABLE lesson_progress (
	enrollment_id	uuid NOT NULL REFERENCES enrollments (id)
	    ON DELETE CASCADE,
	lesson_id	uuid NOT NULL REFERENCES lessons (id) ON DELETE CASCADE,
	position	real NOT NULL DEFAULT 0,
	time_spent	int NOT NULL DEFAULT 0,
	first_beat_at	timestamptz NOT NULL DEFAULT now(),
	last_beat_at	timestamptz,
	completed_at	timestamptz,
	updated_at	timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (enrollment_id, lesson_id)
);
CREATE INDEX lesson_progress_lesson_idx ON lesson_progress (lesson_id);

-- Replays of a beat (same Idempotency-Key) get the first answer back.
CREATE TABLE progress_beats (
	user_id		uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	key		text NOT NULL,
	lesson_id	uuid NOT NULL,
	response	jsonb NOT NULL,
	created_at	timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (user_id, key)
);
CREATE INDEX progress_beats_created_idx ON progress_beats (created_at);

-- Quiz passes count towards completion; the quiz engine writes them.
CREATE TABLE quiz_passes (
	enrollment_id	uuid NOT NULL REFERENCES enrollments (id)
	    ON DELETE CASCADE,
	quiz_id		uuid NOT NULL REFERENCES quizzes (id) ON DELETE CASCADE,
	passed_at	timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (enrollment_id, quiz_id)
);

-- The outbox the certificates issue consumes.
CREATE TABLE certificate_jobs (
	id		bigserial PRIMARY KEY,
	enrollment_id	uuid NOT NULL UNIQUE REFERENCES enrollments (id)
	    ON DELETE CASCADE,
	created_at	timestamptz NOT NULL DEFAULT now(),
	processed_at	timestamptz
);
