-- Courses, modules, lessons, media and quiz definitions.
--
-- Lesson HTML is rendered once, at import, by the server (cmark, safe mode);
-- nothing renders Markdown per request. A published course's outline is
-- built once per change and stored with its entity tag, so reading it is a
-- primary-key lookup.

CREATE SCHEMA IF NOT EXISTS content;

CREATE TYPE course_status AS ENUM ('draft', 'published', 'archived');

-- Text search configuration for a course language.
CREATE FUNCTION content.ts_config(p_lang text)
RETURNS regconfig LANGUAGE sql IMMUTABLE AS $$
	SELECT (CASE split_part(lower(p_lang), '-', 1)
	    WHEN 'en' THEN 'english' WHEN 'es' THEN 'spanish'
	    WHEN 'fr' THEN 'french' WHEN 'pt' THEN 'portuguese'
	    WHEN 'de' THEN 'german' WHEN 'it' THEN 'italian'
	    WHEN 'nl' THEN 'dutch' WHEN 'ru' THEN 'russian'
	    ELSE 'simple' END)::regconfig;
$$;

CREATE TABLE courses (
	id			uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	slug			text NOT NULL UNIQUE
	    CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND length(slug) <= 80),
	title			text NOT NULL,
	summary			text NOT NULL DEFAULT '',
	language		text NOT NULL,
	audiences		profession[] NOT NULL DEFAULT '{}',
	estimated_hours		numeric(5,1) NOT NULL DEFAULT 1,
	status			course_status NOT NULL DEFAULT 'draft',
	version			int NOT NULL DEFAULT 1,
	translation_group	text,
	-- Completion: every lesson, and every quiz marked required, passed.
	sequential		boolean NOT NULL DEFAULT false,
	enroll_opens_at		timestamptz,
	enroll_closes_at	timestamptz,
	capacity		int CHECK (capacity IS NULL OR capacity > 0),
	owner_id		uuid REFERENCES users (id) ON DELETE SET NULL,
	outline			text,
	outline_etag		text,
	search			tsvector GENERATED ALWAYS AS (
	    setweight(to_tsvector(content.ts_config(language), title), 'A') ||
	    setweight(to_tsvector(content.ts_config(language), summary), 'B'))
	    STORED,
	created_at		timestamptz NOT NULL DEFAULT now(),
	updated_at		timestamptz NOT NULL DEFAULT now(),
	published_at		timestamptz
);
CREATE INDEX courses_search_idx ON courses USING gin (search);
CREATE INDEX courses_published_idx ON courses (language, published_at DESC)
    WHERE status = 'published';
CREATE INDEX courses_group_idx ON courses (translation_group);

CREATE TABLE course_instructors (
	course_id	uuid NOT NULL REFERENCES courses (id) ON DELETE CASCADE,
	user_id		uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	added_at	timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (course_id, user_id)
);
CREATE INDEX course_instructors_user_idx ON course_instructors (user_id);

CREATE TABLE modules (
	id		uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	course_id	uuid NOT NULL REFERENCES courses (id) ON DELETE CASCADE,
	key		text NOT NULL,
	title		text NOT NULL,
	summary		text NOT NULL DEFAULT '',
	position	int NOT NULL,
	version		int NOT NULL DEFAULT 1,
	-- Unlocking: this module opens once the earlier ones are complete.
	requires_previous boolean NOT NULL DEFAULT false,
	package_sha256	text NOT NULL,
	created_at	timestamptz NOT NULL DEFAULT now(),
	updated_at	timestamptz NOT NULL DEFAULT now(),
	UNIQUE (course_id, key)
);

