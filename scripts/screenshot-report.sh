#!/usr/bin/env bash
# Renders the weekly report of the shipped fixtures and screenshots it in headless Chromium, to
# check how the HTML looks in a real browser (and in print: a PDF is written too).
#   scripts/screenshot-report.sh [OUT_DIR]      (needs: apt-get install chromium)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-.build/report-check}
vigil=${VIGIL:-.build/release/vigil}
[ -x "$vigil" ] || swift build -c release
browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
[ -n "$browser" ] || { echo "no Chromium found: apt-get install -y chromium" >&2; exit 2; }
mkdir -p "$out"
db="$out/fixtures.sqlite"
rm -f "$db" "$db"-wal "$db"-shm
"$vigil" analyze --quiet --db "$db" --year 2026 fixtures/sshd/auth.log fixtures/sshd/syslog-rfc3339-rfc5424.log \
  fixtures/mcp/mcp-service-2026-11-05.jsonl fixtures/mcp/mcp-service-2026-11-06.jsonl.gz fixtures/combined/access.log || [ $? -eq 1 ]
first=$("$vigil" findings --db "$db" --output jsonl | head -1 | python3 -c 'import sys, json; print(json.loads(sys.stdin.readline())["id"])')
"$vigil" ack --db "$db" "$first" --note "reviewed: known scanner, blocked at the edge" >/dev/null
"$vigil" suppress --db "$db" --detector allowlist_violation --subject 203.0.113.50 --until 2026-12-31 --note "vendor VPN" >/dev/null
"$vigil" report --db "$db" --week 2026-W45 --format html --out "$out/report.html" --as-of 2026-11-10
abs=$(cd "$out" && pwd)
"$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1200,4200 \
  --screenshot="$abs/report.png" "file://$abs/report.html" 2>/dev/null
"$browser" --headless --no-sandbox --disable-gpu --print-to-pdf="$abs/report.pdf" "file://$abs/report.html" 2>/dev/null
ls -l "$out/report.png" "$out/report.pdf"
