-- Background jobs, for src/jobs.c (the runner) and every domain that
-- enqueues work: enqueue, claim, lease renewal, the end of an attempt, the
-- hand-back when a worker stops, and the admins' counts. docs/jobs.md
-- describes the runner; the table is sql/schema/011_jobs.sql's.
--
-- A file of sql/functions/: each function, view and trigger here is defined
-- once, in all sql/, with CREATE OR REPLACE; scripts/migrate applies every
-- such file again, in one transaction after the versioned sql/schema/ files,
-- whenever one of them changed. The api schema is rebuilt whole first;
-- the functions of the jobs schema are only replaced: dropping
-- one is a line in a new sql/schema/ file.

/*
 * Enqueues a job; returns its id, or NULL when a job with that dedupe key
 * exists already (the event was enqueued before: exactly once). Call it in
 * the transaction of the event, so the job exists if and only if the event
 * committed.
 */
CREATE OR REPLACE FUNCTION jobs.enqueue(p_kind text, p_payload jsonb,
    p_dedupe_key text DEFAULT NULL, p_run_at timestamptz DEFAULT now(),
    p_max_attempts int DEFAULT 5)
RETURNS bigint LANGUAGE sql AS $$
	INSERT INTO jobs (kind, payload, dedupe_key, run_at, max_attempts)
	VALUES (p_kind, coalesce(p_payload, '{}'), p_dedupe_key,
	    coalesce(p_run_at, now()), p_max_attempts)
	ON CONFLICT (dedupe_key) DO NOTHING
	RETURNING id;
$$;

-- New work wakes the runners at once (LISTEN jobs); NOTIFY is sent at
-- commit, once per transaction and channel however many rows came in.
CREATE OR REPLACE FUNCTION jobs.notify_insert()
RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	PERFORM pg_notify('jobs', '');
	RETURN NULL;
END;
$$;

CREATE OR REPLACE TRIGGER jobs_notify AFTER INSERT ON jobs
    FOR EACH STATEMENT EXECUTE FUNCTION jobs.notify_insert();

-- The error a job keeps when its worker stopped answering for it.
CREATE OR REPLACE FUNCTION jobs.lost_error(p_attempt int)
RETURNS text LANGUAGE sql IMMUTABLE AS $$
	SELECT 'attempt ' || p_attempt || ' lost its worker (lease expired)';
$$;

/*
 * Claims up to p_limit jobs of the given kinds for worker p_worker, with a
 * lease of p_lease_ms: queued jobs that are due, and running jobs whose
 * lease expired (their worker died or stopped). SKIP LOCKED lets runners
 * on many servers claim side by side without waiting on each other, and
 * no row is handed out twice: the row lock is held until the state says
 * running. A job with an expired lease on its last attempt fails instead.
 */
CREATE OR REPLACE FUNCTION jobs.claim(p_kinds text[], p_worker text,
    p_limit int, p_lease_ms int)
RETURNS TABLE (id bigint, kind text, payload jsonb, attempts int)
LANGUAGE plpgsql AS $$
BEGIN
	UPDATE jobs j SET state = 'failed', finished_at = now(),
	    locked_by = NULL, locked_until = NULL,
	    last_error = jobs.lost_error(j.attempts)
	WHERE j.id IN (SELECT x.id FROM jobs x
	    WHERE x.state = 'running' AND x.locked_until < now()
	      AND x.attempts >= x.max_attempts AND x.kind = ANY (p_kinds)
	    FOR UPDATE SKIP LOCKED);

	RETURN QUERY
	WITH due AS (
		SELECT x.id FROM jobs x
		WHERE x.kind = ANY (p_kinds) AND ((x.state = 'queued'
		    AND x.run_at <= now()) OR (x.state = 'running'
		    AND x.locked_until < now()))
		ORDER BY x.run_at, x.id
		LIMIT greatest(p_limit, 0)
		FOR UPDATE SKIP LOCKED)
	UPDATE jobs j SET state = 'running', attempts = j.attempts + 1,
	    locked_by = p_worker, started_at = now(),
	    locked_until = now() + p_lease_ms * interval '1 millisecond',
	    last_error = CASE WHEN j.state = 'running'
		THEN jobs.lost_error(j.attempts) ELSE j.last_error END
	FROM due WHERE j.id = due.id
	RETURNING j.id, j.kind, j.payload, j.attempts;
