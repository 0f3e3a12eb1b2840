-- GET /api/v1/meta: the app's route table and reply path with no database,
-- against the bare Kore handler it mirrors.
local bench = dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "") ..
    "common.lua")
local req

function request()
	req = req or bench.get("/api/v1/meta")
	return req
end
