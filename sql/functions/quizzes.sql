-- Quizzes, for src/quiz_attempts.c: attempts (start, save, submit, the
-- deadline), the learner's view of a quiz, and the instructors' settings.
-- docs/quizzes.md describes the rules; the tables are
-- sql/schema/015_quizzes.sql's.
--
-- The answer key (quizzes.definition, question_bank.question,
-- quiz_attempts.questions) leaves these functions only towards the C code
-- that draws and grades (the status 0, 1 and 2 rows below, which
-- src/quiz_attempts.c consumes and never sends); what a learner receives
-- before submitting is the stored view (quiz_view's) and nothing else.
--
-- Rows the C code acts on before answering, by status:
--   0  {"expired": {"attempt_id", "questions", "answers"}}: an open
--      attempt is past its deadline and grace; grade it as saved
--      (quiz.attempt_expire), then call again.
--   1  {"pool", "draw_count", "per_category"}: draw a new attempt
--      (api.quiz_attempt_create).
--   2  {"questions", "answers"}: check (and for a submit grade) answers.
--
-- A file of sql/functions/: each function here is defined once, with
-- CREATE OR REPLACE; the api schema is rebuilt whole by scripts/migrate,
-- the quiz schema's functions are only replaced.

-- Seconds after a deadline during which saves and submits still count:
-- the answer sent at the last second is in flight.
CREATE OR REPLACE FUNCTION quiz.grace_seconds()
RETURNS int LANGUAGE sql IMMUTABLE AS $$ SELECT 30 $$;

CREATE OR REPLACE FUNCTION quiz.grace()
RETURNS interval LANGUAGE sql IMMUTABLE AS $$
	SELECT make_interval(secs => quiz.grace_seconds());
$$;

-- An open attempt whose deadline and grace are past: it is submitted
-- with what was saved by whoever comes first (its job, or a touch).
CREATE OR REPLACE FUNCTION quiz.expired(a quiz_attempts)
RETURNS boolean LANGUAGE sql STABLE AS $$
	SELECT a.state = 'open' AND a.deadline IS NOT NULL
	    AND now() > a.deadline + quiz.grace();
$$;

-- The quiz, its course and the caller's enrollment: a quiz of a
-- published course the caller is enrolled in, else 404.
CREATE OR REPLACE FUNCTION quiz.learner_quiz(p_uid uuid, p_quiz uuid,
    OUT q quizzes, OUT c courses, OUT e enrollments)
LANGUAGE plpgsql STABLE AS $$
BEGIN
	SELECT * INTO q FROM quizzes WHERE id = p_quiz;
	IF FOUND THEN
		SELECT * INTO c FROM courses WHERE id = q.course_id;
		SELECT * INTO e FROM enrollments x WHERE x.user_id = p_uid
		    AND x.course_id = c.id AND x.left_at IS NULL;
	END IF;
	IF q.id IS NULL OR c.status <> 'published' OR e.id IS NULL THEN
		PERFORM api.refuse(404, 'quiz_not_found', 'No such quiz.');
	END IF;
END;
$$;

-- The caller's own attempt, else 404 (another learner's is none).
CREATE OR REPLACE FUNCTION quiz.own_attempt(p_uid uuid, p_attempt uuid)
RETURNS quiz_attempts LANGUAGE plpgsql STABLE AS $$
DECLARE
	a	quiz_attempts;
BEGIN
	SELECT * INTO a FROM quiz_attempts WHERE id = p_attempt
	    AND user_id = p_uid;
	IF NOT FOUND THEN
		PERFORM api.refuse(404, 'attempt_not_found', 'No such attempt.');
	END IF;
	RETURN a;
END;
$$;

-- The pool an attempt draws from: the quiz's own questions, then the
-- bank's questions of the categories the quiz names (category set from
-- the bank row, so a per-category draw sees it).
CREATE OR REPLACE FUNCTION quiz.pool(q quizzes)
RETURNS jsonb LANGUAGE sql STABLE AS $$
	SELECT coalesce(q.definition->'questions', '[]') || coalesce((
	    SELECT jsonb_agg(CASE WHEN b.category = '' THEN b.question
		ELSE b.question || jsonb_build_object('category', b.category)
		END ORDER BY b.category, b.key)
	    FROM question_bank b WHERE b.course_id = q.course_id
	      AND b.category = ANY (q.pool_categories)), '[]');
$$;

CREATE OR REPLACE FUNCTION quiz.pool_size(q quizzes)
RETURNS int LANGUAGE sql STABLE AS $$
	SELECT coalesce(jsonb_array_length(q.definition->'questions'), 0) +
	    (SELECT count(*)::int FROM question_bank b
	     WHERE b.course_id = q.course_id
	       AND b.category = ANY (q.pool_categories));
