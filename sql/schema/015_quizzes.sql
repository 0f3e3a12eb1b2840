-- Issue 21: quizzes. Settings as Moodle names them, attempts (the draw,
-- the answers, the grade), question banks imported from Moodle, and the
-- completion round attempts count in.
--
-- The answer key lives in quizzes.definition, question_bank.question and
-- quiz_attempts.questions; none of them leaves the server before the
-- attempt it belongs to is submitted (docs/questions.md). Functions:
-- sql/functions/quizzes.sql.

CREATE SCHEMA IF NOT EXISTS quiz;

-- A completion round of an enrollment: 1, then one more each time a
-- learner takes the course again after the certificate expired
-- (docs/certificates.md). Attempts count within their round.
ALTER TABLE enrollments ADD COLUMN round int NOT NULL DEFAULT 1
    CHECK (round >= 1);

ALTER TABLE quizzes
	-- NULL: unlimited.
	ADD COLUMN attempts_allowed int
	    CHECK (attempts_allowed IS NULL OR attempts_allowed BETWEEN 1 AND 100),
	-- Between the end of one attempt and the start of the next.
	ADD COLUMN attempt_delay_minutes int NOT NULL DEFAULT 0
	    CHECK (attempt_delay_minutes BETWEEN 0 AND 43200),
	-- NULL: no time limit. Enforced by the server (quiz_attempts.deadline).
	ADD COLUMN time_limit_minutes int
	    CHECK (time_limit_minutes IS NULL OR
		time_limit_minutes BETWEEN 1 AND 600),
	ADD COLUMN grading_method text NOT NULL DEFAULT 'highest'
	    CHECK (grading_method IN ('highest', 'average', 'first', 'last')),
	-- What a learner sees after submitting: the score only; answers
	-- once passed; answers after the last attempt allowed.
	ADD COLUMN review_policy text NOT NULL DEFAULT 'after_passing'
	    CHECK (review_policy IN ('score_only', 'after_passing',
		'after_last_attempt')),
	-- How many questions an attempt draws from the pool; NULL: all.
	ADD COLUMN draw_count int
	    CHECK (draw_count IS NULL OR draw_count BETWEEN 1 AND 500),
	-- true: draw_count questions from each category of the pool.
	ADD COLUMN draw_per_category boolean NOT NULL DEFAULT false,
	-- Bank categories whose questions join the quiz's own in the pool.
	ADD COLUMN pool_categories text[] NOT NULL DEFAULT '{}',
	-- Set when an instructor changed a setting through the API: a new
	-- upload of the module then keeps the settings it does not name.
	ADD COLUMN settings_updated_at timestamptz;

-- A course's question bank: questions of the model of docs/questions.md,
-- imported from GIFT or Moodle XML files or written through the API.
CREATE TABLE question_bank (
	id		uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	course_id	uuid NOT NULL REFERENCES courses (id) ON DELETE CASCADE,
	key		text NOT NULL CHECK (key ~ '^[A-Za-z0-9_-]{1,64}$'),
	category	text NOT NULL DEFAULT ''
	    CHECK (length(category) <= 255),
	type		text NOT NULL,
	question	jsonb NOT NULL,
	source		text NOT NULL
	    CHECK (source IN ('gift', 'moodle_xml', 'api')),
	-- The import that brought it (one id an import request).
	import_id	uuid,
	created_by	uuid REFERENCES users (id) ON DELETE SET NULL,
	created_at	timestamptz NOT NULL DEFAULT now(),
	updated_at	timestamptz NOT NULL DEFAULT now(),
	UNIQUE (course_id, key)
);
CREATE INDEX question_bank_category_idx ON question_bank (course_id, category);

-- An attempt: the questions drawn (full definitions, so a new upload of
-- the module never changes an attempt under way), the secret seed the
-- learner's view and choice ids derive from, the answers saved, and at
-- submission the marks, the review and the score.
CREATE TABLE quiz_attempts (
	id		uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	quiz_id		uuid NOT NULL REFERENCES quizzes (id) ON DELETE CASCADE,
	enrollment_id	uuid NOT NULL REFERENCES enrollments (id)
	    ON DELETE CASCADE,
	user_id		uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	round		int NOT NULL DEFAULT 1,
	number		int NOT NULL CHECK (number >= 1),
	state		text NOT NULL DEFAULT 'open'
	    CHECK (state IN ('open', 'submitted')),
	seed		bytea NOT NULL
	    CHECK (octet_length(seed) BETWEEN 16 AND 64),
	-- [{"id": <opaque>, "question": {...}, "map": {...}}, ...] in the
	-- order shown. Server only.
	questions	jsonb NOT NULL,
	-- {<question id>: <answer>}, as the learner last saved them.
	answers		jsonb NOT NULL DEFAULT '{}',
	started_at	timestamptz NOT NULL DEFAULT now(),
	deadline	timestamptz,
	saved_at	timestamptz,
	submitted_at	timestamptz,
	-- Who ended it: the learner, or the deadline (job or next touch).
	submitted_by	text CHECK (submitted_by IN ('learner', 'deadline')),
	-- {<question id>: mark 0..1}
	marks		jsonb,
	-- [{per question review, docs/questions.md}] in the order shown.
	review		jsonb,
	-- 0..100
	score		numeric(7,4) CHECK (score BETWEEN 0 AND 100),
	passed		boolean,
	UNIQUE (enrollment_id, quiz_id, round, number),
	CHECK ((state = 'submitted') = (submitted_at IS NOT NULL)),
	CHECK (state = 'open' OR (score IS NOT NULL AND passed IS NOT NULL
	    AND marks IS NOT NULL AND submitted_by IS NOT NULL))
);
-- At most one open attempt a learner and quiz.
CREATE UNIQUE INDEX quiz_attempts_open_key ON quiz_attempts
    (enrollment_id, quiz_id) WHERE state = 'open';
CREATE INDEX quiz_attempts_user_idx ON quiz_attempts (user_id, quiz_id);
CREATE INDEX quiz_attempts_stats_idx ON quiz_attempts (quiz_id)
    WHERE state = 'submitted';
CREATE INDEX quiz_attempts_deadline_idx ON quiz_attempts (deadline)
    WHERE state = 'open' AND deadline IS NOT NULL;
