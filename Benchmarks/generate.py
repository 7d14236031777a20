#!/usr/bin/env python3
"""Generates large realistic logs for benchmarks: sshd auth.log or MCP JSON lines.

Mostly ordinary traffic with brute-force bursts and forbidden calls mixed in, so that every
detector path runs. Deterministic (seeded). Usage: generate.py sshd|mcp|mcp-attack LINES > file

`mcp-attack` is `mcp` under attack: besides the ordinary traffic, two API keys call at about
720 requests a minute (over the shipped 600/min limit, so nearly every one of their requests
is a breach that grows a finding) and 50 addresses fail authentication several times a
minute each. About 15% of its lines grow a finding: the case where an attacker decides how
much work findings cost.
"""
import json, random, sys

kind, n = sys.argv[1], int(sys.argv[2])
rng = random.Random(1)
out = sys.stdout
t = 1_793_600_000  # 2026-11-03
users = ["root", "admin", "test", "oracle", "ubuntu", "deploy", "git", "postgres"] + [f"user{i}" for i in range(200)]
months = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()
import time as _t
buf = []
if kind == "sshd":
    pid = 1000
    for i in range(n):
        t += rng.random() * 0.05
        tm = _t.gmtime(int(t))
        stamp = f"{months[tm.tm_mon-1]} {tm.tm_mday:2d} {tm.tm_hour:02d}:{tm.tm_min:02d}:{tm.tm_sec:02d}"
        r = rng.random()
        ip = f"{rng.choice([203,198,192,45,185])}.{rng.randint(0,255)}.{rng.randint(0,255)}.{rng.randint(1,254)}"
        if r < 0.05:
            ip = f"185.220.{rng.randint(100,101)}.{rng.randint(1,20)}"  # a small set of attackers: bursts
        pid += 1
        u = rng.choice(users)
        c = rng.random()
        if c < 0.35:
            line = f"{stamp} web{pid%4} sshd[{pid}]: Failed password for {u} from {ip} port {rng.randint(1024,65535)} ssh2"
        elif c < 0.5:
            line = f"{stamp} web{pid%4} sshd[{pid}]: Invalid user {u} from {ip} port {rng.randint(1024,65535)}"
        elif c < 0.65:
            line = f"{stamp} web{pid%4} sshd[{pid}]: pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost={ip}  user={u}"
        elif c < 0.75:
            line = f"{stamp} web{pid%4} sshd[{pid}]: Accepted publickey for {u} from {ip} port {rng.randint(1024,65535)} ssh2: ED25519 SHA256:abcdef"
        elif c < 0.9:
            line = f"{stamp} web{pid%4} sshd[{pid}]: Received disconnect from {ip} port {rng.randint(1024,65535)}:11: Bye Bye [preauth]"
        else:
            line = f"{stamp} web{pid%4} CRON[{pid}]: pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)"
        buf.append(line)
        if len(buf) >= 10000:
            out.write("\n".join(buf) + "\n"); buf = []
else:
    keys = [f"key_{i:05x}" for i in range(10000)]
    tools = ["search_docs", "create_issue", "read_file", "list_repos", "run_query", "send_email"]
    servers = ["mcp-github", "mcp-files", "mcp-db", "mcp-mail"]
    for i in range(n):
        t += rng.random() * 0.01
        tm = _t.gmtime(int(t))
        ms = int((t % 1) * 1000)
        stamp = f"{tm.tm_year}-{tm.tm_mon:02d}-{tm.tm_mday:02d}T{tm.tm_hour:02d}:{tm.tm_min:02d}:{tm.tm_sec:02d}.{ms:03d}Z"
        r = rng.random()
        status, err = 200, None
        attack = rng.random() if kind == "mcp-attack" else 1.0
        if attack < 0.12:
            key, ip = f"key_attack_{int(attack * 100) % 2}", f"203.0.113.{int(attack * 1000) % 2 + 1}"
        elif attack < 0.14:
            status, err, key, ip = 401, "INVALID_API_KEY", None, f"192.0.2.{rng.randint(1, 50)}"
        elif r < 0.01: status, err = 401, "INVALID_API_KEY"
        elif r < 0.012: status, err = 403, "PERMISSION_DENIED"
        elif r < 0.02: status, err = 429, "RATE_LIMITED"
        elif r < 0.025: status, err = 422, "VALIDATION_ERROR"
        elif r < 0.03: status, err = 500, "TOOL_EXECUTION_FAILED"
        d = {"timestamp": stamp, "level": "INFO" if status == 200 else "WARN", "service": "mcp-service",
             "operation": "execute_tool", "server_name": rng.choice(servers),
             "client_ip": f"10.{rng.randint(0,3)}.{rng.randint(0,255)}.{rng.randint(1,254)}" if status != 401 else f"198.51.100.{rng.randint(1,30)}",
             "request_id": f"req-{i:012d}", "duration_ms": rng.randint(3, 900), "status_code": status, "error_code": err,
             "message": "ok" if status == 200 else "failed", "tool_name": rng.choice(tools), "user_id": f"u_{rng.randint(0,5000):04x}",
             "api_key_id": rng.choice(keys)}
        if attack < 0.14:
            d["client_ip"], d["api_key_id"] = ip, key
            if key is None: del d["api_key_id"]
        buf.append(json.dumps(d, separators=(",", ":")))
        if len(buf) >= 10000:
            out.write("\n".join(buf) + "\n"); buf = []
out.write("\n".join(buf) + ("\n" if buf else ""))
