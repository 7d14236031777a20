#!/usr/bin/env bash
# PNGs of the fixtures' weekly report at 1400 and 700 px, to look at how badges, headers and
# the wide coverage table lay out (`make screenshots`; needs: apt-get install chromium).
#   scripts/report-screenshots.sh [OUT_DIR]        (default .build/screenshots)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-.build/screenshots}
vigil=${VIGIL:-.build/debug/vigil}
[ -x "$vigil" ] || swift build
browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
[ -n "$browser" ] || { echo "no Chromium found: apt-get install -y chromium" >&2; exit 2; }
mkdir -p "$out"
abs=$(cd "$out" && pwd)
db="$abs/fixtures.sqlite"
rm -f "$db" "$db"-wal "$db"-shm
"$vigil" analyze --quiet --db "$db" --year 2026 fixtures/sshd/auth.log fixtures/sshd/syslog-rfc3339-rfc5424.log \
  fixtures/mcp/mcp-service-2026-11-05.jsonl fixtures/mcp/mcp-service-2026-11-06.jsonl.gz fixtures/combined/access.log || [ $? -eq 1 ]
first=$("$vigil" findings --db "$db" --severity p1 --output jsonl | head -1 | python3 -c 'import sys, json; print(json.loads(sys.stdin.readline())["id"])')
"$vigil" ack --db "$db" "$first" --by reviewer --note "reviewed: known scanner, blocked at the edge" >/dev/null
"$vigil" report --db "$db" --week 2026-W45 --format html --out "$abs/report.html" --as-of 2026-11-10
for width in 1400 700; do
  "$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars --user-data-dir="$abs/profile" \
    --window-size="$width,$(( width < 1000 ? ${HEIGHT:-11000} * 2 : ${HEIGHT:-11000} ))" --screenshot="$abs/report-$width.png" "file://$abs/report.html" 2>/dev/null
done
ls -l "$abs"/report-*.png