$$;

-- How many questions an attempt asks (src/quiz_draw.c's rule, capped as
-- QUIZ_DRAW_MAX is).
CREATE OR REPLACE FUNCTION quiz.question_count(q quizzes)
RETURNS int LANGUAGE sql STABLE AS $$
	WITH p AS (
		SELECT coalesce(x->>'category', '') AS cat
		FROM jsonb_array_elements(coalesce(q.definition->'questions',
		    '[]')) x
		UNION ALL
		SELECT b.category FROM question_bank b
		WHERE b.course_id = q.course_id
		  AND b.category = ANY (q.pool_categories))
	SELECT least(500, CASE
	    WHEN q.draw_count IS NULL THEN (SELECT count(*) FROM p)
	    WHEN NOT q.draw_per_category THEN
		least((SELECT count(*) FROM p), q.draw_count)
	    ELSE (SELECT coalesce(sum(least(g.n, q.draw_count)), 0)
		FROM (SELECT count(*) AS n FROM p GROUP BY p.cat) g)
	    END)::int;
$$;

-- Attempts of the enrollment's current round.
CREATE OR REPLACE FUNCTION quiz.attempts_used(q quizzes, e enrollments)
RETURNS int LANGUAGE sql STABLE AS $$
	SELECT count(*)::int FROM quiz_attempts a
	WHERE a.quiz_id = q.id AND a.enrollment_id = e.id
	  AND a.round = e.round;
$$;

-- The quiz grade by its grading method over the round's submitted
-- attempts (0..100), or NULL before the first.
CREATE OR REPLACE FUNCTION quiz.grade(q quizzes, e enrollments)
RETURNS numeric LANGUAGE sql STABLE AS $$
	SELECT round(CASE q.grading_method
	    WHEN 'highest' THEN max(a.score)
	    WHEN 'average' THEN avg(a.score)
	    WHEN 'first' THEN (array_agg(a.score ORDER BY a.number))[1]
	    ELSE (array_agg(a.score ORDER BY a.number DESC))[1] END, 4)
	FROM quiz_attempts a
	WHERE a.quiz_id = q.id AND a.enrollment_id = e.id
	  AND a.round = e.round AND a.state = 'submitted';
$$;

-- When the next attempt may start, if the delay still holds it back.
CREATE OR REPLACE FUNCTION quiz.next_attempt_at(q quizzes, e enrollments)
RETURNS timestamptz LANGUAGE sql STABLE AS $$
	SELECT t FROM (SELECT max(a.submitted_at) +
	    make_interval(mins => q.attempt_delay_minutes) AS t
	    FROM quiz_attempts a
	    WHERE a.quiz_id = q.id AND a.enrollment_id = e.id
	      AND a.round = e.round AND a.state = 'submitted') x
	WHERE q.attempt_delay_minutes > 0 AND t > now();
$$;

/*
 * Why the caller cannot start a new attempt now, or NULL: the module is
 * locked (an earlier module a module requires is unfinished), the
 * attempts are used up, or the delay since the last one runs.
 */
CREATE OR REPLACE FUNCTION quiz.cannot_start(q quizzes, e enrollments)
RETURNS jsonb LANGUAGE plpgsql STABLE AS $$
DECLARE
	m	modules;
	v_prev	uuid;
	v_at	timestamptz;
BEGIN
	SELECT * INTO m FROM modules WHERE id = q.module_id;
	IF m.requires_previous THEN
		SELECT x.id INTO v_prev FROM modules x
		WHERE x.course_id = m.course_id AND x.position < m.position
		  AND NOT learning.module_done(e.id, x.id)
		ORDER BY x.position LIMIT 1;
		IF v_prev IS NOT NULL THEN
			RETURN learning.module_lock(e.id, v_prev);
		END IF;
	END IF;
	IF q.attempts_allowed IS NOT NULL
	    AND quiz.attempts_used(q, e) >= q.attempts_allowed THEN
		RETURN jsonb_build_object('code', 'attempts_exhausted',
		    'message', format('All %s attempts allowed are used.',
		    q.attempts_allowed));
	END IF;
	v_at := quiz.next_attempt_at(q, e);
	IF v_at IS NOT NULL THEN
		RETURN jsonb_build_object('code', 'attempt_delay',
		    'message', 'The next attempt can start later.',
		    'retry_at', v_at);
	END IF;
	RETURN NULL;
END;
$$;

-- A refusal of cannot_start as a reply: 423 for a lock, else 409.
CREATE OR REPLACE FUNCTION api.quiz_refusal(p_why jsonb)
RETURNS api.reply LANGUAGE sql IMMUTABLE AS $$
	SELECT ROW(CASE WHEN p_why->>'code' = 'lesson_locked' THEN 423
	    ELSE 409 END, jsonb_build_object('error', p_why)::text)::api.reply;
