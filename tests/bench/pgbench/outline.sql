-- The statement course_get (src/courses.c) sends: a random published course.
\set c random(0, :courses - 1)
SELECT status, body, etag FROM api.course_outline('bench-course-' || :c);
