-- Accounts: sessions, sign-in throttling, the audit log's writer, and the
-- API of src/accounts.c.
--
-- A file of sql/functions/: each function, view and trigger here is defined
-- once, in all sql/, with CREATE OR REPLACE; scripts/migrate applies every
-- such file again, in one transaction after the versioned sql/schema/ files,
-- whenever one of them changed. The api schema is rebuilt whole (dropped and
-- created) first, so a changed signature leaves no stale overload; the
-- auth, content and learning schemas hold tables, so their functions are
-- only replaced: dropping one there is a line in a new sql/schema/ file.

-- Throttling policy: 5 for an account ('acct:') and for the password
-- reset mails of an address ('reset:'), 3 verification mails asked for by
-- an account ('mailv:'), 20 for a client address signing in ('addr:'),
-- registering ('reg:') or asking for unknown certificate codes ('verify:',
-- api.verify), in 15 minutes.
CREATE OR REPLACE FUNCTION auth.throttle_limit(p_key text)
RETURNS int LANGUAGE sql IMMUTABLE AS $$
	SELECT CASE WHEN p_key LIKE 'acct:%' OR p_key LIKE 'reset:%' THEN 5
	    WHEN p_key LIKE 'mailv:%' THEN 3 ELSE 20 END;
$$;

CREATE OR REPLACE FUNCTION auth.throttle_window()
RETURNS interval LANGUAGE sql IMMUTABLE AS $$
	SELECT interval '15 minutes';
$$;

-- Seconds until the key may try again, 0 when it may now.
CREATE OR REPLACE FUNCTION auth.throttle_wait(p_key text)
RETURNS int LANGUAGE sql STABLE AS $$
	SELECT coalesce(max(ceil(extract(epoch FROM
	    t.window_start + auth.throttle_window() - now()))::int), 0)
	FROM login_throttle t
	WHERE t.key = p_key
	  AND t.failures >= auth.throttle_limit(p_key)
	  AND t.window_start + auth.throttle_window() > now();
$$;

CREATE OR REPLACE FUNCTION auth.throttle_fail(p_key text)
RETURNS void LANGUAGE sql AS $$
	INSERT INTO login_throttle AS t (key, failures, window_start)
	VALUES (p_key, 1, now())
	ON CONFLICT (key) DO UPDATE SET
	    failures = CASE WHEN t.window_start + auth.throttle_window() <= now()
		THEN 1 ELSE t.failures + 1 END,
	    window_start = CASE WHEN t.window_start + auth.throttle_window() <= now()
		THEN now() ELSE t.window_start END;
$$;

-- The caller's role, one row if its session is alive, none otherwise: the
-- one definition of a live session. LANGUAGE sql and one SELECT, so a
-- statement that joins it (the hot routes of learning.sql) gets it
-- inlined and planned with the rest of its work.
CREATE OR REPLACE FUNCTION auth.live_role(p_uid uuid, p_sid uuid)
RETURNS TABLE (role user_role)
LANGUAGE sql STABLE AS $$
	SELECT u.role
	FROM sessions s JOIN users u ON u.id = s.user_id
	WHERE s.id = p_sid AND s.user_id = p_uid
	  AND s.revoked_at IS NULL AND s.expires_at > now()
	  AND u.disabled_at IS NULL AND u.erased_at IS NULL;
$$;

-- The caller's role if its session is alive, else a 401. Every
-- authenticated API function starts with this.
CREATE OR REPLACE FUNCTION auth.check(p_uid uuid, p_sid uuid)
RETURNS user_role
LANGUAGE plpgsql STABLE AS $$
DECLARE
	v_role	user_role;
BEGIN
	SELECT r.role INTO v_role FROM auth.live_role(p_uid, p_sid) r;
	IF NOT FOUND THEN
		PERFORM api.refuse(401, 'session_ended',
		    'This session has ended; sign in again.');
	END IF;
	RETURN v_role;
END;
$$;

CREATE OR REPLACE FUNCTION auth.require(p_uid uuid, p_sid uuid,
    p_role user_role)
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

CREATE OR REPLACE FUNCTION auth.audit(p_actor uuid, p_action text,
    p_target_type text,
    p_target_id text, p_request_id text, p_details jsonb DEFAULT '{}')
