-- Issue 24: the reports' summary (api.report_summary) reads rollups, not
-- the enrollments: a plain query over a million enrollments took 1.5 to
-- 4 s (docs/reports.md, "Summary"). Each table sums the enrollments that
-- count (the learner has not left) by course and UTC day of enrollment,
-- the filters' grain, and one more dimension; triggers on enrollments,
-- users and quiz_attempts keep them exact in the transaction that changes
-- the rows (the functions and triggers: sql/functions/report_summary.sql).
-- They are filled from the data there is when the function file is first
-- applied (reports.rollup_rebuild, while report_rollup_state is empty).

CREATE SCHEMA IF NOT EXISTS reports;

-- Enrollments, completions, and the best submitted score of each
-- enrollment at each quiz (their sum and their number).
CREATE TABLE report_daily (
	course_id	uuid NOT NULL,
	day		date NOT NULL,
	enrolled	int NOT NULL DEFAULT 0,
	completed	int NOT NULL DEFAULT 0,
	score_sum	numeric NOT NULL DEFAULT 0,
	score_n		int NOT NULL DEFAULT 0,
	PRIMARY KEY (course_id, day)
);

CREATE TABLE report_daily_country (
	course_id	uuid NOT NULL,
	day		date NOT NULL,
	country		char(2) NOT NULL,
	enrolled	int NOT NULL DEFAULT 0,
	completed	int NOT NULL DEFAULT 0,
	PRIMARY KEY (course_id, day, country)
);

CREATE TABLE report_daily_profession (
	course_id	uuid NOT NULL,
	day		date NOT NULL,
	profession	profession NOT NULL,
	enrolled	int NOT NULL DEFAULT 0,
	completed	int NOT NULL DEFAULT 0,
	PRIMARY KEY (course_id, day, profession)
);

-- Completions by day of completion: the weekly counts, and the days to
-- complete (completed_on - day) whose median the summary gives.
CREATE TABLE report_daily_completions (
	course_id	uuid NOT NULL,
	day		date NOT NULL,
	completed_on	date NOT NULL,
	n		int NOT NULL DEFAULT 0,
	PRIMARY KEY (course_id, day, completed_on)
);

-- One row once the rollups were filled from the data.
CREATE TABLE report_rollup_state (
	rebuilt_at	timestamptz NOT NULL
);

-- Active in the last 30 days: read live, from the recent end of this
-- index alone (an index-only scan: what the summary needs is in it).
CREATE INDEX enrollments_activity_idx ON enrollments (last_activity_at)
    INCLUDE (course_id, enrolled_at, left_at, completed_at)
    WHERE last_activity_at IS NOT NULL;
