-- wrk script: POST a new resident response (fresh client id) on every request.
local round = os.getenv("ROUND")
local area = os.getenv("AREA")
local auth = "Bearer " .. os.getenv("KEY")
local counter = 0
math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))

local function uuid4()
  return (string.gsub("xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx", "[xy]", function(c)
    local v = (c == "x") and math.random(0, 15) or math.random(8, 11)
    return string.format("%x", v)
  end))
end

request = function()
  counter = counter + 1
  local yes = (counter % 10 == 0) and "yes" or "no"
  local body = string.format('{"id":"%s","roundId":"%s","neighbourhoodId":"%s","answers":{"q01":"%s","q02":"no","q23a":"no"}}',
    uuid4(), round, area, yes)
  return wrk.format("POST", nil, {["Content-Type"] = "application/json", ["Authorization"] = auth}, body)
end
