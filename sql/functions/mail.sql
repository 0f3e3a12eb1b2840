-- Mail (docs/mail.md): what each mail says, in the account's language; the
-- outbox that the mail_send job (src/mail_send.c) empties; the single-use
-- tokens of address verification and password reset; and the API of
-- src/mail_account.c. The tables are sql/schema/020_mail.sql's.
--
-- A file of sql/functions/: each function, view and trigger here is defined
-- once, in all sql/, with CREATE OR REPLACE; scripts/migrate applies every
-- such file again whenever one of them changed. The api schema is rebuilt
-- whole first; the functions of the mail schema are only replaced.
--
-- Bodies are written here, whole, when the event happens, but for two
-- placeholders that the job fills when it sends: {{origin}}, the server's
-- public origin (SG_PUBLIC_ORIGIN, which only the server knows), and
-- {{token}}, the row's secret. What people typed (names, titles) cannot
-- carry a placeholder in: mail.plain breaks any "{{".

-- The language of the mails: Spanish for es and es-*, else English.
CREATE OR REPLACE FUNCTION mail.lang(p_language text)
RETURNS text LANGUAGE sql IMMUTABLE AS $$
	SELECT CASE WHEN lower(p_language) = 'es' OR lower(p_language) LIKE 'es-%'
	    THEN 'es' ELSE 'en' END;
$$;

-- Text people typed, made safe from the placeholders.
CREATE OR REPLACE FUNCTION mail.plain(p_text text)
RETURNS text LANGUAGE sql IMMUTABLE AS $$
	SELECT replace(coalesce(p_text, ''), '{{', '{ {');
$$;

