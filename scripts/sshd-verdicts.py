#!/usr/bin/env python3
"""Writes the per-connection verdicts of fixtures/sshd-variants/variants.log from `vigil decode`
(the same summing as Tests/VigilCoreTests/SSHDVariantsTests.swift). `make golden` runs it;
review `git diff fixtures/sshd-variants/` against the README's counting rules before
committing: the file is the contract, not a record of what the code happens to do."""
import json, re, subprocess, sys

vigil = sys.argv[1] if len(sys.argv) > 1 else ".build/debug/vigil"
log = "fixtures/sshd-variants/variants.log"
noise = {"no_identification", "bad_banner", "no_matching_algorithm", "preauth_timeout", "preauth_closed",
         "reverse_mapping_mismatch"}
lines = open(log).read().split("\n")
out = subprocess.run([vigil, "decode", "--format", "sshd", "--year", "2026", log], capture_output=True, text=True, check=True)
order, verdicts, owner = [], {}, {}
for row in out.stdout.splitlines():
    event = json.loads(row)
    n = event["line"]
    m = re.search(r"\[(\d+)\]:", lines[n - 1])
    key = m.group(1) if m else f"line {n}"
    client = event.get("client_ip")
    if event.get("operation") == "unfinished_connection" and client in owner:
        key = owner[client]
    if key not in verdicts:
        order.append(key)
        verdicts[key] = {"connection": key, "clients": [], "attempts": 0, "refused": 0, "success": False,
                         "failures_before": 0, "noise": []}
    v = verdicts[key]
    attempts = event.get("attempts") or 0
    if event["outcome"] == "auth_failure": v["attempts"] += attempts
    if event["outcome"] == "forbidden": v["refused"] += attempts
    if event["outcome"] == "success":
        v["success"] = True
        v["failures_before"] = max(v["failures_before"], event.get("failures_before") or 0)
    if client and client not in v["clients"]:
        v["clients"] = sorted(v["clients"] + [client]); owner[client] = key
    if attempts == 0 and event.get("operation") in noise and event["operation"] not in v["noise"]:
        v["noise"] = sorted(v["noise"] + [event["operation"]])
with open("fixtures/sshd-variants/variants.verdicts.jsonl", "w") as f:
    for key in order:
        f.write(json.dumps(verdicts[key], separators=(",", ":")) + "\n")
print(f"fixtures/sshd-variants/variants.verdicts.jsonl: {len(order)} connections")
