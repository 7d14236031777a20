#!/usr/bin/env python3
"""Writes a benchmark policy with N CIDR blocks (default 10,000) and the GeoIP databases.

    python3 Benchmarks/make-policy.py DIR [N] [OUTSIDE]

One allowlist covers the generated MCP servers (mcp-*): the /24s of 10.0.0.0/14 (where
generate.py puts clients) except a fraction OUTSIDE of them (default 0), the rest of the N
blocks spread over other space, and countries GB/NL/SE. Requests from the left-out /24s miss
every block, go to the GeoIP lookup (no country) and become allowlist violations, so with
OUTSIDE=0.05 the benchmark exercises the block search, the GeoIP path and the finding path.
"""
import os, random, sys

out = sys.argv[1]
n = int(sys.argv[2]) if len(sys.argv) > 2 else 10000
outside = float(sys.argv[3]) if len(sys.argv) > 3 else 0.0
rng = random.Random(7)
root = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
blocks = set()
for a in range(4):
    for b in range(256):
        if rng.random() >= outside:
            blocks.add(f"10.{a}.{b}.0/24")
while len(blocks) < n:
    blocks.add(f"{rng.randint(11, 223)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.0/24")
os.makedirs(out, exist_ok=True)
with open(os.path.join(out, "policy.yaml"), "w") as f:
    f.write("version: 1\n")
    f.write(f"geoip:\n  city: {root}/fixtures/geoip/vigil-test-city.mmdb\n  asn: {root}/fixtures/geoip/vigil-test-asn.mmdb\n  max_age_days: 0\n")
    f.write("allowlists:\n  - name: bench\n    servers: [\"mcp-*\"]\n    owner: bench@example.com\n    countries: [GB, NL, SE]\n    cidrs:\n")
    for blk in sorted(blocks):
        f.write(f"      - {blk}\n")
print(f"{out}/policy.yaml: {len(blocks)} CIDR blocks")
