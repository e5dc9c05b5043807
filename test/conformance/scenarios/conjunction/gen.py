#!/usr/bin/python3
"""conjunction: conjunctive matches in several dimensions.

Writes input/<port>.pcap and input/packets.tsv.  Run: /usr/bin/python3 gen.py
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", ".."))
from genlib import TimedTrace  # noqa: E402
from scapy.all import ARP, Ether, IP, TCP, UDP  # noqa: E402

DST = "02:00:00:00:00:99"


def tcp(port, src, dst, dport, ident, mac="02:00:00:00:00:01"):
    return Ether(src=mac, dst=DST) / IP(src=src, dst=dst, id=ident) / TCP(sport=30000 + ident, dport=dport, flags="S")


def udp(port, src, dst, dport, ident, mac="02:00:00:00:00:01", tos=0):
    return Ether(src=mac, dst=DST) / IP(src=src, dst=dst, id=ident, tos=tos) / UDP(sport=30000 + ident, dport=dport) / b"conj"


t = TimedTrace()
t.add("p1", tcp("p1", "10.0.0.1", "10.9.0.1", 80, 1), ["p3"], "conj 1: src .1 & tcp/80 -> p3")
t.add("p1", tcp("p1", "10.0.0.2", "10.9.0.1", 443, 2), ["p3"], "conj 1: src .2 & tcp/443 -> p3")
t.add("p1", tcp("p1", "10.0.0.2", "10.9.0.1", 22, 3), ["p5"], "conj 1 dimension 1 only: falls to priority 50 -> p5")
t.add("p1", tcp("p1", "10.0.0.9", "10.9.0.1", 80, 4), ["p5"], "conj 1 dimension 2 only -> p5")
t.add("p1", tcp("p1", "10.0.0.1", "10.9.0.1", 5000, 5), ["p5"],
      "conj 3 (priority 150, masked tp_dst 0x1000/0xf000) -> mod_dl_dst, p5")
t.add("p1", tcp("p1", "10.0.0.1", "10.9.0.1", 8192, 6), ["p5"],
      "src .1, tcp/8192 outside the masked range: conj 3 and conj 1 both incomplete -> priority 50 p5 (dl_dst unchanged)")
t.add("p1", udp("p1", "10.0.0.9", "10.1.0.7", 53, 7), ["p4"], "conj 2 (3 dims): p1 & 10.1.0.0/24 & udp/53 -> p4")
t.add("p2", udp("p2", "10.0.0.9", "10.1.0.7", 5353, 8, mac="02:00:00:00:00:02"), ["p4"], "conj 2: p2 & udp/5353 -> p4")
t.add("p1", udp("p1", "10.0.0.9", "10.2.0.7", 53, 9), ["p5"], "conj 2: nw_dst dimension missing -> p5")
t.add("p6", udp("p6", "10.0.0.9", "10.1.0.7", 53, 10, mac="02:00:00:00:00:06"), ["p4"],
      "p6 not in conj 2's in_port dimension: priority 60 resubmit(,1) -> table 1 default p4")
t.add("p1", udp("p1", "10.0.0.3", "10.9.0.1", 7, 11), ["p3", "p4"], "conj 5 via the shared flow (src .3) & udp/7 -> p3,p4")
t.add("p1", tcp("p1", "10.0.0.3", "10.9.0.1", 80, 12), ["p3"], "conj 1 via the shared flow (src .3) & tcp/80 -> p3")
t.add("p1", udp("p1", "10.0.0.3", "10.1.0.7", 53, 13), ["p4"],
      "src .3 udp/53 to 10.1.0.7: conj 2 complete (conj 5 incomplete) -> p4")
t.add("p1", tcp("p1", "10.0.0.66", "10.9.0.1", 80, 14), "drop", "priority 300 drop beats conj 1")
t.add("p1", Ether(src="02:00:00:00:00:01", dst="ff:ff:ff:ff:ff:ff") / ARP(psrc="10.0.0.1", pdst="10.0.0.2"),
      "drop", "ARP: only conj 2's in_port dimension matches -> priority 0 drop")
t.add("p6", udp("p6", "10.0.0.9", "10.3.0.1", 9, 15, mac="02:00:00:00:00:61", tos=184), ["p3"],
      "table 1 conj 7: dl_src ..:61 & DSCP 46 -> tos cleared, p3")
t.add("p6", udp("p6", "10.0.0.9", "10.3.0.1", 9, 16, mac="02:00:00:00:00:62", tos=185), ["p3"],
      "table 1 conj 7: dl_src ..:62 & DSCP 46 with ECN 1 (nw_tos matches DSCP only) -> p3")
t.add("p6", udp("p6", "10.0.0.9", "10.3.0.1", 9, 17, mac="02:00:00:00:00:63", tos=184), ["p4"],
      "table 1: dl_src not in conj 7 -> default p4")
t.write(HERE)
