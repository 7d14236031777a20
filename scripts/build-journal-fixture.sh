#!/usr/bin/env bash
# Builds fixtures/journal/sshd.journal (a real journal file, not committed: it is 8 MiB and
# holds random file ids) from fixtures/journal/sshd.export with Debian's systemd-journal-remote
# (package systemd-journal-remote; `make test` installs it). Rebuilt only when the export is
# newer; written beside and renamed, so tests running at once never see half a file.
set -euo pipefail
cd "$(dirname "$0")/.."
remote=${SYSTEMD_JOURNAL_REMOTE:-/lib/systemd/systemd-journal-remote}
export_file=fixtures/journal/sshd.export
journal=fixtures/journal/sshd.journal
[ -f "$journal" ] && [ "$journal" -nt "$export_file" ] && exit 0
if [ ! -x "$remote" ]; then
  echo "$remote not found: apt-get install systemd-journal-remote" >&2
  exit 2
fi
tmp=fixtures/journal/.sshd-$$.journal
trap 'rm -f "$tmp"' EXIT
"$remote" -o "$tmp" - < "$export_file" 2>/dev/null
mv -f "$tmp" "$journal"
