-- Accounts, sessions, sign-in throttling and the audit log.
--
-- Passwords never reach the database: the server hashes them (argon2id) and
-- stores the encoded hash. Refresh tokens are stored as sha256 hashes only.
-- A session is a refresh-token family; every access token names its session,
-- and every authenticated API function checks that session with
-- auth.check(), in the same statement as its work: a logout, a password
-- change or a disabled account stops every token at once, at the cost of two
-- primary-key lookups inside a round trip the request makes anyway.
--
-- The functions: sql/functions/accounts.sql and admin.sql.

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
