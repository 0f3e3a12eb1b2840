-- Certificates: issuing one a completion (the certificate_issue job of
-- src/certificates.c), the owner's, instructors' and admins' API, and
-- public verification by code.
--
-- A file of sql/functions/: each function, view and trigger here is defined
-- once, in all sql/, with CREATE OR REPLACE; scripts/migrate applies every
-- such file again, in one transaction after the versioned sql/schema/ files,
-- whenever one of them changed. The api schema is rebuilt whole (dropped and
-- created) first, so a changed signature leaves no stale overload; the
-- auth, content, learning and certificates schemas hold tables, so their
-- functions are only replaced: dropping one there is a line in a new
-- sql/schema/ file.

-- What the certificates name as their issuer (the platform's name, as
-- /api/v1/meta says it).
CREATE OR REPLACE FUNCTION certificates.issuer_name()
RETURNS text LANGUAGE sql IMMUTABLE AS $$
	SELECT 'Safeguard Learn'::text;
$$;

-- Revoked wins over expired: a revoked certificate says so for good.
CREATE OR REPLACE FUNCTION certificates.status(c certificates)
RETURNS text LANGUAGE sql STABLE AS $$
	SELECT CASE WHEN c.revoked_at IS NOT NULL THEN 'revoked'
	    WHEN c.expires_at IS NOT NULL AND c.expires_at <= now()
		THEN 'expired'
	    ELSE 'valid' END;
$$;

/*
 * The job's one write. Nothing happens for an enrollment that is gone or
 * not completed, nor for an erased account. The certificate of a
 * completion is made once: a second run (a job run again after its
 * worker died) finds the row the first made, and returns it. A code
 * taken already (80 random bits: it does not happen) fails the statement
 * and the job retries with a new one. The name, title and hours are
 * copied: the certificate says what they were at issue.
 */
CREATE OR REPLACE FUNCTION certificates.issue(p_enrollment uuid,
    p_code text)
RETURNS TABLE (id uuid, code text, has_pdf boolean)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
	e	enrollments;
	v_new	uuid;
BEGIN
	SELECT * INTO e FROM enrollments x WHERE x.id = p_enrollment;
	IF NOT FOUND OR e.completed_at IS NULL THEN
		RETURN;
	END IF;
	INSERT INTO certificates AS x (enrollment_id, completed_at, user_id,
	    course_id, code, name, course_title, language, course_version,
	    hours, expires_at)
	SELECT e.id, e.completed_at, e.user_id, c.id, p_code, u.display_name,
	    c.title, c.language, e.course_version, c.estimated_hours,
	    now() + make_interval(months => c.certificate_valid_months)
	FROM users u, courses c
	WHERE u.id = e.user_id AND u.erased_at IS NULL AND c.id = e.course_id
	ON CONFLICT (enrollment_id, completed_at) DO NOTHING
	RETURNING x.id INTO v_new;
	-- The mail is written with the certificate, once (docs/mail.md).
	IF v_new IS NOT NULL THEN
		PERFORM mail.certificate(v_new);
	END IF;
	RETURN QUERY SELECT x.id, x.code, x.pdf IS NOT NULL FROM certificates x
	WHERE x.enrollment_id = e.id AND x.completed_at = e.completed_at;
END;
$$;

-- A certificate as its owner and the staff see it.
CREATE OR REPLACE FUNCTION certificates.json(x certificates)
RETURNS jsonb LANGUAGE sql STABLE AS $$
	SELECT jsonb_build_object('id', x.id, 'code', x.code, 'name', x.name,
	    'course', jsonb_build_object(
		'slug', (SELECT c.slug FROM courses c WHERE c.id = x.course_id),
		'title', x.course_title, 'language', x.language,
		'version', x.course_version),
	    'hours', x.hours, 'issued_at', x.issued_at,
	    'expires_at', x.expires_at, 'revoked_at', x.revoked_at,
	    'status', certificates.status(x), 'pdf_ready', x.pdf IS NOT NULL,
	    'verify_path', '/verify/' || x.code);
