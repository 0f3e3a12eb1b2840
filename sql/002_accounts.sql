-- Accounts, sessions, sign-in throttling and the audit log.
--
-- Passwords never reach the database: the server hashes them (argon2id) and
-- stores the encoded hash. Refresh tokens are stored as sha256 hashes only.
-- A session is a refresh-token family; every access token names its session,
-- and every authenticated API function checks that session with
-- auth.check(), in the same statement as its work: a logout, a password
-- change or a disabled account stops every token at once, at the cost of two
-- primary-key lookups inside a round trip the request makes anyway.

CREATE SCHEMA IF NOT EXISTS auth;

CREATE TYPE user_role AS ENUM ('learner', 'instructor', 'admin');
CREATE TYPE profession AS ENUM ('law_enforcement', 'education', 'health',
    'social_work', 'ngo', 'legal', 'other');

CREATE TABLE users (
	id			uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	email			text NOT NULL,
	password_hash		text NOT NULL,
	display_name		text NOT NULL,
	country			char(2) NOT NULL,
	profession		profession NOT NULL,
	organisation		text,
	language		text NOT NULL DEFAULT 'en',
	role			user_role NOT NULL DEFAULT 'learner',
	disabled_at		timestamptz,
	erased_at		timestamptz,
	password_changed_at	timestamptz NOT NULL DEFAULT now(),
	created_at		timestamptz NOT NULL DEFAULT now(),
	updated_at		timestamptz NOT NULL DEFAULT now()
);

-- Addresses differing only in case are one account.
CREATE UNIQUE INDEX users_email_key ON users (lower(email));

CREATE TABLE sessions (
	id		uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	user_id		uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	created_at	timestamptz NOT NULL DEFAULT now(),
	last_used_at	timestamptz NOT NULL DEFAULT now(),
	expires_at	timestamptz NOT NULL,
	revoked_at	timestamptz,
	revoked_reason	text
);
CREATE INDEX sessions_user_idx ON sessions (user_id) WHERE revoked_at IS NULL;

CREATE TABLE refresh_tokens (
	token_hash	bytea PRIMARY KEY,
	session_id	uuid NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
	issued_at	timestamptz NOT NULL DEFAULT now(),
	expires_at	timestamptz NOT NULL,
	rotated_at	timestamptz
);
CREATE INDEX refresh_tokens_session_idx ON refresh_tokens (session_id);