RETURNS void LANGUAGE sql AS $$
	INSERT INTO audit_log (actor_id, actor_role, action, target_type,
	    target_id, request_id, details)
	SELECT p_actor, (SELECT role FROM users WHERE id = p_actor), p_action,
	    p_target_type, p_target_id, p_request_id, p_details;
$$;

CREATE OR REPLACE FUNCTION auth.revoke_all(p_uid uuid, p_reason text)
RETURNS void LANGUAGE sql AS $$
	UPDATE sessions SET revoked_at = now(), revoked_reason = p_reason
	WHERE user_id = p_uid AND revoked_at IS NULL;
$$;

-- What a user sees of their own account.
CREATE OR REPLACE FUNCTION auth.user_json(u users)
RETURNS json LANGUAGE sql STABLE AS $$
	SELECT json_build_object(
	    'id', u.id, 'email', u.email, 'display_name', u.display_name,
	    'country', u.country, 'profession', u.profession,
	    'organisation', u.organisation, 'language', u.language,
	    'role', u.role, 'created_at', u.created_at,
	    'email_verified', u.email_verified_at IS NOT NULL);
$$;

-- A new session with its first refresh token, for a signed-in user.
CREATE OR REPLACE FUNCTION auth.session_open(p_uid uuid, p_refresh_hash bytea)
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
CREATE OR REPLACE FUNCTION auth.session_json(p_uid uuid, p_sid uuid)
RETURNS json LANGUAGE sql STABLE AS $$
	SELECT json_build_object('session_id', p_sid, 'user', auth.user_json(u))
	FROM users u WHERE u.id = p_uid;
$$;

-- The key of an address's sign-in budget. An address that names an
-- account, in any case of any of its letters, has the account's: "acct:"
-- and its id. It is found as sign-in finds the account, with lower(), which
-- folds É as it folds E: the budget cannot be multiplied by spelling one
-- account several ways. Another address has "acct:" and the first 128 bits,
-- in hex, of the SHA-256 of the address under that same lower(), so it has
-- one budget however it is written too, and holds no address in clear.
CREATE OR REPLACE FUNCTION auth.account_key(p_email text)
RETURNS text LANGUAGE sql STABLE AS $$
	SELECT coalesce(
	    (SELECT 'acct:' || u.id FROM users u
	     WHERE lower(u.email) = lower(p_email)),
	    'acct:' || left(encode(sha256(convert_to(lower(p_email), 'UTF8')),
		'hex'), 32));
$$;

-- The account's budget (login_throttle) used to be checked by
-- api.login_lookup and charged by api.login_finish, after the password
-- check: every request in flight at once passed the check, so the limit was
-- "as many as can be sent in parallel". Now an account's attempt takes its
-- slot when it starts, under the row lock of INSERT ... ON CONFLICT DO
-- UPDATE, and only an attempt that got a slot has its password checked; a
-- success clears the account's count, a failure keeps it, and so does an
-- attempt whose client left before the answer.
--
-- The address's budget counts failures, not attempts: checked when an
-- attempt starts, charged when it fails, as at first. One office, school or
-- police station behind one NAT address, thirty people signing in at the
-- start of a training session, must all get in (a slot per attempt in
-- flight gave everyone past the twentieth a 429: make bench saw 7,000 of
-- them). A burst of guesses against many accounts from one address can
-- pass the address check together once, but each account still gets at
-- most five checks, and hashing bounds the burst (about 30 sign-ins a
-- second on two cores); the failures are then charged and the address
-- waits.

-- Takes one attempt from the key's budget: 0 when it was granted (and
-- counted), else the seconds until the window ends. The row lock makes
-- check and count one step: of N attempts at once, exactly as many as the
-- budget has left get 0.
CREATE OR REPLACE FUNCTION auth.throttle_take(p_key text)
RETURNS int LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO login_throttle AS t (key, failures, window_start)
	VALUES (p_key, 1, now())
	ON CONFLICT (key) DO UPDATE SET
	    failures = CASE WHEN t.window_start + auth.throttle_window() <= now()
		THEN 1 ELSE t.failures + 1 END,
	    window_start = CASE WHEN t.window_start + auth.throttle_window() <= now()
		THEN now() ELSE t.window_start END
	WHERE t.failures < auth.throttle_limit(p_key)
	   OR t.window_start + auth.throttle_window() <= now();
	-- Not updated (the WHERE failed), the row is still locked by us.
	IF FOUND THEN
		RETURN 0;
	END IF;
	RETURN greatest(auth.throttle_wait(p_key), 1);