$$;

CREATE OR REPLACE FUNCTION api.my_certificates(p_uid uuid, p_sid uuid)
RETURNS api.reply
LANGUAGE plpgsql STABLE AS $$
BEGIN
	PERFORM auth.check(p_uid, p_sid);
	RETURN api.ok(json_build_object('certificates', coalesce((
	    SELECT json_agg(certificates.json(x) ORDER BY x.issued_at DESC)
	    FROM certificates x WHERE x.user_id = p_uid), '[]')));
END;
$$;

/*
 * The certificate p_id as the caller may see its files: its owner, the
 * course's instructors and admins. Anyone else, and an unknown id: 404.
 */
CREATE OR REPLACE FUNCTION certificates.visible(p_uid uuid, p_sid uuid,
    p_id uuid)
RETURNS certificates
LANGUAGE plpgsql STABLE AS $$
DECLARE
	v_role	user_role := auth.check(p_uid, p_sid);
	x	certificates;
BEGIN
	SELECT * INTO x FROM certificates c WHERE c.id = p_id;
	IF NOT FOUND OR NOT (x.user_id = p_uid OR
	    content.can_edit(p_uid, v_role, x.course_id)) THEN
		PERFORM api.refuse(404, 'certificate_not_found',
		    'No such certificate.');
	END IF;
	RETURN x;
END;
$$;

/*
 * A certificate's PDF, for its owner, the course's instructors and admins;
 * anyone else learns nothing (404, as for no such certificate). The bytes
 * come only when the client's copy (p_etag, the tag it sent) is not the
 * stored one: then it gets the tag alone and answers 304.
 */
CREATE OR REPLACE FUNCTION api.certificate_pdf(p_uid uuid, p_sid uuid,
    p_id uuid, p_etag text)
RETURNS TABLE (pdf_sha text, pdf bytea)
LANGUAGE plpgsql STABLE AS $$
DECLARE
	x	certificates := certificates.visible(p_uid, p_sid, p_id);
BEGIN
	IF x.pdf IS NULL THEN
		PERFORM api.refuse(404, 'pdf_not_ready',
		    'This certificate''s PDF is not made yet.');
	END IF;
	RETURN QUERY SELECT x.pdf_sha256, CASE
	    WHEN p_etag IS NOT DISTINCT FROM x.pdf_sha256 THEN NULL
	    ELSE x.pdf END;
END;
$$;

-- The admins' list: by course (slug), text (name, code, course title or
-- the learner's address) and status, 50 a page, newest first.
CREATE OR REPLACE FUNCTION api.admin_certificates(p_uid uuid, p_sid uuid,
    p_course text, p_q text, p_status text, p_page int)
RETURNS api.reply
LANGUAGE plpgsql STABLE AS $$
DECLARE
	v_size	int := 50;
	v_like	text;
	v_ids	uuid[];
BEGIN
	PERFORM auth.require(p_uid, p_sid, 'admin');
	v_like := CASE WHEN nullif(p_q, '') IS NOT NULL
	    THEN content.like_pattern(p_q) END;
	SELECT coalesce(array_agg(x.id ORDER BY x.issued_at DESC, x.id), '{}')
	INTO v_ids
	FROM certificates x JOIN users u ON u.id = x.user_id
	WHERE (p_course IS NULL OR x.course_id =
		(SELECT c.id FROM courses c WHERE c.slug = p_course))
	  AND (v_like IS NULL OR x.name ILIKE v_like OR x.code ILIKE v_like
		OR x.course_title ILIKE v_like OR u.email ILIKE v_like)
	  AND (p_status IS NULL OR certificates.status(x) = p_status);
	RETURN api.ok(json_build_object(
	    'page', greatest(coalesce(p_page, 1), 1),
	    'page_size', v_size,
	    'total', cardinality(v_ids),
	    'certificates', coalesce((SELECT json_agg(
		certificates.json(x) || jsonb_build_object('email', u.email,
		    'revoke_reason', x.revoke_reason) ORDER BY p.n)
		FROM unnest(v_ids[api.page_offset(p_page, v_size) + 1 :
		    api.page_offset(p_page, v_size) + v_size])
		    WITH ORDINALITY p(id, n)
		JOIN certificates x ON x.id = p.id
		JOIN users u ON u.id = x.user_id), '[]')));
