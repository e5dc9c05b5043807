#!/usr/bin/python3
"""malformed: truncated/malformed frames, real and crafted.

Real frames are read from shared/captures ($FLOWLAB_SHARED_CAPTURES, default
<repo>/../shared/captures; see its MANIFEST.md for origin and licence: BSD-3,
Zeek and tcpdump test suites).  Writes input/p1.pcap and input/packets.tsv.
Run: /usr/bin/python3 gen.py
"""
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", ".."))
from genlib import TimedTrace, SHARED_CAPTURES, OVS_REF  # noqa: E402
from scapy.all import Ether, IP, IPv6, IPv6ExtHdrHopByHop, TCP, UDP, ICMP, ARP, Dot3, LLC, Raw  # noqa: E402
sys.path.insert(0, OVS_REF)
import pcapio  # noqa: E402

S, D = "02:00:00:00:00:01", "02:00:00:00:00:99"


def real(fname, idx):
    lt, frames = pcapio.read_pcap(os.path.join(SHARED_CAPTURES, fname))
    assert lt == 1, fname
    return frames[idx][1]


def ip4_tcp(**ipkw):
    return bytes(Ether(src=S, dst=D) / IP(src="10.0.0.1", dst="10.0.0.2", id=1, **ipkw) /
                 TCP(sport=1234, dport=80, flags="S"))


def patch(b, off, new):
    return b[:off] + new + b[off + len(new):]


t = TimedTrace()
A = t.add
# ---- real frames --------------------------------------------------------------
A("p1", real("malformed_ipv4_ihl16.pcap", 0), ["p3"],
  "real (tcpdump ipv4_invalid_hdr_length): IPv4 IHL=4: nw_* all 0 (dl_type 0x0800, L3-only rule)")
A("p1", real("trunc_ipv4_hdr_caplen20.pcap", 0), ["p3"],
  "real (zeek ip4-trunc): 20-byte frame, IPv4 header cut after 6 bytes")
A("p1", real("malformed_ipv6_hbh_trunc.pcap", 0), ["p3"],
  "real (zeek ip6-ext-trunc): IPv6 payload length 20, nothing after the fixed header (HBH missing)")
A("p1", real("malformed_ipv4_lsrr_opts_trunc.pcap", 0), ["p3"],
  "real (tcpdump ip_printroute_asan, fuzzed): IHL=15 with bogus LSRR, frame shorter than the header")
A("p1", real("tcp_smtp_snaplen68.pcap", 0), ["p3"],
  "real (zeek truncated-header): TCP SYN cut inside its options, IPv4 total length > frame")
A("p1", real("tcp_fast_retx_snap54.pcap", 3), ["p3"],
  "real (zeek retransmit-fast009): snaplen 54, IPv4 total length 514 > 40 present")
A("p1", real("ipv4_frag_overlap_tcp.pcap", 1), ["p2"],
  "real (zeek fragmented-4): first fragment (MF, offset 0) of TCP: ports are 0 only for the table lookup; move: copies the real ports 7790/80")
A("p1", real("ipv4_frag_overlap_tcp.pcap", 2), ["p2"],
  "real: later fragment (offset 48, MF): frag=later; move: from tcp ports is skipped (prerequisites fail), eth_dst untouched")
A("p1", real("ipv4_frag_overlap_tcp.pcap", 3), ["p2"],
  "real: last fragment (offset 72), 17 bytes")
# ---- crafted IPv4 -----------------------------------------------------------------
good = ip4_tcp()
A("p1", good, ["p2"], "control: intact IPv4/TCP SYN 1234 -> 80")
A("p1", patch(good, 14 + 2, struct.pack("!H", 10)), ["p3"], "IPv4 total length 10 (< IHL*4)")
A("p1", bytes(Ether(src=S, dst=D) / IP(src="10.0.0.1", dst="10.0.0.2", id=2, proto=6) / Raw(b"\x04\xd2\x00\x50\x00\x00\x00\x01")),
  ["p2"], "IPv4 proto TCP with only 8 bytes of TCP header: matches tcp, ports read as 0")
