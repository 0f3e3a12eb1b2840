-- PUT /api/v1/attempts/:id/answers: autosave, one answer to the first
-- question of an open attempt made for the run (the fixture's quiz_save:
-- the first BENCH_QUIZ_SAVERS learners signed in). The same body again is
-- the same state, so every request is a full save. pgbench twin:
-- quiz_save.sql.
local bench = dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "") ..
    "common.lua")

function request()
	local s = bench.fx.quiz_save[math.random(#bench.fx.quiz_save)]
	if s.auth == nil then
		for _, l in ipairs(bench.fx.signed_in) do
			if l.n == s.n then
				s.auth = "Bearer " .. l.token
			end
		end
		s.body = string.format('{"answers":{"%s":{"choice":"%s"}}}',
		    s.qid, s.choice)
	end
	return bench.send("PUT", "/api/v1/attempts/" .. s.attempt .. "/answers",
	    s.auth, s.body)
end