$$;

-- May the learner see the answers of their attempts (review_policy)?
CREATE OR REPLACE FUNCTION quiz.review_allowed(q quizzes, e enrollments)
RETURNS boolean LANGUAGE sql STABLE AS $$
	SELECT CASE q.review_policy
	    WHEN 'after_passing' THEN EXISTS (SELECT 1 FROM quiz_passes p
		WHERE p.quiz_id = q.id AND p.enrollment_id = e.id)
	    WHEN 'after_last_attempt' THEN q.attempts_allowed IS NOT NULL
		AND quiz.attempts_used(q, e) >= q.attempts_allowed
		AND NOT EXISTS (SELECT 1 FROM quiz_attempts a
		    WHERE a.quiz_id = q.id AND a.enrollment_id = e.id
		      AND a.state = 'open')
	    ELSE false END;
$$;

-- An open attempt as the learner sees it: the stored views, no key.
CREATE OR REPLACE FUNCTION quiz.attempt_open_json(a quiz_attempts)
RETURNS jsonb LANGUAGE sql STABLE AS $$
	SELECT jsonb_build_object('id', a.id, 'quiz_id', a.quiz_id,
	    'number', a.number, 'state', 'open', 'started_at', a.started_at,
	    'deadline', a.deadline, 'server_time', now(),
	    'grace_seconds', quiz.grace_seconds(),
	    'questions', coalesce((SELECT jsonb_agg(
		(x->'view') || jsonb_build_object('id', x->>'id', 'number', n)
		ORDER BY n)
		FROM jsonb_array_elements(a.questions) WITH ORDINALITY t(x, n)),
		'[]'),
	    'answers', a.answers, 'saved_at', a.saved_at);
$$;

CREATE OR REPLACE FUNCTION quiz.attempt_submitted_json(a quiz_attempts)
RETURNS jsonb LANGUAGE plpgsql STABLE AS $$
DECLARE
	q	quizzes;
	e	enrollments;
BEGIN
	SELECT * INTO q FROM quizzes WHERE id = a.quiz_id;
	SELECT * INTO e FROM enrollments WHERE id = a.enrollment_id;
	RETURN jsonb_build_object('id', a.id, 'quiz_id', a.quiz_id,
	    'number', a.number, 'state', 'submitted',
	    'started_at', a.started_at, 'submitted_at', a.submitted_at,
	    'submitted_by', a.submitted_by, 'score', a.score,
	    'passed', a.passed, 'pass_mark', q.pass_mark,
	    'course_completed', e.completed_at IS NOT NULL,
	    'review', CASE WHEN quiz.review_allowed(q, e) THEN a.review END);
END;
$$;

CREATE OR REPLACE FUNCTION quiz.attempt_json(a quiz_attempts)
RETURNS jsonb LANGUAGE sql STABLE AS $$
	SELECT CASE WHEN a.state = 'open' THEN quiz.attempt_open_json(a)
	    ELSE quiz.attempt_submitted_json(a) END;
$$;

-- The row asking the C code to grade an expired attempt first.
CREATE OR REPLACE FUNCTION api.quiz_expire_request(a quiz_attempts)
RETURNS api.reply LANGUAGE sql STABLE AS $$
	SELECT ROW(0, jsonb_build_object('expired', jsonb_build_object(
	    'attempt_id', a.id, 'questions', a.questions,
	    'answers', a.answers))::text)::api.reply;
$$;

CREATE OR REPLACE FUNCTION quiz.quiz_json(q quizzes, c courses,
    e enrollments)
RETURNS jsonb LANGUAGE plpgsql STABLE AS $$
DECLARE
	m		modules;
	v_open		uuid;
	v_why		jsonb;
