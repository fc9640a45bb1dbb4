-- wrk script: POST /webhook with pre-signed distinct requests. bench/gen_bodies.py writes one file
-- of ready HTTP requests per thread ($REQUESTS-<thread>.http, back to back); a thread reads its
-- file a MiB at a time as it goes and cuts the next request off it. Nothing is read, formatted or
-- split up front: wrk starts its first thread while it prepares the next, and the seconds of Lua
-- that used to take were timed as load (issue 22, docs/INGEST.md). done() prints how many
-- requests repeated a body because a thread ran through its share ("repeated: N"): a repeat is a
-- duplicate for the receiver, which is cheaper than a new message.
local threads = {}
local mark = "POST /webhook HTTP/1.1\r\n"
local file, buf, at = nil, "", 1

function setup(thread)
  thread:set("part", #threads)
  threads[#threads + 1] = thread
end

function init(args)
  file = assert(io.open(os.getenv("REQUESTS") .. "-" .. (part or 0) .. ".http", "rb"))
  sent, count = 0, 0
end

function request()
  sent = sent + 1
  while true do
    local nxt = buf:find(mark, at + 1, true)
    if nxt then
      local req = buf:sub(at, nxt - 1)
      at = nxt
      return req
    end
    local chunk = file:read(1048576)
    if chunk then
      buf, at = buf:sub(at) .. chunk, 1
    else -- the end of the share: what is left is its last request; then start over
      local req = buf:sub(at)
      count = count > 0 and count or sent
      file:seek("set")
      buf, at = "", 1
      return req
    end
  end
end

function done(summary, latency, requests)
  local repeated = 0
  for _, t in ipairs(threads) do
    local n = t:get("count")
    repeated = repeated + (n > 0 and t:get("sent") - n or 0)
  end
  io.write(string.format("repeated: %d\n", repeated))
end