END;
$$;

/*
 * Renews the leases of the jobs worker p_worker is running. Returns the
 * ids it still holds: a job missing from the answer was taken over (its
 * lease had expired) and its result will not be recorded.
 */
CREATE OR REPLACE FUNCTION jobs.extend(p_worker text, p_ids bigint[],
    p_lease_ms int)
RETURNS SETOF bigint LANGUAGE sql AS $$
	UPDATE jobs SET locked_until = now() + p_lease_ms * interval '1 millisecond'
	WHERE id = ANY (p_ids) AND state = 'running' AND locked_by = p_worker
	RETURNING id;
$$;

/*
 * Records the end of attempt p_attempt of job p_id: done when p_error is
 * NULL; else queued again p_retry_ms from now, or failed for good when it
 * was the last attempt. The lease fences it: a worker whose job was taken
 * over after its lease expired changes nothing. Returns the new state, or
 * NULL when the job was no longer this attempt's.
 */
CREATE OR REPLACE FUNCTION jobs.finish(p_id bigint, p_worker text,
    p_attempt int, p_error text, p_retry_ms int)
RETURNS text LANGUAGE sql AS $$
	UPDATE jobs SET
	    state = CASE WHEN p_error IS NULL THEN 'done'
		WHEN attempts >= max_attempts THEN 'failed' ELSE 'queued' END,
	    last_error = coalesce(p_error, last_error),
	    run_at = CASE WHEN p_error IS NULL OR attempts >= max_attempts
		THEN run_at
		ELSE now() + p_retry_ms * interval '1 millisecond' END,
	    finished_at = CASE WHEN p_error IS NULL OR attempts >= max_attempts
		THEN now() END,
	    locked_by = NULL, locked_until = NULL
	WHERE id = p_id AND state = 'running' AND locked_by = p_worker
	  AND attempts = p_attempt
	RETURNING state;
$$;

/*
 * Worker p_worker stops cleanly: its running jobs are queued again at once,
 * and the attempt it started does not count (nothing failed). Returns how
 * many it handed back.
 */
CREATE OR REPLACE FUNCTION jobs.release(p_worker text)
RETURNS int LANGUAGE sql AS $$
	WITH back AS (
		UPDATE jobs SET state = 'queued', attempts = attempts - 1,
		    locked_by = NULL, locked_until = NULL, run_at = now()
		WHERE state = 'running' AND locked_by = p_worker
		RETURNING id)
	SELECT count(*)::int FROM back;
$$;

-- GET /api/v1/admin/jobs: the number of jobs by kind and state, and how
-- long the oldest due job has waited.
CREATE OR REPLACE FUNCTION api.admin_jobs(p_uid uuid, p_sid uuid)
RETURNS api.reply
LANGUAGE plpgsql STABLE AS $$
BEGIN
	PERFORM auth.require(p_uid, p_sid, 'admin');
	RETURN api.ok(json_build_object('kinds', coalesce((
	    SELECT json_agg(json_build_object('kind', k.kind,
		'queued', k.queued, 'running', k.running, 'done', k.done,
		'failed', k.failed, 'oldest_due_at', k.oldest_due_at)
		ORDER BY k.kind)
	    FROM (SELECT j.kind,
		count(*) FILTER (WHERE j.state = 'queued') AS queued,
		count(*) FILTER (WHERE j.state = 'running') AS running,
		count(*) FILTER (WHERE j.state = 'done') AS done,
		count(*) FILTER (WHERE j.state = 'failed') AS failed,
		min(j.run_at) FILTER (WHERE j.state = 'queued'
		    AND j.run_at <= now()) AS oldest_due_at
		FROM jobs j GROUP BY j.kind) k), '[]')));
END;
$$;
