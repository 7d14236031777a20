#!/usr/bin/env bash
# Throughput of `vigil analyze journal:DIR` (release build) on a generated journal,
# against `journalctl -o json --directory DIR | wc -l` on the same files: Vigil reads the journal
# through journalctl, so journalctl's own output rate is the practical ceiling.
#   Benchmarks/journal-bench.sh              500,000 entries
#   ENTRIES=1000000 Benchmarks/journal-bench.sh
# Needs systemd-journal-remote (to write the journal file) and journalctl.
set -euo pipefail
cd "$(dirname "$0")/.."
ENTRIES=${ENTRIES:-500000}
OUT=${BENCH_DIR:-.build/bench}
remote=${SYSTEMD_JOURNAL_REMOTE:-/lib/systemd/systemd-journal-remote}
command -v /usr/bin/time >/dev/null || apt-get install -y -qq time
vigil=.build/release/vigil
[ -x "$vigil" ] || swift build -c release
mkdir -p "$OUT"
# systemd-journal-remote starts a new file every ~37 MB, so the journal is a directory of files
# (as /var/log/journal/remote/ is), read with journalctl --directory.
journal="$OUT/journal-$ENTRIES"
if [ ! -f "$journal/sshd.journal" ]; then
  mkdir -p "$journal"
  python3 scripts/journal-export.py bench "$ENTRIES" | "$remote" -o "$journal/sshd.journal" - 2>/dev/null
fi
size=$(du -cm "$journal"/*.journal | tail -1 | cut -f1)
rate() { python3 -c "import sys; n, s = int(sys.argv[1]), float(sys.argv[2]); print(f'{n/max(s,1e-9):,.0f}')" "$@"; }

# The ceiling: journalctl formatting every entry as JSON (the same arguments Vigil passes).
start=$(date +%s.%N)
lines=$(journalctl --output=json --all --quiet --no-pager --directory="$journal" SYSLOG_IDENTIFIER=sshd SYSLOG_IDENTIFIER=sshd-session | wc -l)
end=$(date +%s.%N)
secs=$(python3 -c "print($end - $start)")
printf 'journalctl -o json | wc -l  %10s entries %5s MB  %6.2f s  %12s lines/s\n' "$lines" "$size" "$secs" "$(rate "$lines" "$secs")"

# Vigil: journalctl as a child process, decode, detect, store, into a fresh database. Peak
# memory is sampled per process: /usr/bin/time's would be journalctl's (the largest of the
# process tree), whose mapped journal files dominate.
rm -f "$OUT/journal-bench.sqlite"*
start=$(date +%s.%N)
"$vigil" analyze --quiet --policy Benchmarks/policies/defaults --db "$OUT/journal-bench.sqlite" "journal:$journal" &
pid=$!
vigil_kb=0; journalctl_kb=0
while kill -0 "$pid" 2>/dev/null; do
  v=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)
  [ -n "$v" ] && vigil_kb=$v
  child=$(pgrep -P "$pid" journalctl || true)
  if [ -n "$child" ]; then j=$(awk '/VmHWM/ {print $2}' "/proc/$child/status" 2>/dev/null || true); [ -n "$j" ] && journalctl_kb=$j; fi
  sleep 0.2
done
wait "$pid"
end=$(date +%s.%N)
secs=$(python3 -c "print($end - $start)")
printf 'vigil analyze journal:DIR  %10s entries %5s MB  %6.2f s  %12s lines/s  peak RSS vigil %s MB, journalctl %s MB\n' \
  "$lines" "$size" "$secs" "$(rate "$lines" "$secs")" "$((vigil_kb / 1024))" "$((journalctl_kb / 1024))"

# What sd-journal reading could reach: journalctl -o cat reads each entry's MESSAGE through
# sd-journal and formats nothing else (a lower bound on a direct reader's cost).
start=$(date +%s.%N)
journalctl --output=cat --quiet --no-pager --directory="$journal" SYSLOG_IDENTIFIER=sshd SYSLOG_IDENTIFIER=sshd-session | wc -l >/dev/null
end=$(date +%s.%N)
secs=$(python3 -c "print($end - $start)")
printf 'journalctl -o cat | wc -l   %10s entries          %6.2f s  %12s lines/s\n' "$lines" "$secs" "$(rate "$lines" "$secs")"

# Decoding alone, on journalctl's output saved to a file (--format journal-json).
json="$OUT/sshd-$ENTRIES.json"
[ -f "$json" ] || journalctl --output=json --all --quiet --no-pager --directory="$journal" > "$json"
rm -f "$OUT/journal-bench.sqlite"*
/usr/bin/time -f "%e %M" -o "$OUT/time.txt" "$vigil" analyze --quiet --policy Benchmarks/policies/defaults \
  --db "$OUT/journal-bench.sqlite" --format journal-json "$json"
read -r secs rss_kb < "$OUT/time.txt"
printf 'vigil analyze --format journal-json FILE.json  %10s lines  %6.2f s  %12s lines/s\n' "$lines" "$secs" "$(rate "$lines" "$secs")"
