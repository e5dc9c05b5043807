#!/usr/bin/python3
"""field-rewrites: header rewrite actions and special output ports.

Writes input/<port>.pcap and input/packets.tsv.  Run: /usr/bin/python3 gen.py
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", ".."))
from genlib import TimedTrace  # noqa: E402
from scapy.all import (ARP, Dot1Q, Dot1AD, Ether, ICMP, IP, IPv6, TCP, UDP,  # noqa: E402
                       ICMPv6EchoRequest)
from scapy.layers.sctp import SCTP, SCTPChunkData  # noqa: E402

S, D = "02:00:00:00:00:01", "02:00:00:00:00:99"


def eth(vlan=None, prio=0):
    e = Ether(src=S, dst=D)
    return e / Dot1Q(vlan=vlan, prio=prio) if vlan is not None else e


def udp4(dst, ident, src="10.0.0.1", ttl=64, tos=0, sport=1000, dport=2000, e=None, **kw):
    return (e or eth()) / IP(src=src, dst=dst, id=ident, ttl=ttl, tos=tos, **kw) / UDP(sport=sport, dport=dport) / b"rewrite-me"


def tcp4(dst, ident, sport=1000, dport=2000):
    return eth() / IP(src="10.0.0.1", dst=dst, id=ident) / TCP(sport=sport, dport=dport, flags="S", seq=1000)


t = TimedTrace()
A = t.add
# Ethernet
A("p1", udp4("10.0.1.1", 1), ["p3"], "mod_dl_src/mod_dl_dst")
A("p1", udp4("10.0.1.2", 2), ["p3"], "masked set_field on eth_dst (first octet) and eth_src (last 2 octets)")
# IPv4
A("p1", udp4("10.0.1.3", 3), ["p3"], "mod_nw_src/mod_nw_dst: IPv4 and UDP checksums updated")
A("p1", udp4("10.0.1.4", 4, tos=0x03), ["p3"], "mod_nw_tos:40 on tos 0x03: DSCP set, ECN bits kept (0x2b)")
A("p1", udp4("10.0.1.5", 5, tos=0xb9), ["p3"], "mod_nw_ecn:2 on tos 0xb9: DSCP kept (0xba)")
A("p1", udp4("10.0.1.6", 6), ["p3"], "mod_nw_ttl:5")
A("p1", udp4("10.0.1.7", 7), ["p3"], "dec_ttl 64 -> 63")
A("p1", udp4("10.0.1.7", 8, ttl=2), ["p3"], "dec_ttl 2 -> 1: still forwarded")
A("p1", udp4("10.0.1.8", 9, ttl=1), ["p4"],
  "dec_ttl on TTL 1: actions before it run (mod_dl_src, output p4), then packet-in (no controller), output p3 skipped")
A("p1", udp4("10.0.1.8", 10, ttl=0), ["p4"], "dec_ttl on TTL 0: same as TTL 1")
A("p1", udp4("10.0.1.8", 11, ttl=9), ["p4", "p3"], "dec_ttl on TTL 9: p4 gets TTL 9 with new src MAC, p3 TTL 8")
A("p1", udp4("10.0.1.9", 12), ["p3"], "masked set_field ip_src 172.16/16 (host part kept), ip_dst last octet 7")
A("p1", udp4("10.0.1.10", 13, tos=0x02), ["p3"], "set_field ip_dscp=46, ip_ecn=1, nw_ttl=200")
# L4
A("p1", tcp4("10.0.1.11", 14), ["p3"], "TCP mod_tp_src/dst: TCP checksum updated")
A("p1", udp4("10.0.1.12", 15), ["p3"], "UDP mod_tp_src/dst")
A("p1", eth() / IP(src="10.0.0.1", dst="10.0.1.13", id=16) / SCTP(sport=1000, dport=2000, tag=0x11223344) /
  SCTPChunkData(tsn=1, stream_id=0, stream_seq=0, proto_id=0, data=b"sctp-data"), ["p3"],
  "SCTP mod_tp_src/dst: CRC32c updated")
A("p1", tcp4("10.0.1.14", 17, dport=0x2345), ["p3"], "masked set_field tcp_dst 0x1000/0xff00 (0x2345 -> 0x1045) + mod_nw_src")
A("p1", eth() / IP(src="10.0.0.1", dst="10.0.1.15", id=19) / UDP(sport=1000, dport=2000, chksum=0) / b"no-udp-csum",
  ["p3"], "UDP with checksum 0: mod_nw_src + udp_src; checksum stays 0")
A("p1", eth() / IP(src="10.0.0.1", dst="10.0.1.16", id=20, flags="MF", frag=0) / UDP(sport=1000, dport=2000, len=1008) / (b"F" * 32),
  ["p3"], "first fragment (MF): mod_nw_dst + mod_tp_dst: the UDP dst port IS rewritten (megaflow set(udp(dst=9999))) and the UDP checksum updated")
A("p1", eth() / IP(src="10.0.0.1", dst="10.0.1.16", id=20, frag=5, proto=17) / (b"G" * 24),
  ["p3"], "later fragment: mod_nw_dst; OVS 3.1 also 'updates' payload bytes 6-7 as if they were a UDP checksum (0x4747 -> 0x2813)")
# ICMP
A("p1", eth() / IP(src="10.0.0.1", dst="10.0.1.17", id=21) / ICMP(type=8, id=5, seq=1) / b"ping",
  ["p3"], "ICMP echo: mod_nw_src + icmp_type 8 -> 0 (ICMP checksum updated; slow-pathed in the datapath)")
# ARP
A("p1", Ether(src=S, dst="ff:ff:ff:ff:ff:ff") / ARP(op=1, hwsrc=S, psrc="10.0.0.1", pdst="10.0.1.18"),
  ["p1"], "ARP responder: request turned into a reply back out in_port")
# VLAN (OF1.3)
A("p1", udp4("10.0.1.20", 22), ["p3"], "push_vlan 0x8100 + vlan_vid 100")
A("p1", udp4("10.0.1.21", 23), ["p3"], "push_vlan 0x88a8 + vlan_vid 200 + pcp 3")
A("p1", udp4("10.0.1.22", 24), ["p3"], "OF1.3 mod_vlan_vid on untagged: pushes a tag (stored as push_vlan+set_field)")
A("p1", udp4("10.0.1.99", 25, e=eth(vlan=10, prio=4)), ["p3"], "pop_vlan on VLAN 10")
A("p1", udp4("10.0.1.99", 26, e=eth(vlan=11, prio=1)), ["p3"], "mod_vlan_vid:21 + mod_vlan_pcp:5 on VLAN 11")
A("p1", udp4("10.0.1.99", 27, e=eth(vlan=12)), ["p3"], "strip_vlan on VLAN 12")
A("p1", udp4("10.0.1.99", 28, e=eth(vlan=13, prio=7)), ["p3"],
  "push_vlan on a tagged frame (VLAN 13, PCP 7): second tag (vlan-limit is a parse limit only)")
# IPv6
A("p1", eth() / IPv6(src="fd00::100", dst="fd00::1", hlim=64) / UDP(sport=1000, dport=2000) / b"v6",
  ["p3"], "IPv6 src/dst rewrite: UDP checksum updated")
A("p1", eth() / IPv6(src="fd00::abcd:100", dst="fd00::2", hlim=64, tc=0x01, fl=0xabcde) / UDP(sport=1000, dport=2000) / b"v6",
  ["p3"], "masked ipv6_src /48, flow label, traffic class DSCP (ECN kept), dec_ttl hop limit")
A("p1", eth() / IPv6(src="fd00::100", dst="fd00::3") / ICMPv6EchoRequest(id=1, seq=1),
  ["p3"], "ICMPv6 echo: ipv6_dst rewrite, ICMPv6 checksum updated")
A("p1", eth() / IPv6(src="fd00::100", dst="fd00::4", hlim=1) / UDP(sport=1000, dport=2000),
  ["p4"], "IPv6 hop limit 1: dec_ttl -> packet-in, output p3 skipped")
A("p1", eth() / IPv6(src="fd00::100", dst="fd00::5") / TCP(sport=1000, dport=80, flags="S"),
  ["p3"], "TCP over IPv6: ipv6_dst + tp_dst rewrite")
# special output ports / note (ingress p2)
S2 = "02:00:00:00:00:02"
for n, exp, note in ((1, ["p2"], "output:in_port -> back out p2"),
                     (2, ["p1", "p3", "p4", "br0"], "ALL: every port but the ingress, LOCAL included"),
                     (3, ["p1", "p3", "p4", "br0"], "FLOOD: every port but the ingress, LOCAL included"),
                     (4, ["br0"], "LOCAL"),
                     (5, ["p3"], "note action is a no-op"),
                     (6, [], "explicit output to the ingress port p2: skipped -> dropped")):
    A("p2", Ether(src=S2, dst=D) / IP(src="10.0.0.2", dst="10.0.3.1", id=100 + n) / UDP(sport=7, dport=n) / b"special",
      exp, note)
# br10: OpenFlow 1.0 VLAN semantics
A("q1", udp4("10.0.2.1", 40), ["q2"], "OF1.0 mod_vlan_vid on untagged: pushes VLAN 100 PCP 0")
A("q1", udp4("10.0.2.2", 41), ["q2"], "OF1.0 mod_vlan_pcp on untagged: pushes VID 0 PCP 6")
A("q1", udp4("10.0.2.99", 42, e=eth(vlan=7, prio=3)), ["q2"], "OF1.0 mod_vlan_vid on VLAN 7: VID -> 8, PCP 3 kept")
A("q1", udp4("10.0.2.99", 43, e=eth(vlan=9)), ["q2"], "strip_vlan")
A("q1", udp4("10.0.2.3", 44), ["q2"], "dl_vlan=0xffff (untagged) match: strip_vlan on untagged is a no-op, mod_nw_ttl")
A("q1", udp4("10.0.2.3", 45, e=eth(vlan=5)), "drop", "tagged frame does not match dl_vlan=0xffff -> drop")
t.write(HERE)
