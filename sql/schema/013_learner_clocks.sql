-- Issue 20: reading time credited to a learner never runs ahead of the
-- wall clock, across lessons and courses. Each lesson's progress row caps
-- its own time; beats sent to many lessons at once each had their own
-- 30 s of slack and their own wall clock, so 100 lessons credited 3,000 s
-- in a tenth of a second. One row a learner, locked by each beat that
-- credits time (learning.clock_credit in sql/functions/learning.sql):
-- credited_until is the end of the real time already credited, at most
-- the 30 s slack past now(). A learner's row is made at their first beat
-- that credits time, so existing learners need no data move.

CREATE TABLE learner_clocks (
	user_id		uuid PRIMARY KEY REFERENCES users (id)
	    ON DELETE CASCADE,
	credited_until	timestamptz NOT NULL,
	-- What the last beat credited: the upsert's answer.
	credit		int NOT NULL
);
