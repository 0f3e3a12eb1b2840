-- GET /api/v1/me/enrollments: a signed-in learner's courses, percent and
-- where to resume. pgbench twin: enrollments.sql.
local bench = dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "") ..
    "common.lua")

function request()
	return bench.get("/api/v1/me/enrollments", bench.learner().auth)
end
