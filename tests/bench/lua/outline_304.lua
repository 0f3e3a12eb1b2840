-- GET /api/v1/courses/:slug with the If-None-Match a returning reader
-- sends: 304, no body. pgbench twin: outline.sql (the same statement).
local bench = dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "") ..
    "common.lua")

function request()
	local c, slug = bench.course()
	return bench.get("/api/v1/courses/" .. slug, nil,
	    { ["If-None-Match"] = bench.fx.etags[c + 1] })
end
