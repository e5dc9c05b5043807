#!/usr/bin/python3
"""ct-seed-neutron: seed 003's flows with IP traffic through the security groups.

instance02 (tap648437e1-0d, local VLAN 3, reg5=4, reg6=3 -> ct zone 3) talks to
the router port (GW) and to a remote VM, both behind the VXLAN tunnel; their
frames are injected on the dummy vxlan-ac10000b port (tunnel-standin.flows
gives them tun_id 0xef).  Security group of instance02 (seed table 82):
inbound TCP 22 and ICMP allowed, everything outbound allowed.
Writes input/<port>.pcap and input/packets.tsv.  Run: /usr/bin/python3 gen.py
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", ".."))
from genlib import TimedTrace, TcpConn, icmp_quote  # noqa: E402
from scapy.all import Ether, IP, IPv6, TCP, UDP, ICMP, ICMPv6EchoRequest  # noqa: E402

TAP, TUN = "tap648437e1-0d", "vxlan-ac10000b"
VM, VMIP, VMLL = "fa:16:3e:61:21:c6", "192.168.101.85", "fe80::f816:3eff:fe61:21c6"
GW, GWIP, GWLL = "fa:16:3e:e9:26:5b", "192.168.101.1", "fe80::f816:3eff:fee9:265b"
RVM, RVMIP = "fa:16:3e:aa:00:20", "192.168.101.20"       # a VM on another node
WEB, DNS = "203.0.113.5", "203.0.113.53"                  # beyond the router
# Egress through table 94 NORMAL: br-int has never learned GW or RVM (their
# frames reach the VM through table 81/82's explicit output), so it floods:
# patch-tun (br-tun table 20 learned/pre-learned unicast -> the tunnel) and
# LOCAL (tagged 3); the provider/mgmt patches drop VLAN 3.
FLOOD = [TUN, "br-int"]

t = TimedTrace()


def vm(pkt, expect, note, src=VM, dst=GW):
    t.add(TAP, Ether(src=src, dst=dst) / pkt, expect, note)


def remote(pkt, expect, note, src=GW):
    t.add(TUN, Ether(src=src, dst=VM) / pkt, expect, note)


# ---- ping to the gateway ------------------------------------------------------
vm(IP(src=VMIP, dst=GWIP) / ICMP(type=8, id=0x101, seq=1) / b"ping", FLOOD,
   "VM echo request to GW: 71 -> ct(zone 3) -> 72 +new-est -> 73 ct(commit) -> 91 -> 94 NORMAL (GW unknown: flood)")
remote(IP(src=GWIP, dst=VMIP) / ICMP(type=0, id=0x101, seq=1) / b"ping", [TAP],
       "GW echo reply via the tunnel: br-tun 4 (VLAN 3) -> br-int 60 priority 90 -> 81 ct(zone 3) -> 82 +est+rpl ct_mark=0 -> tap")
vm(IP(src=VMIP, dst=GWIP) / ICMP(type=8, id=0x101, seq=2) / b"ping", FLOOD,
   "second echo request: 72 +est-rel-rpl -> 73 -> 94 NORMAL")
remote(IP(src=GWIP, dst=VMIP) / ICMP(type=0, id=0x101, seq=2) / b"ping", [TAP], "second echo reply")

# ---- inbound SSH from a remote VM: allowed -------------------------------------
ssh = TcpConn((RVMIP, 51000), (VMIP, 22), c_isn=1000, s_isn=2000)
remote(ssh.client("S"), [TAP],
       "remote SYN to VM:22: 82 +new-est tcp_dst=22 -> ct(commit), output tap (resubmit 92 drops nothing more)", src=RVM)
vm(ssh.server("SA"), FLOOD,
   "VM SYN-ACK: 71 ct -> 72 +est+rpl ct_zone=3 ct_mark=0 -> 94 NORMAL (RVM unknown in br-int: flood; br-tun has learned RVM)",
   dst=RVM)
remote(ssh.client("A"), [TAP], "remote ACK: 82 +est-rel-rpl tcp_dst=22 -> tap", src=RVM)
remote(ssh.client("PA", b"SSH-2.0-client\r\n"), [TAP], "remote data", src=RVM)
vm(ssh.server("PA", b"SSH-2.0-server\r\n"), FLOOD, "VM data", dst=RVM)

# ---- inbound other TCP and UDP: dropped; inbound ICMP: allowed --------------------
remote(IP(src=RVMIP, dst=VMIP) / TCP(sport=51001, dport=80, flags="S", seq=5),
       "drop", "remote SYN to VM:80: 82 +new-est, no rule for port 80 -> priority 40 -est -> 93 drop", src=RVM)
remote(IP(src=RVMIP, dst=VMIP) / UDP(sport=5000, dport=5000) / b"udp in", "drop",
       "remote UDP to the VM: no rule -> 93 drop", src=RVM)
remote(IP(src=RVMIP, dst=VMIP) / ICMP(type=8, id=0x202, seq=1) / b"ping in", [TAP],
       "remote echo request: 82 +new-est icmp -> ct(commit), tap", src=RVM)
vm(IP(src=VMIP, dst=RVMIP) / ICMP(type=0, id=0x202, seq=1) / b"ping in", FLOOD,
   "VM echo reply: 72 +est+rpl -> 94 NORMAL", dst=RVM)
remote(ssh.client("PA", b"after", seq=ssh.cnxt + 5000000), "drop",
       "remote SSH data far out of window: +inv -> 82 priority 50 +inv+trk -> 93 drop", src=RVM)

# ---- egress TCP and UDP through the router, with replies ----------------------------
web = TcpConn((VMIP, 41000), (WEB, 443), c_isn=3000, s_isn=4000)
vm(web.client("S"), FLOOD, "VM SYN to 203.0.113.5:443 (via GW MAC): 72 +new-est -> 73 commit -> NORMAL")
remote(web.server("SA"), [TAP], "SYN-ACK via GW: 82 +est+rpl -> tap")
vm(web.client("A"), FLOOD, "VM ACK: +est-rel-rpl -> NORMAL")
vm(web.client("PA", b"GET /"), FLOOD, "VM data")
remote(web.server("PA", b"200 OK"), [TAP], "reply data")
remote(IP(src=WEB, dst=VMIP) / TCP(sport=443, dport=41001, flags="SA", seq=1, ack=1), "drop",
       "SYN-ACK for a connection the VM never opened: +inv -> 93 drop")
q = IP(src=VMIP, dst=DNS, id=0x77) / UDP(sport=33333, dport=53) / b"dns query"
vm(q, FLOOD, "VM UDP to 203.0.113.53:53: +new -> commit -> NORMAL")
remote(IP(src=DNS, dst=VMIP) / UDP(sport=53, dport=33333) / b"dns answer", [TAP], "UDP answer: +est+rpl -> tap")
remote(IP(src=GWIP, dst=VMIP) / ICMP(type=3, code=3) / icmp_quote(q), [TAP],
       "GW ICMP port unreachable quoting the VM's UDP: 82 -new-est+rel-inv ct_zone=3 -> tap")
remote(IP(src=GWIP, dst=VMIP) / ICMP(type=3, code=3) /
       icmp_quote(IP(src=VMIP, dst=DNS, id=0x78) / UDP(sport=33334, dport=53) / b"x"), "drop",
       "ICMP error quoting a flow the VM never sent: +inv -> drop")

# ---- IPv6 egress ---------------------------------------------------------------------
vm(IPv6(src=VMLL, dst=GWLL) / ICMPv6EchoRequest(id=0x303, seq=1, data=b"ping6"), FLOOD,
   "VM ICMPv6 echo to the GW link-local: 71 priority 65 ipv6 -> ct -> 72 +new-est ipv6 -> 73 commit -> NORMAL")

# ---- spoofing --------------------------------------------------------------------------
vm(IP(src="192.168.101.99", dst=GWIP) / ICMP(type=8, id=0x404, seq=1), "drop",
   "VM with a spoofed source IP: table 71 priority 65 needs nw_src=.85 -> priority 10 ct_clear, 93 drop")
vm(IP(src=VMIP, dst=GWIP) / ICMP(type=8, id=0x405, seq=1), "drop",
   "right IP, wrong source MAC: table 71 priority 10 -> drop", src="fa:16:3e:00:00:99")
vm(IPv6(src="fe80::1:2:3:4", dst=GWLL) / ICMPv6EchoRequest(id=0x406, seq=1), "drop",
   "VM with a spoofed IPv6 source: priority 10 -> drop")
t.write(HERE)