END;
$$;

-- Registration. Its answer says whether an address has an account (409
-- email_taken), as it must for a learner who already registered; what it
-- must not be is a way to spend the server's time. So an address already
-- taken is answered before any password is hashed (api.register_begin),
-- and such answers count against the client address's budget ('reg:' and
-- a hash of the address, 20 in 15 minutes): each takes its place when it
-- starts, under the row lock of auth.throttle_take, so a burst sent at once
-- gets exactly the budget. A new account costs a hash and no place: an
-- office behind one NAT address registers a whole training group, and an
-- account made is in the admins' list for all to see. Once the budget is
-- spent, every registration from that client waits, new address or not,
-- so the 429 tells nothing about the address either. docs/security.md,
-- Registration, says why the 409's speed reveals nothing its words do not.
CREATE OR REPLACE FUNCTION api.email_taken()
RETURNS api.reply LANGUAGE sql STABLE AS $$
	SELECT ROW(409, json_build_object('error', json_build_object(
	    'code', 'email_taken',
	    'message', 'An account with this email address already exists.',
	    'field', 'email'))::text)::api.reply;
$$;

-- Registration, first step, before the password is hashed: status 200 to
-- go on, 409 for an address taken, or 429 with the seconds to wait.
CREATE OR REPLACE FUNCTION api.register_begin(p_email text, p_reg_key text)
RETURNS TABLE (status int, body text, retry_after int)
LANGUAGE plpgsql AS $$
DECLARE
	v_wait	int;
BEGIN
	IF EXISTS (SELECT 1 FROM users u WHERE lower(u.email) = lower(p_email))
	THEN
		v_wait := auth.throttle_take(p_reg_key);
		IF v_wait = 0 THEN
			RETURN QUERY SELECT t.status, t.body, 0
			FROM api.email_taken() t;
			RETURN;
		END IF;
	ELSE
		v_wait := auth.throttle_wait(p_reg_key);
		IF v_wait = 0 THEN
			RETURN QUERY SELECT 200, NULL::text, 0;
			RETURN;
		END IF;
	END IF;
	RETURN QUERY SELECT 429, NULL::text, v_wait;
END;
$$;

-- Registration, second step, with the hash made. An address taken
-- meanwhile is answered as by the first step, and counted.
CREATE OR REPLACE FUNCTION api.register(p_email text, p_hash text, p_name text,
    p_country text, p_profession text, p_organisation text, p_language text,
    p_reg_key text)
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
		PERFORM auth.throttle_fail(p_reg_key);
		RETURN api.email_taken();
	END IF;
	-- The address is verified by the link this mail carries.
	PERFORM mail.verification(u);
	RETURN api.ok(auth.user_json(u), 201);
END;
$$;

-- Sign-in, first step: check the client address's budget, take an attempt
-- from the account's (auth.account_key), and return the hash to verify;
-- or, without a hash, how long to wait. An unknown address gets no hash;
-- the server then verifies against a dummy so both cases take the same
-- time.
CREATE OR REPLACE FUNCTION api.login_lookup(p_email text, p_addr_key text)
RETURNS TABLE (user_id uuid, password_hash text, retry_after int)
LANGUAGE plpgsql AS $$
DECLARE
	v_wait	int;
BEGIN
	v_wait := auth.throttle_wait(p_addr_key);
	IF v_wait = 0 THEN
		v_wait := auth.throttle_take(auth.account_key(p_email));
	END IF;
	IF v_wait > 0 THEN
		RETURN QUERY SELECT NULL::uuid, NULL::text, v_wait;
		RETURN;
	END IF;
	RETURN QUERY SELECT u.id, u.password_hash, 0
	FROM (SELECT 1) one
	LEFT JOIN users u ON lower(u.email) = lower(p_email)
	    AND u.disabled_at IS NULL AND u.erased_at IS NULL;
END;
$$;

-- Sign-in, second step, after the server verified the password. A failure
-- is charged to the address (the account's attempt was counted when it
-- began); a success clears the account's count and opens a session.
CREATE OR REPLACE FUNCTION api.login_finish(p_uid uuid, p_ok boolean,
    p_addr_key text, p_refresh_hash bytea)
RETURNS api.reply
LANGUAGE plpgsql AS $$
DECLARE
	v_sid	uuid;
