#!/usr/bin/python3
"""normal-access-trunk: NORMAL MAC learning and VLAN handling.

Writes input/<port>.pcap and input/packets.tsv (deterministic).
Run: /usr/bin/python3 gen.py
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", ".."))
from genlib import TimedTrace  # noqa: E402
from scapy.all import ARP, Dot1Q, Ether, ICMP, IP, UDP, Raw  # noqa: E402

A = "02:00:00:00:0a:01"     # host on p1 (VLAN 10)
B = "02:00:00:00:0a:02"     # host on p2 (VLAN 10)
C = "02:00:00:00:14:03"     # host on p3 (VLAN 20)
D = "02:00:00:00:0a:04"     # host behind t1
E = "02:00:00:00:00:05"     # host behind t2
F = "02:00:00:00:0a:06"     # host behind n1 (native VLAN 10)
G = "02:00:00:00:14:07"     # host behind n2 (native VLAN 20)
LOCAL = "02:00:00:00:00:fe"
BC = "ff:ff:ff:ff:ff:ff"

VLAN10_ALL = ["p2", "t1", "t2", "n1", "n2", "br0"]


def ip4(src, dst, ident, payload=b"flowlab"):
    return IP(src=src, dst=dst, id=ident, ttl=64) / UDP(sport=4000 + ident,
                                                        dport=5000) / payload


def arp_req(mac, spa, tpa):
    return Ether(src=mac, dst=BC) / ARP(op=1, hwsrc=mac, psrc=spa, pdst=tpa)


t = TimedTrace()
# --- VLAN 10: unknown unicast flood, learning, then learned unicast --------
t.add("p1", Ether(src=A, dst=B) / ip4("10.0.10.1", "10.0.10.2", 1),
      ["p2", "t1", "t2", "n1", "n2", "br0"],
      "p1 A->B, B unknown: flooded in VLAN 10 (tagged on trunks/LOCAL, untagged on n1)")
t.add("p2", Ether(src=B, dst=A) / ip4("10.0.10.2", "10.0.10.1", 2), ["p1"],
      "p2 B->A, A learned on p1: unicast to p1 only")
t.add("p1", Ether(src=A, dst=B) / ip4("10.0.10.1", "10.0.10.2", 3), ["p2"],
      "p1 A->B, B now learned: unicast to p2")
t.add("p1", arp_req(A, "10.0.10.1", "10.0.10.9"), VLAN10_ALL,
      "p1 ARP broadcast: flooded in VLAN 10")
# --- VLAN 20 ----------------------------------------------------------------
t.add("p3", arp_req(C, "10.0.20.3", "10.0.20.9"), ["t1", "t2", "n1", "n2", "br0"],
      "p3 ARP broadcast in VLAN 20: trunks + n1 (tagged 20) + n2 (native, untagged)")
t.add("p3", Ether(src=C, dst=A) / ip4("10.0.20.3", "10.0.10.1", 4),
      ["t1", "t2", "n1", "n2", "br0"],
      "p3 C->A: A is known only in VLAN 10, so unknown in VLAN 20: flood")
# --- admission on access ports ---------------------------------------------
t.add("p1", Ether(src=A, dst=B) / Dot1Q(vlan=10) / ip4("10.0.10.1", "10.0.10.2", 5),
      "drop", "p1 frame tagged VLAN 10 on an access port: dropped")
t.add("p1", Ether(src=A, dst=B) / Dot1Q(vlan=0, prio=5) / ip4("10.0.10.1", "10.0.10.2", 6),
      ["p2"], "p1 priority-tagged (VID 0, PCP 5) on access port: treated as untagged VLAN 10")
t.add("p1", Ether(src=A, dst=C) / Dot1Q(vlan=0, prio=3) / ip4("10.0.10.1", "10.0.20.3", 7),
      VLAN10_ALL, "p1 priority-tagged to unknown C: flood, PCP 3 kept on tagged copies")
# --- trunk with a list -----------------------------------------------------
t.add("t1", Ether(src=D, dst=A) / Dot1Q(vlan=10) / ip4("10.0.10.4", "10.0.10.1", 8),
      ["p1"], "t1 tagged 10 D->A: learned A on p1, untagged out")
t.add("t1", Ether(src=D, dst=A) / Dot1Q(vlan=30) / ip4("10.0.10.4", "10.0.10.1", 9),
      "drop", "t1 tagged 30, not in trunks=[10,20]: dropped")
t.add("t1", Ether(src=D, dst=A) / ip4("10.0.10.4", "10.0.10.1", 10),
      "drop", "t1 untagged = VLAN 0, not in trunks list: dropped")
t.add("t1", Ether(src=D, dst=C) / Dot1Q(vlan=20, prio=6) / ip4("10.0.10.4", "10.0.20.3", 11),
      ["p3"], "t1 tagged 20 (PCP 6) to C learned on p3: untagged out of p3")
# --- trunk without a list --------------------------------------------------
t.add("t2", Ether(src=E, dst=BC) / ip4("10.0.0.5", "10.0.0.255", 12),
      ["br0"], "t2 untagged broadcast = VLAN 0: only LOCAL (also an all-VLAN trunk)")
t.add("t2", Ether(src=E, dst=D) / Dot1Q(vlan=10) / ip4("10.0.10.5", "10.0.10.4", 13),
      ["t1"], "t2 tagged 10 to D (learned on t1 VLAN 10): tagged out of t1")
t.add("t2", Ether(src=E, dst=BC) / Dot1Q(vlan=0, prio=2) / ip4("10.0.0.5", "10.0.0.255", 14),
      ["br0"], "t2 priority-tagged broadcast: VLAN 0 -> LOCAL")
t.add("t2", Ether(src=E, dst=BC) / Dot1Q(vlan=99) / ip4("10.0.99.5", "10.0.99.255", 15),
      ["br0"], "t2 tagged 99 broadcast: only the all-VLAN trunks (LOCAL)")
# --- native-untagged n1 (native 10, trunks 20) ------------------------------
t.add("n1", Ether(src=F, dst=A) / ip4("10.0.10.6", "10.0.10.1", 16),
      ["p1"], "n1 untagged = native VLAN 10: F->A unicast to p1")
t.add("n1", Ether(src=F, dst=C) / Dot1Q(vlan=20) / ip4("10.0.10.6", "10.0.20.3", 17),
      ["p3"], "n1 tagged 20 (in trunks): to C on p3")
t.add("n1", Ether(src=F, dst=B) / Dot1Q(vlan=10) / ip4("10.0.10.6", "10.0.10.2", 18),
      ["p2"], "n1 tagged with its native VLAN 10: accepted")
t.add("n1", Ether(src=F, dst=B) / Dot1Q(vlan=30) / ip4("10.0.10.6", "10.0.10.2", 19),
      "drop", "n1 tagged 30: not allowed, dropped")
# --- native-tagged n2 (native 20, trunks 10) --------------------------------
t.add("n2", Ether(src=G, dst=C) / ip4("10.0.20.7", "10.0.20.3", 20),
      ["p3"], "n2 untagged = native VLAN 20: to C")
t.add("n2", Ether(src=G, dst=BC) / Dot1Q(vlan=10) / ip4("10.0.10.7", "10.0.10.255", 21),
      ["p1", "p2", "t1", "t2", "n1", "br0"], "n2 tagged 10 broadcast: flood VLAN 10")
t.add("p3", Ether(src=C, dst=G) / ip4("10.0.20.3", "10.0.20.7", 22),
      ["n2"], "p3 C->G: G learned on n2 VLAN 20; n2 is native-tagged so it leaves tagged 20")
t.add("p1", Ether(src=A, dst=F) / ip4("10.0.10.1", "10.0.10.6", 23),
      ["n1"], "p1 A->F: F learned on n1; native-untagged, leaves untagged")
# --- LOCAL port -------------------------------------------------------------
t.add("br0", Ether(src=LOCAL, dst=BC) / ip4("10.0.0.254", "10.0.0.255", 24),
      ["t2"], "LOCAL untagged broadcast = VLAN 0: only the all-VLAN trunk t2")
t.add("br0", Ether(src=LOCAL, dst=A) / Dot1Q(vlan=10) / ip4("10.0.10.254", "10.0.10.1", 25),
      ["p1"], "LOCAL tagged 10 to A: untagged out of p1")
t.add("p2", Ether(src=B, dst=LOCAL) / ip4("10.0.10.2", "10.0.10.254", 26),
      ["br0"], "p2 B->LOCAL MAC: learned (VLAN 10) on LOCAL, tagged 10 towards it")
# --- special destinations / sources ----------------------------------------
t.add("p1", Ether(src=A, dst="01:80:c2:00:00:00") / Raw(b"\x42\x42\x03" + bytes(40)),
      "drop", "p1 STP BPDU to 01:80:c2:00:00:00: reserved multicast dropped by NORMAL")
t.add("p1", Ether(src=A, dst="01:00:5e:00:00:fb") / ip4("10.0.10.1", "224.0.0.251", 27),
      VLAN10_ALL, "p1 IPv4 multicast (no snooping): flooded in VLAN 10")
t.add("p2", Ether(src=B, dst=B) / ip4("10.0.10.2", "10.0.10.2", 28),
      "drop", "p2 B->B: destination learned on the ingress port: dropped (no hairpin)")
t.add("p2", Ether(src=A, dst=B) / ip4("10.0.10.1", "10.0.10.2", 29),
      "drop", "p2 src=A (moves A from p1 to p2), dst=B on p2 itself: dropped")
t.add("p3", Ether(src=C, dst=A) / ip4("10.0.20.3", "10.0.10.1", 30),
      ["t1", "t2", "n1", "n2", "br0"], "p3 C->A in VLAN 20: A still unknown there: flood")
t.add("n1", Ether(src=F, dst=A) / ip4("10.0.10.6", "10.0.10.1", 31),
      ["p2"], "n1 F->A after the move: A now on p2")
t.add("p1", Ether(src="03:00:00:00:00:01", dst=B) / ip4("10.0.10.1", "10.0.10.2", 32),
      ["p2"], "p1 frame with a multicast source MAC: forwarded (not learned, not dropped)")
t.write(HERE)
