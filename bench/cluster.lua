-- wrk script for bench/cluster.py: readers spread over the pages and the API.
local paths = {
  "/papers", "/papers/trending", "/papers/week/2026-W33", "/papers/date/2026-08-20",
  "/search?q=diffusion+models", "/search?q=protein+folding", "/search?q=graph+neural+networks",
  "/api/daily_papers?limit=20", "/api/v1/search?q=reinforcement+learning",
  "/feeds/daily.rss", "/papers/latest",
}
local counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", paths[(counter % #paths) + 1])
end
