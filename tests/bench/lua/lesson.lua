-- GET /api/v1/lessons/:id: a signed-in learner reads a lesson of a course
-- they are enrolled in. pgbench twin: lesson.sql.
local bench = dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "") ..
    "common.lua")

function request()
	local l = bench.learner()
	return bench.get("/api/v1/lessons/" .. bench.lesson_of(l.n), l.auth)
end
