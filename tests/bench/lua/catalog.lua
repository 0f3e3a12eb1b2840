-- GET /api/v1/courses: the catalog's first page, no filters (the landing
-- page). pgbench twin: tests/bench/pgbench/catalog.sql.
local bench = dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "") ..
    "common.lua")
local req

function request()
	req = req or bench.get("/api/v1/courses")
	return req
end