-- Failed sign-ins per account (keyed by a hash of the address, so unknown
-- addresses are throttled alike) and per client address (also hashed).
CREATE TABLE login_throttle (
	key		text PRIMARY KEY,
	failures	int NOT NULL DEFAULT 0,
	window_start	timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE audit_log (
	id		bigserial PRIMARY KEY,
	at		timestamptz NOT NULL DEFAULT now(),
	actor_id	uuid REFERENCES users (id) ON DELETE SET NULL,
	actor_role	user_role,
	action		text NOT NULL,
	target_type	text NOT NULL,
	target_id	text,
	request_id	text,
	details		jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_at_idx ON audit_log (at DESC);

-- Sign-in throttling policy.
CREATE FUNCTION auth.throttle_limit(p_key text)
RETURNS int LANGUAGE sql IMMUTABLE AS $$
	SELECT CASE WHEN p_key LIKE 'acct:%' THEN 5 ELSE 20 END;
$$;

CREATE FUNCTION auth.throttle_window()
RETURNS interval LANGUAGE sql IMMUTABLE AS $$
	SELECT interval '15 minutes';
$$;

-- Seconds until the key may try again, 0 when it may now.
CREATE FUNCTION auth.throttle_wait(p_key text)
RETURNS int LANGUAGE sql STABLE AS $$
	SELECT coalesce(max(ceil(extract(epoch FROM
	    t.window_start + auth.throttle_window() - now()))::int), 0)
	FROM login_throttle t
	WHERE t.key = p_key
	  AND t.failures >= auth.throttle_limit(p_key)
	  AND t.window_start + auth.throttle_window() > now();
$$;

CREATE FUNCTION auth.throttle_fail(p_key text)
RETURNS void LANGUAGE sql AS $$
	INSERT INTO login_throttle AS t (key, failures, window_start)
	VALUES (p_key, 1, now())
	ON CONFLICT (key) DO UPDATE SET
	    failures = CASE WHEN t.window_start + auth.throttle_window() <= now()
		THEN 1 ELSE t.failures + 1 END,
	    window_start = CASE WHEN t.window_start + auth.throttle_window() <= now()
		THEN now() ELSE t.window_start END;
$$;

-- The caller's role if its session is alive, else a 401. Every
-- authenticated API function starts with this.
CREATE FUNCTION auth.check(p_uid uuid, p_sid uuid)
RETURNS user_role
LANGUAGE plpgsql STABLE AS $$
DECLARE
	v_role	user_role;
BEGIN
	SELECT u.role INTO v_role
	FROM sessions s JOIN users u ON u.id = s.user_id
	WHERE s.id = p_sid AND s.user_id = p_uid
	  AND s.revoked_at IS NULL AND s.expires_at > now()
	  AND u.disabled_at IS NULL AND u.erased_at IS NULL;
	IF NOT FOUND THEN
		PERFORM api.refuse(401, 'session_ended',
		    'This session has ended; sign in again.');
	END IF;
	RETURN v_role;
END;
$$;

CREATE FUNCTION auth.require(p_uid uuid, p_sid uuid, p_role user_role)
RETURNS user_role
LANGUAGE plpgsql STABLE AS $$
DECLARE
	v_role	user_role := auth.check(p_uid, p_sid);
BEGIN
	IF v_role < p_role THEN
		PERFORM api.refuse(403, 'forbidden',
		    'Your account cannot do this.');
	END IF;
	RETURN v_role;
END;
$$;

CREATE FUNCTION auth.audit(p_actor uuid, p_action text, p_target_type text,
    p_target_id text, p_request_id text, p_details jsonb DEFAULT '{}')
RETURNS void LANGUAGE sql AS $$
	INSERT INTO audit_log (actor_id, actor_role, action, target_type,
	    target_id, request_id, details)
	SELECT p_actor, (SELECT role FROM users WHERE id = p_actor), p_action,
	    p_target_type, p_target_id, p_request_id, p_details;
$$;

CREATE FUNCTION auth.revoke_all(p_uid uuid, p_reason text)
RETURNS void LANGUAGE sql AS $$
	UPDATE sessions SET revoked_at = now(), revoked_reason = p_reason
	WHERE user_id = p_uid AND revoked_at IS NULL;
$$;

-- What a user sees of their own account.
CREATE FUNCTION auth.user_json(u users)
RETURNS json LANGUAGE sql STABLE AS $$
	SELECT json_build_object(
	    'id', u.id, 'email', u.email, 'display_name', u.display_name,
	    'country', u.country, 'profession', u.profession,
	    'organisation', u.organisation, 'language', u.language,
	    'role', u.role, 'created_at', u.created_at);
$$;

-- A new session with its first refresh token, for a signed-in user.
CREATE FUNCTION auth.session_open(p_uid uuid, p_refresh_hash bytea)
RETURNS uuid LANGUAGE plpgsql AS $$
DECLARE
	v_sid	uuid;
BEGIN
	INSERT INTO sessions (user_id, expires_at)
	VALUES (p_uid, now() + interval '30 days')
	RETURNING id INTO v_sid;
	INSERT INTO refresh_tokens (token_hash, session_id, expires_at)
	VALUES (p_refresh_hash, v_sid, now() + interval '30 days');
	RETURN v_sid;
END;
$$;

-- The body every sign-in, refresh and password change answers with; the
-- server adds the access token it signs.
CREATE FUNCTION auth.session_json(p_uid uuid, p_sid uuid)
RETURNS json LANGUAGE sql STABLE AS $$
	SELECT json_build_object('session_id', p_sid, 'user', auth.user_json(u))
	FROM users u WHERE u.id = p_uid;
$$;

------------------------------------------------------------------------------
-- API functions

CREATE FUNCTION api.register(p_email text, p_hash text, p_name text,
    p_country text, p_profession text, p_organisation text, p_language text)
RETURNS api.reply
LANGUAGE plpgsql AS $$
DECLARE
	u	users;
BEGIN
	INSERT INTO users (email, password_hash, display_name, country,
	    profession, organisation, language)
	VALUES (p_email, p_hash, p_name, upper(p_country),
	    p_profession::profession, p_organisation, p_language)
	ON CONFLICT DO NOTHING
	RETURNING * INTO u;
	IF NOT FOUND THEN
		PERFORM api.refuse(409, 'email_taken',
		    'An account with this email address already exists.',
		    'email');
	END IF;
	RETURN api.ok(auth.user_json(u), 201);
END;
$$;

-- Sign-in, first step: the hash to verify, or how long to wait. An unknown
-- address gets no row's hash; the server then verifies against a dummy so
-- both cases take the same time.
CREATE FUNCTION api.login_lookup(p_email text, p_acct_key text,
    p_addr_key text)
RETURNS TABLE (user_id uuid, password_hash text, retry_after int)
LANGUAGE sql STABLE AS $$
	SELECT u.id, u.password_hash,
	    greatest(auth.throttle_wait(p_acct_key), auth.throttle_wait(p_addr_key))
	FROM (SELECT 1) one
	LEFT JOIN users u ON lower(u.email) = lower(p_email)
	    AND u.disabled_at IS NULL AND u.erased_at IS NULL;
$$;

-- Sign-in, second step, after the server verified the password: open a
-- session, or count the failure against the account and the address.
CREATE FUNCTION api.login_finish(p_uid uuid, p_ok boolean, p_acct_key text,
    p_addr_key text, p_refresh_hash bytea)
RETURNS api.reply
LANGUAGE plpgsql AS $$
DECLARE
	v_sid	uuid;
BEGIN
	IF NOT p_ok OR p_uid IS NULL THEN
		PERFORM auth.throttle_fail(p_acct_key);
		PERFORM auth.throttle_fail(p_addr_key);
		RETURN ROW(401, NULL)::api.reply;
	END IF;
	DELETE FROM login_throttle WHERE key = p_acct_key;
	v_sid := auth.session_open(p_uid, p_refresh_hash);
	RETURN api.ok(auth.session_json(p_uid, v_sid));
END;
$$;

-- Rotates a refresh token. A token already rotated means it was copied:
-- the whole family is revoked.
CREATE FUNCTION api.refresh(p_hash bytea, p_new_hash bytea)
RETURNS api.reply
LANGUAGE plpgsql AS $$
DECLARE
	t	refresh_tokens;
	v_uid	uuid;
BEGIN
	SELECT * INTO t FROM refresh_tokens WHERE token_hash = p_hash FOR UPDATE;
	IF NOT FOUND OR t.expires_at <= now() THEN
		PERFORM api.refuse(401, 'refresh_invalid',
		    'This sign-in has expired; sign in again.');
	END IF;
	IF t.rotated_at IS NOT NULL THEN
		UPDATE sessions SET revoked_at = now(),
		    revoked_reason = 'refresh_reused'
		WHERE id = t.session_id AND revoked_at IS NULL;
		RETURN ROW(401, json_build_object('error', json_build_object(
		    'code', 'refresh_reused', 'message',
		    'This sign-in was used twice and has been ended everywhere '
		    'for your safety; sign in again.'))::text)::api.reply;
	END IF;

	SELECT s.user_id INTO v_uid
	FROM sessions s JOIN users u ON u.id = s.user_id
	WHERE s.id = t.session_id AND s.revoked_at IS NULL
	  AND s.expires_at > now()
	  AND u.disabled_at IS NULL AND u.erased_at IS NULL;
	IF NOT FOUND THEN
		PERFORM api.refuse(401, 'session_ended',
		    'This session has ended; sign in again.');
	END IF;

	UPDATE refresh_tokens SET rotated_at = now() WHERE token_hash = p_hash;
	INSERT INTO refresh_tokens (token_hash, session_id, expires_at)
	VALUES (p_new_hash, t.session_id, now() + interval '30 days');
	UPDATE sessions SET last_used_at = now() WHERE id = t.session_id;
	RETURN api.ok(auth.session_json(v_uid, t.session_id));
END;
$$;

CREATE FUNCTION api.logout(p_uid uuid, p_sid uuid)
RETURNS api.reply
LANGUAGE plpgsql AS $$
BEGIN
	PERFORM auth.check(p_uid, p_sid);
	UPDATE sessions SET revoked_at = now(), revoked_reason = 'logout'
	WHERE id = p_sid;
	RETURN ROW(204, NULL)::api.reply;
END;
$$;

CREATE FUNCTION api.logout_all(p_uid uuid, p_sid uuid)
RETURNS api.reply
LANGUAGE plpgsql AS $$
BEGIN
	PERFORM auth.check(p_uid, p_sid);
	PERFORM auth.revoke_all(p_uid, 'logout_all');
	RETURN ROW(204, NULL)::api.reply;
END;
$$;

CREATE FUNCTION api.me_get(p_uid uuid, p_sid uuid)
RETURNS api.reply
LANGUAGE plpgsql STABLE AS $$
BEGIN
	PERFORM auth.check(p_uid, p_sid);
	RETURN (SELECT api.ok(auth.user_json(u)) FROM users u
	    WHERE u.id = p_uid);
END;
$$;

-- p_changes holds only fields the server validated as editable.
CREATE FUNCTION api.me_patch(p_uid uuid, p_sid uuid, p_changes jsonb)
RETURNS api.reply
LANGUAGE plpgsql AS $$
DECLARE
	u	users;
BEGIN
	PERFORM auth.check(p_uid, p_sid);
	UPDATE users SET
	    display_name = coalesce(p_changes->>'display_name', display_name),
	    country = coalesce(upper(p_changes->>'country'), country),
	    profession = coalesce((p_changes->>'profession')::profession,
		profession),
	    organisation = CASE WHEN p_changes ? 'organisation'
		THEN nullif(p_changes->>'organisation', '') ELSE organisation END,
	    language = coalesce(p_changes->>'language', language),
	    updated_at = now()
	WHERE id = p_uid
	RETURNING * INTO u;
	RETURN api.ok(auth.user_json(u));
END;
$$;

-- Password change, first step: the current hash, for the server to verify.
CREATE FUNCTION api.password_hash_get(p_uid uuid, p_sid uuid)
RETURNS TABLE (password_hash text)
LANGUAGE plpgsql STABLE AS $$
BEGIN
	PERFORM auth.check(p_uid, p_sid);
	RETURN QUERY SELECT u.password_hash FROM users u WHERE u.id = p_uid;
END;
$$;

-- Second step: the new hash replaces the old, every session ends, and the
-- caller gets a fresh one.
CREATE FUNCTION api.password_set(p_uid uuid, p_sid uuid, p_old_hash text,
    p_new_hash text, p_refresh_hash bytea)
RETURNS api.reply
LANGUAGE plpgsql AS $$
DECLARE
	v_sid	uuid;
BEGIN
	PERFORM auth.check(p_uid, p_sid);
	-- Two changes racing: only the one that verified the current hash wins.
	UPDATE users SET password_hash = p_new_hash, password_changed_at = now(),
	    updated_at = now()
	WHERE id = p_uid AND password_hash = p_old_hash;
	IF NOT FOUND THEN
		PERFORM api.refuse(409, 'password_changed',
		    'The password was changed meanwhile; sign in again.');
	END IF;
	PERFORM auth.revoke_all(p_uid, 'password_change');
	v_sid := auth.session_open(p_uid, p_refresh_hash);
	RETURN api.ok(auth.session_json(p_uid, v_sid));
END;
$$;

-- Everything the platform holds about the caller, as one document.
CREATE FUNCTION api.me_export(p_uid uuid, p_sid uuid)
RETURNS api.reply
LANGUAGE plpgsql STABLE AS $$
BEGIN
	PERFORM auth.check(p_uid, p_sid);
	RETURN (SELECT api.ok(json_build_object(
	    'exported_at', now(),
	    'account', auth.user_json(u),
	    'sessions', (SELECT coalesce(json_agg(json_build_object(
		'id', s.id, 'created_at', s.created_at,
		'last_used_at', s.last_used_at, 'expires_at', s.expires_at,
		'revoked_at', s.revoked_at) ORDER BY s.created_at), '[]')
		FROM sessions s WHERE s.user_id = u.id),
	    'audit', (SELECT coalesce(json_agg(json_build_object(
		'at', a.at, 'action', a.action, 'target_type', a.target_type,
		'target_id', a.target_id) ORDER BY a.at), '[]')
		FROM audit_log a WHERE a.actor_id = u.id)))
	FROM users u WHERE u.id = p_uid);
END;
$$;

-- Erasure: personal fields go, the row stays so that completion records
-- counted in reports remain, anonymised.
CREATE FUNCTION api.me_delete(p_uid uuid, p_sid uuid)
RETURNS api.reply
LANGUAGE plpgsql AS $$
BEGIN
	PERFORM auth.check(p_uid, p_sid);
	UPDATE users SET
	    email = 'erased-' || id || '@invalid',
	    password_hash = '!',
	    display_name = 'Erased account',
	    organisation = NULL,
	    erased_at = now(),
	    updated_at = now()
	WHERE id = p_uid;
	PERFORM auth.revoke_all(p_uid, 'erased');
	DELETE FROM audit_log WHERE actor_id = p_uid AND actor_role = 'learner';
	RETURN ROW(204, NULL)::api.reply;
END;
$$;

CREATE FUNCTION api.admin_users(p_uid uuid, p_sid uuid, p_q text,
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

CREATE FUNCTION api.admin_user_patch(p_uid uuid, p_sid uuid, p_target uuid,
    p_changes jsonb, p_request_id text)
RETURNS api.reply
LANGUAGE plpgsql AS $$
DECLARE
	u	users;
BEGIN
	PERFORM auth.require(p_uid, p_sid, 'admin');
	IF p_target = p_uid AND (p_changes ? 'role' OR
	    coalesce((p_changes->>'disabled')::boolean, false)) THEN
		PERFORM api.refuse(409, 'own_account',
		    'Admins cannot demote or disable their own account.');
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

CREATE FUNCTION api.admin_audit(p_uid uuid, p_sid uuid, p_page int)
RETURNS api.reply
LANGUAGE plpgsql STABLE AS $$
DECLARE
	v_size	int := 100;
BEGIN
	PERFORM auth.require(p_uid, p_sid, 'admin');
	RETURN api.ok(json_build_object(
	    'page', greatest(coalesce(p_page, 1), 1),
	    'page_size', v_size,
	    'entries', coalesce((SELECT json_agg(x.j ORDER BY x.id DESC)
		FROM (SELECT a.id, json_build_object('id', a.id, 'at', a.at,
		    'actor_id', a.actor_id, 'actor_role', a.actor_role,
		    'action', a.action, 'target_type', a.target_type,
		    'target_id', a.target_id, 'request_id', a.request_id,
		    'details', a.details) AS j
		    FROM audit_log a ORDER BY a.id DESC
		    LIMIT v_size OFFSET api.page_offset(p_page, v_size)) x),
		'[]')));
END;
$$;
