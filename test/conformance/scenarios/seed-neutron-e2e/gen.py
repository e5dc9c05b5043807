#!/usr/bin/python3
"""seed-neutron-e2e: seed 003's compute node end to end, tunnel and all.

instance02 (tap648437e1-0d, local VLAN 3 <-> VNI 0xef, reg5=4, reg6=3 -> ct zone 3) boots and talks to its
gateway, its DHCP server and another VM, all behind the VXLAN tunnel to 172.16.0.11.  Frames from the remote side
are built here as that VTEP sends them: outer 00:15:5d:bf:ba:4f / 172.16.0.11 -> br-phy's 00:15:5d:bf:ba:50 /
172.16.0.31, UDP to 4789 without checksum, VNI 0xef, arriving on eth0.

The same story is the bundled data of the README's main command: pcaps/gen-seed-003.py imports build() and writes
it into the snapshot folder pcaps/seed-003/input/.  Writes input/<port>.pcap and input/packets.tsv.
Run: /usr/bin/python3 gen.py
"""
import os
import sys
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", ".."))
from genlib import TimedTrace, TcpConn  # noqa: E402
from scapy.all import ARP, BOOTP, DHCP, ICMP, IP, TCP, UDP, Ether  # noqa: E402
from scapy.layers.vxlan import VXLAN  # noqa: E402

TAP, NIC = "tap648437e1-0d", "eth0"
BC = "ff:ff:ff:ff:ff:ff"
# underlay (seed: eth0 00:15:5d:bf:ba:50 holds 172.16.0.31; tcpdump shows the remote VTEP at 00:15:5d:bf:ba:4f)
PHY_MAC, PHY_IP = "00:15:5d:bf:ba:50", "172.16.0.31"
VTEP_MAC, VTEP_IP = "00:15:5d:bf:ba:4f", "172.16.0.11"
VNI = 0xef
# overlay: instance02 and its network 192.168.101.0/24 (VM and gateway from the seed)
VM, VMIP = "fa:16:3e:61:21:c6", "192.168.101.85"
GW, GWIP = "fa:16:3e:e9:26:5b", "192.168.101.1"
DHCPS, DHCPSIP = "fa:16:3e:3c:5d:02", "192.168.101.2"    # the DHCP agent's port on the network node
RVM, RVMIP = "fa:16:3e:aa:00:20", "192.168.101.20"       # a VM on another node
WEB = "203.0.113.5"                                       # beyond the router
# VM frames that NORMAL floods (destination not learned in br-int): br-int LOCAL (tagged 3) and patch-tun, where
# br-tun sends them into the tunnel (learned table 20 flow or table 22 flood: the same single VXLAN port), so they
# leave eth0 encapsulated; the provider/mgmt patches drop VLAN 3.
FLOOD = ["br-int", NIC]
# A broadcast from the remote side: NORMAL floods VLAN 3 to the VM (untagged) and br-int LOCAL (tagged).
INBOUND_FLOOD = [TAP, "br-int"]


def vxlan(inner):
    """The remote VTEP's encapsulation of `inner`; its UDP source port is a hash of the inner flow, as OVS and the
    kernel pick it (any value in 49152..65535 here, fixed per inner 5-tuple)."""
    l3 = inner.getlayer(IP)
    key = repr((l3.src, l3.dst, l3.proto, getattr(l3.payload, "sport", 0), getattr(l3.payload, "dport", 0))) \
        if l3 is not None else inner.src
    sport = 49152 + zlib.crc32(key.encode()) % 16384
    return (Ether(src=VTEP_MAC, dst=PHY_MAC) / IP(src=VTEP_IP, dst=PHY_IP, ttl=64, flags="DF", id=0) /
            UDP(sport=sport, dport=4789, chksum=0) / VXLAN(flags=0x08, vni=VNI) / inner)


def dhcp(src, dst, sip, dip, op, msg, yiaddr="0.0.0.0", extra=()):
    sport, dport = (68, 67) if op == 1 else (67, 68)
    return (Ether(src=src, dst=dst) / IP(src=sip, dst=dip) / UDP(sport=sport, dport=dport) /
            BOOTP(op=op, xid=0x3c1d5e01, chaddr=bytes.fromhex(VM.replace(":", "")) + b"\x00" * 10, yiaddr=yiaddr,
                  ciaddr=sip if op == 1 and sip != "0.0.0.0" else "0.0.0.0") /
            DHCP(options=[("message-type", msg)] + list(extra) + ["end"]))


def arp(src, dst, op, spa, tpa, tha="00:00:00:00:00:00"):
    return Ether(src=src, dst=dst) / ARP(op=op, hwsrc=src, psrc=spa, hwdst=tha, pdst=tpa)


def ping(src, dst, sip, dip, seq, reply=False):
    return Ether(src=src, dst=dst) / IP(src=sip, dst=dip) / ICMP(type=0 if reply else 8, id=7692, seq=seq) / (
        b"\x00" * 56)


