-- wrk script for bench/cluster.py: a signed-in member browsing (the session cookie is
-- passed with -H); members never get cached pages.
local paths = {
  "/papers", "/papers/trending", "/papers/week/2026-W33", "/papers/date/2026-08-20",
  "/for-you", "/following", "/collections", "/search?q=language+models",
}
local counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", paths[(counter % #paths) + 1])
end