BEGIN
	IF NOT p_ok OR p_uid IS NULL THEN
		PERFORM auth.throttle_fail(p_addr_key);
		RETURN ROW(401, NULL)::api.reply;
	END IF;
	DELETE FROM login_throttle
	WHERE key = (SELECT auth.account_key(email) FROM users WHERE id = p_uid);
	v_sid := auth.session_open(p_uid, p_refresh_hash);
	RETURN api.ok(auth.session_json(p_uid, v_sid));
END;
$$;

-- Rotates a refresh token. A token already rotated means it was copied:
-- the whole family is revoked.
CREATE OR REPLACE FUNCTION api.refresh(p_hash bytea, p_new_hash bytea)
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

CREATE OR REPLACE FUNCTION api.logout(p_uid uuid, p_sid uuid)
RETURNS api.reply
LANGUAGE plpgsql AS $$
BEGIN
	PERFORM auth.check(p_uid, p_sid);
	UPDATE sessions SET revoked_at = now(), revoked_reason = 'logout'
	WHERE id = p_sid;
	RETURN ROW(204, NULL)::api.reply;
END;
$$;

CREATE OR REPLACE FUNCTION api.logout_all(p_uid uuid, p_sid uuid)
RETURNS api.reply
LANGUAGE plpgsql AS $$
BEGIN
	PERFORM auth.check(p_uid, p_sid);
	PERFORM auth.revoke_all(p_uid, 'logout_all');
	RETURN ROW(204, NULL)::api.reply;
END;
$$;

CREATE OR REPLACE FUNCTION api.me_get(p_uid uuid, p_sid uuid)
RETURNS api.reply
LANGUAGE plpgsql STABLE AS $$
BEGIN
	PERFORM auth.check(p_uid, p_sid);
	RETURN (SELECT api.ok(auth.user_json(u)) FROM users u
	    WHERE u.id = p_uid);
END;
$$;

-- p_changes holds only fields the server validated as editable.
CREATE OR REPLACE FUNCTION api.me_patch(p_uid uuid, p_sid uuid, p_changes jsonb)
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

-- Password change, second step: the new hash replaces the verified one,
-- every session ends, the caller gets a fresh one, and the account's
-- sign-in count is cleared as by a sign-in.
CREATE OR REPLACE FUNCTION api.password_set(p_uid uuid, p_sid uuid,
    p_old_hash text, p_new_hash text, p_refresh_hash bytea)
RETURNS api.reply
LANGUAGE plpgsql AS $$
DECLARE
	u	users;
	v_sid	uuid;
BEGIN
	PERFORM auth.check(p_uid, p_sid);
	-- Two changes racing: only the one that verified the current hash wins.
	UPDATE users SET password_hash = p_new_hash, password_changed_at = now(),
	    updated_at = now()
	WHERE id = p_uid AND password_hash = p_old_hash
	RETURNING * INTO u;
	IF NOT FOUND THEN
		PERFORM api.refuse(409, 'password_changed',
		    'The password was changed meanwhile; sign in again.');
	END IF;
	DELETE FROM login_throttle WHERE key = auth.account_key(u.email);
	PERFORM auth.revoke_all(p_uid, 'password_change');
	v_sid := auth.session_open(p_uid, p_refresh_hash);
	RETURN api.ok(auth.session_json(p_uid, v_sid));
END;
$$;