BEGIN
	SELECT * INTO m FROM modules WHERE id = q.module_id;
	SELECT a.id INTO v_open FROM quiz_attempts a
	WHERE a.quiz_id = q.id AND a.enrollment_id = e.id
	  AND a.state = 'open';
	IF v_open IS NULL THEN
		v_why := quiz.cannot_start(q, e);
	END IF;
	RETURN jsonb_build_object('quiz', jsonb_build_object(
	    'id', q.id, 'title', q.title,
	    'course', jsonb_build_object('slug', c.slug, 'title', c.title),
	    'module', jsonb_build_object('id', m.id, 'title', m.title),
	    'required', q.required, 'pass_mark', q.pass_mark,
	    'attempts_allowed', q.attempts_allowed,
	    'attempts_used', quiz.attempts_used(q, e),
	    'attempt_delay_minutes', q.attempt_delay_minutes,
	    'next_attempt_at', quiz.next_attempt_at(q, e),
	    'time_limit_minutes', q.time_limit_minutes,
	    'grading_method', q.grading_method,
	    'review_policy', q.review_policy,
	    'question_count', quiz.question_count(q),
	    'grade', quiz.grade(q, e),
	    'passed', EXISTS (SELECT 1 FROM quiz_passes p
		WHERE p.quiz_id = q.id AND p.enrollment_id = e.id),
	    'open_attempt_id', v_open,
	    'can_start', v_why IS NULL,
	    'cannot_start', CASE WHEN v_why IS NOT NULL THEN
		jsonb_build_object('code', v_why->>'code',
		'message', v_why->>'message') END),
	    'attempts', coalesce((SELECT jsonb_agg(jsonb_build_object(
		'id', a.id, 'number', a.number, 'state', a.state,
		'started_at', a.started_at, 'submitted_at', a.submitted_at,
		'score', a.score, 'passed', a.passed) ORDER BY a.number)
		FROM quiz_attempts a WHERE a.quiz_id = q.id
		  AND a.enrollment_id = e.id AND a.round = e.round), '[]'));
END;
$$;

/*
 * Ends an open attempt with its grade (computed by src/quiz_attempt.c):
 * by the learner before the deadline and grace, or by the deadline after
 * them. One UPDATE guarded by state = 'open', so of any number of
 * submits only one writes; the others find it submitted (waiting on the
 * row's lock until the first commits) and answer its result. A pass by
 * the quiz's grading method records the quiz pass in this transaction;
 * the triggers of quiz_passes then complete the course and enqueue the
 * certificate (sql/functions/learning.sql).
 */
CREATE OR REPLACE FUNCTION quiz.attempt_finish(p_attempt uuid, p_by text,
    p_answers jsonb, p_marks jsonb, p_review jsonb, p_score numeric)
RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
	a	quiz_attempts;
	q	quizzes;
	e	enrollments;
BEGIN
	UPDATE quiz_attempts x SET state = 'submitted', submitted_at = now(),
	    submitted_by = p_by, answers = coalesce(p_answers, x.answers),
	    marks = p_marks, review = p_review, score = round(p_score, 4),
	    passed = round(p_score, 4) >= z.pass_mark
	FROM quizzes z
	WHERE x.id = p_attempt AND z.id = x.quiz_id AND x.state = 'open'
	  AND CASE p_by WHEN 'learner' THEN x.deadline IS NULL
		OR now() <= x.deadline + quiz.grace()
	    ELSE x.deadline IS NOT NULL AND now() >= x.deadline + quiz.grace()
	    END
	RETURNING x.* INTO a;
	IF NOT FOUND THEN
		RETURN false;
	END IF;
	SELECT * INTO q FROM quizzes WHERE id = a.quiz_id;
	SELECT * INTO e FROM enrollments WHERE id = a.enrollment_id;
	IF quiz.grade(q, e) >= q.pass_mark THEN
		INSERT INTO quiz_passes (enrollment_id, quiz_id)
		VALUES (e.id, q.id) ON CONFLICT DO NOTHING;
	END IF;
	RETURN true;
END;
$$;

-- An expired attempt graded as saved (the touch that found it, or its
-- job). False when it was not open and expired any more.
CREATE OR REPLACE FUNCTION quiz.attempt_expire(p_attempt uuid,
    p_marks jsonb, p_review jsonb, p_score numeric)
RETURNS boolean LANGUAGE sql AS $$
	SELECT quiz.attempt_finish(p_attempt, 'deadline', NULL, p_marks,
	    p_review, p_score);
$$;

-- The quiz_deadline job's read: the attempt's questions and answers when
-- it is still open at its deadline and grace, else no row.
CREATE OR REPLACE FUNCTION quiz.deadline_due(p_attempt uuid)
RETURNS TABLE (questions jsonb, answers jsonb)
LANGUAGE sql STABLE AS $$
	SELECT a.questions, a.answers FROM quiz_attempts a
	WHERE a.id = p_attempt AND a.state = 'open'
	  AND a.deadline IS NOT NULL AND now() >= a.deadline + quiz.grace();
$$;

