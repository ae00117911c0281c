-- wrk script for bench/cluster.py: a token holder upvoting and taking back upvotes, and
-- reading the API, through nginx. The papers are given in the PAPERS environment variable.
local papers = {}
for id in string.gmatch(os.getenv("PAPERS") or "", "[^,]+") do
  table.insert(papers, id)
end
local counter = 0
request = function()
  counter = counter + 1
  local paper = papers[(counter % #papers) + 1]
  local phase = counter % 3
  if phase == 0 then
    return wrk.format("POST", "/api/papers/" .. paper .. "/upvote")
  elseif phase == 1 then
    return wrk.format("DELETE", "/api/papers/" .. paper .. "/upvote")
  end
  return wrk.format("GET", "/api/papers/" .. paper)
end
