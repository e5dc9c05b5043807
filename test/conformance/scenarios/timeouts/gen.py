#!/usr/bin/python3
"""timeouts: idle/hard timeouts of rules from the flow file.

Packets are placed at explicit times (seconds after the first packet, never
closer than 100 ms, which is run_ovs.py's per-packet settle step), so OVS's
frozen clock follows the pcap timestamps exactly.
Writes input/<port>.pcap and input/packets.tsv.  Run: /usr/bin/python3 gen.py
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", ".."))
from genlib import TimedTrace  # noqa: E402
from scapy.all import Ether, IP, UDP  # noqa: E402

t = TimedTrace(step=0.1)
n = [0]


def send(at, dport, expect, note):
    n[0] += 1
    t.at(at)
    t.add("p1", Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02") /
          IP(src="10.0.0.1", dst="10.0.0.2", id=n[0]) / UDP(sport=5000, dport=dport) / b"timeouts",
          expect, "t=%.1fs rule %d: %s" % (at, dport, note))


def tick(at, why):
    """OVS expires rules when a revalidator dump completes (after each packet
    in run_ovs.py), so the first packet after a long gap races the expiry:
    a tick from p4 (dropped, touches no rule under test) goes first."""
    n[0] += 1
    t.at(at)
    t.add("p4", Ether(src="02:00:00:00:00:04", dst="02:00:00:00:00:02") /
          IP(src="10.0.0.4", dst="10.0.0.2", id=n[0]) / UDP(sport=9, dport=9) / b"tick",
          "drop", "t=%.1fs tick from p4 (dropped): lets expiry run; %s" % (at, why))


send(0.0, 1, ["p2"], "idle_timeout=5 rule used")
send(0.1, 2, ["p2"], "hard_timeout=8 rule used")
send(0.2, 3, ["p2"], "idle 3 / hard 20 rule used")
send(0.3, 5, ["p2"], "no-timeout rule")
send(0.4, 6, ["p2"], "resubmit to table 1 rule with idle_timeout=4")
for base in (2, 4, 6, 8):
    if base == 4:
        send(4.0, 1, ["p2"], "idle 4 s < 5: rule 1 alive, idle timer restarts")
    send(base + 0.2, 3, ["p2"], "keep-alive every 2 s (idle 3)")
    send(base + 0.3, 6, ["p2"], "keep-alive of table 1 rule through resubmit")
tick(9.5, "rule 1 idle since 4.0 (> 5 s), rule 2 past hard 8 s")
send(9.6, 2, ["p3"], "hard_timeout=8 expired despite traffic -> fallback p3")
send(9.7, 1, ["p3"], "idle_timeout=5 expired (last used 4.0) -> p3")
send(10.2, 3, ["p2"], "keep-alive")
send(10.3, 6, ["p2"], "keep-alive (last table 1 keep-alive)")
send(12.2, 3, ["p2"], "keep-alive")
send(14.2, 3, ["p2"], "keep-alive")
send(16.2, 3, ["p2"], "keep-alive")
tick(17.5, "table 1 rule idle since 10.3 (> 4 s)")
send(17.6, 6, ["p3"], "table 1 idle_timeout=4 expired: table 1 priority 0 -> p3")
send(18.2, 3, ["p2"], "keep-alive, last before the hard timeout")
tick(21.5, "rule 3 past hard_timeout=20; rule 4 (never used) past idle 10")
send(21.6, 3, ["p3"], "idle 3 / hard 20: hard timeout expired although never idle 3 s -> p3")
send(21.7, 5, ["p2"], "no-timeout rule still there")
send(21.8, 7, ["p2"], "hard_timeout=30 rule (unused so far) still there")
t.write(HERE)
