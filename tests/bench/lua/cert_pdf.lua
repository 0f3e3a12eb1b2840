-- GET /api/v1/certificates/:id/pdf: a signed-in learner downloads the
-- stored PDF of their certificate (tests/bench/data.sql: id f000-N, about
-- 30 kB, incompressible as a real one). pgbench twin: cert_pdf.sql.
local bench = dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "") ..
    "common.lua")

function request()
	local l = bench.learner()
	return bench.get("/api/v1/certificates/" .. bench.uuid("f000", l.n) ..
	    "/pdf", l.auth)
end