-- Everything the platform holds about the caller, as one document: the
-- account, its sessions (no token hashes), the audit entries it made or
-- that are about it, its enrollments, lesson progress, the progress beats
-- kept for replays, certificates, quiz passes and attempts, the rounds of
-- courses taken again, the mails sent to it (never a body: they carried
-- tokens), and the courses it teaches.
CREATE OR REPLACE FUNCTION api.me_export(p_uid uuid, p_sid uuid)
RETURNS api.reply
LANGUAGE plpgsql STABLE AS $$
BEGIN
	PERFORM auth.check(p_uid, p_sid);
	RETURN (SELECT api.ok(json_build_object(
	    'exported_at', now(),
	    'account', (auth.user_json(u)::jsonb || jsonb_build_object(
		'updated_at', u.updated_at))::json,
	    'sessions', (SELECT coalesce(json_agg(json_build_object(
		'id', s.id, 'created_at', s.created_at,
		'last_used_at', s.last_used_at, 'expires_at', s.expires_at,
		'revoked_at', s.revoked_at, 'revoked_reason', s.revoked_reason)
		ORDER BY s.created_at), '[]')
		FROM sessions s WHERE s.user_id = u.id),
	    'audit', (SELECT coalesce(json_agg(json_build_object(
		'at', a.at, 'action', a.action, 'target_type', a.target_type,
		'target_id', a.target_id, 'by_you', a.actor_id IS NOT DISTINCT
		FROM u.id, 'actor_role', a.actor_role, 'details', a.details)
		ORDER BY a.at, a.id), '[]')
		FROM audit_log a WHERE a.actor_id = u.id
		   OR (a.target_type = 'user' AND a.target_id = u.id::text)),
	    'enrollments', (SELECT coalesce(json_agg(json_build_object(
		'course', json_build_object('slug', c.slug, 'title', c.title),
		'status', CASE WHEN e.completed_at IS NOT NULL THEN 'completed'
		    WHEN e.left_at IS NOT NULL THEN 'left'
		    ELSE 'in_progress' END,
		'enrolled_at', e.enrolled_at, 'left_at', e.left_at,
		'completed_at', e.completed_at,
		'last_activity_at', e.last_activity_at,
		'course_version', e.course_version, 'source', e.source)
		ORDER BY e.enrolled_at), '[]')
		FROM enrollments e JOIN courses c ON c.id = e.course_id
		WHERE e.user_id = u.id),
	    'lesson_progress', (SELECT coalesce(json_agg(json_build_object(
		'course', c.slug, 'module', m.key, 'lesson', l.key,
		'lesson_id', l.id, 'title', l.title,
		'status', CASE WHEN lp.completed_at IS NOT NULL
		    THEN 'completed' ELSE 'in_progress' END,
		'position', lp.position, 'time_spent', lp.time_spent,
		'first_beat_at', lp.first_beat_at,
		'last_beat_at', lp.last_beat_at,
		'completed_at', lp.completed_at)
		ORDER BY c.slug, m.position, l.position), '[]')
		FROM enrollments e JOIN courses c ON c.id = e.course_id
		JOIN lesson_progress lp ON lp.enrollment_id = e.id
		JOIN lessons l ON l.id = lp.lesson_id
		JOIN modules m ON m.id = l.module_id
		WHERE e.user_id = u.id),
	    'progress_beats', (SELECT coalesce(json_agg(json_build_object(
		'key', b.key, 'lesson_id', b.lesson_id,
		'created_at', b.created_at, 'response', b.response)
		ORDER BY b.created_at), '[]')
		FROM progress_beats b WHERE b.user_id = u.id),
	    'certificates', (SELECT coalesce(json_agg(certificates.json(x)
		ORDER BY x.issued_at), '[]') FROM certificates x
		WHERE x.user_id = u.id),
	    'mails', (SELECT coalesce(json_agg(json_build_object(
		'kind', m.kind, 'to', m.to_address, 'subject', m.subject,
		'state', m.state, 'created_at', m.created_at,
		'sent_at', m.sent_at) ORDER BY m.id), '[]')
		FROM mail_outbox m WHERE m.user_id = u.id),
	    'quiz_passes', (SELECT coalesce(json_agg(json_build_object(
		'course', c.slug, 'quiz', q.key, 'title', q.title,
		'passed_at', qp.passed_at) ORDER BY qp.passed_at), '[]')
		FROM enrollments e JOIN courses c ON c.id = e.course_id
		JOIN quiz_passes qp ON qp.enrollment_id = e.id
		JOIN quizzes q ON q.id = qp.quiz_id
		WHERE e.user_id = u.id),
	    -- The learner's own answers and results; never the questions,
	    -- marks or review, which hold the key as the quiz's review
	    -- policy may not allow.
	    'quiz_attempts', (SELECT coalesce(json_agg(json_build_object(
		'id', a.id, 'course', c.slug, 'quiz', q.key, 'title', q.title,
		'round', a.round, 'number', a.number, 'state', a.state,
		'started_at', a.started_at, 'deadline', a.deadline,
		'saved_at', a.saved_at, 'submitted_at', a.submitted_at,
		'submitted_by', a.submitted_by, 'score', a.score,
		'passed', a.passed, 'answers', a.answers)
		ORDER BY a.started_at, a.id), '[]')
		FROM quiz_attempts a JOIN quizzes q ON q.id = a.quiz_id
		JOIN courses c ON c.id = q.course_id
		WHERE a.user_id = u.id),
	    -- Rounds that ended when the learner took a course again after
	    -- its certificate expired, with that round's progress.
	    'enrollment_rounds', (SELECT coalesce(json_agg(json_build_object(
		'course', c.slug, 'round', r.round,
		'course_version', r.course_version,
		'completed_at', r.completed_at, 'ended_at', r.ended_at,
		'lesson_progress', r.lesson_progress,
		'quiz_passes', r.quiz_passes)
		ORDER BY c.slug, r.round), '[]')
		FROM enrollments e JOIN courses c ON c.id = e.course_id
		JOIN enrollment_rounds r ON r.enrollment_id = e.id
		WHERE e.user_id = u.id),
	    'teaching', (SELECT coalesce(json_agg(json_build_object(
		'course', json_build_object('slug', c.slug, 'title', c.title),
		'owner', c.owner_id IS NOT DISTINCT FROM u.id)
		ORDER BY c.slug), '[]')
		FROM courses c WHERE c.owner_id = u.id OR EXISTS (
		    SELECT 1 FROM course_instructors ci
		    WHERE ci.course_id = c.id AND ci.user_id = u.id))))
	FROM users u WHERE u.id = p_uid);
