#!/usr/bin/python3
"""ct-timeouts: conntrack entries expiring with OVS 3.1's default timeouts.

Userspace defaults (lib/conntrack-tp.c): TCP SYN_SENT 30 s, ESTABLISHED 24 h;
UDP first/single 60 s, both directions seen 30 s; ICMP first 60 s, replied
30 s.  Each entry is probed shortly before and after its deadline.  Packets
are placed at explicit times >= 100 ms apart (run_ovs.py's settle step), so
OVS's frozen clock equals the pcap timestamps.  Conntrack checks expiry when
it looks a connection up, so no tick packets are needed (unlike rule expiry).
Writes input/<port>.pcap and input/packets.tsv.  Run: /usr/bin/python3 gen.py
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", ".."))
from genlib import TimedTrace, TcpConn  # noqa: E402
from scapy.all import Ether, IP, UDP, ICMP  # noqa: E402

IN_MAC, OUT_MAC = "02:00:00:00:00:01", "02:00:00:00:00:02"
IN, SRV = "10.0.0.1", "192.0.2.10"
TO_OUT, TO_IN, DROPPED = ["p2", "mon"], ["p1", "mon"], ["mon"]

t = TimedTrace(step=0.1)


def inside(at, pkt, expect, note):
    t.at(at)
    t.add("p1", Ether(src=IN_MAC, dst=OUT_MAC) / pkt, expect, "t=%.1fs %s" % (at, note))


def outside(at, pkt, expect, note):
    t.at(at)
    t.add("p2", Ether(src=OUT_MAC, dst=IN_MAC) / pkt, expect, "t=%.1fs %s" % (at, note))


def udp_out(sport, data=b"q"):
    return IP(src=IN, dst=SRV) / UDP(sport=sport, dport=53) / data


def udp_back(sport, data=b"a"):
    return IP(src=SRV, dst=IN) / UDP(sport=53, dport=sport) / data


t1 = TcpConn((IN, 40001), (SRV, 80), c_isn=1000, s_isn=2000)    # SYN never answered in time
t2 = TcpConn((IN, 40002), (SRV, 80), c_isn=3000, s_isn=4000)    # answered at 29 s, then established

inside(0.0, udp_out(5001), TO_OUT, "U1 query: +new, committed (UDP first: 60 s)")
outside(0.1, udp_back(5001), TO_IN, "U1 answer: +est+rpl; both directions seen -> 30 s")
inside(0.2, udp_out(5002), TO_OUT, "U2 query: +new")
outside(0.3, udp_back(5002), TO_IN, "U2 answer: both directions -> 30 s")
inside(0.4, udp_out(5003), TO_OUT, "U3 query, never answered (60 s)")
inside(0.5, udp_out(5004), TO_OUT, "U4 query, never answered (60 s)")
inside(0.6, t1.client("S"), TO_OUT, "T1 SYN: +new, SYN_SENT (30 s)")
inside(0.7, t2.client("S"), TO_OUT, "T2 SYN: +new, SYN_SENT (30 s)")
inside(0.8, IP(src=IN, dst=SRV) / ICMP(type=8, id=1, seq=1), TO_OUT, "E1 echo request: +new (ICMP first: 60 s)")
outside(0.9, IP(src=SRV, dst=IN) / ICMP(type=0, id=1, seq=1), TO_IN, "E1 echo reply: +est+rpl, replied -> 30 s")
inside(1.0, IP(src=IN, dst=SRV) / ICMP(type=8, id=2, seq=1), TO_OUT, "E2 echo request, unanswered (60 s)")
inside(1.1, IP(src=IN, dst=SRV) / ICMP(type=8, id=3, seq=1), TO_OUT, "E3 echo request, unanswered (60 s)")

inside(20.0, udp_out(5002, b"q2"), TO_OUT, "U2 refreshed: +est, expiry moves to 50 s")
outside(29.0, t2.server("SA"), TO_IN, "T2 SYN-ACK at 29 s, just inside SYN_SENT's 30 s: +est+rpl")
inside(29.1, t2.client("A"), TO_OUT, "T2 ACK: ESTABLISHED (24 h)")
outside(29.5, udp_back(5001, b"a2"), TO_IN, "U1 answer at 29.5 s (deadline 30.1 s): +est+rpl, refreshes to 59.5 s")

outside(31.0, t1.server("SA"), DROPPED, "T1 SYN-ACK at 31 s: SYN_SENT expired at 30.6 s, a SYN-ACK cannot start a connection -> +inv")
outside(31.1, IP(src=SRV, dst=IN) / ICMP(type=0, id=1, seq=2), DROPPED,
        "E1 second echo reply at 31.1 s: E1 expired at 30.9 s -> +inv (a reply cannot start one)")
outside(31.2, udp_back(5002, b"a3"), TO_IN, "U2 answer at 31.2 s: alive thanks to the 20 s refresh (until 50 s)")
outside(35.0, udp_back(5003), TO_IN, "U3 first answer at 35 s: one-way UDP lives 60 s -> +est+rpl")
inside(40.0, t2.client("PA", b"still here"), TO_OUT, "T2 data at 40 s: ESTABLISHED lasts 24 h -> +est")
outside(40.1, t2.server("A"), TO_IN, "T2 ACK")
outside(59.0, IP(src=SRV, dst=IN) / ICMP(type=0, id=2, seq=1), TO_IN,
        "E2 reply at 59 s: unanswered echo lives 60 s (until 61.0 s) -> +est+rpl")
outside(60.0, udp_back(5001, b"a3"), DROPPED, "U1 answer at 60 s: expired at 59.5 s -> +new from outside -> dropped")
inside(60.1, udp_out(5001, b"q3"), TO_OUT, "U1 query again: +new, committed afresh")
outside(60.2, udp_back(5001, b"a4"), TO_IN, "its answer: +est+rpl")
outside(61.0, udp_back(5002, b"a4"), TO_IN,
        "U2 answer at 61 s: the 31.2 s answer refreshed it to 61.2 s -> still +est+rpl (refreshes to 91 s)")
inside(61.1, udp_out(5003, b"q2"), TO_OUT, "U3 query at 61.1 s: answered at 35 s -> lives until 65 s -> +est")
outside(61.2, udp_back(5004), DROPPED, "U4 first answer at 61.2 s: one-way UDP expired at 60.5 s -> +new from outside -> dropped")
outside(61.3, IP(src=SRV, dst=IN) / ICMP(type=0, id=3, seq=1), DROPPED,
        "E3 reply at 61.3 s: unanswered echo expired at 61.1 s -> +inv")
inside(61.4, IP(src=IN, dst=SRV) / ICMP(type=8, id=1, seq=3), TO_OUT, "E1 id again: +new")
inside(61.5, t1.client("S", seq=1000), TO_OUT, "T1 SYN retransmitted: the old entry is gone -> +new")
outside(92.0, udp_back(5002, b"a5"), DROPPED, "U2 answer at 92 s: expired at 91 s -> dropped")
t.write(HERE)
