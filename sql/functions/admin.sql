-- The admin API of src/admin.c: users and the audit log.
--
-- A file of sql/functions/: each function, view and trigger here is defined
-- once, in all sql/, with CREATE OR REPLACE; scripts/migrate applies every
-- such file again, in one transaction after the versioned sql/schema/ files,
-- whenever one of them changed. The api schema is rebuilt whole (dropped and
-- created) first, so a changed signature leaves no stale overload; the
-- auth, content and learning schemas hold tables, so their functions are
-- only replaced: dropping one there is a line in a new sql/schema/ file.

CREATE OR REPLACE FUNCTION api.admin_users(p_uid uuid, p_sid uuid, p_q text,
    p_page int)
RETURNS api.reply
LANGUAGE plpgsql STABLE AS $$
DECLARE
	v_size	int := 50;
BEGIN
	PERFORM auth.require(p_uid, p_sid, 'admin');
	p_q := nullif(regexp_replace(p_q, '([%_\\])', '\\\1', 'g'), '');
	RETURN api.ok(json_build_object(
	    'page', greatest(coalesce(p_page, 1), 1),
	    'page_size', v_size,
	    'total', (SELECT count(*) FROM users u WHERE p_q IS NULL
		OR u.email ILIKE '%' || p_q || '%'
		OR u.display_name ILIKE '%' || p_q || '%'),
	    'users', coalesce((SELECT json_agg(x.j ORDER BY x.created_at DESC)
		FROM (SELECT u.created_at, json_build_object(
		    'id', u.id, 'email', u.email,
		    'display_name', u.display_name, 'role', u.role,
		    'country', u.country, 'profession', u.profession,
		    'disabled', u.disabled_at IS NOT NULL,
		    'created_at', u.created_at) AS j
		    FROM users u
		    WHERE p_q IS NULL OR u.email ILIKE '%' || p_q || '%'
			OR u.display_name ILIKE '%' || p_q || '%'
		    ORDER BY u.created_at DESC
		    LIMIT v_size OFFSET api.page_offset(p_page, v_size)) x),
		'[]')));
END;
$$;

-- A role or a disabling can take an admin away. Such a change locks every
-- active admin's row, in id order as erasure does (api.me_delete), and
-- then checks its author again: of two admins disabling or demoting each
-- other at once, the second finds its author already disabled (401) or
-- demoted (403) by the first and changes nothing. Its author being an
-- active admin under the lock, and unable to change their own account,
-- one active admin always stays.
CREATE OR REPLACE FUNCTION api.admin_user_patch(p_uid uuid, p_sid uuid,
    p_target uuid, p_changes jsonb, p_request_id text)
RETURNS api.reply
LANGUAGE plpgsql AS $$
DECLARE
	u	users;
	v_takes	boolean := p_changes ? 'role' OR
	    coalesce((p_changes->>'disabled')::boolean, false);
BEGIN
	PERFORM auth.require(p_uid, p_sid, 'admin');
	IF p_target = p_uid AND v_takes THEN
		PERFORM api.refuse(409, 'own_account',
		    'Admins cannot demote or disable their own account.');
	END IF;
	IF v_takes THEN
		PERFORM 1 FROM users
		WHERE role = 'admin' AND disabled_at IS NULL AND erased_at IS NULL
		ORDER BY id FOR UPDATE;
		PERFORM auth.require(p_uid, p_sid, 'admin');
	END IF;
	UPDATE users SET
	    role = coalesce((p_changes->>'role')::user_role, role),
	    disabled_at = CASE
		WHEN NOT p_changes ? 'disabled' THEN disabled_at
		WHEN (p_changes->>'disabled')::boolean
		    THEN coalesce(disabled_at, now())
		ELSE NULL END,
	    updated_at = now()
	WHERE id = p_target AND erased_at IS NULL
	RETURNING * INTO u;
	IF NOT FOUND THEN
		PERFORM api.refuse(404, 'user_not_found', 'No such user.');
	END IF;
	IF u.disabled_at IS NOT NULL THEN
		PERFORM auth.revoke_all(u.id, 'disabled');
	END IF;
	PERFORM auth.audit(p_uid, 'user.update', 'user', u.id::text,
	    p_request_id, p_changes);
	RETURN api.ok(json_build_object('id', u.id, 'email', u.email,
	    'display_name', u.display_name, 'role', u.role,
	    'disabled', u.disabled_at IS NOT NULL));
