#!/usr/bin/env python3
"""One round of bench/first-byte: POST /v1/pods, then the first HTTP 200 on the host port, timed
from one process (no process spawned per attempt, as curl polling would: on a 2-core host running
TCG a spawn every 5 ms slows the VM it measures).

Usage: first-byte.py SOCKET MANIFEST PORT MODE OUT
MODE "after": the first connection attempt once the POST is answered (as bench/vs-podman's curl);
"during": attempts every 5 ms from the POST's start on, beside it (a client polling the port).
Writes OUT: a line "clock REALTIME_NS MONOTONIC_NS" taken at the POST's start, then one line per
event "MS_FROM_POST what".
"""
import socket
import sys
import threading
import time

sock_path, manifest, port, mode, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
body = open(manifest, "rb").read()
events = []
t0 = time.monotonic_ns()
t0_real = time.time_ns()


def at():
    return (time.monotonic_ns() - t0) / 1e6


answered = threading.Event()
post_status = []


def post():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(sock_path)
    s.sendall(b"POST /v1/pods HTTP/1.1\r\nHost: peapod\r\nContent-Type: application/yaml\r\nConnection: close\r\n"
              + b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
    reply = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        reply += chunk
        # the status line is enough to know it was answered; the body follows in the same write
        if b"\r\n\r\n" in reply:
            break
    events.append((at(), "POST answered " + reply.split(b" ", 2)[1].decode()))
    post_status.append(reply)
    answered.set()
    s.close()


def attempt():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(2)
    try:
        s.connect(("127.0.0.1", port))
        s.sendall(b"GET / HTTP/1.0\r\n\r\n")
        data = s.recv(64)
        if data.startswith(b"HTTP/1.") and data[9:12] == b"200":
            return "200"
        return "empty" if not data else "status " + data[9:12].decode()
    except ConnectionRefusedError:
        return "refused"
    except ConnectionResetError:
        return "reset"
    except socket.timeout:
        return "hung"
    finally:
        s.close()


thread = threading.Thread(target=post)
thread.start()
if mode == "after":
    answered.wait(120)
last = None
while True:
    start = at()
    outcome = attempt()
    if outcome != last:
        events.append((start, "connect: " + outcome))
        last = outcome
    if outcome == "200":
        events.append((at(), "first 200"))
        break
    if at() > 60000:
        events.append((at(), "no 200 in 60 s"))
        break
    time.sleep(0.005)
thread.join()
with open(out, "w") as f:
    f.write("clock %d %d\n" % (t0_real, t0))
    for t, what in sorted(events):
        f.write("%.1f %s\n" % (t, what))