END;
$$;

CREATE OR REPLACE FUNCTION api.admin_certificate_revoke(p_uid uuid,
    p_sid uuid, p_id uuid, p_reason text, p_request_id text)
RETURNS api.reply
LANGUAGE plpgsql AS $$
DECLARE
	x	certificates;
BEGIN
	PERFORM auth.require(p_uid, p_sid, 'admin');
	UPDATE certificates SET revoked_at = now(), revoked_by = p_uid,
	    revoke_reason = p_reason
	WHERE id = p_id AND revoked_at IS NULL
	RETURNING * INTO x;
	IF NOT FOUND THEN
		IF EXISTS (SELECT 1 FROM certificates c WHERE c.id = p_id) THEN
			PERFORM api.refuse(409, 'already_revoked',
			    'This certificate is revoked already.');
		END IF;
		PERFORM api.refuse(404, 'certificate_not_found',
		    'No such certificate.');
	END IF;
	PERFORM auth.audit(p_uid, 'certificate.revoke', 'certificate',
	    x.id::text, p_request_id, jsonb_build_object('code', x.code,
		'reason', p_reason));
	RETURN api.ok(certificates.json(x)::json);
END;
$$;

-- The stored PDFs of a course's certificates, for the admins' zip.
CREATE OR REPLACE FUNCTION api.admin_course_certificate_pdfs(p_uid uuid,
    p_sid uuid, p_slug text)
RETURNS TABLE (code text, pdf bytea)
LANGUAGE plpgsql STABLE AS $$
DECLARE
	v_course	uuid;
BEGIN
	PERFORM auth.require(p_uid, p_sid, 'admin');
	SELECT c.id INTO v_course FROM courses c WHERE c.slug = p_slug;
	IF NOT FOUND THEN
		PERFORM api.refuse(404, 'course_not_found',
		    'No course has that address.');
	END IF;
	RETURN QUERY SELECT x.code, x.pdf FROM certificates x
	WHERE x.course_id = v_course AND x.pdf IS NOT NULL
	ORDER BY x.issued_at, x.code;
END;
$$;

/*
 * Public verification by code: what a verifier needs and nothing else (no
 * address, no internal id, no reason for a revocation). Enumeration is
 * bounded by the client address's budget ('verify:' and a hash of the
 * address; auth.throttle_limit): each unknown code takes a place, under
 * the row lock of auth.throttle_take, and once the budget is spent every
 * lookup from that client waits, known code or not, so a 429 tells
 * nothing about the code. retry_after is 0 when the answer is given.
 */
CREATE OR REPLACE FUNCTION api.verify(p_code text, p_key text)
RETURNS TABLE (status int, body text, retry_after int)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
	v_wait	int := auth.throttle_wait(p_key);
	x	certificates;
BEGIN
	IF v_wait > 0 THEN
		RETURN QUERY SELECT 429, NULL::text, v_wait;
		RETURN;
	END IF;
	SELECT * INTO x FROM certificates c WHERE c.code = p_code;
	IF NOT FOUND THEN
		v_wait := auth.throttle_take(p_key);
		IF v_wait > 0 THEN
			RETURN QUERY SELECT 429, NULL::text, v_wait;
			RETURN;
		END IF;
		RETURN QUERY SELECT 404, json_build_object('error',
		    json_build_object('code', 'certificate_not_found',
		    'message', 'No certificate has this code.'))::text, 0;
		RETURN;
	END IF;
	RETURN QUERY SELECT 200, json_build_object('code', x.code,
	    'status', certificates.status(x), 'name', x.name,
	    'course', json_build_object('title', x.course_title,
		'language', x.language, 'version', x.course_version),
	    'hours', x.hours, 'issued_at', x.issued_at,
	    'expires_at', x.expires_at, 'revoked_at', x.revoked_at,
	    'issuer', json_build_object('name',
		certificates.issuer_name()))::text, 0;
