-- Background jobs: the table the job runner (src/jobs.c) claims work from,
-- and the certificate outbox moved into it. docs/jobs.md describes the
-- runner; its functions and the insert trigger are in
-- sql/functions/jobs.sql, and learning.complete_if_done enqueues there now.
--
-- A job is queued, then running under a lease (locked_by, locked_until)
-- that its worker renews while it works, then done, or queued again with a
-- later run_at after a failure, or failed for good after max_attempts.
-- A running job whose lease ran out lost its worker: another claims it.

CREATE SCHEMA IF NOT EXISTS jobs;

CREATE TABLE jobs (
	id		bigserial PRIMARY KEY,
	kind		text NOT NULL CHECK (kind ~ '^[a-z][a-z0-9_]{0,62}$'),
	payload		jsonb NOT NULL DEFAULT '{}',
	state		text NOT NULL DEFAULT 'queued'
	    CHECK (state IN ('queued', 'running', 'done', 'failed')),
	run_at		timestamptz NOT NULL DEFAULT now(),
	attempts	int NOT NULL DEFAULT 0 CHECK (attempts >= 0),
	max_attempts	int NOT NULL DEFAULT 5 CHECK (max_attempts >= 1),
	last_error	text,
	-- One job per event: a second enqueue with the same key is ignored.
	dedupe_key	text UNIQUE,
	locked_by	text,
	locked_until	timestamptz,
	created_at	timestamptz NOT NULL DEFAULT now(),
	started_at	timestamptz,
	finished_at	timestamptz,
	CHECK ((state = 'running') = (locked_until IS NOT NULL))
);

-- What a claim reads: queued work due by now, and expired leases.
CREATE INDEX jobs_queued_idx ON jobs (run_at, id) WHERE state = 'queued';
CREATE INDEX jobs_running_idx ON jobs (locked_until) WHERE state = 'running';
-- The admin counts.
CREATE INDEX jobs_kind_state_idx ON jobs (kind, state);

-- The certificate outbox becomes jobs of kind certificate_issue, one per
-- enrollment (the dedupe key keeps it so); processed rows are done.
INSERT INTO jobs (kind, payload, dedupe_key, state, created_at, finished_at)
SELECT 'certificate_issue',
    jsonb_build_object('enrollment_id', cj.enrollment_id),
    'certificate_issue:' || cj.enrollment_id,
    CASE WHEN cj.processed_at IS NULL THEN 'queued' ELSE 'done' END,
    cj.created_at, cj.processed_at
FROM certificate_jobs cj
ORDER BY cj.id;

DROP TABLE certificate_jobs;
