-- Courses, modules, lessons, media and quiz definitions.
--
-- Lesson HTML is rendered once, at import, by the server (cmark, safe mode);
-- nothing renders Markdown per request. A published course's outline is
-- built once per change and stored with its entity tag, so reading it is a
-- primary-key lookup.
--
-- The functions: sql/functions/content.sql and authoring.sql, except
-- content.ts_config below.

CREATE SCHEMA IF NOT EXISTS content;

CREATE TYPE course_status AS ENUM ('draft', 'published', 'archived');

-- Text search configuration for a course language. It stays in this
-- versioned file, its one home: the stored column courses.search is
-- computed with it, so changing it is a data move (a new migration that
-- replaces it and recomputes search), not an edit of a functions file.
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