END;
$$;

/*
 * A change a verifier would see (a revocation, a name put right, a row
 * erased with its account) tells the workers at commit (LISTEN
 * certificates, src/jobs_listen.c), which drop the verification answers
 * they keep (src/verifycache.c). Once per transaction, however many rows.
 */
CREATE OR REPLACE FUNCTION certificates.notify_change()
RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	PERFORM pg_notify('certificates', '');
	RETURN NULL;
END;
$$;

CREATE OR REPLACE TRIGGER certificates_notify
    AFTER UPDATE OF code, name, course_title, language, course_version,
	hours, issued_at, expires_at, revoked_at OR DELETE ON certificates
    FOR EACH STATEMENT EXECUTE FUNCTION certificates.notify_change();

/*
 * What the certificate_issue job needs to draw a certificate's PDF and
 * sign its credential, when one of them is missing (a row), else nothing.
 * Revoked certificates get neither. The dates as the PDF prints them and
 * as unix seconds for the credential; hours without a trailing ".0".
 */
CREATE OR REPLACE FUNCTION certificates.artifact_input(p_id uuid)
RETURNS TABLE (code text, name text, course_title text, language text,
    hours text, issued_on text, expires_on text, issued_epoch text,
    expires_epoch text, email text, slug text, summary text,
    need_pdf boolean, need_credential boolean)
