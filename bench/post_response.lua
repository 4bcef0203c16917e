-- wrk script: POST a new resident response (fresh client id) on every request.
local round = os.getenv("ROUND")
local area = os.getenv("AREA")
local ward = os.getenv("WARD")
local ages = {"16-24", "25-34", "35-44", "45-54", "55-64", "65-74", "75+"}
local sexes = {"female", "male"}
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
  -- with its ward, age band and sex: the cells beside the neighbourhood's
  local body = string.format('{"id":"%s","roundId":"%s","neighbourhoodId":"%s","areaCode":"%s",'
    .. '"respondent":{"ageBand":"%s","sex":"%s"},"answers":{"q01":"%s","q02":"no","q23a":"no"}}',
    uuid4(), round, area, ward, ages[counter % 7 + 1], sexes[counter % 2 + 1], yes)
  return wrk.format("POST", nil, {["Content-Type"] = "application/json", ["Authorization"] = auth}, body)
end
