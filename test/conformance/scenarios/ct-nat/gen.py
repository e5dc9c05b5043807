#!/usr/bin/python3
"""ct-nat: SNAT (port range, no port range), DNAT, un-NAT, ICMP through NAT.

The SNAT port from the 10000-10001 range is chosen by OVS at random, so the
server answers connection R1 on both ports: one answer is +est and delivered
(un-NATed, so the same bytes whichever port OVS picked), the other one is
dropped.  compare.json tells compare.py the port is a free choice.
Writes input/<port>.pcap and input/packets.tsv.  Run: /usr/bin/python3 gen.py
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", ".."))
from genlib import TimedTrace, TcpConn, icmp_quote  # noqa: E402
from scapy.all import Ether, IP, TCP, UDP, ICMP  # noqa: E402

IN_MAC, OUT_MAC = "02:00:00:00:00:01", "02:00:00:00:00:02"
SRV, DNS, RTR, WEBCLI = "203.0.113.10", "203.0.113.53", "203.0.113.1", "198.51.100.7"
NAT_R, NAT_1, VIP = "172.16.1.100", "172.16.1.50", "172.16.1.200"

t = TimedTrace()


def inside(pkt, expect, note):
    t.add("p1", Ether(src=IN_MAC, dst=OUT_MAC) / pkt, expect, note)


def outside(pkt, expect, note):
    t.add("p2", Ether(src=OUT_MAC, dst=IN_MAC) / pkt, expect, note)


def to_both_ports(conn, flags, payload=b"", note=""):
    """The server's packet for connection `conn`, addressed to NAT port 10000
    and then 10001 (same seq and IP id): exactly one of them belongs to the connection."""
    seq, ipid = conn.snxt, conn.ipid["s"]
    for port in (10000, 10001):
        conn.s_sees_c = (NAT_R, port)
        conn.ipid["s"] = ipid           # identical copies but for the port
        outside(conn.server(flags, payload, seq=seq), "p1|drop",
                "%s to %s:%d: delivered un-NATed if OVS chose this port, else dropped" % (note, NAT_R, port))
    conn.snxt = (seq + len(payload) + (1 if "S" in flags else 0)) & 0xffffffff


# ---- SNAT with a port range: R1, then exhaustion -----------------------------
r1 = TcpConn(("10.0.0.17", 40000), (SRV, 443), c_isn=100, s_isn=900)
inside(r1.client("S"), ["p2"], "R1 SYN 10.0.0.17:40000: SNAT to 172.16.1.100:<10000 or 10001>")
to_both_ports(r1, "SA", note="R1 SYN-ACK")
inside(r1.client("A"), ["p2"], "R1 ACK: +est+snat, NATed")
inside(r1.client("PA", b"hello"), ["p2"], "R1 data")
to_both_ports(r1, "PA", b"world", note="R1 reply data")
inside(IP(src="10.0.0.18", dst=SRV) / TCP(sport=40000, dport=443, flags="S", seq=200),
       ["p2"], "R2 SYN 10.0.0.18:40000 to the same server:443: R1 holds one port, R2 gets the other")
inside(IP(src="10.0.0.19", dst=SRV) / TCP(sport=40000, dport=443, flags="S", seq=300),
       ["p2"], "R3 SYN 10.0.0.19:40000 to the same server:443: both ports taken -> NAT exhaustion (WARN logged): nothing committed and the SYN leaves UN-NATed (src 10.0.0.19)")

# ---- SNAT without a port range ------------------------------------------------
s1 = TcpConn(("10.0.0.2", 40000), (SRV, 80), c_isn=1000, s_isn=5000, s_sees_c=(NAT_1, 40000))
s2 = TcpConn(("10.0.0.3", 40000), (SRV, 80), c_isn=2000, s_isn=6000, s_sees_c=(NAT_1, 40001))
inside(s1.client("S"), ["p2"], "S1 SYN 10.0.0.2:40000: SNAT to 172.16.1.50, port kept (40000)")
inside(s2.client("S"), ["p2"], "S2 SYN 10.0.0.3:40000 to the same server: 40000 is taken -> 172.16.1.50:40001")
outside(s1.server("SA"), ["p1"], "S1 SYN-ACK to 172.16.1.50:40000: +est+dnat, un-NATed to 10.0.0.2:40000")
outside(s2.server("SA"), ["p1"], "S2 SYN-ACK to 172.16.1.50:40001: un-NATed to 10.0.0.3:40000")
inside(s1.client("A"), ["p2"], "S1 ACK")
inside(s2.client("A"), ["p2"], "S2 ACK")
inside(s1.client("PA", b"GET /"), ["p2"], "S1 data")
outside(s1.server("PA", b"200 OK"), ["p1"], "S1 reply data")
inside(s1.client("FA"), ["p2"], "S1 FIN")
outside(s1.server("FA"), ["p1"], "S1 FIN-ACK")
inside(s1.client("A"), ["p2"], "S1 last ACK")

# UDP through SNAT, and an ICMP error about it.
q = IP(src="10.0.0.2", dst=DNS, id=0x100) / UDP(sport=5353, dport=53) / b"query"
inside(q, ["p2"], "U1 UDP 10.0.0.2:5353 -> DNS: SNAT 172.16.1.50:5353")
outside(IP(src=DNS, dst=NAT_1, id=0x200) / UDP(sport=53, dport=5353) / b"answer", ["p1"],
        "U1 answer to 172.16.1.50:5353: un-NATed to 10.0.0.2")
natted_q = IP(src=NAT_1, dst=DNS, id=0x101) / UDP(sport=5353, dport=53) / b"query2"
inside(IP(src="10.0.0.2", dst=DNS, id=0x101) / UDP(sport=5353, dport=53) / b"query2", ["p2"], "U1 second query")
outside(IP(src=RTR, dst=NAT_1) / ICMP(type=3, code=3) / icmp_quote(natted_q), ["p1"],
        "ICMP port unreachable to 172.16.1.50 quoting the NATed query: +rel, outer dst and quoted src translated back to 10.0.0.2")

# ICMP echo through SNAT.
inside(IP(src="10.0.0.2", dst=SRV) / ICMP(type=8, id=0x42, seq=1) / b"ping", ["p2"],
       "echo request 10.0.0.2 id 0x42: SNAT 172.16.1.50, id not translated")
outside(IP(src=SRV, dst=NAT_1) / ICMP(type=0, id=0x42, seq=1) / b"ping", ["p1"],
        "echo reply to 172.16.1.50 id 0x42: un-NATed to 10.0.0.2")
inside(IP(src="10.0.0.3", dst=SRV) / ICMP(type=8, id=0x42, seq=1) / b"ping", ["p2"],
       "echo request 10.0.0.3 with the same id to the same host: ids are not translated, so the NATed tuple is taken -> exhaustion, sent UN-NATed, nothing committed")

# ---- DNAT -----------------------------------------------------------------------
d1 = TcpConn((WEBCLI, 33000), ("10.0.0.80", 8080), c_isn=7000, s_isn=8000,
             c_sees_s=(VIP, 80), s_sees_c=(WEBCLI, 33000))
outside(d1.client("S"), ["p1"], "D1 SYN to 172.16.1.200:80: DNAT to 10.0.0.80:8080")
inside(d1.server("SA"), ["p2"], "D1 SYN-ACK from 10.0.0.80:8080: +est+snat, un-DNATed to 172.16.1.200:80")
outside(d1.client("A"), ["p1"], "D1 ACK: +est+dnat")
outside(d1.client("PA", b"GET /vip"), ["p1"], "D1 data")
inside(d1.server("PA", b"vip ok"), ["p2"], "D1 reply data, un-DNATed")
outside(IP(src=WEBCLI, dst=VIP) / TCP(sport=33001, dport=81, flags="S"), "drop",
        "SYN to 172.16.1.200:81: +new from outside with no DNAT rule -> drop")

# ---- a connection committed without NAT ---------------------------------------
p = TcpConn(("10.0.0.9", 41000), (SRV, 80), c_isn=4000, s_isn=4400)
inside(p.client("S"), ["p2"], "P SYN from 10.0.0.9: ct(commit) without nat")
outside(p.server("SA"), ["p1"], "P SYN-ACK: +est-snat-dnat -> p1")
inside(p.client("A"), ["p2"], "P ACK: +est-snat-dnat")
t.write(HERE)
