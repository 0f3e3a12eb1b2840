-- Issue 24: the summary's "active in the last 30 days" from a rollup, not
-- from the enrollments. Counted live (enrollments_activity_idx, 019) it
-- read every enrollment active in 30 days: 400,000 index entries on the
-- bench's data, and once progress beats had rewritten those rows (as they
-- do all day: the active ones are the ones written) each entry cost a
-- visit to the table, 440 ms for the count alone.
--
-- One row a course and UTC day of last activity: the enrollments that
-- count (the learner has not left), by the day of their last_activity_at.
-- A trigger moves an enrollment from one day to the next on its first
-- activity of a day only (sql/functions/report_summary.sql); the summary
-- adds up the days after the one 30 days ago and counts that day's part
-- live. Days older than that stay, one row a course a day, and cost
-- nothing to read.
--
-- The rollups are made again from the data in this migration's
-- transaction: emptying report_rollup_state has the function file's
-- closing block call reports.rollup_rebuild, which fills this table too,
-- under a lock on the enrollments.

CREATE TABLE report_active_daily (
	course_id	uuid NOT NULL,
	active_on	date NOT NULL,
	n		int NOT NULL DEFAULT 0,
	PRIMARY KEY (course_id, active_on)
);

DELETE FROM report_rollup_state;
