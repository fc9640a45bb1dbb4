-- wrk script: POST /webhook with pre-signed distinct requests. bench/gen_bodies.py writes one file
-- of ready HTTP requests per thread ($REQUESTS-<thread>.http, back to back); a thread reads its
-- file in one read and cuts the next request off it as it goes. Nothing is formatted or split
-- up front: wrk starts its first thread while it prepares the next, and seconds of Lua there used
-- to be timed as load (issue 22). done() prints how many requests repeated a body because a
-- thread ran through its share ("repeated: N"): a repeat is a duplicate for the receiver, which
-- is cheaper than a new message.
local threads = {}
local mark = "POST /webhook HTTP/1.1\r\n"
local data, at = nil, 1

function setup(thread)
  thread:set("part", #threads)
  threads[#threads + 1] = thread
end

function init(args)
  local f = assert(io.open(os.getenv("REQUESTS") .. "-" .. (part or 0) .. ".http", "rb"))
  local size = f:seek("end")
  f:seek("set")
  data = f:read(size)
  f:close()
  sent, count = 0, 0
end

function request()
  local nxt = data:find(mark, at + 1, true) or #data + 1
  local req = data:sub(at, nxt - 1)
  sent = sent + 1
  if nxt > #data then -- the share is used up: count it, then start over
    count = count > 0 and count or sent
    nxt = 1
  end
  at = nxt
  return req
end

function done(summary, latency, requests)
  local repeated = 0
  for _, t in ipairs(threads) do
    local n = t:get("count")
    repeated = repeated + (n > 0 and t:get("sent") - n or 0)
  end
  io.write(string.format("repeated: %d\n", repeated))
end
