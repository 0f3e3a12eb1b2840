-- Issue 24: completion reports. The report reads enrollments by course and
-- by date (enrolled or completed); the functions are in
-- sql/functions/reports.sql.
--
-- A report of one course, or of a date range, over a million enrollments
-- must not read them all: with enrollments_course_idx (005) these let the
-- planner start from the filter that was given. Rows of learners who left
-- are never reported, so the indexes leave them out. Each index costs
-- every enrollment written: the one by completion date only those that
-- complete, and no (course, date) pair, as a course's enrollments are
-- few enough to filter by date once found.

CREATE SCHEMA IF NOT EXISTS reports;

CREATE INDEX IF NOT EXISTS enrollments_report_enrolled_idx
    ON enrollments (enrolled_at) WHERE left_at IS NULL;
CREATE INDEX IF NOT EXISTS enrollments_report_completed_idx
    ON enrollments (completed_at)
    WHERE left_at IS NULL AND completed_at IS NOT NULL;
