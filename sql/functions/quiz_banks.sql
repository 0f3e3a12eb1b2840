-- Question banks and quiz statistics, for src/quiz_banks.c: a course's
-- bank (imported from GIFT or Moodle XML files, docs/questions.md), and
-- what the submitted attempts of a quiz say about its questions.
--
-- Who may touch a course is asked in the same statement as the change
-- (content.course_for_edit): its instructors and admins; anyone else 403,
-- an unknown course 404.

-- An import's questions, all of them or none: the C side has parsed and
-- checked the file (quiz_gift_parse, quiz_moodle_xml_parse) and sends the
-- questions only when it had no problem at all.
--
-- The importers make keys from where a question sat in its file (gift-12,
-- xml-3), so two files would give the same keys. Each import gets an id;
-- its first 8 hex digits, free among the bank's key prefixes, are put in
-- front of every key of the import ("3f9c0e1a-gift-12"): keys stay unique
-- in the bank, and one import's questions stay recognisable together.
CREATE OR REPLACE FUNCTION api.question_import(p_uid uuid, p_sid uuid,
    p_slug text, p_format text, p_questions jsonb, p_skipped jsonb,
    p_request_id text)
RETURNS api.reply
LANGUAGE plpgsql AS $$
DECLARE
	c		courses := content.course_for_edit(p_uid, p_sid, p_slug);
	v_import	uuid;
	v_prefix	text;
	v_out		jsonb;
BEGIN
	LOOP
		v_import := gen_random_uuid();
		v_prefix := left(replace(v_import::text, '-', ''), 8);
		EXIT WHEN NOT EXISTS (SELECT 1 FROM question_bank
		    WHERE course_id = c.id AND key LIKE v_prefix || '-%');
	END LOOP;

	WITH q AS (
		SELECT e.ord, jsonb_set(e.q, '{key}',
		    to_jsonb(v_prefix || '-' || (e.q->>'key'))) AS question
		FROM jsonb_array_elements(coalesce(p_questions, '[]'))
		    WITH ORDINALITY e(q, ord)
	), ins AS (
		INSERT INTO question_bank (course_id, key, category, type,
		    question, source, import_id, created_by)
		SELECT c.id, q.question->>'key',
		    coalesce(q.question->>'category', ''), q.question->>'type',
		    q.question, p_format, v_import, p_uid
		FROM q ORDER BY q.ord
		RETURNING key, question
	)
	SELECT coalesce(jsonb_agg(jsonb_build_object('key', ins.key,
	    'title', ins.question->'title', 'type', ins.question->>'type',
	    'category', coalesce(ins.question->>'category', ''))
	    ORDER BY q.ord), '[]')
	INTO v_out FROM ins JOIN q ON q.question->>'key' = ins.key;

	PERFORM auth.audit(p_uid, 'questions.import', 'course', c.slug,
	    p_request_id, jsonb_build_object('import_id', v_import,
	    'format', p_format, 'imported', jsonb_array_length(v_out),
	    'skipped', jsonb_array_length(coalesce(p_skipped, '[]'))));
	RETURN api.ok(json_build_object('imported', jsonb_array_length(v_out),
	    'import_id', v_import, 'questions', v_out,
	    'skipped', coalesce(p_skipped, '[]')), 201);
END;
$$;

-- The bank, or one category of it (p_category NULL: all), and every
-- category with its count whichever is asked for.
CREATE OR REPLACE FUNCTION api.question_bank(p_uid uuid, p_sid uuid,
    p_slug text, p_category text)
RETURNS api.reply
LANGUAGE plpgsql AS $$
DECLARE
	c	courses := content.course_for_edit(p_uid, p_sid, p_slug);
BEGIN
	RETURN api.ok(json_build_object(
	    'questions', (SELECT coalesce(json_agg(json_build_object(
		'key', b.key, 'title', b.question->'title', 'type', b.type,
		'category', b.category, 'source', b.source,
		'import_id', b.import_id, 'created_at', b.created_at,
		'question', b.question)
		ORDER BY b.category, b.created_at, b.key), '[]')
		FROM question_bank b WHERE b.course_id = c.id
		AND (p_category IS NULL OR b.category = p_category)),
	    'categories', (SELECT coalesce(json_agg(json_build_object(
		'name', g.category, 'count', g.n) ORDER BY g.category), '[]')
		FROM (SELECT category, count(*) AS n FROM question_bank
		WHERE course_id = c.id GROUP BY category) g)));
END;
$$;

-- A question out of the bank. Attempts keep their own copy of every
-- question they drew: none of them changes.
CREATE OR REPLACE FUNCTION api.question_delete(p_uid uuid, p_sid uuid,
    p_slug text, p_key text, p_request_id text)
RETURNS api.reply
LANGUAGE plpgsql AS $$
DECLARE
	c	courses := content.course_for_edit(p_uid, p_sid, p_slug);
BEGIN
	DELETE FROM question_bank WHERE course_id = c.id AND key = p_key;
	IF NOT FOUND THEN
		PERFORM api.refuse(404, 'question_not_found',
		    'This course''s bank has no question with that key.');
	END IF;
	PERFORM auth.audit(p_uid, 'question.delete', 'course', c.slug,
	    p_request_id, jsonb_build_object('question', p_key));
	RETURN ROW(204, NULL)::api.reply;
END;
$$;

