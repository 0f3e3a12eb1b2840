-- Issue 24: completion reports. The report reads enrollments by course and
-- by date (enrolled or completed), newest filters first; the functions are
-- in sql/functions/reports.sql.
--
-- A report of one course, or of a date range, over a million enrollments
-- must not read them all: these indexes let the planner start from the
-- filter that was given. Rows of learners who left are never reported,
-- so the indexes leave them out (like enrollments_course_idx, 005).

CREATE SCHEMA IF NOT EXISTS reports;

CREATE INDEX IF NOT EXISTS enrollments_report_course_idx
    ON enrollments (course_id, enrolled_at) WHERE left_at IS NULL;
CREATE INDEX IF NOT EXISTS enrollments_report_enrolled_idx
    ON enrollments (enrolled_at) WHERE left_at IS NULL;
CREATE INDEX IF NOT EXISTS enrollments_report_completed_idx
    ON enrollments (completed_at)
    WHERE left_at IS NULL AND completed_at IS NOT NULL;
