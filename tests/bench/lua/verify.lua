-- GET /api/v1/verify/:code: public verification of a signed-in learner's
-- certificate (tests/bench/data.sql: code BNCH-NNNN-NNNN-NNNN from the
-- learner's number). Known codes cost no throttle budget; after a
-- worker's first lookup of a code, it answers from its cache
-- (src/verifycache.c). pgbench twin:
-- verify.sql.
local bench = dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "") ..
    "common.lua")

function request()
	return bench.get("/api/v1/verify/" .. bench.cert_code(bench.learner().n))
end
