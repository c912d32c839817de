#!/usr/bin/env bash
# Load benchmark of `marketgpt serve` with wrk (Debian): /health and POST /v1/forecast (one asset, 20 MC
# samples) at 1 and 16 connections (p50/p99 from wrk --latency), cold forecast latency (distinct dates,
# nothing cached), a soak of mixed load (cached forecasts, /health, the signals endpoints) with the server's
# RSS every 30 s, a synth job (server vs `marketgpt synth`), and SIGTERM (exit status and seconds to exit).
# Traffic goes to 127.0.0.1 only; every loop is bounded in time.
#
# usage: scripts/serve_bench.sh MARKETGPT_BINARY WORKSPACE SERVE_CONFIG DATE SYNTH_CSV [SOAK_SECONDS]
#   WORKSPACE holds the config's universe, data and checkpoints; DATE a decision date with data.
set -euo pipefail
binary=$1 workspace=$2 config=$3 date=$4 csv=$5 soak=${6:-300}
command -v wrk >/dev/null || { echo "wrk not installed (scripts/setup.sh)"; exit 1; }
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
cd "$workspace"
"$binary" serve --config "$config" --port "$port" --log-level warning 2>serve-bench.log &
pid=$!
trap 'kill -TERM $pid 2>/dev/null; wait $pid 2>/dev/null || true' EXIT
# Up when /health answers and the warm start (the latest date scored in the background) is over.
for _ in $(seq 1 3000); do
    curl -sf "$base/health" | grep -q '"warming":false' && break; sleep 0.2
done
echo "up after ${SECONDS} s: $(curl -s "$base/health" | python3 -c 'import json,sys; h=json.load(sys.stdin); print(h["warmup"], "model_loaded", h["model_loaded"])')"
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
rss() { awk '/VmRSS/ {print $2}' /proc/$pid/status; }
echo "rss_kb_start $(rss)"
lua=$(mktemp --suffix=.lua)
cat >"$lua" <<LUA
wrk.method = "POST"
wrk.body = '{"tickers":["AAPL"],"date":"$date","samples":20}'
wrk.headers["Content-Type"] = "application/json"
LUA
curl -s -XPOST "$base/v1/forecast" -H 'content-type: application/json' -d "{\"tickers\":[\"AAPL\"],\"date\":\"$date\",\"samples\":20}" >/dev/null
for c in 1 16; do
    t=$(( c < 2 ? 1 : 2 ))
    echo "== GET /health, $c connections"; wrk -t$t -c$c -d10s --latency "$base/health" | grep -E "Latency|50%|99%|Requests/sec|Non-2xx|Socket errors"
    echo "== POST /v1/forecast (AAPL, 20 samples, cached date), $c connections"
    wrk -t$t -c$c -d10s --latency -s "$lua" "$base/v1/forecast" | grep -E "Latency|50%|99%|Requests/sec|Non-2xx|Socket errors"
done
echo "== POST /v1/forecast cold (a new date each time: the whole universe scored, 20 samples)"
python3 - "$base" "$date" <<'PY'
import json, sys, time, urllib.request, datetime
base, date = sys.argv[1], datetime.date.fromisoformat(sys.argv[2])
times = []
for k in range(1, 16):
    d = (date - datetime.timedelta(days=k)).isoformat()
    body = json.dumps({"tickers": ["AAPL"], "date": d, "samples": 20}).encode()
    request = urllib.request.Request(base + "/v1/forecast", data=body, headers={"Content-Type": "application/json"})
    start = time.perf_counter()
    try:
        urllib.request.urlopen(request, timeout=60).read()
    except urllib.error.HTTPError as error:
        print("status", error.code, d)
    times.append((time.perf_counter() - start) * 1000)
times.sort()
print(f"cold forecast ms: n={len(times)} p50={times[len(times)//2]:.1f} max={times[-1]:.1f}")
PY
echo "== soak: ${soak} s of mixed load at 5 connections (forecast 2, /health 1, signals 2), RSS every 30 s"
signals_lua=$(mktemp --suffix=.lua)
cat >"$signals_lua" <<LUA
-- cycles the read-only signal endpoints: latest, the date's file, the universe
local paths = {"/v1/signals/latest", "/v1/signals/$date", "/v1/universe"}
local k = 0
request = function()
    k = k % #paths + 1
    return wrk.format("GET", paths[k])
end
LUA
(wrk -t1 -c2 -d${soak}s -s "$lua" "$base/v1/forecast" >/tmp/serve-soak-forecast.txt &
 wrk -t1 -c1 -d${soak}s "$base/health" >/tmp/serve-soak-health.txt &
 wrk -t1 -c2 -d${soak}s -s "$signals_lua" "$base/" >/tmp/serve-soak-signals.txt &
 for i in $(seq 0 30 "$soak"); do echo "rss_kb t=${i}s $(rss)"; sleep 30; done; wait)
grep -E "requests in|Requests/sec|Non-2xx|Socket errors" /tmp/serve-soak-forecast.txt /tmp/serve-soak-health.txt /tmp/serve-soak-signals.txt || true
echo "rss_kb_end $(rss)"
echo "server log (level warning): $(grep -ci 'error' serve-bench.log || true) lines mentioning an error (wrk prints Non-2xx/Socket errors lines above only when there were any)"
echo "== synth job: 100 series x 5000 days, server vs CLI"
start=$(date +%s.%N)
id=$(curl -s -XPOST "$base/v1/synth/jobs?count=100&length=5000&min_fidelity=80&seed=1" -H 'content-type: text/csv' --data-binary @"$csv" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
while :; do
    state=$(curl -s "$base/v1/synth/jobs/$id" | python3 -c 'import json,sys; print(json.load(sys.stdin)["state"])')
    [ "$state" = done ] || [ "$state" = failed ] && break
    sleep 0.1
done
server=$(echo "$(date +%s.%N) - $start" | bc)
rm -rf /tmp/serve-bench-synth
start=$(date +%s.%N)
"$binary" synth --input "$csv" --count 100 --length 5000 --min-fidelity 80 --seed 1 --out /tmp/serve-bench-synth >/dev/null 2>&1
cli=$(echo "$(date +%s.%N) - $start" | bc)
echo "synth job state $state: server ${server} s (upload to done, CSV + xlsx zips included), CLI ${cli} s (CSV files)"
echo "== SIGTERM"
start=$(date +%s.%N)
kill -TERM $pid
status=0; wait $pid || status=$?
trap - EXIT
echo "exit status $status after $(echo "$(date +%s.%N) - $start" | bc) s"
