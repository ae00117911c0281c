-- wrk script for bench/cluster.py: a signed-in member browsing, upvoting (and taking the
-- upvote back) and commenting through the site's own forms, as htmx sends them. The
-- session and CSRF cookies come from the SESSION and CSRF environment variables, the
-- papers from PAPERS. Members never get cached pages.
local paths = {
  "/papers", "/papers/trending", "/papers/week/2026-W33", "/papers/date/2026-08-20",
  "/for-you", "/following", "/collections", "/search?q=language+models",
}
local papers = {}
for id in string.gmatch(os.getenv("PAPERS") or "", "[^,]+") do
  table.insert(papers, id)
end
local csrf = os.getenv("CSRF") or ""
local cookie = "sessionid=" .. (os.getenv("SESSION") or "") .. "; csrftoken=" .. csrf
local counter = 0
local function post(path, body)
  return wrk.format("POST", path, {
    ["Cookie"] = cookie,
    ["X-CSRFToken"] = csrf,
    ["HX-Request"] = "true",
    ["Content-Type"] = "application/x-www-form-urlencoded",
  }, body)
end
request = function()
  counter = counter + 1
  local paper = papers[(counter % #papers) + 1]
  if counter % 25 == 0 then
    return post("/papers/" .. paper .. "/comments", "body=Soak+comment+" .. counter)
  elseif counter % 5 == 0 then
    return post("/papers/" .. paper .. "/upvote", "")
  elseif counter % 5 == 1 then
    return wrk.format("GET", "/papers/" .. paper, { ["Cookie"] = cookie })
  end
  return wrk.format("GET", paths[(counter % #paths) + 1], { ["Cookie"] = cookie })
end
