-- Mail (docs/mail.md): the outbox that src/mail_send.c's mail_send job
-- empties, the single-use tokens that verification and password reset
-- mails carry (stored as their SHA-256 only), and whether an account's
-- address is verified. The functions are in sql/functions/mail.sql.
--
-- A mail is a row here, written in the transaction of the event that
-- causes it, with a mail_send job enqueued alongside (the job exists if
-- and only if the mail does). Its state is queued until the job hands it
-- to the mail server (sent) or gives up (failed).

CREATE SCHEMA IF NOT EXISTS mail;

-- Accounts that exist before this release are taken as verified: they
-- received nothing so far, and marking them unverified would stop their
-- certificate mails without any way for them to know why.
ALTER TABLE users ADD COLUMN email_verified_at timestamptz;
UPDATE users SET email_verified_at = created_at WHERE erased_at IS NULL;

CREATE TABLE mail_outbox (
	id		bigserial PRIMARY KEY,
	kind		text NOT NULL CHECK (kind ~ '^[a-z][a-z0-9_]{0,62}$'),
	user_id		uuid REFERENCES users (id) ON DELETE SET NULL,
	to_address	text NOT NULL,
	language	text NOT NULL,
	subject		text NOT NULL,
	body_text	text NOT NULL,
	body_html	text NOT NULL,
	-- The token the bodies' {{token}} stands for, cleared once the mail
	-- is sent or has failed: a token is at rest in clear only while its
	-- mail waits.
	secret		text,
	state		text NOT NULL DEFAULT 'queued'
	    CHECK (state IN ('queued', 'sent', 'failed')),
	attempts	int NOT NULL DEFAULT 0 CHECK (attempts >= 0),
	last_error	text,
	-- One mail per event (a certificate's): a second is not written.
	dedupe_key	text UNIQUE,
	created_at	timestamptz NOT NULL DEFAULT now(),
	sent_at		timestamptz,
	CHECK ((state = 'sent') = (sent_at IS NOT NULL))
);
CREATE INDEX mail_outbox_user_idx ON mail_outbox (user_id);
CREATE INDEX mail_outbox_waiting_idx ON mail_outbox (created_at)
    WHERE state = 'queued';

CREATE TABLE mail_tokens (
	token_hash	bytea PRIMARY KEY,
	user_id		uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	purpose		text NOT NULL
	    CHECK (purpose IN ('password_reset', 'verify_email')),
	-- The address the token was sent to: it verifies that one only.
	email		text NOT NULL,
	created_at	timestamptz NOT NULL DEFAULT now(),
	expires_at	timestamptz NOT NULL,
	used_at		timestamptz
);
CREATE INDEX mail_tokens_user_idx ON mail_tokens (user_id, purpose)
    WHERE used_at IS NULL;
