-- Sign-in budgets, second look: the address counts failures, not attempts.
--
-- 008 made both budgets take a slot when an attempt starts, so that
-- attempts sent in parallel cannot overrun them. For the account that is
-- right: five guesses at one password at once get five checks. For the
-- address it turned concurrency into refusals: one office, school or
-- police station behind one NAT address, thirty people signing in at the
-- start of a training session, and everyone past the twentieth got a 429
-- while every password was right (make bench saw 7,000 of them).
--
-- Now the address's budget is checked when an attempt starts and charged
-- when it fails, as in 002; the account's is still taken atomically. A
-- burst of guesses against many accounts from one address can pass the
-- address check together once, but each account still gets at most five
-- checks, and hashing bounds the burst (about 30 sign-ins a second on two
-- cores); the failures are then charged and the address waits.

CREATE OR REPLACE FUNCTION api.login_lookup(p_email text, p_acct_key text,
    p_addr_key text)
RETURNS TABLE (user_id uuid, password_hash text, retry_after int)
LANGUAGE plpgsql AS $$
DECLARE
	v_wait	int;
BEGIN
	v_wait := auth.throttle_wait(p_addr_key);
	IF v_wait = 0 THEN
		v_wait := auth.throttle_take(p_acct_key);
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

-- Sign-in, second step. A failure is charged to the address (the account's
-- attempt was counted when it began); a success clears the account's count
-- and opens a session.
CREATE OR REPLACE FUNCTION api.login_finish(p_uid uuid, p_ok boolean,
    p_acct_key text, p_addr_key text, p_refresh_hash bytea)
RETURNS api.reply
LANGUAGE plpgsql AS $$
DECLARE
	v_sid	uuid;
BEGIN
	IF NOT p_ok OR p_uid IS NULL THEN
		PERFORM auth.throttle_fail(p_addr_key);
		RETURN ROW(401, NULL)::api.reply;
	END IF;
	DELETE FROM login_throttle WHERE key = p_acct_key;
	v_sid := auth.session_open(p_uid, p_refresh_hash);
	RETURN api.ok(auth.session_json(p_uid, v_sid));
END;
$$;
