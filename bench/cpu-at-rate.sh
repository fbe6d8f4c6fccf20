#!/bin/bash
# CPU per request of one proxy at fixed paced rates (the max-throughput section measures each
# proxy at its own maximum, where a faster proxy also batches more per event-loop turn).
# Usage: npm run build && bench/cpu-at-rate.sh switchyard|floor|floor-json RATE [RATE…]
# Proxy on core 0; fake upstream and bench/paced-load.js on core 1; 4 s of warm-up at 1,000 req/s,
# then 6 s per rate; CPU from /proc.
set -euo pipefail
cd "$(dirname "$0")/.."
WHO=$1; shift
UP_PORT=4201; PORT=4100
taskset -c 1 node bench/fake-upstream.js $UP_PORT > /dev/null &
UP=$!
CONFIG=$(mktemp --suffix=.yaml)
cat > "$CONFIG" <<YAML
storage: { url: "memory://" }
log: { level: error }
providers:
  fake: { type: openai-compatible, base_url: "http://127.0.0.1:$UP_PORT/v1", api_key: "sk-bench-upstream" }
YAML
case $WHO in
  switchyard) taskset -c 0 node bin/switchyard.js start --config "$CONFIG" --port $PORT --host 127.0.0.1 > /dev/null 2>&1 & ;;
  floor) taskset -c 0 node bench/passthrough.js $PORT http://127.0.0.1:$UP_PORT > /dev/null & ;;
  floor-json) taskset -c 0 node bench/passthrough-json.js $PORT http://127.0.0.1:$UP_PORT > /dev/null & ;;
  *) echo "unknown target $WHO" >&2; kill $UP; exit 2 ;;
esac
PROXY=$!
trap 'kill $PROXY $UP 2>/dev/null; rm -f "$CONFIG"' EXIT
BODY=$(node -e "import('./bench/targets.js').then(m => process.stdout.write(m.requestBody(false)))")
until curl -s -o /dev/null -X POST -H 'content-type: application/json' -d "$BODY" http://127.0.0.1:$PORT/v1/chat/completions; do sleep 0.2; done
TICK=$(getconf CLK_TCK)
cpu_ticks() { awk '{print $14 + $15}' /proc/$PROXY/stat; }
# Warm-up (JIT, pools, heap sizing): a cold process at thousands of requests a second measures its compiler.
WARM=$(node -e "console.log(JSON.stringify({origin:'http://127.0.0.1:$PORT',path:'/v1/chat/completions',headers:{'content-type':'application/json',authorization:'Bearer anything'},body:process.argv[1],rate:1000,duration:4,warmup:0}))" "$BODY")
taskset -c 1 node bench/paced-load.js "$WARM" > /dev/null
for RATE in "$@"; do
  ARGS=$(node -e "console.log(JSON.stringify({origin:'http://127.0.0.1:$PORT',path:'/v1/chat/completions',headers:{'content-type':'application/json',authorization:'Bearer anything'},body:process.argv[1],rate:Number(process.argv[2]),duration:6,warmup:1}))" "$BODY" "$RATE")
  BEFORE=$(cpu_ticks)
  OUT=$(taskset -c 1 node bench/paced-load.js "$ARGS")
  AFTER=$(cpu_ticks)
  # Warm-up requests are served too, so the CPU is divided by every request sent.
  echo "$OUT" | node -e "let s='';process.stdin.on('data',d=>s+=d).on('end',()=>{const o=JSON.parse(s);const sent=o.scheduled+Math.round($RATE);
    console.log('$WHO at $RATE req/s: '+o.ok+' ok, p50 '+o.latency.p50.toFixed(2)+' ms, p99 '+o.latency.p99.toFixed(2)+' ms, CPU '+(($AFTER-$BEFORE)/$TICK*1e6/sent).toFixed(0)+' µs/request')})"
done
