#!/usr/bin/env python3
"""Times `vigil report` over a week with N findings (default 1,000,000) and a year of hourly
event counts, in a database written directly (the schema comes from `vigil analyze`).

    python3 Benchmarks/report-bench.py [N] [DIR]
"""
import json, os, random, sqlite3, subprocess, sys, time

n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
out = sys.argv[2] if len(sys.argv) > 2 else ".build/bench"
root = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
vigil = os.path.join(root, ".build/release/vigil")
os.makedirs(out, exist_ok=True)
db = os.path.join(out, f"report-{n}.sqlite")
HOUR, DAY = 3_600_000, 86_400_000
week_from = 1_763_337_600_000          # 2025-11-17T00:00:00Z, a Monday: ISO week 2025-W47

if not os.path.exists(db):
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(db + suffix): os.remove(db + suffix)
    seed = os.path.join(out, "seed.log")
    with open(seed, "w") as f:
        f.write("Nov 17 10:00:00 web1 sshd[1]: Failed password for root from 192.0.2.1 port 1 ssh2\n")
    subprocess.run([vigil, "analyze", "--quiet", "--policy", os.path.join(root, "Benchmarks/policies/defaults"),
                    "--year", "2025", "--db", db, seed], check=True)
    con = sqlite3.connect(db)
    con.execute("DELETE FROM finding"); con.execute("DELETE FROM event_hourly")
    rng = random.Random(1)
    detectors = [("auth_failure_burst", "auth_failure_burst", 2, "ip"), ("allowlist_violation", "outside_allowlist", 2, "ip"),
                 ("allowlist_violation", "success_outside_allowlist", 1, "ip"), ("unauthorized_access", "unauthorized_access", 2, "api_key"),
                 ("rate_limit_breach", "rate_limit_breach", 3, "api_key"), ("input_validation", "input_validation", 4, "server")]
    countries = ["BR", "NL", "DE", "US", "CN", "RU", "GB", "SE", "IN", "JP"]
    rows = []
    t0 = time.time()
    for i in range(n):
        det, rule, sev, kind = rng.choice(detectors)
        if kind == "ip":
            subject = f"{rng.randint(11, 223)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}" if rng.random() < 0.7 else f"203.0.113.{rng.randint(1, 254)}"
        elif kind == "api_key":
            subject = f"key_{rng.randint(0, 9999):05x}"
        else:
            subject = f"mcp-{rng.randint(0, 20)}"
        first = week_from + rng.randint(0, 7 * DAY - 1) - (30 * DAY if i % 20 == 0 else 0)
        c = rng.choice(countries) if kind == "ip" else None
        asn = 64500 + countries.index(c) if c else None
        ev = {"api_keys": [], "attributes": ({"country": c, "asn": f"AS{asn}", "as_org": f"Org {c}"} if c else {}), "counts": {"refused": 3},
              "more_targets": 0, "more_users": 0, "request_ids": [], "samples": [{"at": "auth.log:12", "outcome": "auth_failure", "time": "2025-11-17T10:00:00.000Z", "user": "root"}],
              "servers": ["bastion"], "targets": [], "users": ["root", "admin"]}
        rows.append((f"F-{i:012x}", det, rule, sev, kind, subject, "bastion", first, first + rng.randint(0, 3_600_000), rng.randint(1, 50),
                     f"{det} by {subject}", json.dumps(ev, separators=(",", ":")), 900_000, 0, 0, c, asn,
                     first if i % 50 == 0 else None, "reviewed" if i % 50 == 0 else None))
        if len(rows) == 50_000:
            con.executemany("INSERT INTO finding (id, detector, rule, severity, subject_kind, subject, server, first_seen, last_seen, count, message, evidence, cooldown, created_at, updated_at, country, asn, acked_at, ack_note) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", rows)
            rows = []
    if rows:
        con.executemany("INSERT INTO finding (id, detector, rule, severity, subject_kind, subject, server, first_seen, last_seen, count, message, evidence, cooldown, created_at, updated_at, country, asn, acked_at, ack_note) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", rows)
    # A year of hourly counts: 8 servers × 2 sources × 6 outcomes per hour.
    outcomes = ["success", "auth_failure", "forbidden", "rate_limited", "invalid_input", "error"]
    hours = []
    start = week_from + 7 * DAY - 365 * DAY
    for h in range(365 * 24):
        hour = start + h * HOUR
        for s in range(8):
            for src in ("mcp-json", "sshd"):
                for o in outcomes:
                    e = rng.randint(0, 5) if o != "success" else rng.randint(500, 5000)
                    hours.append((hour, src, f"mcp-{s}", o, e, e))
    con.executemany("INSERT INTO event_hourly (hour, source, server, outcome, events, attempts) VALUES (?,?,?,?,?,?)", hours)
    con.execute("INSERT INTO suppression (detector, subject, until, note, created_at) VALUES ('*', '203.0.113.7', ?, 'vendor', 0)", (week_from + 30 * DAY,))
    con.commit()
    con.execute("VACUUM")
    con.close()
    print(f"wrote {db}: {n:,} findings, {len(hours):,} hourly rows in {time.time() - t0:.0f} s")

for fmt in ("html", "md", "json"):
    times = []
    for _ in range(3):
        t = time.time()
        subprocess.run([vigil, "report", "--db", db, "--policy", os.path.join(root, "Benchmarks/policies/defaults"),
                        "--week", "2025-W47", "--format", fmt, "--out", os.path.join(out, f"report.{fmt}")], check=True, stderr=subprocess.DEVNULL)
        times.append(time.time() - t)
    print(f"report --format {fmt:4s}: {min(times):.2f}–{max(times):.2f} s over {n:,} findings in the week and a year of hourly counts")
