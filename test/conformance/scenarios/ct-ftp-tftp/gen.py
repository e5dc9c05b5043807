#!/usr/bin/python3
"""ct-ftp-tftp: FTP (active/passive, with and without SNAT, IPv6) and TFTP ALGs.

TcpConn keeps seq/ack right, including the 3 bytes the ALG adds to the SNATed
client's stream when it rewrites "PORT 10,0,0,2,..." as "PORT 172,16,1,50,...":
from then on the server acks (and the client is acked) with that skew.
Writes input/<port>.pcap and input/packets.tsv.  Run: /usr/bin/python3 gen.py
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", ".."))
from genlib import TimedTrace, TcpConn, to_ipv6  # noqa: E402
from scapy.all import Ether, IP, UDP  # noqa: E402

C_MAC, S_MAC = "02:00:00:00:00:01", "02:00:00:00:00:02"
FTP, TFTP, NAT = "192.0.2.21", "192.0.2.69", "172.16.1.50"
C6, FTP6 = "fd00::1", "2001:db8::21"
FWD, BACK = ["p2", "mon"], ["p1", "mon"]

t = TimedTrace()


def cli(pkt, expect, note):
    t.add("p1", Ether(src=C_MAC, dst=S_MAC) / pkt, expect, note)


def srv(pkt, expect, note):
    t.add("p2", Ether(src=S_MAC, dst=C_MAC) / pkt, expect, note)


def handshake(c, tag, v6=None):
    wrap = (lambda p, src, dst: to_ipv6(p, src, dst)) if v6 else (lambda p, src, dst: p)
    cs, ss = (v6 or (None, None))
    cli(wrap(c.client("S"), cs, ss), FWD, tag + ": control SYN to port 21 -> ct(commit, alg=ftp, mark)")
    srv(wrap(c.server("SA"), ss, cs), BACK, tag + ": SYN-ACK")
    cli(wrap(c.client("A"), cs, ss), FWD, tag + ": ACK")
    srv(wrap(c.server("PA", b"220 ready\r\n"), ss, cs), BACK, tag + ": 220 banner")
    cli(wrap(c.client("A"), cs, ss), FWD, tag + ": ACK")


# ---- A: active FTP, no NAT (mark 0x21) ---------------------------------------
a = TcpConn(("10.0.0.1", 40021), (FTP, 21), c_isn=1000, s_isn=2000)
handshake(a, "A")
cli(a.client("PA", b"PORT 10,0,0,1,156,64\r\n"), FWD, "A: PORT 10,0,0,1,156,64 (port 40000): expectation created")
srv(a.server("PA", b"200 PORT ok\r\n"), BACK, "A: 200")
cli(a.client("PA", b"RETR f\r\n"), FWD, "A: RETR")
ad = TcpConn((FTP, 20), ("10.0.0.1", 40000), c_isn=3000, s_isn=4000)
srv(ad.client("S"), BACK, "A data: SYN from server port 20 to 10.0.0.1:40000: +new+rel, mark 0x21 inherited -> commit, p1")
cli(ad.server("SA"), FWD, "A data: SYN-ACK: +est+rel+rpl")
srv(ad.client("A"), BACK, "A data: ACK: +est+rel")
srv(ad.client("PA", b"file contents\n"), BACK, "A data: data")
srv(a.server("PA", b"226 done\r\n"), BACK, "A: 226")
cli(a.client("PA", b"PORT 10,0,0,99,156,65\r\n"), ["mon"],
    "A: PORT naming 10.0.0.99 (neither the client nor its NAT address): helper marks it +inv -> dropped")

# ---- P: passive FTP (PASV) and IPv4 EPSV, no NAT (same client) ----------------
p = TcpConn(("10.0.0.1", 40022), (FTP, 21), c_isn=5000, s_isn=6000)
handshake(p, "P")
cli(p.client("PA", b"PASV\r\n"), FWD, "P: PASV")
srv(p.server("PA", b"227 Entering Passive Mode (192,0,2,21,117,48)\r\n"), BACK,
    "P: 227 ... (192,0,2,21,117,48) = port 30000: expectation created")
pd = TcpConn(("10.0.0.1", 40100), (FTP, 30000), c_isn=7000, s_isn=8000)
cli(pd.client("S"), FWD, "P data: SYN 10.0.0.1:40100 -> :30000: +new+rel, mark 0x21 -> commit, p2")
srv(pd.server("SA"), BACK, "P data: SYN-ACK: +est+rel+rpl")
cli(pd.client("A"), FWD, "P data: ACK")
cli(p.client("PA", b"EPSV\r\n"), FWD, "P: EPSV")
srv(p.server("PA", b"229 Entering Extended Passive Mode (|||30001|)\r\n"), BACK,
    "P: 229 (|||30001|): OVS 3.1 only parses EPSV replies on IPv6, no expectation")
ed = TcpConn(("10.0.0.1", 40101), (FTP, 30001), c_isn=9000, s_isn=0)
cli(ed.client("S"), ["mon"], "P EPSV data: SYN to :30001 is +new without +rel -> no rule -> dropped")

# ---- N: active and passive FTP with SNAT to 172.16.1.50 (mark 0x22) ------------
n = TcpConn(("10.0.0.2", 40023), (FTP, 21), c_isn=10000, s_isn=20000, s_sees_c=(NAT, 40023))
handshake(n, "N")
cli(n.client("PA", b"PORT 10,0,0,2,156,66\r\n"), FWD,
    "N: PORT 10,0,0,2,156,66 -> rewritten to PORT 172,16,1,50,156,66 (3 bytes longer, IP length and checksums fixed)")
n.skew_c2s = 3
srv(n.server("PA", b"200 PORT ok\r\n"), BACK, "N: 200, server acks 3 bytes more; the ALG shifts the ack back")
cli(n.client("PA", b"RETR g\r\n"), FWD, "N: RETR, client seq shifted +3 on the way out")
nd = TcpConn((FTP, 20), ("10.0.0.2", 40002), c_isn=30000, s_isn=31000, c_sees_s=(NAT, 40002))
srv(nd.client("S"), BACK, "N data: SYN to 172.16.1.50:40002: +new+rel, mark 0x22 -> commit with nat: DNAT to 10.0.0.2")
cli(nd.server("SA"), FWD, "N data: SYN-ACK from 10.0.0.2:40002, un-NATed to 172.16.1.50")
srv(nd.client("PA", b"g contents\n"), BACK, "N data: data")
srv(n.server("PA", b"226 done\r\n"), BACK, "N: 226")
cli(n.client("PA", b"PASV\r\n"), FWD, "N: PASV")
srv(n.server("PA", b"227 Entering Passive Mode (192,0,2,21,117,50)\r\n"), BACK,
    "N: 227 (port 30002): expectation for the SNATed client")
npd = TcpConn(("10.0.0.2", 40102), (FTP, 30002), c_isn=32000, s_isn=33000, s_sees_c=(NAT, 40102))
cli(npd.client("S"), FWD, "N passive data: SYN 10.0.0.2:40102 -> :30002: +new+rel, commit with nat: SNAT to 172.16.1.50")
srv(npd.server("SA"), BACK, "N passive data: SYN-ACK to 172.16.1.50:40102, un-NATed")
cli(n.client("PA", b"QUIT\r\n"), FWD, "N: QUIT (seq still shifted +3)")
srv(n.server("PA", b"221 bye\r\n"), BACK, "N: 221 (ack shifted back)")

# ---- V: FTP over IPv6 (mark 0x26): EPSV and EPRT -------------------------------
v = TcpConn(("10.0.0.1", 40024), (FTP, 21), c_isn=40000, s_isn=41000)
V6 = (C6, FTP6)


def c6(pkt, expect, note):
    cli(to_ipv6(pkt, C6, FTP6), expect, note)


def s6(pkt, expect, note):
    srv(to_ipv6(pkt, FTP6, C6), expect, note)


handshake(v, "V", V6)
c6(v.client("PA", b"EPSV\r\n"), FWD, "V: EPSV")
s6(v.server("PA", b"229 Entering Extended Passive Mode (|||30004|)\r\n"), BACK,
   "V: 229 (|||30004|) on IPv6: expectation created")
vd = TcpConn(("10.0.0.1", 40104), (FTP, 30004), c_isn=42000, s_isn=43000)
c6(vd.client("S"), FWD, "V EPSV data: SYN to [2001:db8::21]:30004: +new+rel, mark 0x26 -> commit, p2")
s6(vd.server("SA"), BACK, "V EPSV data: SYN-ACK")
c6(v.client("PA", b"EPRT |2|fd00::1|40105|\r\n"), FWD, "V: EPRT |2|fd00::1|40105|: expectation created")
s6(v.server("PA", b"200 EPRT ok\r\n"), BACK, "V: 200")
vad = TcpConn((FTP, 20), ("10.0.0.1", 40105), c_isn=44000, s_isn=45000)
s6(vad.client("S"), BACK, "V EPRT data: SYN from [2001:db8::21]:20 to [fd00::1]:40105: +new+rel -> commit, p1")
c6(vad.server("SA"), FWD, "V EPRT data: SYN-ACK")

# ---- TFTP -------------------------------------------------------------------------
cli(IP(src="10.0.0.1", dst=TFTP) / UDP(sport=3000, dport=69) / b"\x00\x01file.txt\x00octet\x00", FWD,
    "TFTP RRQ to port 69: ct(commit, alg=tftp): expectation for replies to 10.0.0.1:3000")
srv(IP(src=TFTP, dst="10.0.0.1") / UDP(sport=4000, dport=3000) / b"\x00\x03\x00\x01data", BACK,
    "TFTP DATA from server port 4000: +new+rel -> commit, p1")
cli(IP(src="10.0.0.1", dst=TFTP) / UDP(sport=3000, dport=4000) / b"\x00\x04\x00\x01", FWD,
    "TFTP ACK to port 4000: +est+rel+rpl")
srv(IP(src=TFTP, dst="10.0.0.1") / UDP(sport=4001, dport=3000) / b"\x00\x03\x00\x01data", BACK,
    "DATA from yet another server port 4001: the expectation was not consumed by the first data flow -> +new+rel again, committed")
t.write(HERE)
