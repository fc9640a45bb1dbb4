-- wrk script: POST /webhook with pre-signed distinct bodies (bench/gen_bodies.py).
-- Requests are formatted once at start, so the load generator spends its CPU on sending,
-- not on Lua string building (on 2 cores it shares the machine with the server).
-- Each wrk thread takes its own half of the bodies, so no id is sent twice.
local threads = 0
local reqs = {}
local i = 0

function setup(thread)
  thread:set("part", threads)
  threads = threads + 1
end

function init(args)
  local all = {}
  for line in io.lines(os.getenv("BODIES")) do
    all[#all + 1] = line
  end
  local parts = tonumber(os.getenv("WRK_THREADS") or "2")
  local per = math.floor(#all / parts)
  local first = (part or 0) * per
  for k = first + 1, first + per do
    local line = all[k]
    local tab = line:find("\t", 1, true)
    reqs[#reqs + 1] = wrk.format("POST", "/webhook",
      {["Content-Type"] = "application/json", ["X-Hub-Signature-256"] = line:sub(1, tab - 1)},
      line:sub(tab + 1))
  end
  all = nil
  collectgarbage()
end

function request()
  i = i + 1
  if i > #reqs then i = 1 end
  return reqs[i]
end
