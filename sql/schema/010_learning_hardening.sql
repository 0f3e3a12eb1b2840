-- Enrollment, progress and completion, hardened after an audit:
-- Idempotency-Key scoped to the request, bounded beat storage, bulk
-- imports that cannot deadlock, completion on every event that can
-- satisfy the rule, precise lock reasons, and 100 % for a completed
-- enrollment. The functions and triggers live in
-- sql/functions/learning.sql now; the new column stays here.

------------------------------------------------------------------------------
-- Idempotency-Key

-- What a beat asked for, so a key sent again with another body is told
-- apart from a replay. NULL on beats stored before this migration: those
-- are matched on the lesson alone.
ALTER TABLE progress_beats ADD COLUMN request jsonb;
