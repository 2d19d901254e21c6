#!/usr/bin/env python3
"""bench/first-byte: the TCP frames to and from the guest's PORT in passt's capture (passt --pcap),
as "MS_FROM_POST what" lines, so the round's time line shows what the guest answered and when.

Usage: first-byte-pcap.py PCAP ROUND_FILE PORT
ROUND_FILE's first line is first-byte.py's "clock REALTIME_NS MONOTONIC_NS"; passt stamps its frames
with the real-time clock.
"""
import struct
import sys

pcap, round_file, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
_, t0_real, _ = open(round_file).readline().split()
t0 = int(t0_real) / 1e6
data = open(pcap, "rb").read()
magic = struct.unpack("<I", data[:4])[0]
scale = 1e-3 if magic == 0xA1B23C4D else 1.0  # ns or us fractions
off = 24
names = {0x02: "SYN", 0x12: "SYN-ACK", 0x04: "RST", 0x14: "RST-ACK", 0x10: "ACK", 0x11: "FIN-ACK", 0x18: "PSH-ACK"}
while off + 16 <= len(data):
    sec, frac, incl, _ = struct.unpack("<IIII", data[off:off + 16])
    frame = data[off + 16:off + 16 + incl]
    off += 16 + incl
    ms = sec * 1e3 + frac * scale / 1e3 - t0
    if len(frame) < 14:
        continue
    ethertype = struct.unpack("!H", frame[12:14])[0]
    if ethertype == 0x0806:
        op = struct.unpack("!H", frame[20:22])[0]
        print("%.1f arp %s" % (ms, "request" if op == 1 else "reply"))
        continue
    if ethertype != 0x0800 or frame[23] != 6:
        continue
    ihl = (frame[14] & 0xF) * 4
    tcp = frame[14 + ihl:]
    sport, dport = struct.unpack("!HH", tcp[:4])
    if port not in (sport, dport):
        continue
    flags = tcp[13] & 0x3F
    way = "to guest" if dport == port else "from guest"
    payload = len(frame) - 14 - ihl - (tcp[12] >> 4) * 4
    what = names.get(flags, "flags %#x" % flags) + (" %d bytes" % payload if payload > 0 else "")
    print("%.1f tcp %s %s (client port %d)" % (ms, way, what, sport if dport == port else dport))