def build():
    """The whole story as a TimedTrace (packets >= 100 ms apart, so OVS's virtual time is the capture's)."""
    t = TimedTrace(step=0.1)

    def vm(frame, expect, note):
        t.add(TAP, frame, expect, note)

    def remote(inner, expect, note):
        t.add(NIC, vxlan(inner), expect, note)

    # ---- boot: DHCP ------------------------------------------------------------------------------------------------
    offer = [("server_id", DHCPSIP), ("lease_time", 86400), ("subnet_mask", "255.255.255.0"), ("router", GWIP)]
    vm(dhcp(VM, BC, "0.0.0.0", "255.255.255.255", 1, "discover"), FLOOD,
       "DHCPDISCOVER: table 71 priority 80 (nw_src 0.0.0.0, 68->67) -> 73 -> 94 NORMAL floods VLAN 3: br-int LOCAL "
       "tagged, patch-tun -> br-tun table 2 (multicast) -> 22: strip VLAN, VNI 0xef, vxlan-ac10000b -> tnl_push "
       "-> br-phy -> eth0")
    remote(dhcp(DHCPS, VM, DHCPSIP, VMIP, 2, "offer", VMIP, offer), [TAP],
           "DHCPOFFER over VXLAN: br-phy NORMAL -> LOCAL holds 172.16.0.31 -> tnl_pop -> vxlan-ac10000b (VNI 0xef) "
           "-> br-tun 4 (VLAN 3) -> 10 learn(DHCP server -> tunnel, table 20, hard_timeout 300) -> patch-int -> "
           "br-int 60 priority 90 (dl_dst VM) -> 81 priority 95 (udp 67->68) -> tap")

    # ---- ARP for the gateway, answered over the tunnel; ping ---------------------------------------------------------
    vm(arp(VM, BC, 1, VMIP, GWIP), FLOOD,
       "ARP who-has 192.168.101.1: table 71 priority 95 (arp_spa is the VM's) -> 94 NORMAL floods -> tunnel")
    remote(arp(GW, VM, 2, GWIP, VMIP, tha=VM), [TAP],
           "the gateway's ARP reply over the tunnel: br-tun learns GW (the pasted table 20 flow is re-learned) -> "
           "br-int 60 -> 81 priority 100 arp -> tap; br-int NORMAL does not see it, so it learns nothing")
    vm(ping(VM, GW, VMIP, GWIP, 1), FLOOD,
       "ping the gateway: 71 priority 65 -> ct(zone 3) -> 72 +new-est -> 73 ct(commit) -> 91 -> 94 NORMAL: GW "
       "unknown in br-int, so flooded; br-tun table 20's GW flow -> tunnel")
    remote(ping(GW, VM, GWIP, VMIP, 1, reply=True), [TAP],
           "echo reply over the tunnel: br-int 60 -> 81 ct(zone 3) -> 82 +est+rpl ct_zone=3 ct_mark=0 -> tap")

    # ---- spoofing ---------------------------------------------------------------------------------------------------
    vm(arp(VM, BC, 1, "192.168.101.99", GWIP), "drop",
       "ARP with a spoofed sender IP: no table 71 arp rule -> priority 10 ct_clear, 93 drop")
    vm(ping(VM, GW, "192.168.101.99", GWIP, 2), "drop",
       "IPv4 with a spoofed source: table 71 priority 65 needs nw_src=.85 -> priority 10 -> 93 drop")
    vm(ping("fa:16:3e:00:00:99", GW, VMIP, GWIP, 3), "drop",
       "right IP, spoofed source MAC: table 71 priority 10 -> 93 drop")

    # ---- a broadcast from the remote side teaches NORMAL -----------------------------------------------------------------
    # (Before it, only first packets of a flow are flooded: OVS credits a datapath *hit* of a flood that includes the
    # tunnel output with the VXLAN header's 50 bytes in the rules of the bridges flooded after it, and its flood order
    # differs from run to run, so the provider/mgmt patch counters would not be reproducible.)
    remote(arp(GW, BC, 1, GWIP, VMIP), INBOUND_FLOOD,
           "the gateway's ARP who-has 192.168.101.85 (broadcast): br-int 60 priority 3 NORMAL floods VLAN 3 (tap "
           "untagged, LOCAL tagged) and learns GW on patch-tun")
    vm(arp(VM, GW, 2, VMIP, GWIP, tha=GW), [NIC], "the VM's ARP reply: NORMAL now knows GW: patch-tun only")
    vm(ping(VM, GW, VMIP, GWIP, 4), [NIC], "ping the gateway again: the flooding megaflow was revalidated: no flood")
    remote(ping(GW, VM, GWIP, VMIP, 4, reply=True), [TAP], "echo reply -> tap")

    # ---- inbound SSH allowed, inbound other TCP dropped ----------------------------------------------------------------
    remote(arp(RVM, BC, 1, RVMIP, VMIP), INBOUND_FLOOD,
           "the remote VM ARPs for the VM (broadcast): flooded to the VM and LOCAL; NORMAL learns RVM, table 20 too")
    vm(arp(VM, RVM, 2, VMIP, RVMIP, tha=RVM), [NIC], "ARP reply: unicast to patch-tun -> table 20's RVM flow")
    ssh = TcpConn((RVMIP, 51000), (VMIP, 22), c_isn=1000, s_isn=2000)
    remote(Ether(src=RVM, dst=VM) / ssh.client("S"), [TAP],
           "SYN to :22: 81 ct -> 82 +new-est tcp_dst=22 -> ct(commit), tap (92 drops the resubmit copy)")
    vm(Ether(src=VM, dst=RVM) / ssh.server("SA"), [NIC],
       "SYN-ACK: 71 ct -> 72 +est+rpl ct_zone=3 -> 94 NORMAL -> patch-tun -> table 20 RVM -> tunnel")
    remote(Ether(src=RVM, dst=VM) / ssh.client("A"), [TAP], "ACK: 82 +est-rel-rpl tcp_dst=22 -> tap")
    remote(Ether(src=RVM, dst=VM) / ssh.client("PA", b"SSH-2.0-OpenSSH_9.2\r\n"), [TAP], "client banner -> tap")
    vm(Ether(src=VM, dst=RVM) / ssh.server("PA", b"SSH-2.0-OpenSSH_8.9\r\n"), [NIC], "server banner")
    remote(Ether(src=RVM, dst=VM) / IP(src=RVMIP, dst=VMIP) / TCP(sport=51001, dport=80, flags="S", seq=5),
           "drop", "SYN to :80: 82 +new-est, no rule for port 80 -> priority 40 -est -> 93 drop")
    remote(Ether(src=RVM, dst=VM) / IP(src=RVMIP, dst=VMIP) / TCP(sport=51002, dport=3306, flags="S", seq=7),
           "drop", "SYN to :3306: dropped the same way")

    # ---- egress TCP with replies ---------------------------------------------------------------------------------------
    web = TcpConn((VMIP, 41000), (WEB, 443), c_isn=3000, s_isn=4000)
    vm(Ether(src=VM, dst=GW) / web.client("S"), [NIC],
       "SYN to 203.0.113.5:443 via the gateway MAC: 72 +new-est -> 73 commit -> NORMAL -> patch-tun -> tunnel")
    remote(Ether(src=GW, dst=VM) / web.server("SA"), [TAP], "SYN-ACK via the gateway: 82 +est+rpl -> tap")
    vm(Ether(src=VM, dst=GW) / web.client("A"), [NIC], "ACK: 72 +est-rel-rpl -> 73 -> 94 NORMAL")
    vm(Ether(src=VM, dst=GW) / web.client("PA", b"GET / HTTP/1.1\r\n\r\n"), [NIC], "request")
    remote(Ether(src=GW, dst=VM) / web.server("PA", b"HTTP/1.1 200 OK\r\n\r\n"), [TAP], "response -> tap")
    vm(Ether(src=VM, dst=GW) / web.client("A"), [NIC], "ACK of the response")

    # ---- table 20 on the clock: hard_timeout=300 ---------------------------------------------------------------------
    t.at(150)
    remote(arp(GW, BC, 1, GWIP, VMIP), INBOUND_FLOOD,
           "t=150 s: the gateway ARPs again: table 10 re-learns GW (its table 20 flow lives on), NORMAL's entry is "
           "refreshed")
    vm(arp(VM, GW, 2, VMIP, GWIP, tha=GW), [NIC], "ARP reply: patch-tun only")
    t.at(304)
    vm(ping("fa:16:3e:00:00:99", GW, VMIP, GWIP, 5), "drop",
       "t=304 s, tick (spoofed MAC, dropped by table 71): OVS expires the table 20 flows of the DHCP server "
       "(learned at 0.2 s) and the remote VM (last learned at 2.3 s) in the revalidator round after it")
    vm(dhcp(VM, DHCPS, VMIP, DHCPSIP, 1, "request", extra=[("requested_addr", VMIP)]), FLOOD,
       "DHCP renewal to the server: 71 priority 80 -> 73 -> NORMAL floods (br-int never learned the server); br-tun "
       "table 20 has no flow for it any more -> table 22 -> tunnel")
    remote(dhcp(DHCPS, VM, DHCPSIP, VMIP, 2, "ack", VMIP, offer), [TAP], "DHCPACK: table 20 learns the server again")
    vm(ping(VM, GW, VMIP, GWIP, 6), [NIC], "ping the gateway: NORMAL and table 20 still know it")
    remote(ping(GW, VM, GWIP, VMIP, 6, reply=True), [TAP], "echo reply -> tap")
    return t


if __name__ == "__main__":
    build().write(HERE)
