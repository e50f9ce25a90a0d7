-- wrk script for benchmarks/serve_load.py: the requests, and the check of every answer.
--
--   XPRESIGN_WRK_MODE=get    GET /?key=<prefix><n>.mp4, a new key per request
--   XPRESIGN_WRK_MODE=batch  POST / {"items": [100 keys]}, the same body each time
--   XPRESIGN_WRK_TOKEN       sent as "Authorization: Bearer ..." when set
--
-- response() counts every answer that is not a 200, and every 200 whose body
-- holds fewer URLs than asked (one for a GET, one per item for a batch): those
-- are errors, and the benchmark refuses to report a run that has any. done()
-- prints one line, "XPRESIGN-WRK {json}", with the counts and the latency
-- percentiles (microseconds) that serve_load.py reads.

local mode = os.getenv("XPRESIGN_WRK_MODE") or "get"
local prefix = os.getenv("XPRESIGN_WRK_PREFIX") or "movies/load/"
local batch_size = tonumber(os.getenv("XPRESIGN_WRK_BATCH") or "100")
local token = os.getenv("XPRESIGN_WRK_TOKEN")
local threads = {}

function setup(thread)
   thread:set("id", #threads)
   table.insert(threads, thread)
end

function init(args)
   responses, non_200, no_url, counter = 0, 0, 0, 0
   headers = {}
   if token and token ~= "" then
      headers["Authorization"] = "Bearer " .. token
   end
   if mode == "batch" then
      local items = {}
      for i = 1, batch_size do
         items[i] = string.format('"%sbatch/%03d.mp4"', prefix, i)
      end
      headers["Content-Type"] = "application/json"
      batch_request = wrk.format("POST", "/", headers, '{"items": [' .. table.concat(items, ", ") .. "]}")
      expected_urls = batch_size
   else
      expected_urls = 1
   end
end

function request()
   if batch_request then
      return batch_request
   end
   counter = counter + 1
   return wrk.format("GET", string.format("/?key=%s%d-%d.mp4", prefix, id, counter), headers)
end

function response(status, headers, body)
   responses = responses + 1
   if status ~= 200 then
      non_200 = non_200 + 1
      return
   end
   local _, urls = string.gsub(body, '"url":%s*"https?://', "")
   if urls ~= expected_urls then
      no_url = no_url + 1
   end
end

function done(summary, latency, requests)
   local counts = { responses = 0, non_200 = 0, no_url = 0 }
   for _, thread in ipairs(threads) do
      for name, _ in pairs(counts) do
         counts[name] = counts[name] + thread:get(name)
      end
   end
   local errors = summary.errors
   io.write(string.format(
      'XPRESIGN-WRK {"requests": %d, "duration_us": %d, "responses": %d, "non_200": %d, "no_url": %d, '
         .. '"socket_errors": %d, "timeouts": %d, "p50_us": %d, "p99_us": %d, "max_us": %d}\n',
      summary.requests, summary.duration, counts.responses, counts.non_200, counts.no_url,
      errors.connect + errors.read + errors.write, errors.timeout,
      latency:percentile(50), latency:percentile(99), latency.max))
end
