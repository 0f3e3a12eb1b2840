-- Shared by every make bench scenario (wrk, LuaJIT). A scenario script
-- loads this file and sets the global request(); this file provides wrk's
-- other hooks: setup() numbers the threads, response() counts statuses,
-- done() prints the one result line scripts/bench reads. A scenario script
-- must return nothing: wrk indexes what is left on the Lua stack.
--
-- The fixture (BENCH_FIXTURE, written by scripts/bench) holds the data
-- set's shape, the outlines' entity tags, and the access tokens of learners
-- signed in over HTTP just before the runs.

-- Loaded once per Lua state, however many scenario files include it (the
-- mixed soak script includes them all).
if BENCH_COMMON ~= nil then
	return BENCH_COMMON
end

local M = {}
BENCH_COMMON = M

M.fx = dofile(os.getenv("BENCH_FIXTURE") or "out/bench/fixture.lua")

local fx = M.fx

-- The signed-in learners' tokens, "n token" a line (scripts/bench).
if fx.signed_in == nil then
	fx.signed_in = {}
	for line in io.lines(fx.tokens_file) do
		local n, token = line:match("^(%d+) (%S+)$")
		if n ~= nil then
			fx.signed_in[#fx.signed_in + 1] = { n = tonumber(n), token = token }
		end
	end
end
local lessons_per_course = fx.modules * fx.lessons

-- Ids of tests/bench/data.sql: kind, number -> uuid.
function M.uuid(kind, n)
	return string.format("00000000-0000-4000-%s-%d", kind, 100000000000 + n)
end

-- A learner signed in for this run: { n = number, auth = "Bearer ..." }.
function M.learner()
	local l = fx.signed_in[math.random(#fx.signed_in)]
	if l.auth == nil then
		l.auth = "Bearer " .. l.token
	end
	return l
end

-- A random lesson of a random course the learner n is enrolled in.
function M.lesson_of(n)
	local course = (n + math.random(0, fx.per_learner - 1)) % fx.courses
	local ord = math.random(0, lessons_per_course - 1)
	return M.uuid("a000", course * lessons_per_course + ord)
end

-- The code of learner n's certificate (tests/bench/data.sql).
function M.cert_code(n)
	local d = string.format("%012d", n)
	return "BNCH-" .. d:sub(1, 4) .. "-" .. d:sub(5, 8) .. "-" .. d:sub(9, 12)
end

function M.course()
	local c = math.random(0, fx.courses - 1)
	return c, "bench-course-" .. c
end

-- Browsers ask for compressed answers; so do these scripts.
M.headers = { ["Accept"] = "application/json", ["Accept-Encoding"] = "gzip" }

function M.get(path, auth, extra)
	local h = {}
	for k, v in pairs(M.headers) do h[k] = v end
	if auth ~= nil then h["Authorization"] = auth end
	if extra ~= nil then
		for k, v in pairs(extra) do h[k] = v end
	end
	return wrk.format("GET", path, h)
end

function M.send(method, path, auth, body, extra)
	local h = { ["Content-Type"] = "application/json" }
	for k, v in pairs(M.headers) do h[k] = v end
	if auth ~= nil then h["Authorization"] = auth end
	if extra ~= nil then
		for k, v in pairs(extra) do h[k] = v end
	end
	return wrk.format(method, path, h, body)
end

-- A key no other request of any run has used: the fixture's run, this wrk
-- process (each run, warm-up and scenario starts its own; a key sent
-- again with another beat is refused, 422), the thread, a counter.
local seq = 0
local nonce = nil
function M.unique()
	seq = seq + 1
	return string.format("bench-%s-%s-%d-%d", fx.run, nonce, thread_id or 0,
	    seq)
end

------------------------------------------------------------------------------
-- wrk hooks

local threads = {}

function setup(thread)
	table.insert(threads, thread)
	thread:set("thread_id", #threads)
end

function init(args)
	math.randomseed(os.time() * 1000 + (thread_id or 0) * 7919)
	nonce = string.format("%x%06x", os.time(), math.random(0, 0xffffff))
	statuses = {}
end

function response(status, headers, body)
	statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
	local all, codes, bad = {}, {}, 0
	for _, t in ipairs(threads) do
		for code, n in pairs(t:get("statuses") or {}) do
			all[code] = (all[code] or 0) + n
		end
	end
	for code, n in pairs(all) do
		table.insert(codes, code .. ":" .. n)
		if code < 200 or code > 399 then bad = bad + n end
	end
	table.sort(codes)
	-- A script that counts units of work of several requests (its
	-- global "cycles", per thread) has their total printed too.
	local cycles = nil
	for _, t in ipairs(threads) do
		local c = t:get("cycles")
		if c ~= nil then cycles = (cycles or 0) + c end
	end
	local e = summary.errors
	local seconds = summary.duration / 1e6
	io.write(string.format("BENCH_RESULT requests=%d seconds=%.3f rps=%.1f "
	    .. "p50_ms=%.3f p99_ms=%.3f bad_status=%d socket_errors=%d "
	    .. "statuses=%s%s\n", summary.requests, seconds,
	    summary.requests / seconds, latency:percentile(50) / 1000,
	    latency:percentile(99) / 1000, bad,
	    e.connect + e.read + e.write + e.timeout,
	    table.concat(codes, ","), cycles == nil and "" or
	    string.format(" cycles=%d cps=%.1f", cycles, cycles / seconds)))
end

return M
