-- GET /api/v1/courses/:slug, a random published course, no entity tag:
-- the stored outline (about 5 KB) is sent. pgbench twin: outline.sql.
local bench = dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "") ..
    "common.lua")

function request()
	local _, slug = bench.course()
	return bench.get("/api/v1/courses/" .. slug)
end