/*
 * A quiz's statistics, over its submitted attempts, each question as the
 * attempts drew it (quiz_attempts.questions: [{"id", "question", "map"}],
 * marks {id: 0..1}, answers {id: answer}):
 *
 * - facility: the question's mean mark;
 * - discrimination: Moodle's discrimination index, the Pearson correlation
 *   between the question's mark and the rest of the attempt's marks (the
 *   sum of its other questions' marks), over the attempts that drew it;
 *   NULL when undefined (fewer than 2 attempts, or either side constant:
 *   corr() gives NULL then);
 * - choices (choice questions): how many attempts picked each choice of
 *   the question's latest definition, and the share of the attempts that
 *   drew the question. Answers name choices by the attempt's opaque ids;
 *   the attempt's map leads them back to keys.
 *
 * A question is known by its key across attempts; its title, type, prompt
 * and choices are those of the latest attempt that drew it.
 */
CREATE OR REPLACE FUNCTION quiz.stats(p_quiz quizzes)
RETURNS json LANGUAGE sql STABLE AS $$
WITH a AS (
	SELECT id, user_id, questions, answers, marks, score, passed,
	    submitted_at
	FROM quiz_attempts WHERE quiz_id = p_quiz.id AND state = 'submitted'
), qa AS (
	SELECT a.id AS attempt, a.submitted_at, e.ord,
	    e.q->'question' AS question, e.q->'map' AS map,
	    e.q->'question'->>'key' AS key,
	    coalesce((a.marks->>(e.q->>'id'))::float8, 0) AS mark,
	    a.answers->(e.q->>'id') AS answer
	FROM a, jsonb_array_elements(a.questions) WITH ORDINALITY e(q, ord)
), tot AS (
	SELECT attempt, sum(mark) AS total FROM qa GROUP BY attempt
), per AS (
	SELECT qa.key, count(*) AS n, avg(qa.mark) AS facility,
	    corr(qa.mark, tot.total - qa.mark) AS discrimination,
	    (array_agg(qa.question ORDER BY qa.submitted_at DESC,
		qa.attempt))[1] AS question,
	    min(qa.ord) AS ord
	FROM qa JOIN tot USING (attempt) GROUP BY qa.key
), picks AS (
	-- One row for each choice key an attempt's answer names.
	SELECT DISTINCT qa.key, qa.attempt, qa.map->'ids'->>ids.id AS choice
	FROM qa, LATERAL (
		SELECT qa.answer->>'choice' AS id
		WHERE jsonb_typeof(qa.answer->'choice') = 'string'
		UNION ALL
		SELECT jsonb_array_elements_text(qa.answer->'choices')
		WHERE jsonb_typeof(qa.answer->'choices') = 'array'
	) ids
	WHERE jsonb_typeof(qa.answer) = 'object'
)
SELECT json_build_object(
    'quiz', json_build_object('id', p_quiz.id, 'title', p_quiz.title,
	'pass_mark', p_quiz.pass_mark),
    'attempts', (SELECT count(*) FROM a),
    'learners', (SELECT count(DISTINCT user_id) FROM a),
    'pass_rate', (SELECT avg(CASE WHEN passed THEN 1.0 ELSE 0.0 END)::float8
	FROM a),
    'mean_score', (SELECT avg(score)::float8 FROM a),
    'questions', (SELECT coalesce(json_agg(json_build_object(
	'key', per.key, 'title', per.question->'title',
	'type', per.question->>'type', 'prompt', per.question->>'prompt',
	'attempts', per.n, 'facility', per.facility,
	'discrimination', per.discrimination,
	'choices', CASE WHEN per.question->>'type' IN ('single_choice',
	    'multiple_choice', 'true_false') THEN (
		SELECT coalesce(json_agg(json_build_object(
		    'key', ch.c->>'key', 'text', ch.c->>'text',
		    'picks', p.k, 'pick_rate', p.k::float8 / per.n)
		    ORDER BY ch.ord), '[]')
		FROM jsonb_array_elements(per.question->'choices')
		    WITH ORDINALITY ch(c, ord),
		LATERAL (SELECT count(*) AS k FROM picks
		    WHERE picks.key = per.key AND
		    picks.choice = ch.c->>'key') p)
	    END)
	ORDER BY coalesce(d.pos, 1000000 + per.ord), per.key), '[]')
	FROM per LEFT JOIN LATERAL (
		SELECT dq.pos FROM jsonb_array_elements(
		    p_quiz.definition->'questions') WITH ORDINALITY dq(q, pos)
		WHERE dq.q->>'key' = per.key LIMIT 1) d ON true));
$$;

-- A quiz's statistics for its course's instructors and admins.
CREATE OR REPLACE FUNCTION api.quiz_stats(p_uid uuid, p_sid uuid,
    p_quiz uuid)
RETURNS api.reply
LANGUAGE plpgsql STABLE AS $$
DECLARE
	v_role	user_role := auth.require(p_uid, p_sid, 'instructor');
	q	quizzes;
BEGIN
	SELECT * INTO q FROM quizzes WHERE id = p_quiz;
	IF NOT FOUND THEN
		PERFORM api.refuse(404, 'quiz_not_found',
		    'There is no quiz with that id.');
	END IF;
	IF NOT content.can_edit(p_uid, v_role, q.course_id) THEN
		PERFORM api.refuse(403, 'not_your_course',
		    'Only this course''s instructors can see its statistics.');
	END IF;
	RETURN api.ok(quiz.stats(q));
END;
$$;
