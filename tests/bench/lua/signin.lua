-- POST /api/v1/auth/login: any of the generated learners signs in with the
-- bench password. argon2id (64 MiB, 2 passes) is meant to be slow: this
-- row shows how slow, and what it does to the server's memory.
local bench = dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "") ..
    "common.lua")

function request()
	local n = math.random(1, bench.fx.learners)
	return bench.send("POST", "/api/v1/auth/login", nil, string.format(
	    '{"email":"learner%d@bench.example","password":"%s"}', n,
	    bench.fx.password))
end
