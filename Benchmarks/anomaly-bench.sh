#!/usr/bin/env bash
# Detection quality and speed of the anomaly detectors on generated MCP traffic with labelled
# incidents (vigil-traffic): recall per incident kind, false alerts per 1,000 keys per day,
# time to detect, lines/s, peak RSS and stored state per key.
#   Benchmarks/anomaly-bench.sh                 10,000 keys, 28 days (about 10 M lines, 3.3 GB)
#   KEYS=2000 DAYS=14 Benchmarks/anomaly-bench.sh
set -euo pipefail
cd "$(dirname "$0")/.."
KEYS=${KEYS:-10000}
DAYS=${DAYS:-28}
INCIDENTS=${INCIDENTS:-60}
OUT=${BENCH_DIR:-.build/bench}/anomaly-$KEYS-$DAYS
command -v /usr/bin/time >/dev/null || apt-get install -y -qq time
[ -x .build/release/vigil-traffic ] || swift build -c release
mkdir -p "$OUT"
geo=$(pwd)/fixtures/geoip
cat > "$OUT/policy.yaml" <<YAML
version: 1
geoip: { city: $geo/vigil-test-city.mmdb, asn: $geo/vigil-test-asn.mmdb, max_age_days: 0 }
rate_limits:
  - { name: per-key, per: api_key, limit: 600, window: 1m }
YAML
[ -f "$OUT/traffic.jsonl" ] || .build/release/vigil-traffic generate --keys "$KEYS" --days "$DAYS" --incidents "$INCIDENTS" \
  --out "$OUT/traffic.jsonl" --labels "$OUT/labels.json"
lines=$(wc -l < "$OUT/traffic.jsonl")
rm -f "$OUT/v.sqlite"*
/usr/bin/time -f "%e %M" -o "$OUT/time.txt" .build/release/vigil analyze --quiet --policy "$OUT/policy.yaml" --db "$OUT/v.sqlite" "$OUT/traffic.jsonl"
read -r secs rss_kb < "$OUT/time.txt"
.build/release/vigil findings --db "$OUT/v.sqlite" --output jsonl > "$OUT/findings.jsonl"
.build/release/vigil-traffic evaluate --labels "$OUT/labels.json" --findings "$OUT/findings.jsonl" --keys "$KEYS" --days "$DAYS"
state=$(python3 -c "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); print(c.execute(\"select length(state) from detector_state where name='api_key_anomaly'\").fetchone()[0])" "$OUT/v.sqlite")
python3 - "$lines" "$secs" "$rss_kb" "$KEYS" "$state" <<'PY'
import sys
lines, secs, rss, keys, state = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
print(f"{lines:,} lines in {secs:.1f} s: {lines/secs:,.0f} lines/s, peak RSS {rss/1024:.0f} MB; stored api_key_anomaly state {state/keys:.0f} bytes per key")
PY
