-- bench/serve.lua: wrk script for bench/serve.sh. POSTs the AdmissionReview in $REVIEW_FILE to
-- the path in $REVIEW_PATH (default /validate) on every request, over keep-alive connections.
local f = assert(io.open(os.getenv("REVIEW_FILE"), "r"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.path = os.getenv("REVIEW_PATH") or "/validate"
wrk.headers["Content-Type"] = "application/json"

local non200 = 0
function response(status, headers, body)
  if status ~= 200 or not string.find(body, '"allowed":true', 1, true) then
    non200 = non200 + 1
  end
end

function done(summary, latency, requests)
  io.write(string.format("not-allowed-or-non-200: %d\n", non200))
end
