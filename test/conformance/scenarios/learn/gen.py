#!/usr/bin/python3
"""learn: br-tun style MAC learning into table 20 (hard_timeout=300) and a
reverse-flow learn with idle_timeout=10, fin_idle_timeout=2, fin_hard_timeout=4.

Gaps between packets are virtual time (run_ovs.py warps OVS's clock).
Writes input/<port>.pcap and input/packets.tsv.  Run: /usr/bin/python3 gen.py
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", ".."))
from genlib import TimedTrace, TcpConn  # noqa: E402
from scapy.all import ARP, Dot1Q, Ether, ICMP, IP, UDP  # noqa: E402

VM = "fa:16:3e:61:21:c6"       # local VM (behind patch-int, local VLAN 3)
RA = "fa:16:3e:e9:26:5b"       # remote MAC behind tun-a
RB = "fa:16:3e:0b:0b:0b"       # remote MAC behind tun-b
RC = "fa:16:3e:0c:0c:0c"       # never seen
BC = "ff:ff:ff:ff:ff:ff"
VMIP, RAIP, RBIP = "192.168.101.85", "192.168.101.1", "192.168.101.2"


def ping(src, dst, s, d, seq):
    return Ether(src=src, dst=dst) / IP(src=s, dst=d, id=seq) / ICMP(id=7692, seq=seq) / (b"\x00" * 16)


def from_vm(dst, d, seq, vlan=3):
    return Ether(src=VM, dst=dst) / Dot1Q(vlan=vlan) / IP(src=VMIP, dst=d, id=seq) / ICMP(id=7692, seq=seq) / (b"\x00" * 16)


t = TimedTrace(step=0.1)   # >= 100 ms apart: OVS virtual time == pcap time
_tick_id = [0]


def tick(why):
    """OVS expires rules only when a revalidator dump completes (ofproto-dpif
    run()), i.e. in run_ovs.py's settle round after a packet.  The packet
    right after a long gap therefore races the expiry.  A tick - a packet
    that touches none of the rules under test (UDP from h1: table 0 drop) -
    is sent first so that the expiry has certainly happened before the probe."""
    _tick_id[0] += 1
    t.add("h1", Ether(src="02:00:00:00:00:11", dst="02:00:00:00:00:12") /
          IP(src="10.1.0.1", dst="10.1.0.2", id=900 + _tick_id[0]) /
          UDP(sport=9, dport=9) / b"tick", "drop",
          "tick (UDP from h1, table 0 miss -> drop): lets the expiry run before the next probe; " + why)


# ---- (a) br-tun learning ---------------------------------------------------
t.add("tun-a", Ether(src=RA, dst=BC) / ARP(op=1, hwsrc=RA, psrc=RAIP, pdst=VMIP),
      ["patch-int"], "tun-a ARP from RA: tagged VLAN 3 to patch-int; learns RA -> tun-a in table 20")
t.add("tun-b", ping(RB, VM, RBIP, VMIP, 1), ["patch-int"],
      "tun-b ping RB->VM: learns RB -> tun-b")
t.add("patch-int", from_vm(RA, RAIP, 2), ["tun-a"],
      "VM->RA (VLAN 3): learned flow: VLAN stripped, out tun-a only")
t.add("patch-int", from_vm(RB, RBIP, 3), ["tun-b"],
      "VM->RB: learned flow -> tun-b")
t.add("patch-int", from_vm(RC, "192.168.101.3", 4), ["tun-a", "tun-b"],
      "VM->RC unknown: table 20 miss -> table 22 flood, untagged")
t.add("patch-int", Ether(src=VM, dst=BC) / Dot1Q(vlan=3) / ARP(op=1, hwsrc=VM, psrc=VMIP, pdst="192.168.101.3"),
      ["tun-a", "tun-b"], "VM ARP broadcast: table 22 flood")
t.add("patch-int", from_vm(RA, RAIP, 5, vlan=4), "drop",
      "VLAN 4 unicast to RA: learned flow matches VLAN 3 only; table 22 has no VLAN 4 -> drop")
t.gap(150)
t.add("tun-b", ping(RB, VM, RBIP, VMIP, 6), ["patch-int"],
      "t=150s: RB again: learn re-installs RB's flow (hard timeout restarts)")
t.gap(151)
tick("RA's flow (learned at t=0, hard_timeout=300) is past its deadline")
t.add("patch-int", from_vm(RA, RAIP, 7), ["tun-a", "tun-b"],
      "t=301s: RA's learned flow expired (hard_timeout=300): flooded")
t.add("patch-int", from_vm(RB, RBIP, 8), ["tun-b"],
      "t=301s: RB's flow was re-learned at 150s: still unicast to tun-b")
t.add("tun-b", ping(RA, VM, RAIP, VMIP, 9), ["patch-int"],
      "RA now appears behind tun-b: learned there")
t.add("patch-int", from_vm(RA, RAIP, 10), ["tun-b"],
      "VM->RA: now to tun-b")
# ---- (b) reverse-flow learn with idle/fin timeouts ---------------------------
H1, H2 = "02:00:00:00:00:11", "02:00:00:00:00:12"


def fwd(p):
    return Ether(src=H1, dst=H2) / p


def rev(p):
    return Ether(src=H2, dst=H1) / p


c = TcpConn(("10.1.0.1", 40000), ("10.1.0.2", 80), 1000, 5000)
t.add("h2", rev(c.server("S")), "drop", "h2 SYN before any learning: table 31 miss -> drop")
t.add("h1", fwd(c.client("S")), ["h2"], "conn1 h1 SYN: output h2, learns the reverse flow (idle_timeout=10)")
t.add("h2", rev(c.server("SA")), ["h1"], "conn1 h2 SYN-ACK: matches the learned flow -> h1")
t.gap(7)
tick("conn1 idle 7 s < 10")
t.add("h2", rev(c.server("A", b"hello")), ["h1"], "conn1 t+7s: within idle_timeout=10 -> h1 (refreshes idle)")
t.gap(8)
tick("conn1 idle 8 s < 10")
t.add("h2", rev(c.server("A", b"again")), ["h1"], "conn1 t+15s: 8 s idle < 10 -> h1")
t.add("h2", rev(c.server("FA")), ["h1"],
      "conn1 h2 FIN: fin_timeout cuts idle to 2 s and hard to 4 s; the rule is ~16 s old, so it is already past the new hard timeout")
t.add("h2", rev(c.server("A")), "drop",
      "conn1 right after FIN (no gap): expired at the revalidator round after the FIN (fin_hard_timeout=4 counts from rule creation) -> drop")
c2 = TcpConn(("10.1.0.1", 40001), ("10.1.0.2", 80), 2000, 6000)
t.add("h1", fwd(c2.client("S")), ["h2"], "conn2 h1 SYN: learns")
t.add("h2", rev(c2.server("SA")), ["h1"], "conn2 reply allowed")
t.gap(11)
tick("conn2 idle 11 s > 10")
t.add("h2", rev(c2.server("A", b"late")), "drop", "conn2 11 s idle > idle_timeout=10: expired -> drop")
c3 = TcpConn(("10.1.0.1", 40002), ("10.1.0.2", 80), 3000, 7000)
t.add("h1", fwd(c3.client("S")), ["h2"], "conn3 h1 SYN: learns (fresh rule)")
t.add("h2", rev(c3.server("SA")), ["h1"], "conn3 SYN-ACK -> h1")
t.add("h2", rev(c3.server("FA")), ["h1"], "conn3 early FIN on a young rule: idle 2 s, hard 4 s from creation")
t.gap(1.5)
tick("conn3 1.5 s after FIN")
t.add("h2", rev(c3.server("A")), ["h1"], "conn3 +1.5 s: idle < 2, age < 4 -> h1")
t.gap(1.5)
tick("conn3 idle 1.5 s, rule age ~3.5 s")
t.add("h2", rev(c3.server("A")), ["h1"], "conn3 +3 s: still alive")
t.gap(1.5)
tick("conn3 rule age > 4 s")
t.add("h2", rev(c3.server("A")), "drop", "conn3 rule older than fin_hard_timeout=4 -> expired, drop")
c4 = TcpConn(("10.1.0.1", 40003), ("10.1.0.2", 80), 4000, 8000)
t.add("h1", fwd(c4.client("S")), ["h2"], "conn4 h1 SYN: learns")
t.add("h2", rev(c4.server("FA")), ["h1"], "conn4 immediate FIN: idle 2 s")
t.gap(2.5)
tick("conn4 idle 2.5 s > fin_idle_timeout=2")
t.add("h2", rev(c4.server("A")), "drop", "conn4 idle 2.5 s > fin_idle_timeout=2: expired, drop")
t.write(HERE)
