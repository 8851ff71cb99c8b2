-- each request registers a new instance: thread t, request n -> a unique ip:port
local counter = 0
local id = 0
function setup(thread)
  thread:set("tid", id)
  id = id + 1
end
function init(args)
  counter = 0
end
request = function()
  counter = counter + 1
  local n = tid * 16777216 + counter
  local ip = "10." .. (math.floor(n / 65536) % 256) .. "." .. (math.floor(n / 256) % 256) .. "." .. (n % 256)
  local port = 1 + math.floor(n / 16777216) * 1000 + (counter % 1000)
  return wrk.format("POST", "/nacos/v1/ns/instance?serviceName=bench" .. (counter % 100)
    .. "&ip=" .. ip .. "&port=" .. port)
end
