-- Issue 22: certificates. One row a completion, written by the
-- certificate_issue job (src/certificates.c) with what the learner's
-- profile and the course said at issue time: a certificate keeps saying
-- what it said when the name or the course's title changes later.
--
-- A completion is an enrollment and its completed_at: today an enrollment
-- completes once, so (enrollment_id, completed_at) is one certificate. A
-- new round after expiry clears and sets completed_at again, and makes a
-- new certificate while the old row stays (docs/certificates.md).

CREATE SCHEMA IF NOT EXISTS certificates;

-- How long a course's certificates are valid; NULL: they do not expire.
ALTER TABLE courses ADD COLUMN certificate_valid_months int
    CHECK (certificate_valid_months IS NULL OR
	certificate_valid_months BETWEEN 1 AND 600);

CREATE TABLE certificates (
	id		uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	-- The completion it was issued for; kept when the enrollment goes.
	enrollment_id	uuid REFERENCES enrollments (id) ON DELETE SET NULL,
	completed_at	timestamptz NOT NULL,
	user_id		uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	course_id	uuid REFERENCES courses (id) ON DELETE SET NULL,
	-- XXXX-XXXX-XXXX-XXXX, 80 random bits (src/cert_code.c).
	code		text NOT NULL UNIQUE
	    CHECK (code ~ '^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$'),
	name		text NOT NULL,
	course_title	text NOT NULL,
	language	text NOT NULL,
	course_version	int NOT NULL,
	hours		numeric(5,1) NOT NULL,
	issued_at	timestamptz NOT NULL DEFAULT now(),
	expires_at	timestamptz,
	revoked_at	timestamptz,
	revoked_by	uuid REFERENCES users (id) ON DELETE SET NULL,
	revoke_reason	text,
	-- Rendered once, on a task thread, after the row is made.
	pdf		bytea,
	pdf_sha256	text,
	credential	text,
	created_at	timestamptz NOT NULL DEFAULT now(),
	UNIQUE (enrollment_id, completed_at),
	CHECK (revoked_at IS NOT NULL OR
	    (revoked_by IS NULL AND revoke_reason IS NULL)),
	CHECK ((pdf IS NULL) = (pdf_sha256 IS NULL))
);
CREATE INDEX certificates_user_idx ON certificates (user_id, issued_at DESC);
CREATE INDEX certificates_course_idx ON certificates (course_id,
    issued_at DESC);
