-- Replays pre-generated, individually signed and encrypted WeChat callbacks (one line each:
-- "<path>\t<body>"), each thread taking every n-th line so no message is sent twice.
local counter = 0
local threads = {}

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  local file = args[1]
  local total = tonumber(args[2])
  requests = {}
  local i = 0
  for line in io.lines(file) do
    if i % total == id then
      local tab = string.find(line, "\t", 1, true)
      local path = string.sub(line, 1, tab - 1)
      local body = string.sub(line, tab + 1)
      table.insert(requests, wrk.format("POST", path, { ["Content-Type"] = "text/xml" }, body))
    end
    i = i + 1
  end
  index = 0
  wrapped = 0
end

function request()
  index = index + 1
  if index > #requests then
    index = 1
    wrapped = wrapped + 1
  end
  return requests[index]
end