-- HTML-escaped; the callers made what people typed plain already.
CREATE OR REPLACE FUNCTION mail.html(p_text text)
RETURNS text LANGUAGE sql IMMUTABLE AS $$
	SELECT replace(replace(replace(replace(replace(coalesce(p_text, ''),
	    '&', '&amp;'), '<', '&lt;'), '>', '&gt;'), '"', '&quot;'),
	    '''', '&#39;');
$$;

/*
 * A mail's two bodies from its parts: a greeting, the paragraphs before
 * the link, the link (with a label for the HTML), the paragraphs after.
 * The parts are plain text (what people typed passed through mail.plain);
 * the HTML escapes them.
 */
CREATE OR REPLACE FUNCTION mail.bodies(p_lang text, p_subject text,
    p_greeting text, p_before text[], p_link text, p_label text,
    p_after text[], OUT body_text text, OUT body_html text)
LANGUAGE sql IMMUTABLE AS $$
	SELECT
	    p_greeting || E'\n\n' ||
	    array_to_string(p_before, E'\n\n') || E'\n\n' ||
	    p_link || E'\n\n' ||
	    coalesce(array_to_string(p_after, E'\n\n') || E'\n\n', '') ||
	    E'-- \nSafeguard Learn\n',
	    '<!DOCTYPE html>' || E'\n' || '<html lang="' || p_lang || '"><head>'
	    || '<meta charset="utf-8"><title>' || mail.html(p_subject)
	    || '</title></head>' || E'\n'
	    || '<body style="font-family:sans-serif;line-height:1.5;'
	    || 'max-width:40em">' || E'\n'
	    || '<p>' || mail.html(p_greeting) || '</p>' || E'\n'
	    || (SELECT string_agg('<p>' || mail.html(x) || '</p>', E'\n')
		FROM unnest(p_before) x) || E'\n'
	    || '<p><a href="' || mail.html(p_link) || '">' || mail.html(p_label)
	    || '</a></p>' || E'\n'
	    || coalesce((SELECT string_agg('<p>' || mail.html(x) || '</p>',
		E'\n') FROM unnest(p_after) x) || E'\n', '')
	    || '<p style="color:#555">Safeguard Learn</p>' || E'\n'
	    || '</body></html>' || E'\n';
$$;

/*
 * Writes a mail to the outbox with the job that sends it, in the caller's
 * transaction; returns its id, or NULL when p_dedupe_key was used before.
 * A mail job tries for longer than most (25 attempts: with the default
 * backoff, about a day), so a mail server that is away for hours loses
 * nothing.
 */
CREATE OR REPLACE FUNCTION mail.queue(p_kind text, p_user uuid,
    p_to text, p_lang text, p_subject text, p_text text, p_html text,
    p_secret text DEFAULT NULL, p_dedupe_key text DEFAULT NULL)
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
	v_id	bigint;
BEGIN
	INSERT INTO mail_outbox (kind, user_id, to_address, language, subject,
	    body_text, body_html, secret, dedupe_key)
	VALUES (p_kind, p_user, p_to, p_lang, p_subject, p_text, p_html,
	    p_secret, p_dedupe_key)
	ON CONFLICT (dedupe_key) DO NOTHING
	RETURNING id INTO v_id;
	IF v_id IS NOT NULL THEN
		PERFORM jobs.enqueue('mail_send',
		    jsonb_build_object('mail_id', v_id), 'mail_send:' || v_id,
		    now(), 25);
	END IF;
	RETURN v_id;
END;
$$;

/*
 * A new single-use token for u's current address: 256 random bits (two
 * version-4 UUIDs from PostgreSQL's strong random source, 244 of their
 * bits random) in hex. Only its SHA-256 is stored.
 */
CREATE OR REPLACE FUNCTION mail.token_new(u users, p_purpose text,
    p_life interval)
RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	v_token	text := replace(gen_random_uuid()::text || gen_random_uuid()::text,
	    '-', '');
BEGIN
	INSERT INTO mail_tokens (token_hash, user_id, purpose, email,
	    expires_at)
	VALUES (mail.token_hash(v_token), u.id, p_purpose, u.email,
	    now() + p_life);
	RETURN v_token;
END;
$$;

CREATE OR REPLACE FUNCTION mail.token_hash(p_token text)
RETURNS bytea LANGUAGE sql IMMUTABLE AS $$
	SELECT sha256(convert_to(p_token, 'UTF8'));
$$;

/*
 * Takes a token: the unexpired, unused token of p_purpose whose account
 * still has the address it was sent to, locked; no row else. Unknown, used
 * and expired tokens are alike to the caller.
 */
CREATE OR REPLACE FUNCTION mail.token_find(p_token text, p_purpose text)
RETURNS SETOF mail_tokens LANGUAGE sql AS $$
	SELECT t.* FROM mail_tokens t JOIN users u ON u.id = t.user_id
	WHERE t.token_hash = mail.token_hash(p_token)
	  AND t.purpose = p_purpose AND t.used_at IS NULL
	  AND t.expires_at > now() AND u.email = t.email
	  AND u.erased_at IS NULL AND u.disabled_at IS NULL
	FOR UPDATE OF t;
$$;

-- The address verification mail: at registration and on request.
CREATE OR REPLACE FUNCTION mail.verification(u users)
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
	v_lang	text := mail.lang(u.language);
	v_subj	text;
	b	record;
BEGIN
	IF v_lang = 'es' THEN
		v_subj := 'Confirma tu dirección de correo';
		b := mail.bodies(v_lang, v_subj,
		    'Hola, ' || mail.plain(u.display_name) || ':',
		    ARRAY['Confirma que esta es tu dirección de correo para '
			'Safeguard Learn abriendo este enlace:'],
		    '{{origin}}/verify-email#token={{token}}',
		    'Confirmar mi dirección',
		    ARRAY['El enlace es válido durante 7 días. Si no creaste '
			'una cuenta, puedes ignorar este correo.']);
	ELSE
		v_subj := 'Confirm your email address';
		b := mail.bodies(v_lang, v_subj,
		    'Hello ' || mail.plain(u.display_name) || ',',
		    ARRAY['Please confirm that this is your email address for '
			'Safeguard Learn by opening this link:'],
		    '{{origin}}/verify-email#token={{token}}',
		    'Confirm my address',
		    ARRAY['The link works for 7 days. If you did not create an '
			'account, you can ignore this mail.']);
	END IF;
	RETURN mail.queue('verify_email', u.id, u.email, v_lang, v_subj,
	    b.body_text, b.body_html,
	    mail.token_new(u, 'verify_email', interval '7 days'));
END;
$$;

-- The password reset mail. Earlier reset links of the account stop working.
CREATE OR REPLACE FUNCTION mail.password_reset(u users)
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
	v_lang	text := mail.lang(u.language);
	v_subj	text;
	b	record;
BEGIN
	UPDATE mail_tokens SET used_at = now()
	WHERE user_id = u.id AND purpose = 'password_reset' AND used_at IS NULL;
	IF v_lang = 'es' THEN
		v_subj := 'Restablece tu contraseña';
		b := mail.bodies(v_lang, v_subj,
		    'Hola, ' || mail.plain(u.display_name) || ':',
		    ARRAY['Alguien (esperamos que tú) pidió elegir una nueva '
			'contraseña para tu cuenta de Safeguard Learn. Abre '
			'este enlace para elegirla:'],
		    '{{origin}}/reset-password#token={{token}}',
		    'Elegir una nueva contraseña',
		    ARRAY['El enlace funciona una sola vez, durante 30 minutos. '
			'Elegir una nueva contraseña cierra tu sesión en todos '
			'tus dispositivos.',
			'Si no lo pediste, ignora este correo: tu contraseña '
			'no cambia.']);
	ELSE
		v_subj := 'Reset your password';
		b := mail.bodies(v_lang, v_subj,
		    'Hello ' || mail.plain(u.display_name) || ',',
		    ARRAY['Someone (we hope you) asked to choose a new password '
			'for your Safeguard Learn account. Open this link to '
			'choose one:'],
		    '{{origin}}/reset-password#token={{token}}',
		    'Choose a new password',
		    ARRAY['The link works once, for 30 minutes. Choosing a new '
			'password signs you out on every device.',
			'If you did not ask for this, ignore this mail: your '
			'password stays as it is.']);
	END IF;
	RETURN mail.queue('password_reset', u.id, u.email, v_lang, v_subj,
	    b.body_text, b.body_html,
	    mail.token_new(u, 'password_reset', interval '30 minutes'));
END;
$$;

/*
 * The enrollment confirmation, for a verified address only: mail to an
 * address nobody confirmed would let anyone send our mail to anyone.
 */
CREATE OR REPLACE FUNCTION mail.enrollment(p_enrollment uuid)
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
	u	users;
	c	courses;
	v_lang	text;
	v_subj	text;
	b	record;
BEGIN
	SELECT u1.* INTO u FROM enrollments e JOIN users u1 ON u1.id = e.user_id
	WHERE e.id = p_enrollment AND u1.email_verified_at IS NOT NULL
	  AND u1.erased_at IS NULL AND u1.disabled_at IS NULL;
	IF NOT FOUND THEN
		RETURN NULL;
	END IF;
	SELECT c1.* INTO c FROM enrollments e JOIN courses c1
	    ON c1.id = e.course_id WHERE e.id = p_enrollment;
	v_lang := mail.lang(u.language);
	IF v_lang = 'es' THEN
		v_subj := 'Inscripción confirmada: ' || mail.plain(c.title);
		b := mail.bodies(v_lang, v_subj,
		    'Hola, ' || mail.plain(u.display_name) || ':',
		    ARRAY['Te has inscrito en «' || mail.plain(c.title) ||
			'». Empieza o continúa aquí:'],
		    '{{origin}}/courses/' || c.slug, mail.plain(c.title), NULL);
	ELSE
		v_subj := 'You are enrolled: ' || mail.plain(c.title);
		b := mail.bodies(v_lang, v_subj,
		    'Hello ' || mail.plain(u.display_name) || ',',
		    ARRAY['You are enrolled in "' || mail.plain(c.title) ||
			'". Start or carry on here:'],
		    '{{origin}}/courses/' || c.slug, mail.plain(c.title), NULL);
	END IF;
	-- No dedupe key: each enrollment (a return after leaving too) is
	-- an event of its own, written once by its transaction.
	RETURN mail.queue('enrollment_confirmed', u.id, u.email, v_lang, v_subj,
	    b.body_text, b.body_html);
END;
$$;

-- The certificate mail, with its verification link; verified addresses only.
CREATE OR REPLACE FUNCTION mail.certificate(p_certificate uuid)
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
	u	users;
	x	certificates;
	v_lang	text;
	v_subj	text;
	b	record;
BEGIN
	SELECT * INTO x FROM certificates WHERE id = p_certificate;
	SELECT * INTO u FROM users WHERE id = x.user_id
	  AND email_verified_at IS NOT NULL AND erased_at IS NULL
	  AND disabled_at IS NULL;
	IF NOT FOUND THEN
		RETURN NULL;
	END IF;
	v_lang := mail.lang(u.language);
	IF v_lang = 'es' THEN
		v_subj := 'Tu certificado: ' || mail.plain(x.course_title);
		b := mail.bodies(v_lang, v_subj,
		    'Hola, ' || mail.plain(u.display_name) || ':',
		    ARRAY['Enhorabuena: completaste «' ||
			mail.plain(x.course_title) || '» y tu certificado ha '
			'sido emitido. Cualquiera puede comprobarlo en esta '
			'dirección:'],
		    '{{origin}}/verify/' || x.code, 'Comprobar el certificado',
		    ARRAY['El código de tu certificado es ' || x.code ||
			'. Puedes descargarlo desde tu página de certificados: '
			'{{origin}}/certificates']);
	ELSE
		v_subj := 'Your certificate: ' || mail.plain(x.course_title);
		b := mail.bodies(v_lang, v_subj,
		    'Hello ' || mail.plain(u.display_name) || ',',
		    ARRAY['Congratulations: you completed "' ||
			mail.plain(x.course_title) || '" and your certificate '
			'is issued. Anyone can check it at this address:'],
		    '{{origin}}/verify/' || x.code, 'Check the certificate',
		    ARRAY['Your certificate''s code is ' || x.code || '. You '
			'can download it from your certificates page: '
			'{{origin}}/certificates']);
	END IF;
	RETURN mail.queue('certificate_issued', u.id, u.email, v_lang, v_subj,
	    b.body_text, b.body_html, NULL, 'certificate_issued:' || x.id);
END;
$$;

/*
 * The job's first step: the mail, if it still waits, with its attempt
 * counted. A sent or failed mail gives no row: the job is done (a job run
 * again after the mail was recorded sent sends nothing).
 */
CREATE OR REPLACE FUNCTION mail.send_begin(p_id bigint)
RETURNS TABLE (to_address text, subject text, body_text text,
    body_html text, secret text)
LANGUAGE sql AS $$
	UPDATE mail_outbox m SET attempts = m.attempts + 1
	WHERE m.id = p_id AND m.state = 'queued'
	RETURNING m.to_address, m.subject, m.body_text, m.body_html, m.secret;
$$;

/*
 * The job's last step: sent when p_error is NULL; else queued for the
 * job's next attempt, or failed when that was the job's last (p_job's
 * attempts reached its max_attempts). The secret goes when the mail ends.
 */
CREATE OR REPLACE FUNCTION mail.send_end(p_id bigint, p_job bigint,
    p_error text)
RETURNS void LANGUAGE sql AS $$
	UPDATE mail_outbox m SET
	    state = CASE WHEN p_error IS NULL THEN 'sent'
		WHEN EXISTS (SELECT 1 FROM jobs j WHERE j.id = p_job
		    AND j.attempts < j.max_attempts) THEN 'queued'
		ELSE 'failed' END,
	    sent_at = CASE WHEN p_error IS NULL THEN now() END,
	    last_error = coalesce(left(p_error, 500), m.last_error)
	WHERE m.id = p_id AND m.state = 'queued';
	UPDATE mail_outbox m SET secret = NULL
	WHERE m.id = p_id AND m.state <> 'queued' AND m.secret IS NOT NULL;
$$;

-- An erased account's mails and tokens go with it (docs/security.md).
CREATE OR REPLACE FUNCTION mail.forget_erased()
RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	DELETE FROM mail_outbox WHERE user_id = NEW.id;
	DELETE FROM mail_tokens WHERE user_id = NEW.id;
	RETURN NULL;
END;
$$;

CREATE OR REPLACE TRIGGER users_mail_forget AFTER UPDATE OF erased_at ON users
    FOR EACH ROW WHEN (NEW.erased_at IS NOT NULL AND OLD.erased_at IS NULL)
    EXECUTE FUNCTION mail.forget_erased();

/*
 * POST /auth/password-reset. Always 202, whatever the address: the same
 * statement runs for a known and an unknown address, taking a slot of the
 * address's budget (auth.account_key: an unknown address has one too, 5
 * in 15 minutes), and writes a mail only when the address names a usable
 * account and the budget had room. Over budget, nothing is sent and the
 * answer is the same.
 */
CREATE OR REPLACE FUNCTION api.password_reset(p_email text)
RETURNS api.reply
LANGUAGE plpgsql AS $$
DECLARE
	v_wait	int := auth.throttle_take('reset:' || auth.account_key(p_email));
BEGIN
	PERFORM mail.password_reset(u) FROM users u
	WHERE v_wait = 0 AND lower(u.email) = lower(p_email)
	  AND u.disabled_at IS NULL AND u.erased_at IS NULL;
	RETURN api.ok(json_build_object('status', 'accepted'), 202);
END;
$$;

-- Password reset, first step, before the new password is hashed: is the
-- token good? 200, or 400 invalid_token. Nothing is used up yet.
CREATE OR REPLACE FUNCTION api.password_reset_check(p_token text)
RETURNS api.reply
LANGUAGE plpgsql AS $$
BEGIN
	IF NOT EXISTS (SELECT 1 FROM mail.token_find(p_token,
	    'password_reset')) THEN
		RETURN api.invalid_token();
	END IF;
	RETURN api.ok(json_build_object('status', 'valid'));
END;
$$;

CREATE OR REPLACE FUNCTION api.invalid_token()
RETURNS api.reply LANGUAGE sql IMMUTABLE AS $$
	SELECT ROW(400, json_build_object('error', json_build_object(
	    'code', 'invalid_token',
	    'message', 'This link is not valid: it was used already, has '
		'expired, or was mistyped. Ask for a new one.',
	    'field', 'token'))::text)::api.reply;
$$;

/*
 * Password reset, second step, with the new hash: the token is used up
 * (under its row lock: of two confirmations at once, one wins), the
 * password replaced, every session of the account ended (its refresh
 * tokens with them), the account's sign-in count cleared, and the address
 * counts as verified: the mail reached it.
 */
CREATE OR REPLACE FUNCTION api.password_reset_confirm(p_token text,
    p_hash text, p_request_id text)
RETURNS api.reply
LANGUAGE plpgsql AS $$
DECLARE
	t	mail_tokens;
	u	users;
BEGIN
	SELECT * INTO t FROM mail.token_find(p_token, 'password_reset');
	IF NOT FOUND THEN
		RETURN api.invalid_token();
	END IF;
	UPDATE mail_tokens SET used_at = now() WHERE token_hash = t.token_hash;
	UPDATE users SET password_hash = p_hash, password_changed_at = now(),
	    email_verified_at = coalesce(email_verified_at, now()),
	    updated_at = now()
	WHERE id = t.user_id
	RETURNING * INTO u;
	DELETE FROM login_throttle WHERE key = auth.account_key(u.email);
	PERFORM auth.revoke_all(u.id, 'password_reset');
	PERFORM auth.audit(u.id, 'account.password_reset', 'user', u.id::text,
	    p_request_id);
	RETURN api.ok(json_build_object('status', 'password_changed'));
END;
$$;

-- POST /auth/verify-email.
CREATE OR REPLACE FUNCTION api.verify_email(p_token text, p_request_id text)
RETURNS api.reply
LANGUAGE plpgsql AS $$
DECLARE
	t	mail_tokens;
BEGIN
	SELECT * INTO t FROM mail.token_find(p_token, 'verify_email');
	IF NOT FOUND THEN
		RETURN api.invalid_token();
	END IF;
	UPDATE mail_tokens SET used_at = now()
	WHERE user_id = t.user_id AND purpose = 'verify_email'
	  AND used_at IS NULL;
	UPDATE users SET email_verified_at = coalesce(email_verified_at, now()),
	    updated_at = now()
	WHERE id = t.user_id;
	PERFORM auth.audit(t.user_id, 'account.email_verified', 'user',
	    t.user_id::text, p_request_id);
	RETURN api.ok(json_build_object('email_verified', true));
END;
$$;

/*
 * POST /me/verification-email: another verification mail, 3 in 15 minutes
 * an account ('mailv:'); (status, body, retry_after) so that the server
 * can add Retry-After to a 429.
 */
CREATE OR REPLACE FUNCTION api.verification_resend(p_uid uuid, p_sid uuid,
    p_request_id text)
RETURNS TABLE (status int, body text, retry_after int)
LANGUAGE plpgsql AS $$
DECLARE
	u	users;
	v_wait	int;
BEGIN
	PERFORM auth.check(p_uid, p_sid);
	SELECT * INTO u FROM users WHERE id = p_uid;
	IF u.email_verified_at IS NOT NULL THEN
		RETURN QUERY SELECT 409, json_build_object('error',
		    json_build_object('code', 'already_verified', 'message',
		    'Your email address is verified already.'))::text, 0;
		RETURN;
	END IF;
	v_wait := auth.throttle_take('mailv:' || u.id);
	IF v_wait > 0 THEN
		RETURN QUERY SELECT 429, json_build_object('error',
		    json_build_object('code', 'too_many_requests', 'message',
		    'Several mails were sent already; wait a few minutes and '
		    'look in your inbox (and spam folder) meanwhile.'))::text,
		    v_wait;
		RETURN;
	END IF;
	PERFORM mail.verification(u);
	PERFORM auth.audit(u.id, 'account.verification_sent', 'user',
	    u.id::text, p_request_id);
	RETURN QUERY SELECT 202, json_build_object('status', 'accepted')::text,
	    0;
END;
$$;
