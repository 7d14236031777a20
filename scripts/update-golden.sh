#!/usr/bin/env bash
# Rewrites fixtures/**/<name>.expected.jsonl: the findings of analyzing that one fixture into a
# fresh database. Extra arguments for a fixture (e.g. --year) live in <name>.args beside it;
# default --year 2026. Review `git diff fixtures/` before committing: the golden files are the
# contract the end-to-end tests hold the code to.
set -euo pipefail
cd "$(dirname "$0")/.."
vigil=${VIGIL:-.build/debug/vigil}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
for f in fixtures/{sshd,mcp,combined,realdata}/*; do
  case "$f" in *.expected.jsonl|*.args|*/LICENSE*|*.md) continue ;; esac
  base=${f%.gz}; base=${base%.*}
  args="--year 2026"
  [ -f "$base.args" ] && args=$(cat "$base.args")
  rm -f "$tmp"/db*
  # shellcheck disable=SC2086
  "$vigil" analyze --quiet --db "$tmp/db" $args "$f" || [ $? -eq 1 ]
  "$vigil" findings --db "$tmp/db" --output jsonl > "$base.expected.jsonl"
  echo "$base.expected.jsonl: $(wc -l < "$base.expected.jsonl") findings"
done
# The journal fixture: a real journal file built from its export file, read as journal:PATH.
scripts/build-journal-fixture.sh
rm -f "$tmp"/db*
"$vigil" analyze --quiet --db "$tmp/db" journal:fixtures/journal/sshd.journal || [ $? -eq 1 ]
"$vigil" findings --db "$tmp/db" --output jsonl > fixtures/journal/sshd.expected.jsonl
echo "fixtures/journal/sshd.expected.jsonl: $(wc -l < fixtures/journal/sshd.expected.jsonl) findings"
