-- POST /api/v1/quizzes/:id/attempts then POST /api/v1/attempts/:id/submit,
-- over and over: a new attempt is drawn (201) and submitted with no answer
-- (graded: 200). The learners are those past the quiz-save ones (the
-- fixture's quiz_savers), every learner at each of their courses' quizzes
-- a slot: idle, starting, ready (its attempt's id known), submitting.
--
-- wrk does not say which request a response answers, so a thread keeps at
-- most one start in flight a quiz: the answer's quiz_id names its slot.
-- When no slot can move (every quiz has a start in flight, nothing is
-- ready), the connection reads a quiz (GET /api/v1/quizzes/:id, 200)
-- instead, and that answer counts with the others.
--
-- A cycle is counted (the global "cycles", which common.lua's done()
-- prints) when its submit is answered: scripts/bench compares cycles a
-- second, not requests, with pgbench's quiz_cycle.sql, whose transaction
-- is one cycle's four statements. The requests/s column counts every
-- request: starts, submits and the reads above.
local bench = dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "") ..
    "common.lua")
local fx = bench.fx
local slots, starting, ready = nil, {}, {}
cycles = 0

-- Uncompressed answers: response() reads the attempt from the body.
local function headers(auth)
	return { ["Accept"] = "application/json",
	    ["Accept-Encoding"] = "identity", ["Authorization"] = auth,
	    ["Content-Type"] = "application/json" }
end

-- Every thread has every slot: two threads starting one learner's quiz at
-- once both get its attempt (201 and 200) and both submit it (graded once,
-- then the same result): rare with hundreds of slots, and never an error.
local function make_slots()
	slots = {}
	for i = fx.quiz_savers + 1, #fx.signed_in do
		local l = fx.signed_in[i]
		for j = 0, fx.per_learner - 1 do
			table.insert(slots, { auth = "Bearer " .. l.token,
			    quiz = bench.uuid("e000", (l.n + j) % fx.courses),
			    state = "idle" })
		end
	end
end

function request()
	if slots == nil then
		make_slots()
	end
	if #ready > 0 then
		local s = table.remove(ready, 1)
		s.state = "submitting"
		return wrk.format("POST", "/api/v1/attempts/" .. s.attempt ..
		    "/submit", headers(s.auth), "{}")
	end
	for _ = 1, 8 do
		local s = slots[math.random(#slots)]
		if s.state == "idle" and starting[s.quiz] == nil then
			s.state = "starting"
			starting[s.quiz] = s
			-- No body, but a length (Kore wants one on a POST).
			return wrk.format("POST", "/api/v1/quizzes/" .. s.quiz ..
			    "/attempts", headers(s.auth), "")
		end
	end
	local s = slots[math.random(#slots)]
	return wrk.format("GET", "/api/v1/quizzes/" .. s.quiz, headers(s.auth))
end

function response(status, headers, body)
	statuses[status] = (statuses[status] or 0) + 1
	if body == nil or body:sub(1, 10) ~= '{"attempt"' then
		return		-- a quiz read
	end
	local quiz = body:match('"quiz_id"%s*:%s*"([%x%-]+)"')
	local id = body:match('"attempt"%s*:%s*{%s*"id"%s*:%s*"([%x%-]+)"')
	if body:find('"state": "open"', 1, true) then
		local s = quiz and starting[quiz]
		if s ~= nil then
			starting[quiz] = nil
			s.attempt = id
			s.state = "ready"
			table.insert(ready, s)
		end
	else
		for _, s in ipairs(slots) do
			if s.attempt == id and s.state == "submitting" then
				s.state = "idle"
				cycles = cycles + 1
			end
		end
	end
end
