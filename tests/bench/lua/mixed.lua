-- make bench-soak: every scenario at once, in the proportions of a day of
-- use (mostly reading, a steady stream of progress beats, a few sign-ins:
-- refresh tokens last 30 days). At 0.5% sign-ins take half the CPU, queue
-- for seconds and time out.
local bench = dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "") ..
    "common.lua")
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or ""

local weights = {
	{ "catalog", 10 }, { "outline", 10 }, { "outline_304", 15 },
	{ "lesson", 25 }, { "progress", 30 }, { "enrollments", 9.9 },
	{ "signin", 0.1 },
}
local mix, total = {}, 0

for _, w in ipairs(weights) do
	total = total + w[2]
	-- Each scenario script sets the global request(); keep each one.
	dofile(dir .. w[1] .. ".lua")
	table.insert(mix, { upto = total, build = request })
end

function request()
	local r = math.random() * total
	for _, m in ipairs(mix) do
		if r <= m.upto then
			return m.build()
		end
	end
	return mix[#mix].build()
end
