#!/usr/bin/python3
"""resubmit-chains: multi-table pipelines, registers, metadata, recursion.

Writes input/<port>.pcap and input/packets.tsv (deterministic).
Run: /usr/bin/python3 gen.py
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", ".."))
from genlib import TimedTrace  # noqa: E402
from scapy.all import ARP, Ether, IP, IPv6, TCP, UDP, ICMPv6EchoRequest  # noqa: E402

H1, H2, H3, H4 = ("02:00:00:00:00:%02x" % i for i in (1, 2, 3, 4))


def udp(src, dst, sport, dport, ident):
    return IP(src=src, dst=dst, id=ident) / UDP(sport=sport, dport=dport) / b"resubmit"


t = TimedTrace()
t.add("p1", Ether(src=H1, dst=H2) / udp("10.0.0.1", "10.0.0.2", 1000, 2000, 1),
      ["p2", "p4"],
      "p1 to 10.0.0.2: write_metadata+goto 1: output p2 (orig src), goto 2: mod_dl_src, output p4")
t.add("p1", Ether(src=H1, dst=H3) / udp("10.0.0.1", "10.0.0.3", 1000, 2000, 2),
      ["p4", "p3"],
      "p1 to 10.0.0.3: write_actions(output:p3) executes at pipeline end after table 2's mod_dl_src,output:p4")
t.add("p1", Ether(src=H1, dst=H3) / udp("10.0.0.1", "10.0.1.3", 1000, 2000, 3),
      "drop", "p1 to 10.0.1.3: outside 10.0.0.0/24, table 0 miss -> drop")
t.add("p1", Ether(src=H1, dst="ff:ff:ff:ff:ff:ff") / ARP(hwsrc=H1, psrc="10.0.0.1", pdst="10.0.0.2"),
      ["p1"], "p1 ARP: MACs swapped via xxreg0 moves, sent back out in_port")
t.add("p2", Ether(src=H2, dst=H3) / udp("10.0.0.2", "10.0.0.3", 1000, 2000, 4),
      ["p3"], "p2 IPv4: load/move/set_field into reg0..3 subfields; table 2 matches them all")
t.add("p2", Ether(src=H2, dst=H3) / IPv6(src="fd00::2", dst="fd00::3") / ICMPv6EchoRequest(id=7, seq=1),
      ["p3", "p4"], "p2 IPv6: clone(mod_dl_dst, output p3) then output p4 with the original dl_dst")
t.add("p3", Ether(src=H3, dst=H4) / udp("10.0.0.3", "10.0.0.4", 1000, 2000, 5),
      "drop", "p3: resubmit loop 10<->11 exceeds depth 64: dropped entirely, earlier output:p4 too")
t.add("p4", Ether(src=H4, dst=H2) / udp("10.0.0.4", "10.0.0.2", 1000, 53, 6),
      ["p2"], "p4 udp/53: resubmit(p1,3): table 3 lookup sees in_port=p1 -> output p2")
t.add("p4", Ether(src=H4, dst=H2) / udp("10.0.0.4", "10.0.0.2", 1000, 54, 7),
      ["p1", "p3"], "p4 udp/54: resubmit(p1,3) substitutes in_port for the lookup only: output:p1 is NOT skipped")
t.add("p4", Ether(src=H4, dst=H2) / udp("10.0.0.4", "10.0.0.2", 1000, 55, 8),
      ["p4"], "p4 udp/55: output:in_port inside resubmit(p1,3) goes to the real ingress p4")
t.add("p4", Ether(src=H4, dst=H2) / udp("10.0.0.4", "10.0.0.2", 1000, 56, 9),
      "drop", "p4 udp/56: table 3 matches in_port=p1 only on listed ports -> priority 0 drop")
t.add("p4", Ether(src=H4, dst=H1) / IP(src="10.0.0.4", dst="10.0.0.1", id=10) / TCP(sport=3333, dport=80, flags="S"),
      ["p1", "p2"], "p4 tcp/80: 10-deep chain, table 29 output p1 (dl_dst 22:22), then back in table 0 output p2 (dl_dst 29:29)")
t.add("p4", Ether(src=H4, dst=H1) / IP(src="10.0.0.4", dst="10.0.0.1", id=11) / TCP(sport=3333, dport=443, flags="S"),
      ["p3", "p2"], "p4 tcp/443: chain ends in table 29 default: output p3, then p2")
t.add("p1", Ether(src=H1, dst=H2) / udp("10.0.0.1", "10.0.0.2", 1001, 2001, 12),
      ["p2", "p4"], "p1 to 10.0.0.2 again (datapath hit path)")
t.add("p3", Ether(src=H3, dst=H4) / IPv6(src="fd00::3", dst="fd00::4") / UDP(sport=1, dport=2),
      "drop", "p3 IPv6: resubmit loop again: dropped")
t.write(HERE)