-- Instructors: the settings of a quiz, and its pool's size.
CREATE OR REPLACE FUNCTION quiz.settings_json(q quizzes)
RETURNS jsonb LANGUAGE sql STABLE AS $$
	SELECT jsonb_build_object('id', q.id, 'key', q.key, 'title', q.title,
	    'module', (SELECT jsonb_build_object('id', m.id, 'key', m.key,
		'title', m.title) FROM modules m WHERE m.id = q.module_id),
	    'pass_mark', q.pass_mark, 'required', q.required,
	    'attempts_allowed', q.attempts_allowed,
	    'attempt_delay_minutes', q.attempt_delay_minutes,
	    'time_limit_minutes', q.time_limit_minutes,
	    'grading_method', q.grading_method,
	    'review_policy', q.review_policy,
	    'draw_count', q.draw_count,
	    'draw_per_category', q.draw_per_category,
	    'pool_categories', to_jsonb(q.pool_categories),
	    'settings_updated_at', q.settings_updated_at,
	    'pool_size', quiz.pool_size(q),
	    'question_count', quiz.question_count(q));
$$;

-- A quiz the caller may change: the course's instructors and admins.
CREATE OR REPLACE FUNCTION quiz.for_edit(p_uid uuid, p_sid uuid,
    p_quiz uuid)
RETURNS quizzes LANGUAGE plpgsql STABLE AS $$
DECLARE
	v_role	user_role := auth.require(p_uid, p_sid, 'instructor');
	q	quizzes;
BEGIN
	SELECT * INTO q FROM quizzes WHERE id = p_quiz;
	IF NOT FOUND THEN
		PERFORM api.refuse(404, 'quiz_not_found', 'No such quiz.');
	END IF;
	IF NOT content.can_edit(p_uid, v_role, q.course_id) THEN
		PERFORM api.refuse(403, 'not_your_course',
		    'Only this course''s instructors can change it.');
	END IF;
	RETURN q;
END;
$$;

-- An integer member of a settings patch within lo..hi (NULL allowed when
-- p_nullable), else 422 naming it.
CREATE OR REPLACE FUNCTION quiz.setting_int(p_body jsonb, p_name text,
    p_lo int, p_hi int, p_nullable boolean)
RETURNS int LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
	v	jsonb := p_body->p_name;
BEGIN
	IF jsonb_typeof(v) = 'null' AND p_nullable THEN
		RETURN NULL;
	END IF;
	IF jsonb_typeof(v) IS DISTINCT FROM 'number'
	    OR v::numeric <> trunc(v::numeric)
	    OR v::numeric NOT BETWEEN p_lo AND p_hi THEN
		PERFORM api.refuse(422, 'invalid_setting', format(
		    '%s must be a whole number from %s to %s%s.', p_name, p_lo,
		    p_hi, CASE WHEN p_nullable THEN ', or null' ELSE '' END),
		    p_name);
	END IF;
	RETURN v::numeric::int;
END;
$$;

CREATE OR REPLACE FUNCTION quiz.setting_bool(p_body jsonb, p_name text)
RETURNS boolean LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
	IF jsonb_typeof(p_body->p_name) IS DISTINCT FROM 'boolean' THEN
		PERFORM api.refuse(422, 'invalid_setting',
		    format('%s must be true or false.', p_name), p_name);
	END IF;
	RETURN (p_body->>p_name)::boolean;
END;
$$;

CREATE OR REPLACE FUNCTION quiz.setting_enum(p_body jsonb, p_name text,
    p_values text[])
RETURNS text LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
	IF jsonb_typeof(p_body->p_name) IS DISTINCT FROM 'string'
	    OR NOT (p_body->>p_name) = ANY (p_values) THEN
		PERFORM api.refuse(422, 'invalid_setting', format(
		    '%s must be one of %s.', p_name,
		    array_to_string(p_values, ', ')), p_name);
	END IF;
	RETURN p_body->>p_name;
END;
$$;

CREATE OR REPLACE FUNCTION quiz.setting_categories(p_body jsonb)
RETURNS text[] LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
	v	jsonb := p_body->'pool_categories';