LANGUAGE sql STABLE AS $$
	SELECT x.code, x.name, x.course_title, x.language,
	    trim_scale(x.hours)::text,
	    to_char(x.issued_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'),
	    to_char(x.expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'),
	    floor(extract(epoch FROM x.issued_at))::bigint::text,
	    floor(extract(epoch FROM x.expires_at))::bigint::text,
	    u.email, c.slug,
	    coalesce(nullif(btrim(c.summary), ''), x.course_title),
	    x.pdf IS NULL, x.credential IS NULL
	FROM certificates x
	JOIN users u ON u.id = x.user_id
	LEFT JOIN courses c ON c.id = x.course_id
	WHERE x.id = p_id AND x.revoked_at IS NULL
	  AND (x.pdf IS NULL OR x.credential IS NULL);
$$;

/*
 * Stores what the job made, once: a PDF or credential stored already (a
 * run before this one) stays as it is. The PDF's sha256 is its ETag.
 */
CREATE OR REPLACE FUNCTION certificates.store_artifacts(p_id uuid,
    p_pdf bytea, p_credential text)
RETURNS void LANGUAGE sql AS $$
	UPDATE certificates SET
	    pdf = coalesce(pdf, p_pdf),
	    pdf_sha256 = CASE WHEN pdf IS NULL AND p_pdf IS NOT NULL
		THEN encode(sha256(p_pdf), 'hex') ELSE pdf_sha256 END,
	    credential = coalesce(credential, p_credential)
	WHERE id = p_id;
$$;

-- The payload of a compact JWS, as JSON (its signature is not checked:
-- the server made it).
CREATE OR REPLACE FUNCTION certificates.jws_payload(p_jws text)
RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
	SELECT convert_from(decode(rpad(translate(split_part(p_jws, '.', 2),
	    '-_', '+/'), (length(split_part(p_jws, '.', 2)) + 3) / 4 * 4, '='),
	    'base64'), 'UTF8')::jsonb;
$$;

/*
 * A certificate's Open Badges credential, for those who may download its
 * PDF (api.certificate_pdf): the VC-JWT as issued and, for reading, the
 * credential it carries.
 */
CREATE OR REPLACE FUNCTION api.certificate_credential(p_uid uuid,
    p_sid uuid, p_id uuid)
RETURNS api.reply
LANGUAGE plpgsql STABLE AS $$
DECLARE
	x	certificates := certificates.visible(p_uid, p_sid, p_id);
BEGIN
	IF x.credential IS NULL THEN
		PERFORM api.refuse(404, 'credential_not_ready',
		    'This certificate''s credential is not made yet.');
	END IF;
	RETURN api.ok(json_build_object('code', x.code,
	    'format', 'vc+jwt', 'jwt', x.credential,
	    'credential', certificates.jws_payload(x.credential) -> 'vc'));
END;
$$;

/*
 * Re-certification: the learner takes the course again once the
 * certificate of the round they completed has expired. In one
 * transaction, with the enrollment locked: the round's progress and quiz
 * passes move to enrollment_rounds, the round goes up by one,
 * completed_at goes back to NULL and the enrollment follows the course's
 * current version. The next completion sets a new completed_at, which
 * enqueues a job of its own (learning.complete_if_done) and makes a new
 * certificate; the old one stays, and verifies as expired.
 */
CREATE OR REPLACE FUNCTION api.enrollment_renew(p_uid uuid, p_sid uuid,
    p_slug text)
RETURNS api.reply
LANGUAGE plpgsql AS $$
DECLARE
	c	courses;
	e	enrollments;
	x	certificates;
BEGIN
	PERFORM auth.check(p_uid, p_sid);
	c := learning.published_course(p_slug);
	SELECT * INTO e FROM enrollments
	WHERE user_id = p_uid AND course_id = c.id FOR UPDATE;
	IF NOT FOUND THEN
		PERFORM api.refuse(404, 'enrollment_not_found',
		    'You are not enrolled in this course.');
	END IF;
	IF e.completed_at IS NULL THEN
		PERFORM api.refuse(409, 'not_completed',
		    'You have not completed this course yet: there is nothing '
		    'to renew.');
	END IF;
	SELECT * INTO x FROM certificates
	WHERE enrollment_id = e.id AND completed_at = e.completed_at;
	IF NOT FOUND THEN
		PERFORM api.refuse(409, 'certificate_pending',
		    'Your certificate is being issued: it can be renewed once '
		    'it has expired.');
	END IF;
	CASE certificates.status(x)
	WHEN 'valid' THEN
		PERFORM api.refuse(409, 'certificate_valid',
		    CASE WHEN x.expires_at IS NULL THEN
			'Your certificate does not expire: there is nothing to '
			'renew.'
		    ELSE 'Your certificate is valid until ' ||
			to_char(x.expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') ||
			': you can take the course again once it has expired.'
		    END);
	WHEN 'revoked' THEN
		PERFORM api.refuse(409, 'certificate_revoked',
		    'Your certificate was revoked: ask an administrator.');
	ELSE
	END CASE;

	INSERT INTO enrollment_rounds (enrollment_id, round, course_version,
	    completed_at, lesson_progress, quiz_passes)
	VALUES (e.id, e.round, e.course_version, e.completed_at,
	    coalesce((SELECT jsonb_agg(to_jsonb(lp) - 'enrollment_id'
		ORDER BY lp.first_beat_at) FROM lesson_progress lp
		WHERE lp.enrollment_id = e.id), '[]'),
	    coalesce((SELECT jsonb_agg(to_jsonb(q) - 'enrollment_id'
		ORDER BY q.passed_at) FROM quiz_passes q
		WHERE q.enrollment_id = e.id), '[]'));
	DELETE FROM lesson_progress WHERE enrollment_id = e.id;
	DELETE FROM quiz_passes WHERE enrollment_id = e.id;
	UPDATE enrollments SET round = round + 1, completed_at = NULL,
	    course_version = c.version, last_lesson_id = NULL, left_at = NULL
	WHERE id = e.id
	RETURNING * INTO e;
	RETURN api.ok((learning.enrollment_json(e, c) ||
	    jsonb_build_object('round', e.round))::json);
END;
$$;
