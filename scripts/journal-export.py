#!/usr/bin/env python3
"""Writes journal entries in the journal export format (systemd's "Journal Export Format":
FIELD=value lines, a binary field as FIELD, newline, 64-bit little-endian length, bytes,
newline; a blank line ends an entry), for `systemd-journal-remote -o FILE.journal -` to turn
into a real journal file.

    scripts/journal-export.py fixture > fixtures/journal/sshd.export   # the shipped fixture
    scripts/journal-export.py bench N > big.export                     # N entries for the benchmark

The fixture is a day on two hosts that log sshd to the journal only (OpenSSH 9.8+, with
sshd-session): a password brute force, a successful login after failures, an invalid user
name that is not UTF-8 (the journal keeps it as bytes, journalctl prints it as a byte array),
an entry with SYSLOG_PID and no _PID, and other programs' entries that the default match
leaves out.
"""
import struct
import sys

BOOT = "5c1e0a6b9d2f4e3a8b7c6d5e4f3a2b1c"
# 2026-11-05T00:00:00Z in microseconds
DAY = 1793836800 * 1_000_000


def entry(micros, message, host, pid, identifier="sshd-session", comm=None, trusted_pid=True):
    """One entry: the fields journald adds (_HOSTNAME, _PID, _COMM, _BOOT_ID) and the logged ones."""
    fields = [
        ("__REALTIME_TIMESTAMP", str(micros).encode()),
        ("__MONOTONIC_TIMESTAMP", str(micros - DAY + 3_600_000_000).encode()),
        ("_BOOT_ID", BOOT.encode()),
        ("_HOSTNAME", host.encode()),
        ("SYSLOG_FACILITY", b"4"),
        ("SYSLOG_IDENTIFIER", identifier.encode()),
        ("_COMM", (comm or identifier).encode()),
        ("PRIORITY", b"6"),
    ]
    if trusted_pid:
        fields.append(("_PID", str(pid).encode()))
    fields.append(("SYSLOG_PID", str(pid).encode()))
    fields.append(("MESSAGE", message if isinstance(message, bytes) else message.encode()))
    out = bytearray()
    for name, value in fields:
        if b"\n" in value or any(b < 0x20 or b >= 0x80 for b in value):
            out += name.encode() + b"\n" + struct.pack("<Q", len(value)) + value + b"\n"
        else:
            out += name.encode() + b"=" + value + b"\n"
    return bytes(out) + b"\n"


def at(hour, minute, second):
    return DAY + ((hour * 60 + minute) * 60 + second) * 1_000_000


def fixture():
    entries = []
    # A password brute force on web1 from 203.0.113.50, one connection per attempt.
    for i in range(8):
        pid = 41000 + i
        entries.append(entry(at(3, 14, 5 + i * 4), f"Failed password for root from 203.0.113.50 port {52000 + i} ssh2", "web1", pid))
        entries.append(entry(at(3, 14, 6 + i * 4), f"Connection closed by authenticating user root 203.0.113.50 port {52000 + i} [preauth]", "web1", pid))
    # An operator mistypes twice, then gets in (db1).
    entries.append(entry(at(9, 2, 0), "Failed password for alice from 198.51.100.23 port 40022 ssh2", "db1", 5120))
    entries.append(entry(at(9, 2, 4), "Failed password for alice from 198.51.100.23 port 40022 ssh2", "db1", 5120))
    entries.append(entry(at(9, 2, 9), "Accepted password for alice from 198.51.100.23 port 40022 ssh2", "db1", 5120))
    entries.append(entry(at(9, 2, 9), "pam_unix(sshd:session): session opened for user alice(uid=1001) by (uid=0)", "db1", 5120))
    # An invalid user name that is not UTF-8: the journal stores it as bytes.
    entries.append(entry(at(11, 40, 0), b"Invalid user \xff\xfeadmin from 192.0.2.77 port 33512", "web1", 6001))
    entries.append(entry(at(11, 40, 2), b"Failed password for invalid user \xff\xfeadmin from 192.0.2.77 port 33512 ssh2", "web1", 6001))
    # The listener (identifier sshd), logged with SYSLOG_PID only (forwarded over syslog).
    entries.append(entry(at(12, 0, 0), "Server listening on 0.0.0.0 port 22.", "web1", 812, identifier="sshd", trusted_pid=False))
    # Other programs: left out by the default --journal-match.
    entries.append(entry(at(12, 5, 0), "(root) CMD (run-parts /etc/cron.hourly)", "web1", 7002, identifier="CRON", comm="cron"))
    entries.append(entry(at(12, 6, 0), "Started session-42.scope - Session 42 of User alice.", "db1", 1, identifier="systemd"))
    # A second burst on db1 from an address hopping users.
    for i, user in enumerate(["admin", "oracle", "test", "ubuntu", "postgres", "git"]):
        pid = 8100 + i
        entries.append(entry(at(22, 30, i * 3), f"Invalid user {user} from 203.0.113.99 port {60100 + i}", "db1", pid))
        entries.append(entry(at(22, 30, i * 3 + 1), f"Failed password for invalid user {user} from 203.0.113.99 port {60100 + i} ssh2", "db1", pid))
    sys.stdout.buffer.write(b"".join(entries))


def bench(count):
    """`count` sshd entries on 50 hosts: mostly failures from 5,000 addresses, some logins."""
    out = sys.stdout.buffer
    chunk = []
    for i in range(count):
        host = f"host{i % 50}"
        address = f"10.{(i // 250) % 20}.{(i // 5) % 250}.{i % 250 + 1}"
        if i % 10 == 9:
            message = f"Accepted publickey for deploy from {address} port {20000 + i % 40000} ssh2: ED25519 SHA256:abc"
        else:
            message = f"Failed password for invalid user u{i % 997} from {address} port {20000 + i % 40000} ssh2"
        chunk.append(entry(DAY + i * 10_000, message, host, 10000 + i % 50000))
        if len(chunk) == 10000:
            out.write(b"".join(chunk))
            chunk = []
    out.write(b"".join(chunk))


if __name__ == "__main__":
    if len(sys.argv) >= 2 and sys.argv[1] == "fixture":
        fixture()
    elif len(sys.argv) == 3 and sys.argv[1] == "bench":
        bench(int(sys.argv[2]))
    else:
        sys.exit(__doc__)