BEGIN
	IF jsonb_typeof(v) IS DISTINCT FROM 'array'
	    OR jsonb_array_length(v) > 100 OR EXISTS (
		SELECT 1 FROM jsonb_array_elements(v) x
		WHERE jsonb_typeof(x) <> 'string'
		   OR length(x #>> '{}') > 255
		   OR x #>> '{}' ~ '[[:cntrl:]]') THEN
		PERFORM api.refuse(422, 'invalid_setting', 'pool_categories '
		    'must be a list of at most 100 category names, each of at '
		    'most 255 characters.', 'pool_categories');
	END IF;
	RETURN ARRAY(SELECT DISTINCT x FROM jsonb_array_elements_text(v) x
	    ORDER BY x);
END;
$$;

-- Learner routes ------------------------------------------------------------

CREATE OR REPLACE FUNCTION api.quiz_get(p_uid uuid, p_sid uuid, p_quiz uuid)
RETURNS api.reply
LANGUAGE plpgsql STABLE AS $$
DECLARE
	r	record;
	a	quiz_attempts;
BEGIN
	PERFORM auth.check(p_uid, p_sid);
	SELECT * INTO r FROM quiz.learner_quiz(p_uid, p_quiz);
	SELECT * INTO a FROM quiz_attempts x WHERE x.quiz_id = (r.q).id
	    AND x.enrollment_id = (r.e).id AND x.state = 'open';
	IF FOUND AND quiz.expired(a) THEN
		RETURN api.quiz_expire_request(a);
	END IF;
	RETURN api.ok(quiz.quiz_json(r.q, r.c, r.e)::json);
END;
$$;

/*
 * What a start answers before any draw, or NULL when a new attempt may be
 * drawn: the open attempt (graded first when its time is up), or why no
 * attempt may start. Shared by api.quiz_attempt_start and, under the
 * enrollment's lock, api.quiz_attempt_create.
 */
CREATE OR REPLACE FUNCTION api.quiz_start_answer(q quizzes, e enrollments)
RETURNS api.reply
LANGUAGE plpgsql STABLE AS $$
DECLARE
	a	quiz_attempts;
	v_why	jsonb;
BEGIN
	SELECT * INTO a FROM quiz_attempts x WHERE x.quiz_id = q.id
	    AND x.enrollment_id = e.id AND x.state = 'open';
	IF FOUND THEN
		IF quiz.expired(a) THEN
			RETURN api.quiz_expire_request(a);
		END IF;
		RETURN api.ok(json_build_object('attempt',
		    quiz.attempt_open_json(a)));
	END IF;
	v_why := quiz.cannot_start(q, e);
	IF v_why IS NOT NULL THEN
		RETURN api.quiz_refusal(v_why);
	END IF;
	RETURN NULL;
END;
$$;

/*
 * Starting: the open attempt if there is one (200), else a refusal, else
 * the pool for the C code to draw from (status 1), which then calls
 * api.quiz_attempt_create with the draw.
 */
CREATE OR REPLACE FUNCTION api.quiz_attempt_start(p_uid uuid, p_sid uuid,
    p_quiz uuid)
RETURNS api.reply
LANGUAGE plpgsql STABLE AS $$
DECLARE
	r	record;
	v_reply	api.reply;
BEGIN
	PERFORM auth.check(p_uid, p_sid);
	SELECT * INTO r FROM quiz.learner_quiz(p_uid, p_quiz);
	v_reply := api.quiz_start_answer(r.q, r.e);
	IF v_reply IS NOT NULL THEN
		RETURN v_reply;
	END IF;
	RETURN ROW(1, jsonb_build_object('pool', quiz.pool(r.q),
	    'draw_count', (r.q).draw_count,
	    'per_category', (r.q).draw_per_category)::text)::api.reply;
END;
$$;

/*
 * Writes the attempt the C code drew (p_questions: src/quiz_draw.c's
 * quiz_draw_attempt, p_seed its seed in hex). The enrollment's row lock
 * serialises starts: of two at once, one inserts and the other answers
 * the open attempt. Everything start checked is checked again here.
 * With a time limit, the deadline is stored and a quiz_deadline job
 * scheduled at the deadline and grace.
 */
CREATE OR REPLACE FUNCTION api.quiz_attempt_create(p_uid uuid, p_sid uuid,
    p_quiz uuid, p_seed text, p_questions jsonb)
RETURNS api.reply
LANGUAGE plpgsql AS $$
DECLARE
	r	record;
	a	quiz_attempts;
	v_reply	api.reply;
BEGIN
	PERFORM auth.check(p_uid, p_sid);
	SELECT * INTO r FROM quiz.learner_quiz(p_uid, p_quiz);
	PERFORM 1 FROM enrollments WHERE id = (r.e).id FOR NO KEY UPDATE;
	v_reply := api.quiz_start_answer(r.q, r.e);
	IF v_reply IS NOT NULL THEN
		RETURN v_reply;
	END IF;
	IF jsonb_typeof(p_questions) <> 'array'
	    OR jsonb_array_length(p_questions) = 0 THEN
		PERFORM api.refuse(409, 'quiz_empty',
		    'This quiz has no question to ask.');
	END IF;

	INSERT INTO quiz_attempts (quiz_id, enrollment_id, user_id, round,
	    number, seed, questions, deadline)
	VALUES ((r.q).id, (r.e).id, p_uid, (r.e).round,
	    (SELECT coalesce(max(x.number), 0) + 1 FROM quiz_attempts x
		WHERE x.quiz_id = (r.q).id AND x.enrollment_id = (r.e).id
		  AND x.round = (r.e).round),
	    decode(p_seed, 'hex'), p_questions,
	    now() + make_interval(mins => (r.q).time_limit_minutes))
	RETURNING * INTO a;
	IF a.deadline IS NOT NULL THEN
		PERFORM jobs.enqueue('quiz_deadline',
		    jsonb_build_object('attempt_id', a.id),
		    'quiz_deadline:' || a.id, a.deadline + quiz.grace());
	END IF;
	RETURN api.ok(json_build_object('attempt', quiz.attempt_open_json(a)),
	    201);
END;
$$;

CREATE OR REPLACE FUNCTION api.attempt_get(p_uid uuid, p_sid uuid,
    p_attempt uuid)
RETURNS api.reply
LANGUAGE plpgsql STABLE AS $$
DECLARE
	a	quiz_attempts;
BEGIN
	PERFORM auth.check(p_uid, p_sid);
	a := quiz.own_attempt(p_uid, p_attempt);
	IF quiz.expired(a) THEN
		RETURN api.quiz_expire_request(a);
	END IF;
	RETURN api.ok(quiz.attempt_json(a)::json);
END;
$$;

/*
 * What the C code needs to check answers and grade: status 2, with every
 * question of the attempt (a worker keeps them for the attempt's next
 * saves: they never change). A submitted attempt is answered as such to
 * a submit (the first result, 200) and refused to a save; an expired one
 * asks for its grading first (status 0).
 */
CREATE OR REPLACE FUNCTION api.attempt_questions(p_uid uuid, p_sid uuid,
    p_attempt uuid, p_submit boolean)
RETURNS api.reply
LANGUAGE plpgsql STABLE AS $$
DECLARE
	a	quiz_attempts;
BEGIN
	PERFORM auth.check(p_uid, p_sid);
	a := quiz.own_attempt(p_uid, p_attempt);
	IF a.state = 'submitted' THEN
		IF p_submit THEN
			RETURN api.ok(json_build_object('attempt',
			    quiz.attempt_submitted_json(a)));
		END IF;
		PERFORM api.refuse(409, 'attempt_submitted',
		    'This attempt is submitted already.');
	END IF;
	IF quiz.expired(a) THEN
		RETURN api.quiz_expire_request(a);
	END IF;
	RETURN ROW(2, jsonb_build_object('answers', a.answers,
	    'questions', coalesce((SELECT jsonb_agg(x - 'view')
		FROM jsonb_array_elements(a.questions) x), '[]'))::text)
	    ::api.reply;
END;
$$;

/*
 * Saves answers checked by the C code: merged into those saved, a null
 * clearing one. The same body twice leaves the same answers. Refused once
 * submitted; after the deadline and grace, asks for the attempt's grade
 * as saved (status 0, as attempt_questions), then the C code refuses.
 */
CREATE OR REPLACE FUNCTION api.attempt_answers_save(p_uid uuid, p_sid uuid,
    p_attempt uuid, p_answers jsonb)
RETURNS api.reply
LANGUAGE plpgsql AS $$
DECLARE
	a	quiz_attempts;
BEGIN
	PERFORM auth.check(p_uid, p_sid);
	UPDATE quiz_attempts x SET saved_at = now(),
	    answers = (x.answers || p_answers) - ARRAY(
		SELECT k FROM jsonb_each(p_answers) j(k, v)
		WHERE jsonb_typeof(v) = 'null')
	WHERE x.id = p_attempt AND x.user_id = p_uid AND x.state = 'open'
	  AND (x.deadline IS NULL OR now() <= x.deadline + quiz.grace())
	RETURNING x.* INTO a;
	IF NOT FOUND THEN
		a := quiz.own_attempt(p_uid, p_attempt);
		IF a.state = 'submitted' THEN
			PERFORM api.refuse(409, 'attempt_submitted',
			    'This attempt is submitted already.');
		END IF;
		IF quiz.expired(a) THEN
			RETURN api.quiz_expire_request(a);
		END IF;
		PERFORM api.refuse(409, 'deadline_passed', 'The time for '
		    'this attempt is over; it is graded as last saved.');
	END IF;
	RETURN api.ok(json_build_object('saved_at', a.saved_at,
	    'deadline', a.deadline, 'server_time', now()));
END;
$$;

-- Submits with the grade the C code computed: the first submit writes,
-- any other (again, or at once) answers the first's result.
CREATE OR REPLACE FUNCTION api.attempt_submit(p_uid uuid, p_sid uuid,
    p_attempt uuid, p_answers jsonb, p_marks jsonb, p_review jsonb,
    p_score numeric)
RETURNS api.reply
LANGUAGE plpgsql AS $$
DECLARE
	a	quiz_attempts;
BEGIN
	PERFORM auth.check(p_uid, p_sid);
	a := quiz.own_attempt(p_uid, p_attempt);
	IF NOT quiz.attempt_finish(p_attempt, 'learner', p_answers, p_marks,
	    p_review, p_score) THEN
		a := quiz.own_attempt(p_uid, p_attempt);
		IF a.state = 'open' THEN
			PERFORM api.refuse(409, 'deadline_passed', 'The time '
			    'for this attempt is over; it is graded as last '
			    'saved.');
		END IF;
	END IF;
	SELECT * INTO a FROM quiz_attempts WHERE id = p_attempt;
	RETURN api.ok(json_build_object('attempt',
	    quiz.attempt_submitted_json(a)));
END;
$$;

-- Instructor routes ---------------------------------------------------------

CREATE OR REPLACE FUNCTION api.instructor_course_quizzes(p_uid uuid,
    p_sid uuid, p_slug text)
RETURNS api.reply
LANGUAGE plpgsql AS $$
DECLARE
	c	courses := content.course_for_edit(p_uid, p_sid, p_slug);
BEGIN
	RETURN api.ok(json_build_object('quizzes', coalesce((
	    SELECT jsonb_agg(quiz.settings_json(q) ORDER BY m.position)
	    FROM quizzes q JOIN modules m ON m.id = q.module_id
	    WHERE q.course_id = c.id), '[]')));
END;
$$;

CREATE OR REPLACE FUNCTION api.instructor_quiz_get(p_uid uuid, p_sid uuid,
    p_quiz uuid)
RETURNS api.reply
LANGUAGE plpgsql STABLE AS $$
BEGIN
	RETURN api.ok(json_build_object('quiz',
	    quiz.settings_json(quiz.for_edit(p_uid, p_sid, p_quiz))));
END;
$$;

/*
 * Changes the settings the body names (src/quiz_attempts.c checked that
 * it names nothing else). settings_updated_at makes a new upload of the
 * module keep them (content.module_import).
 */
CREATE OR REPLACE FUNCTION api.instructor_quiz_patch(p_uid uuid, p_sid uuid,
    p_quiz uuid, p_body jsonb)
RETURNS api.reply
LANGUAGE plpgsql AS $$
DECLARE
	q	quizzes := quiz.for_edit(p_uid, p_sid, p_quiz);
BEGIN
	IF p_body ? 'pass_mark' THEN
		q.pass_mark := quiz.setting_int(p_body, 'pass_mark', 0, 100,
		    false);
	END IF;
	IF p_body ? 'required' THEN
		q.required := quiz.setting_bool(p_body, 'required');
	END IF;
	IF p_body ? 'attempts_allowed' THEN
		q.attempts_allowed := quiz.setting_int(p_body,
		    'attempts_allowed', 1, 100, true);
	END IF;
	IF p_body ? 'attempt_delay_minutes' THEN
		q.attempt_delay_minutes := quiz.setting_int(p_body,
		    'attempt_delay_minutes', 0, 43200, false);
	END IF;
	IF p_body ? 'time_limit_minutes' THEN
		q.time_limit_minutes := quiz.setting_int(p_body,
		    'time_limit_minutes', 1, 600, true);
	END IF;
	IF p_body ? 'grading_method' THEN
		q.grading_method := quiz.setting_enum(p_body, 'grading_method',
		    ARRAY['highest', 'average', 'first', 'last']);
	END IF;
	IF p_body ? 'review_policy' THEN
		q.review_policy := quiz.setting_enum(p_body, 'review_policy',
		    ARRAY['score_only', 'after_passing', 'after_last_attempt']);
	END IF;
	IF p_body ? 'draw_count' THEN
		q.draw_count := quiz.setting_int(p_body, 'draw_count', 1, 500,
		    true);
	END IF;
	IF p_body ? 'draw_per_category' THEN
		q.draw_per_category := quiz.setting_bool(p_body,
		    'draw_per_category');
	END IF;
	IF p_body ? 'pool_categories' THEN
		q.pool_categories := quiz.setting_categories(p_body);
	END IF;
	UPDATE quizzes SET pass_mark = q.pass_mark, required = q.required,
	    attempts_allowed = q.attempts_allowed,
	    attempt_delay_minutes = q.attempt_delay_minutes,
	    time_limit_minutes = q.time_limit_minutes,
	    grading_method = q.grading_method,
	    review_policy = q.review_policy, draw_count = q.draw_count,
	    draw_per_category = q.draw_per_category,
	    pool_categories = q.pool_categories,
	    settings_updated_at = now(), updated_at = now()
	WHERE id = q.id
	RETURNING * INTO q;
	RETURN api.ok(json_build_object('quiz', quiz.settings_json(q)));
END;
$$;