END;
$$;

-- Erasure, after the server verified the password (p_hash, the hash it
-- verified). Personal fields go; the row stays so that the completion
-- records counted in reports remain, anonymised. The last active admin
-- cannot leave: every active admin's row is locked, in id order, before
-- the others are counted, so two admins erasing themselves at once cannot
-- both see the other one still there.
CREATE OR REPLACE FUNCTION api.me_delete(p_uid uuid, p_sid uuid, p_hash text)
RETURNS api.reply
LANGUAGE plpgsql AS $$
DECLARE
	v_role	user_role := auth.check(p_uid, p_sid);
	v_key	text;
BEGIN
	IF v_role = 'admin' THEN
		PERFORM 1 FROM users
		WHERE role = 'admin' AND disabled_at IS NULL AND erased_at IS NULL
		ORDER BY id FOR UPDATE;
		IF NOT EXISTS (SELECT 1 FROM users
		    WHERE role = 'admin' AND disabled_at IS NULL
		      AND erased_at IS NULL AND id <> p_uid) THEN
			PERFORM api.refuse(409, 'last_admin',
			    'You are the only active admin: make another '
			    'account an admin before erasing this one.');
		END IF;
	END IF;

	SELECT auth.account_key(email) INTO v_key FROM users WHERE id = p_uid;
	UPDATE users SET
	    email = 'erased-' || id || '@invalid',
	    password_hash = '!',
	    display_name = 'Erased account',
	    organisation = NULL,
	    erased_at = now(),
	    updated_at = now()
	WHERE id = p_uid AND password_hash = p_hash;
	IF NOT FOUND THEN
		PERFORM api.refuse(409, 'password_changed',
		    'The password was changed meanwhile; sign in again.');
	END IF;
	PERFORM auth.revoke_all(p_uid, 'erased');
	DELETE FROM login_throttle WHERE key = v_key;
	DELETE FROM progress_beats WHERE user_id = p_uid;
	-- A certificate carries the name: verification then says "unknown".
	DELETE FROM certificates WHERE user_id = p_uid;
	DELETE FROM audit_log WHERE actor_id = p_uid AND actor_role = 'learner';
	RETURN ROW(204, NULL)::api.reply;
END;
$$;

-- Re-authentication, first step (password change, erasure): take an
-- attempt from the account's sign-in budget and return the hash to
-- verify, or, without a hash, how long to wait. A wrong password stays
-- counted; the step that follows a right one clears the count.
CREATE OR REPLACE FUNCTION api.reauth_begin(p_uid uuid, p_sid uuid)
RETURNS TABLE (password_hash text, retry_after int)
LANGUAGE plpgsql AS $$
DECLARE
	u	users;
	v_wait	int;
BEGIN
	PERFORM auth.check(p_uid, p_sid);
	SELECT * INTO u FROM users x WHERE x.id = p_uid;
	v_wait := auth.throttle_take(auth.account_key(u.email));
	RETURN QUERY SELECT CASE WHEN v_wait = 0 THEN u.password_hash END,
	    v_wait;
END;
$$;

