#!/usr/bin/python3
"""ct-zones-marks: zones, ct_mark/ct_label, original-tuple fields, ct_clear.

Writes input/<port>.pcap and input/packets.tsv.  Run: /usr/bin/python3 gen.py
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", ".."))
from genlib import TimedTrace, TcpConn  # noqa: E402
from scapy.all import Ether, IP, UDP  # noqa: E402

CLI_MAC, SRV_MAC = "02:00:00:00:00:01", "02:00:00:00:00:02"
CLI, CLI9, SRV = "10.0.0.1", "10.0.0.9", "10.0.0.2"

t = TimedTrace()


def cli(port, pkt, expect, note):
    t.add(port, Ether(src=CLI_MAC, dst=SRV_MAC) / pkt, expect, note)


def srv(port, pkt, expect, note):
    t.add(port, Ether(src=SRV_MAC, dst=CLI_MAC) / pkt, expect, note)


# The same TCP 5-tuple in zone 1 and zone 2.
z1 = TcpConn((CLI, 1234), (SRV, 80), c_isn=1000, s_isn=2000)
z2 = TcpConn((CLI, 1234), (SRV, 80), c_isn=1000, s_isn=2000)
cli("p1", z1.client("S"), ["p2", "mon"],
    "zone 1 SYN: +new -> ct(commit, mark 0x11, label 0xa1), p2")
srv("p2", z1.server("SA"), ["p1", "mon"],
    "zone 1 SYN-ACK: +est, mark 0x11, label 0xa1 -> table 3: ct_nw_src=10.0.0.1 ct_tp_dst=80 (original tuple) -> p1")
srv("p4", z2.server("SA", seq=z2.snxt), ["mon"],
    "the same SYN-ACK in zone 2 (reg6): no zone 2 entry, a SYN-ACK cannot start one -> +inv, dropped")
cli("p3", z2.client("S"), ["p4", "mon"],
    "zone 2 SYN, same 5-tuple as zone 1's: +new (zones are separate) -> ct(commit, mark 0x22, label 0xb2<<120), p4")
srv("p4", z2.server("SA"), ["p3", "mon"], "zone 2 SYN-ACK: +est, ct_zone=2, mark 0x22, label matched -> p3")
cli("p1", z1.client("A"), ["p2", "mon"], "zone 1 ACK: +est, mark 0x11 -> p2")
cli("p3", z2.client("A"), ["p4", "mon"], "zone 2 ACK: +est, mark 0x22 -> p4")
cli("p3", z2.client("PA", b"zone two"), ["p4", "mon"], "zone 2 data")
srv("p4", z2.server("PA", b"reply two"), ["p3", "mon"], "zone 2 reply data")
cli("p1", z1.client("PA", b"zone one"), ["p2", "mon"], "zone 1 data")
srv("p2", z1.server("PA", b"reply one"), ["p1", "mon"], "zone 1 reply data, original tuple checked again")

# Zone 1 connection from another client: its replies fail table 3's ct_nw_src.
o = TcpConn((CLI9, 1234), (SRV, 80), c_isn=5000, s_isn=6000)
cli("p1", o.client("S"), ["p2", "mon"], "zone 1 SYN from 10.0.0.9: +new, committed with mark 0x11")
srv("p2", o.server("SA"), ["p6", "mon"],
    "its SYN-ACK: +est, mark/label fine, but ct_nw_src=10.0.0.9 misses table 3 priority 100; the priority 50 rule lost its ct_tp_dst=8080 at parse time (no ct_nw_proto) -> p6")

# UDP in zone 1: the reply re-marks the connection (masked set of ct_mark).
cli("p1", IP(src=CLI, dst=SRV) / UDP(sport=5000, dport=53) / b"q1", ["p2", "mon"],
    "zone 1 UDP query: +new -> commit mark 0x11")
srv("p2", IP(src=SRV, dst=CLI) / UDP(sport=53, dport=5000) / b"a1", ["p1", "mon"],
    "UDP answer: +est+rpl, ct_tp_dst=53 -> ct(commit, set_field:0x4/0xf->ct_mark): mark 0x11 -> 0x14, p1")
cli("p1", IP(src=CLI, dst=SRV) / UDP(sport=5000, dport=53) / b"q2", ["p6", "mon"],
    "next UDP query: +est with ct_mark=0x14 -> p6")
srv("p2", IP(src=SRV, dst=CLI) / UDP(sport=53, dport=5000) / b"a2", ["p6", "mon"],
    "next UDP answer: mark 0x14 too -> p6")
cli("p3", IP(src=CLI, dst=SRV) / UDP(sport=5000, dport=53) / b"q1", ["p4", "mon"],
    "the same UDP 5-tuple in zone 2: +new, mark 0x22 (zone 1's re-mark does not leak) -> p4")
srv("p4", IP(src=SRV, dst=CLI) / UDP(sport=53, dport=5000) / b"a1", ["p3", "mon"],
    "zone 2 UDP answer: +est, mark 0x22 -> p3")

# ct_clear.
cli("p5", IP(src=CLI, dst=SRV) / UDP(sport=5000, dport=53) / b"q3", ["mon", "p2"],
    "p5: tracked in zone 1 (+est, mark 0x14, mirrored), then ct_clear: -trk, zone 0, mark 0, label 0 (mirrored again) -> p2")
cli("p5", IP(src=CLI, dst=SRV) / UDP(sport=5001, dport=53) / b"q4", ["mon", "p2"],
    "p5: an untracked tuple in zone 1 (+new, never committed), ct_clear -> p2")
cli("p1", IP(src=CLI, dst=SRV) / UDP(sport=5001, dport=53) / b"q5", ["p2", "mon"],
    "the same tuple from p1: still +new (the p5 packet committed nothing) -> commit, p2")
t.write(HERE)
