-- The bare Kore handler (tests/bench/ceiling): the framework ceiling.
local bench = dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "") ..
    "common.lua")
local req

function request()
	req = req or bench.get("/ceiling")
	return req
end
