#!/usr/bin/python3
"""ct-firewall: the classic stateful firewall through real conntrack.

Inside host 10.0.0.1 / fd00::1 on p1, outside hosts 192.0.2.x / 2001:db8::x on
p2.  Every tracked packet is mirrored to `mon` with its ct_state in eth_dst,
so expected/mon.pcap records OVS's ct_state per packet.
Writes input/<port>.pcap and input/packets.tsv.  Run: /usr/bin/python3 gen.py
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", ".."))
from genlib import TimedTrace, TcpConn, to_ipv6, icmp_quote  # noqa: E402
from scapy.all import Ether, IP, IPv6, UDP, TCP, ICMP, ARP, ICMPv6EchoRequest, ICMPv6EchoReply  # noqa: E402

IN_MAC, OUT_MAC = "02:00:00:00:00:01", "02:00:00:00:00:02"
IN, SRV, DNS, RTR = "10.0.0.1", "192.0.2.10", "192.0.2.53", "192.0.2.1"
IN6, SRV6 = "fd00::1", "2001:db8::10"
TO_OUT = ["p2", "mon"]      # forwarded outside (and mirrored)
TO_IN = ["p1", "mon"]       # forwarded inside
DROPPED = ["mon"]           # tracked, mirrored, dropped by the firewall

t = TimedTrace()


def inside(pkt, expect, note):
    t.add("p1", Ether(src=IN_MAC, dst=OUT_MAC) / pkt, expect, note)


def outside(pkt, expect, note):
    t.add("p2", Ether(src=OUT_MAC, dst=IN_MAC) / pkt, expect, note)


# ---- unsolicited traffic from outside ---------------------------------------
outside(IP(src=SRV, dst=IN) / TCP(sport=5555, dport=22, flags="S", seq=777), DROPPED,
        "outside SYN to inside:22 first: +trk+new from p2 -> dropped, not committed")
outside(IP(src=DNS, dst=IN) / UDP(sport=53, dport=5353) / b"unsolicited", DROPPED,
        "unsolicited UDP from outside: +new from p2 -> dropped")

# ---- TCP connection A: handshake, data, invalid segments, FIN both ways -----
a = TcpConn((IN, 40001), (SRV, 80), c_isn=1000, s_isn=5000)
inside(a.client("S"), TO_OUT, "A: SYN inside->outside: +new -> ct(commit), p2")
outside(a.server("SA"), TO_IN, "A: SYN-ACK: +est+rpl -> p1")
inside(a.client("A"), TO_OUT, "A: ACK: +est -> p2")
inside(a.client("PA", b"GET / HTTP/1.0\r\n\r\n"), TO_OUT, "A: request data: +est")
outside(a.server("PA", b"HTTP/1.0 200 OK\r\n\r\nhello"), TO_IN, "A: response data: +est+rpl")
inside(a.client("A"), TO_OUT, "A: ACK of the response")
outside(a.server("PA", b"far", seq=a.snxt + 1000000), DROPPED,
        "A: server data 1 MB beyond the window: +inv (sequence tracking) -> dropped")
inside(a.client("PA", b"corrupt", seq=a.cnxt, chksum=0x1234), DROPPED,
       "A: client data with a bad TCP checksum: +inv -> dropped")
inside(a.client("PA", b"more"), TO_OUT, "A: the same data with a good checksum: +est (state unharmed)")
outside(a.server("A"), TO_IN, "A: server ACKs it")
inside(a.client("FA"), TO_OUT, "A: client FIN: +est")
outside(a.server("FA"), TO_IN, "A: server FIN-ACK: +est+rpl")
inside(a.client("A"), TO_OUT, "A: last ACK: +est (connection to TIME_WAIT)")
bad = TcpConn((IN, 40009), (SRV, 80), c_isn=9000, s_isn=0)
inside(bad.client("SF"), DROPPED, "SYN+FIN as first packet: +inv -> dropped, nothing committed")

# ---- TCP connection B: mid-stream pickup -------------------------------------
b = TcpConn((IN, 40002), (SRV, 80), c_isn=70000, s_isn=90000)
inside(b.client("PA", b"mid-stream"), TO_OUT,
       "B: ACK+data with no connection (mid-stream pickup): +new -> committed, p2")
outside(b.server("PA", b"answer"), TO_IN, "B: server reply on the picked-up connection: +est+rpl")
inside(b.client("A"), TO_OUT, "B: client ACK: +est")

# ---- TCP connection C: RST answering a SYN, then re-open --------------------
c = TcpConn((IN, 40003), (SRV, 81), c_isn=3000, s_isn=0)
inside(c.client("S"), TO_OUT, "C: SYN to a closed port: +new -> p2")
outside(c.server("RA", seq=0), TO_IN, "C: RST-ACK answering the SYN: +est+rpl -> p1 (connection to TIME_WAIT)")
c = TcpConn((IN, 40003), (SRV, 81), c_isn=13000, s_isn=23000)
inside(c.client("S"), TO_OUT, "C: new SYN on the same 5-tuple: +new again -> p2")
outside(c.server("SA"), TO_IN, "C: SYN-ACK: +est+rpl")
inside(c.client("A"), TO_OUT, "C: ACK: +est")
inside(c.client("RA"), TO_OUT, "C: client RST on the established connection: +est -> p2")
outside(c.server("PA", b"late"), TO_IN,
        "C: server data after the client RST: the entry (now TIME_WAIT) still says +est+rpl -> p1")

# ---- UDP both ways ----------------------------------------------------------------
q = IP(src=IN, dst=DNS, id=0x4001) / UDP(sport=5000, dport=53) / b"query"
inside(q, TO_OUT, "UDP query inside->outside: +new -> committed, p2")
outside(IP(src=DNS, dst=IN, id=0x5001) / UDP(sport=53, dport=5000) / b"answer", TO_IN,
        "UDP answer: +est+rpl -> p1")
inside(IP(src=IN, dst=DNS, id=0x4002) / UDP(sport=5000, dport=53) / b"query2", TO_OUT,
       "UDP second query: +est")

# ---- ICMP echo and errors ----------------------------------------------------------
inside(IP(src=IN, dst=SRV) / ICMP(type=8, id=0x77, seq=1) / b"ping", TO_OUT,
       "ICMP echo request: +new -> committed, p2")
outside(IP(src=SRV, dst=IN) / ICMP(type=0, id=0x77, seq=1) / b"ping", TO_IN,
        "ICMP echo reply: +est+rpl -> p1")
outside(IP(src=SRV, dst=IN) / ICMP(type=0, id=0x99, seq=1) / b"pong", DROPPED,
        "unsolicited ICMP echo reply: +inv (a reply cannot start a connection) -> dropped")
outside(IP(src=RTR, dst=IN) / ICMP(type=3, code=3) / icmp_quote(q), TO_IN,
        "ICMP port unreachable quoting the tracked UDP query: +rel+rpl (no +est) -> p1")
outside(IP(src=RTR, dst=IN) / ICMP(type=3, code=3) /
        icmp_quote(IP(src=IN, dst=DNS, id=0x4003) / UDP(sport=5001, dport=53) / b"query"), DROPPED,
        "ICMP port unreachable quoting an untracked UDP flow: +inv -> dropped")
outside(IP(src=RTR, dst=IN) / ICMP(type=11, code=0) / icmp_quote(a.client("A", seq=a.cnxt), 28), TO_IN,
        "ICMP time exceeded quoting closed connection A (IP header + 8 bytes): A is TIME_WAIT but still in the table -> +rel+rpl, p1")

# ---- IPv6: TCP and ICMPv6 echo -------------------------------------------------
v = TcpConn((IN, 50001), (SRV, 443), c_isn=111, s_isn=222)


def in6(pkt, expect, note):
    inside(to_ipv6(pkt, IN6, SRV6), expect, note)


def out6(pkt, expect, note):
    outside(to_ipv6(pkt, SRV6, IN6), expect, note)


in6(v.client("S"), TO_OUT, "IPv6 TCP SYN: +new -> committed, p2")
out6(v.server("SA"), TO_IN, "IPv6 SYN-ACK: +est+rpl")
in6(v.client("A"), TO_OUT, "IPv6 ACK: +est")
in6(v.client("PA", b"hello6"), TO_OUT, "IPv6 data: +est")
out6(v.server("PA", b"world6"), TO_IN, "IPv6 reply data: +est+rpl")
out6(v.server("PA", b"far6", seq=v.snxt + 1000000), DROPPED, "IPv6 out-of-window data: +inv")
inside(IPv6(src=IN6, dst=SRV6) / ICMPv6EchoRequest(id=0x66, seq=1, data=b"ping6"), TO_OUT,
       "ICMPv6 echo request: +new -> committed, p2")
outside(IPv6(src=SRV6, dst=IN6) / ICMPv6EchoReply(id=0x66, seq=1, data=b"ping6"), TO_IN,
        "ICMPv6 echo reply: +est+rpl")
outside(IPv6(src=SRV6, dst=IN6) / TCP(sport=6000, dport=22, flags="S", seq=5), DROPPED,
        "IPv6 SYN from outside: +new from p2 -> dropped")

# ---- non-IP ------------------------------------------------------------------------
inside(ARP(op=1, hwsrc=IN_MAC, psrc=IN, pdst="10.0.0.254"), "drop",
       "ARP: table 0 priority 0 drop, never tracked (not mirrored)")
t.write(HERE)
