#!/usr/bin/env python3
"""In-memory state of the API-key detector per key, from a heap profile (valgrind massif).

    python3 Benchmarks/key-memory.py [TRAFFIC.jsonl]      (VIGIL=path/to/vigil for another build)

Runs `vigil analyze` (release build) under massif on the anomaly benchmark's traffic (default:
the first 4 days of .build/bench/anomaly-10000-28/traffic.jsonl; run Benchmarks/anomaly-bench.sh
first) and, in the last detailed heap snapshot, adds up the bytes allocated on behalf of
`APIKeyAnomalyDetector`: each allocation is attributed to the first frame of its stack (from
the allocator outwards) that names the detector. Subtrees under the GeoIP enricher (a cache per
client address, shared by detectors), under state serialization (a checkpoint's transient
buffer) and under raising findings (evidence the finding tracker holds while an episode is
open) are left out and reported apart. Bytes are what the program asked for; glibc adds about
16 bytes per allocation (two allocations per key: its record and its known values).
"""
import os
import re
import sqlite3
import struct
import subprocess
import sys

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
bench = os.path.join(root, ".build/bench/anomaly-10000-28")
traffic = sys.argv[1] if len(sys.argv) > 1 else None
if traffic is None:
    traffic = "/tmp/vigil-key-memory-4d.jsonl"
    if not os.path.exists(traffic):
        with open(os.path.join(bench, "traffic.jsonl")) as src, open(traffic, "w") as dst:
            for i, line in enumerate(src):
                if i >= 1_500_000:
                    break
                dst.write(line)
binary = "/tmp/vigil-key-memory"
subprocess.run(["strip", "-g", "-o", binary, os.environ.get("VIGIL", os.path.join(root, ".build/release/vigil"))], check=True)
db = "/tmp/vigil-key-memory.sqlite"
for suffix in ("", "-wal", "-shm"):
    if os.path.exists(db + suffix):
        os.remove(db + suffix)
out = "/tmp/vigil-key-memory.massif"
subprocess.run(["valgrind", "--tool=massif", "--threshold=0.01", "--detailed-freq=5", f"--massif-out-file={out}",
                binary, "analyze", "--quiet", "--policy", os.path.join(bench, "policy.yaml"), "--db", db, traffic],
               check=True, stderr=subprocess.DEVNULL)

# The last detailed snapshot's tree.
text = open(out).read()
snapshots = text.split("#-----------\nsnapshot=")
tree = None
for s in snapshots:
    if "heap_tree=detailed" in s or "heap_tree=peak" in s:
        tree = s
lines = tree.split("\n")
start = next(i for i, l in enumerate(lines) if l.startswith("heap_tree="))
node = re.compile(r"^( *)n(\d+): (\d+) (.*)$")
parsed = []
for l in lines[start + 1:]:
    m = node.match(l)
    if m:
        parsed.append((len(m.group(1)), int(m.group(3)), m.group(4)))

# Findings the detector raised are held by the finding tracker until their episode ends: their
# evidence (string dictionaries, samples) is counted apart, as it grows with findings, not keys.
finding_frames = ("FindingTracker", "DetectionContextC4note", "APIKeyAnomalyDetectorC4fire", "8FindingV", "SS_SSTg5", "SS_9VigilCore8Severit")
detector = enricher = serialization = findings = 0
i = 0
path = []
while i < len(parsed):
    depth, size, where = parsed[i]
    path = path[:depth] + [where]
    skip = None
    if "Enricher" in where:
        enricher += size
        skip = depth
    elif "snapshot" in where or "BinaryWriter" in where:
        serialization += size
        skip = depth
    elif "APIKeyAnomalyDetector" in where:
        if any(f in p for p in path for f in finding_frames):
            findings += size
        else:
            detector += size
        skip = depth
    i += 1
    if skip is not None:
        while i < len(parsed) and parsed[i][0] > skip:
            i += 1

state = sqlite3.connect(db).execute("select state from detector_state where name='api_key_anomaly'").fetchone()[0]
keys = struct.unpack_from("<I", state, 1 + 8 + 24 * 8 + 24 + 7 * 8 + 7 + 8)[0]
print(f"{keys:,} keys: API-key detector {detector / keys:,.0f} bytes per key in memory "
      f"(+ about 32 bytes of malloc overhead); stored {len(state) / keys:,.0f} bytes per key")
print(f"apart: open findings' evidence {findings / 1e6:.1f} MB, GeoIP cache {enricher / 1e6:.1f} MB (per client address), "
      f"state serialization {serialization / 1e6:.1f} MB (transient)")