CREATE TABLE media (
	sha256		text PRIMARY KEY CHECK (sha256 ~ '^[0-9a-f]{64}$'),
	content_type	text NOT NULL,
	size		int NOT NULL,
	bytes		bytea NOT NULL,
	created_at	timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE lessons (
	id		uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	module_id	uuid NOT NULL REFERENCES modules (id) ON DELETE CASCADE,
	course_id	uuid NOT NULL REFERENCES courses (id) ON DELETE CASCADE,
	key		text NOT NULL,
	title		text NOT NULL,
	position	int NOT NULL,
	minutes		int NOT NULL DEFAULT 5,
	markdown	text NOT NULL,
	html		text NOT NULL,
	video_url	text,
	captions_sha256	text REFERENCES media (sha256),
	attachments	jsonb NOT NULL DEFAULT '[]',
	created_at	timestamptz NOT NULL DEFAULT now(),
	updated_at	timestamptz NOT NULL DEFAULT now(),
	UNIQUE (module_id, key)
);
CREATE INDEX lessons_course_idx ON lessons (course_id);

-- Quiz definitions hold the answer keys: they never leave the server
-- before an attempt is submitted (the quiz engine delivers them).
CREATE TABLE quizzes (
	id		uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	module_id	uuid NOT NULL UNIQUE REFERENCES modules (id)
	    ON DELETE CASCADE,
	course_id	uuid NOT NULL REFERENCES courses (id) ON DELETE CASCADE,
	key		text NOT NULL,
	title		text NOT NULL,
	pass_mark	int NOT NULL CHECK (pass_mark BETWEEN 0 AND 100),
	required	boolean NOT NULL DEFAULT true,
	definition	jsonb NOT NULL,
	created_at	timestamptz NOT NULL DEFAULT now(),
	updated_at	timestamptz NOT NULL DEFAULT now()
);

------------------------------------------------------------------------------
-- Helpers

CREATE FUNCTION content.course_json(c courses)
RETURNS jsonb LANGUAGE sql STABLE AS $$
	SELECT jsonb_build_object('slug', c.slug, 'title', c.title,
	    'summary', c.summary, 'language', c.language,
	    'audiences', to_jsonb(c.audiences),
	    'estimated_hours', c.estimated_hours,
	    'translation_group', c.translation_group);
$$;

-- The outline learners see: modules, lessons, quizzes, translations.
CREATE FUNCTION content.outline_json(p_course uuid)
RETURNS jsonb LANGUAGE sql STABLE AS $$
	SELECT content.course_json(c) || jsonb_build_object(
	    'version', c.version, 'status', c.status,
	    'sequential', c.sequential,
	    'modules', coalesce((SELECT jsonb_agg(jsonb_build_object(
		'id', m.id, 'key', m.key, 'title', m.title,
		'summary', m.summary, 'order', m.position,
		'version', m.version,
		'requires_previous', m.requires_previous,
		'lessons', coalesce((SELECT jsonb_agg(jsonb_build_object(
		    'id', l.id, 'key', l.key, 'title', l.title,
		    'minutes', l.minutes) ORDER BY l.position)
		    FROM lessons l WHERE l.module_id = m.id), '[]'),
		'quiz', (SELECT jsonb_build_object('id', q.id, 'title', q.title,
		    'required', q.required)
		    FROM quizzes q WHERE q.module_id = m.id))
		ORDER BY m.position) FROM modules m WHERE m.course_id = c.id),
		'[]'),
	    'translations', coalesce((SELECT jsonb_agg(jsonb_build_object(
		'slug', t.slug, 'language', t.language, 'title', t.title)
		ORDER BY t.language)
		FROM courses t WHERE t.translation_group = c.translation_group
		  AND t.id <> c.id AND t.status = 'published'), '[]'))
	FROM courses c WHERE c.id = p_course;
$$;

-- Rebuilds the stored outline of a course and of its translations (whose
-- "also available in" lists may have changed).
CREATE FUNCTION content.outline_refresh(p_course uuid)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
	v_id	uuid;
	v_text	text;
BEGIN
	FOR v_id IN
		SELECT t.id FROM courses c JOIN courses t
		    ON t.id = c.id OR (c.translation_group IS NOT NULL
		    AND t.translation_group = c.translation_group)
		WHERE c.id = p_course
	LOOP
		v_text := content.outline_json(v_id)::text;
		UPDATE courses SET outline = v_text,
		    outline_etag = '"' || md5(v_text) || '"'
		WHERE id = v_id;
	END LOOP;
END;
$$;

-- May the caller change this course? Owners, co-instructors, admins.
CREATE FUNCTION content.can_edit(p_uid uuid, p_role user_role, p_course uuid)
RETURNS boolean LANGUAGE sql STABLE AS $$
	SELECT p_role = 'admin' OR EXISTS (
	    SELECT 1 FROM courses c WHERE c.id = p_course AND c.owner_id = p_uid)
	    OR EXISTS (SELECT 1 FROM course_instructors ci
		WHERE ci.course_id = p_course AND ci.user_id = p_uid);
$$;

-- The course an instructor may edit, or the refusal: 404 when unknown,
-- 403 when it is someone else's.
CREATE FUNCTION content.course_for_edit(p_uid uuid, p_sid uuid, p_slug text)
RETURNS courses LANGUAGE plpgsql AS $$
DECLARE
	v_role	user_role := auth.require(p_uid, p_sid, 'instructor');
	c	courses;
BEGIN
	SELECT * INTO c FROM courses WHERE slug = p_slug FOR UPDATE;
	IF NOT FOUND THEN
		PERFORM api.refuse(404, 'course_not_found',
		    'No course has that address.');
	END IF;
	IF NOT content.can_edit(p_uid, v_role, c.id) THEN
		PERFORM api.refuse(403, 'not_your_course',
		    'Only this course''s instructors can change it.');
	END IF;
	RETURN c;
END;
$$;

/*
 * Imports a module from the document the server built out of a validated
 * package: new, or replacing the module with the same key as a new
 * version. Lessons keep their ids (and so learners their progress) when
 * their keys remain; lessons whose keys are gone are removed.
 */
CREATE FUNCTION content.module_import(p_course uuid, p_doc jsonb)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
	v_mod		modules;
	v_created	boolean;
	v_media		jsonb;
	v_lesson	jsonb;
	v_pos		int := 0;
	v_keys		text[] := '{}';
BEGIN
	FOR v_media IN SELECT * FROM jsonb_array_elements(p_doc->'media') LOOP
		INSERT INTO media (sha256, content_type, size, bytes)
		VALUES (v_media->>'sha256', v_media->>'content_type',
		    (v_media->>'size')::int, decode(v_media->>'data', 'base64'))
		ON CONFLICT (sha256) DO NOTHING;
	END LOOP;

	INSERT INTO modules AS m (course_id, key, title, summary, position,
	    requires_previous, package_sha256)
	VALUES (p_course, p_doc->>'key', p_doc->>'title',
	    coalesce(p_doc->>'summary', ''), (p_doc->>'order')::int,
	    coalesce((p_doc->>'requires_previous')::boolean, false),
	    p_doc->>'package_sha256')
	ON CONFLICT (course_id, key) DO UPDATE SET
	    title = EXCLUDED.title, summary = EXCLUDED.summary,
	    position = EXCLUDED.position,
	    requires_previous = EXCLUDED.requires_previous,
	    package_sha256 = EXCLUDED.package_sha256,
	    version = m.version + 1, updated_at = now()
	RETURNING * INTO v_mod;
	v_created := v_mod.version = 1;

	FOR v_lesson IN SELECT * FROM jsonb_array_elements(p_doc->'lessons') LOOP
		v_pos := v_pos + 1;
		v_keys := v_keys || (v_lesson->>'key');
		INSERT INTO lessons AS l (module_id, course_id, key, title,
		    position, minutes, markdown, html, video_url,
		    captions_sha256, attachments)
		VALUES (v_mod.id, p_course, v_lesson->>'key',
		    v_lesson->>'title', v_pos, (v_lesson->>'minutes')::int,
		    v_lesson->>'markdown', v_lesson->>'html',
		    v_lesson->>'video_url', v_lesson->>'captions_sha256',
		    coalesce(v_lesson->'attachments', '[]'))
		ON CONFLICT (module_id, key) DO UPDATE SET
		    title = EXCLUDED.title, position = EXCLUDED.position,
		    minutes = EXCLUDED.minutes, markdown = EXCLUDED.markdown,
		    html = EXCLUDED.html, video_url = EXCLUDED.video_url,
		    captions_sha256 = EXCLUDED.captions_sha256,
		    attachments = EXCLUDED.attachments, updated_at = now();
	END LOOP;
	DELETE FROM lessons WHERE module_id = v_mod.id AND key <> ALL (v_keys);

	IF p_doc->'quiz' IS NULL OR jsonb_typeof(p_doc->'quiz') = 'null' THEN
		DELETE FROM quizzes WHERE module_id = v_mod.id;
	ELSE
		INSERT INTO quizzes AS q (module_id, course_id, key, title,
		    pass_mark, required, definition)
		VALUES (v_mod.id, p_course, p_doc->'quiz'->>'key',
		    p_doc->'quiz'->>'title',
		    coalesce((p_doc->'quiz'->>'pass_mark')::int, 70),
		    coalesce((p_doc->'quiz'->>'required')::boolean, true),
		    p_doc->'quiz')
		ON CONFLICT (module_id) DO UPDATE SET
		    key = EXCLUDED.key, title = EXCLUDED.title,
		    pass_mark = EXCLUDED.pass_mark, required = EXCLUDED.required,
		    definition = EXCLUDED.definition, updated_at = now();
	END IF;

	UPDATE courses SET version = version + CASE WHEN v_created THEN 0
	    ELSE 1 END, updated_at = now()
	WHERE id = p_course;
	PERFORM content.outline_refresh(p_course);

	RETURN jsonb_build_object('id', v_mod.id, 'key', v_mod.key,
	    'version', v_mod.version, 'created', v_created,
	    'lessons', v_pos);
END;
$$;

-- Creates or updates a course from a document (authoring API and seed).
CREATE FUNCTION content.course_upsert(p_owner uuid, p_doc jsonb)
RETURNS courses LANGUAGE plpgsql AS $$
DECLARE
	c	courses;
BEGIN
	INSERT INTO courses AS x (slug, title, summary, language, audiences,
	    estimated_hours, translation_group, sequential, enroll_opens_at,
	    enroll_closes_at, capacity, owner_id)
	VALUES (p_doc->>'slug', p_doc->>'title',
	    coalesce(p_doc->>'summary', ''), p_doc->>'language',
	    coalesce((SELECT array_agg(a::profession) FROM
		jsonb_array_elements_text(p_doc->'audiences') a), '{}'),
	    coalesce((p_doc->>'estimated_hours')::numeric, 1),
	    p_doc->>'translation_group',
	    coalesce((p_doc->>'sequential')::boolean, false),
	    (p_doc->>'enroll_opens_at')::timestamptz,
	    (p_doc->>'enroll_closes_at')::timestamptz,
	    (p_doc->>'capacity')::int, p_owner)
	ON CONFLICT (slug) DO NOTHING
	RETURNING * INTO c;
	IF NOT FOUND THEN
		PERFORM api.refuse(409, 'slug_taken',
		    'A course already has that address.', 'slug');
	END IF;
	PERFORM content.outline_refresh(c.id);
	RETURN c;
END;
$$;
