-- What GET /metrics reads from the database (src/metrics_serve.c): one
-- call a scrape, one document. The counters of requests and statements
-- live in the server's shared memory, not here.
--
-- A file of sql/functions/: each function here is defined once, in all
-- sql/, with CREATE OR REPLACE; scripts/migrate re-applies the file when it
-- changes (the api schema is rebuilt whole first).

/*
 * Jobs by kind and state (every state of every kind seen, zeros included,
 * so a gauge does not vanish when its last job moves on), certificates
 * issued and revoked, and the mail outbox by state. The outbox is counted
 * only when its table exists: a database that has not had the mail
 * migration yet gives "mail": null, read through dynamic SQL so that this
 * function can be created without the table.
 */
CREATE OR REPLACE FUNCTION api.metrics_snapshot()
RETURNS json
LANGUAGE plpgsql STABLE AS $$
DECLARE
	v_mail	json;
BEGIN
	IF to_regclass('public.mail_outbox') IS NOT NULL THEN
		EXECUTE $q$
		    SELECT json_build_object(
			'queued', count(*) FILTER (WHERE state = 'queued'),
			'sent', count(*) FILTER (WHERE state = 'sent'),
			'failed', count(*) FILTER (WHERE state = 'failed'))
		    FROM public.mail_outbox $q$ INTO v_mail;
	END IF;

	RETURN json_build_object(
	    'jobs', coalesce((
		SELECT json_agg(json_build_object('kind', k.kind,
		    'state', s.state, 'n', coalesce(c.n, 0))
		    ORDER BY k.kind, s.state)
		FROM (SELECT DISTINCT kind FROM jobs) k
		CROSS JOIN unnest(ARRAY['queued', 'running', 'done',
		    'failed']) AS s(state)
		LEFT JOIN (SELECT j.kind, j.state, count(*) AS n
		    FROM jobs j GROUP BY j.kind, j.state) c
		    ON c.kind = k.kind AND c.state = s.state), '[]'),
	    'certificates_issued', (SELECT count(*) FROM certificates),
	    'certificates_revoked', (SELECT count(*) FROM certificates
		WHERE revoked_at IS NOT NULL),
	    'mail', v_mail);
END;
$$;