END;
$$;

-- A time of an audit filter (since, until), or a 400 naming the
-- parameter: an ISO 8601 date or date and time.
CREATE OR REPLACE FUNCTION auth.audit_time(p_value text, p_name text)
RETURNS timestamptz
LANGUAGE plpgsql STABLE AS $$
BEGIN
	IF p_value IS NULL OR p_value = '' THEN
		RETURN NULL;
	END IF;
	IF p_value !~ '^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}(:?\d{2})?)?)?$' THEN
		PERFORM api.refuse(400, 'invalid_query', 'Give ' || p_name ||
		    ' as a date or a date and time, such as 2026-12-01 or '
		    '2026-12-01T09:30:00Z.', p_name);
	END IF;
	BEGIN
		RETURN p_value::timestamptz;
	EXCEPTION WHEN datetime_field_overflow OR invalid_datetime_format THEN
		PERFORM api.refuse(400, 'invalid_query', 'There is no such '
		    'date as ' || p_name || ' names.', p_name);
	END;
END;
$$;

/*
 * The audit log, 100 entries a page, newest first, filtered by the
 * server: an action (exact), an actor (their account's id or address), a
 * target (the target's id as logged: a course's slug, an account's id),
 * and a time range (since inclusive, until exclusive). `actions` lists
 * every action the log holds, for the page's filter (one index probe an
 * action: a loose scan of audit_log_action_idx).
 */
CREATE OR REPLACE FUNCTION api.admin_audit(p_uid uuid, p_sid uuid, p_page int,
    p_action text, p_actor text, p_target text, p_since text, p_until text)
RETURNS api.reply
LANGUAGE plpgsql STABLE AS $$
DECLARE
	v_size	int := 100;
	v_since	timestamptz;
	v_until	timestamptz;
	v_actor	uuid;
	v_any	boolean := true;
BEGIN
	PERFORM auth.require(p_uid, p_sid, 'admin');
	v_since := auth.audit_time(p_since, 'since');
	v_until := auth.audit_time(p_until, 'until');
	p_action := nullif(p_action, '');
	p_target := nullif(p_target, '');
	p_actor := nullif(btrim(p_actor), '');
	IF p_actor ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' THEN
		v_actor := p_actor::uuid;
	ELSIF p_actor LIKE '%@%' THEN
		SELECT u.id INTO v_actor FROM users u
		WHERE lower(u.email) = lower(p_actor);
		v_any := v_actor IS NOT NULL;
	ELSIF p_actor IS NOT NULL THEN
		PERFORM api.refuse(400, 'invalid_query', 'Name the actor by '
		    'their account''s id or email address.', 'actor');
	END IF;
	RETURN api.ok(json_build_object(
	    'page', greatest(coalesce(p_page, 1), 1),
	    'page_size', v_size,
	    'filters', json_build_object('action', p_action, 'actor', p_actor,
		'target', p_target, 'since', v_since, 'until', v_until),
	    'actions', (WITH RECURSIVE a(action) AS (
		    (SELECT l.action FROM audit_log l ORDER BY l.action LIMIT 1)
		    UNION ALL
		    SELECT (SELECT l.action FROM audit_log l
			WHERE l.action > a.action ORDER BY l.action LIMIT 1)
		    FROM a WHERE a.action IS NOT NULL)
		SELECT coalesce(json_agg(a.action ORDER BY a.action), '[]')
		FROM a WHERE a.action IS NOT NULL),
	    'entries', coalesce((SELECT json_agg(x.j ORDER BY x.id DESC)
		FROM (SELECT a.id, json_build_object('id', a.id, 'at', a.at,
		    'actor_id', a.actor_id, 'actor_role', a.actor_role,
		    'action', a.action, 'target_type', a.target_type,
		    'target_id', a.target_id, 'request_id', a.request_id,
		    'details', a.details) AS j
		    FROM audit_log a
		    WHERE v_any
		      AND (p_action IS NULL OR a.action = p_action)
		      AND (v_actor IS NULL OR a.actor_id = v_actor)
		      AND (p_target IS NULL OR a.target_id = p_target)
		      AND (v_since IS NULL OR a.at >= v_since)
		      AND (v_until IS NULL OR a.at < v_until)
		    ORDER BY a.id DESC
		    LIMIT v_size OFFSET api.page_offset(p_page, v_size)) x),
		'[]')));
END;
$$;
