#!/usr/bin/env python3
"""Benchmarks `vigil tail` (release build) on a file that grows while it runs.

1. Sustained ingest: a writer appends LINES generated sshd lines as fast as it can (4 MiB
   writes) to a file that `vigil tail` follows from empty; reported: lines/s from the first
   write until the tail has read the last line (its idle exit, minus the idle time), and peak RSS.
2. Latency: a writer appends MCP JSON lines at RATE lines/s (every 10 ms) for SECONDS seconds,
   with a fresh client IP failing 6 logins in a row 20 times a second. Each 6th failure opens an
   auth_failure_burst finding. Reported: p50/p99/max from that line's write() to
   (a) the finding's commit (`created_at` in the store) and (b) its alert line on stdout.

Usage: Benchmarks/tail-bench.py [--lines N] [--rate R] [--seconds S]
"""
import argparse, json, os, random, resource, sqlite3, subprocess, sys, threading, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VIGIL = os.path.join(ROOT, ".build/release/vigil")
OUT = os.environ.get("BENCH_DIR", os.path.join(ROOT, ".build/bench"))
POLICY = os.path.join(ROOT, "Benchmarks/policies/defaults")


def percentile(values, p):
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))]


def peak_rss_of_children_mb():
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def fresh_workdir(name, logname):
    """An empty log file and no database, in OUT/name."""
    work = os.path.join(OUT, name)
    os.makedirs(work, exist_ok=True)
    log, db = os.path.join(work, logname), os.path.join(work, "t.sqlite")
    for p in [log, db, db + "-wal", db + "-shm"]:
        if os.path.exists(p):
            os.remove(p)
    open(log, "w").close()
    return log, db


def throughput(lines):
    src = os.path.join(OUT, f"sshd-{lines}.log")
    if not os.path.exists(src):
        with open(src, "w") as f:
            subprocess.run([sys.executable, os.path.join(ROOT, "Benchmarks/generate.py"), "sshd", str(lines)], stdout=f, check=True)
    log, db = fresh_workdir("tail-throughput", "auth.log")
    idle = 2.0
    proc = subprocess.Popen([VIGIL, "tail", "--db", db, "--policy", POLICY, "--year", "2026", "--format", "sshd", "--quiet",
                             "--no-alerts", "--idle-exit", str(idle), log], stderr=subprocess.PIPE)
    time.sleep(1.0)  # let it start and open the (empty) file
    start = time.time()
    with open(src, "rb") as s, open(log, "ab", buffering=0) as w:
        while True:
            chunk = s.read(4 << 20)
            if not chunk:
                break
            w.write(chunk)
    written = time.time()
    proc.wait()
    end = time.time() - idle
    err = proc.stderr.read().decode()
    secs = end - start
    print(f"sustained ingest: {lines:,} sshd lines appended in {written - start:.2f} s; tail read them all "
          f"{secs:.2f} s after the first write = {lines / secs:,.0f} lines/s (idle exit subtracted); "
          f"peak RSS {peak_rss_of_children_mb():.0f} MB")
    if err.strip():
        print("  " + err.strip().replace("\n", "\n  "))


def latency(rate, seconds):
    log, db = fresh_workdir("tail-latency", "mcp.jsonl")
    proc = subprocess.Popen([VIGIL, "tail", "--db", db, "--policy", POLICY, "--quiet", log],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    alert_seen = {}

    def read_alerts():
        for line in proc.stdout:
            now = time.time()
            try:
                alert_seen.setdefault(json.loads(line)["subject"], now)
            except Exception:
                pass

    reader = threading.Thread(target=read_alerts, daemon=True)
    reader.start()
    time.sleep(1.0)
    rng = random.Random(7)
    trigger_written = {}
    pending = []  # IPs in the middle of their 6 failures
    tick = 0.01
    per_tick = int(rate * tick)
    triggers_per_tick = 20 * tick
    carry = 0.0
    n = 0
    start = time.time()
    with open(log, "ab", buffering=0) as w:
        next_t = start
        while time.time() - start < seconds:
            now = time.time()
            stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + f".{int(now * 1000) % 1000:03d}Z"
            carry += triggers_per_tick
            while carry >= 1:
                carry -= 1
                pending.append([f"10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}", 0])
            out = []
            triggered = []
            for _ in range(per_tick):
                n += 1
                if pending and rng.random() < 0.2:
                    p = pending[0]
                    p[1] += 1
                    if p[1] == 6:
                        pending.pop(0)
                        triggered.append(p[0])
                    out.append(json.dumps({"timestamp": stamp, "level": "WARN", "operation": "execute_tool", "server_name": "mcp-github",
                                           "client_ip": p[0], "request_id": f"r{n}", "status_code": 401, "error_code": "AUTH_FAILED",
                                           "api_key_id": "key_unknown"}))
                else:
                    out.append(json.dumps({"timestamp": stamp, "level": "INFO", "operation": "execute_tool", "server_name": "mcp-github",
                                           "client_ip": f"192.0.2.{rng.randint(1, 50)}", "request_id": f"r{n}", "status_code": 200,
                                           "tool_name": "search", "api_key_id": f"key_{rng.randint(1, 300)}"}))
            w.write(("\n".join(out) + "\n").encode())
            written_at = time.time()
            for ip in triggered:
                trigger_written[ip] = written_at
            next_t += tick
            delay = next_t - time.time()
            if delay > 0:
                time.sleep(delay)
    elapsed = time.time() - start
    time.sleep(2.0)
    proc.terminate()
    proc.wait()
    reader.join(timeout=2)
    con = sqlite3.connect(db)
    created = {s: c / 1000 for s, c in con.execute("SELECT subject, created_at FROM finding WHERE detector = 'auth_failure_burst'")}
    commit_lat = [(created[ip] - t) * 1000 for ip, t in trigger_written.items() if ip in created]
    alert_lat = [(alert_seen[ip] - t) * 1000 for ip, t in trigger_written.items() if ip in alert_seen]
    missing = len([ip for ip in trigger_written if ip not in created])
    print(f"latency at {n / elapsed:,.0f} lines/s for {elapsed:.0f} s ({n:,} lines, {len(trigger_written)} triggering lines, {missing} without a finding):")
    for name, lat in [("append -> finding committed", commit_lat), ("append -> alert on stdout", alert_lat)]:
        if lat:
            print(f"  {name:28s} p50 {percentile(lat, 50):6.1f} ms  p99 {percentile(lat, 99):6.1f} ms  max {max(lat):6.1f} ms  (n={len(lat)})")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lines", type=int, default=5_000_000)
    ap.add_argument("--rate", type=int, default=20_000)
    ap.add_argument("--seconds", type=int, default=30)
    ap.add_argument("--only", choices=["throughput", "latency"])
    a = ap.parse_args()
    if not os.path.exists(VIGIL):
        subprocess.run(["swift", "build", "-c", "release"], cwd=ROOT, check=True)
    os.makedirs(OUT, exist_ok=True)
    if a.only in (None, "throughput"):
        throughput(a.lines)
    if a.only in (None, "latency"):
        latency(a.rate, a.seconds)


if __name__ == "__main__":
    main()
