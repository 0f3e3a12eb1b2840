-- PUT /api/v1/lessons/:id/progress: a progress beat with a fresh
-- Idempotency-Key; one beat in ten marks the lesson completed. pgbench
-- twin: progress.sql.
local bench = dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "") ..
    "common.lua")

function request()
	local l = bench.learner()
	local body = string.format(
	    '{"position":%d,"time_spent_delta":10,"completed":%s}',
	    math.random(0, 600), math.random(10) == 1 and "true" or "false")
	return bench.send("PUT", "/api/v1/lessons/" .. bench.lesson_of(l.n) ..
	    "/progress", l.auth, body, { ["Idempotency-Key"] = bench.unique() })
end