A("p1", patch(good, 14, b"\x65"), ["p2"], "version 6 in an IPv4 (0x0800) frame: version is not checked, parsed as IPv4/TCP")
A("p1", patch(good, 14 + 20 + 12, b"\x20"), ["p2"], "TCP data offset 2 (< 5): matches tcp, ports read as 0")
A("p1", bytes(Ether(src=S, dst=D) / IP(src="10.0.0.1", dst="10.0.0.2", id=3, proto=17) / Raw(b"\x04\xd2\x00\x35")),
  ["p2"], "UDP header truncated to 4 bytes: matches udp, ports 0")
A("p1", bytes(Ether(src=S, dst=D) / IP(src="10.0.0.1", dst="10.0.0.2", id=4, proto=1) / Raw(b"\x08")),
  ["p2"], "ICMP truncated to 1 byte")
A("p1", bytes(Ether(src=S, dst=D) / IP(src="10.0.0.1", dst="10.0.0.2", id=5, options=b"\x94\x04\x00\x00") /
              UDP(sport=53, dport=53))[:14 + 22], ["p3"], "IPv4 IHL=6, frame ends inside the options")
A("p1", patch(good, 14 + 10, b"\xde\xad"), ["p2"], "IPv4 bad header checksum: not checked, forwarded")
A("p1", ip4_tcp(ttl=0), ["p2"], "IPv4 TTL 0: parsed normally")
A("p1", bytes(Ether(src=S, dst=D) / IP(src="10.0.0.1", dst="10.0.0.2", id=6) / UDP(sport=7, dport=9)) + bytes(18),
  ["p2"], "IPv4/UDP with Ethernet padding after total length (60-byte frame)")
A("p1", bytes(Ether(src=S, dst=D) / IP(src="10.0.0.1", dst="10.0.0.2", id=7, flags="MF", frag=0, proto=17) / Raw(b"\x00\x07")),
  ["p2"], "first fragment carrying only 2 bytes of UDP")
# ---- crafted IPv6 -----------------------------------------------------------------
v6 = bytes(Ether(src=S, dst=D) / IPv6(src="fd00::1:2:3", dst="fd00::2") / UDP(sport=1000, dport=2000) / b"v6")
A("p1", v6, ["p2"], "control: intact IPv6/UDP")
A("p1", v6[:14 + 20], ["p3"], "IPv6 fixed header cut at 20 of 40 bytes: dl_type 0x86dd, every IPv6 field 0")
A("p1", patch(v6, 14 + 4, struct.pack("!H", 100)), ["p3"], "IPv6 payload length 100 > frame")
A("p1", bytes(Ether(src=S, dst=D) / IPv6(src="fd00::1:2:3", dst="fd00::2") / IPv6ExtHdrHopByHop(len=3, nh=6) /
              TCP(sport=1, dport=2))[:14 + 40 + 16], ["p3"],
  "IPv6 Hop-by-Hop header claiming 32 bytes, frame ends after 16")
# ---- other ------------------------------------------------------------------------
A("p1", bytes.fromhex("02000000009902000000000181000064"), ["p5"], "VLAN header with no inner ethertype (16-byte frame)")
A("p1", bytes.fromhex("020000000099020000000001080045"), ["p3"], "15-byte frame: ethertype IPv4, 1 byte of IP: matches ip, nw_* 0")
A("p1", bytes(Ether(src=S, dst="ff:ff:ff:ff:ff:ff") / ARP(psrc="10.0.0.1", pdst="10.0.0.2"))[:14 + 10], ["p4"],
  "ARP truncated to 10 bytes: matches arp, arp_op/arp_spa 0")
A("p1", bytes(Ether(src=S, dst="ff:ff:ff:ff:ff:ff") / ARP(op=2, psrc="10.0.0.1", pdst="10.0.0.2")), ["p4"],
  "control: intact ARP reply")
A("p1", bytes(Dot3(src=S, dst=D) / LLC(dsap=0x42, ssap=0x42, ctrl=3) / Raw(bytes(38))), ["p5"],
  "802.3 length-field frame with LLC")
t.write(HERE)
