-- Content hardening: module positions, course versions, translation
-- groups, catalog search and lesson headings. The functions live in
-- sql/functions/content.sql and authoring.sql now; the data moves and the
-- constraint stay here.

------------------------------------------------------------------------------
-- Module positions are 1..n within a course, each once. Until now a new
-- module took its manifest's `order` even when another module had it, and
-- a re-upload moved a module back to its `order`, undoing a reorder.
-- Existing courses are renumbered in their current order first.

UPDATE modules m SET position = r.rn
FROM (SELECT id, row_number() OVER (PARTITION BY course_id
	ORDER BY position, created_at, key) AS rn FROM modules) r
WHERE m.id = r.id AND m.position <> r.rn;

-- Checked at the end of each statement, so that one UPDATE may shift or
-- swap positions.
ALTER TABLE modules ADD CONSTRAINT modules_course_position_key
    UNIQUE (course_id, position) DEFERRABLE INITIALLY IMMEDIATE;

------------------------------------------------------------------------------
-- Lesson headings now go down one level at import (the page's title is
-- its one <h1>). Lessons imported before are brought in line: cmark in
-- safe mode writes headings as bare <hN> tags and escapes any "<" of the
-- text, so these tags are all headings. h5 goes first so that nothing
-- moves twice.

UPDATE lessons SET html =
    replace(replace(replace(replace(replace(replace(replace(replace(
    replace(replace(html,
	'<h5>', '<h6>'), '</h5>', '</h6>'),
	'<h4>', '<h5>'), '</h4>', '</h5>'),
	'<h3>', '<h4>'), '</h3>', '</h4>'),
	'<h2>', '<h3>'), '</h2>', '</h3>'),
	'<h1>', '<h2>'), '</h1>', '</h2>')
WHERE html ~ '<h[1-5]>';
