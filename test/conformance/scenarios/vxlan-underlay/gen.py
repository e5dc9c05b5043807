#!/usr/bin/python3
"""vxlan-underlay: VXLAN encap/decap through a userspace underlay bridge.

VMs vm1 (local VLAN 1 <-> VNI 0x64) and vm2 (local VLAN 2 <-> VNIs 0xc8, 300, 0x1f4) on br-int; br-tun with six
VXLAN ports (fixed/flow remote and key, ttl/tos/df/csum options, a gateway route, UDP port 4790, an IPv6
remote); br-phy holds 172.16.0.31 / fd00::31 on its LOCAL port and the NIC eth0.  Frames arriving on eth0 are
built here as the remote VTEPs would send them.

Writes input/<port>.pcap and input/packets.tsv.  Run: /usr/bin/python3 gen.py
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", ".."))
from genlib import TimedTrace  # noqa: E402
from scapy.all import ARP, Ether, ICMP, IP, IPv6, Raw, UDP  # noqa: E402

BC = "ff:ff:ff:ff:ff:ff"
# underlay
PHY_MAC, PHY_IP, PHY_IP6 = "00:15:5d:bf:ba:50", "172.16.0.31", "fd00::31"
VTEP = {  # remote VTEP address -> its MAC on the underlay
    "172.16.0.11": "00:15:5d:bf:ba:4f",
    "172.16.0.12": "00:15:5d:bf:ba:4e",
    "172.16.0.13": "00:15:5d:bf:ba:4d",
    "172.16.0.50": "00:15:5d:bf:ba:40",
    "172.16.0.66": "00:15:5d:bf:ba:42",
    "172.16.0.99": "00:15:5d:bf:ba:49",
    "fd00::11": "00:15:5d:bf:ba:4b",
}
# overlay
VM1, VM1IP = "fa:16:3e:00:01:05", "10.1.0.5"
VM2, VM2IP = "fa:16:3e:00:02:05", "10.2.0.5"
R1, R1IP = "fa:16:3e:00:01:0b", "10.1.0.11"   # behind 172.16.0.11, VNI 0x64
R2, R2IP = "fa:16:3e:00:01:0c", "10.1.0.12"   # behind 172.16.0.12, VNI 0x64
R5, R5IP = "fa:16:3e:00:01:0d", "10.1.0.13"   # behind fd00::11, VNI 0x64
R3, R3IP = "fa:16:3e:00:02:0d", "10.2.0.13"   # behind 172.16.0.13, VNI 300
R4, R4IP = "fa:16:3e:00:02:32", "10.2.0.50"   # behind 172.16.0.50 (port 4790), VNI 0x1f4


def vxlan(src, inner, vni, sport=49152, dport=4789, dst_mac=PHY_MAC, src_mac=None, tos=0, ttl=64,
          csum=0, flags=0x08, next_proto=0, reserved2=0):
    """An outer frame from VTEP `src` to us.  csum: 0 (none), None (computed) or a value.  The VXLAN header is
    written byte by byte (flags, 2 reserved bytes, GPE next protocol, VNI, reserved byte)."""
    outer_src = src_mac or VTEP[src]
    vx = Raw(bytes([flags, 0, 0, next_proto]) + vni.to_bytes(3, "big") + bytes([reserved2])) / inner
    if ":" in src:
        udp = UDP(sport=sport, dport=dport)
        if csum is not None:
            udp.chksum = csum
        return Ether(src=outer_src, dst=dst_mac) / IPv6(src=src, dst=PHY_IP6, hlim=ttl, tc=tos) / udp / vx
    udp = UDP(sport=sport, dport=dport)
    if csum is not None:
        udp.chksum = csum
    return Ether(src=outer_src, dst=dst_mac) / IP(src=src, dst=PHY_IP, ttl=ttl, tos=tos, flags="DF", id=0) / udp / vx


def ping(src, dst, s, d, seq, reply=False, tos=0):
    return (Ether(src=src, dst=dst) / IP(src=s, dst=d, id=seq, tos=tos) /
            ICMP(type=0 if reply else 8, id=77, seq=seq) / (b"\x00" * 16))


def arp(src, dst, op, s, d, tha="00:00:00:00:00:00"):
    return Ether(src=src, dst=dst) / ARP(op=op, hwsrc=src, psrc=s, hwdst=tha, pdst=d)


t = TimedTrace(step=0.1)

# ---- VNI 0x64 / local VLAN 1 -------------------------------------------------------------------------------
t.add("vm1", arp(VM1, BC, 1, VM1IP, R1IP), ["br-int", "eth0"],
      "vm1 ARP who-has R1: NORMAL floods (br-int LOCAL tagged 1, patch-tun); br-tun table 22 floods VNI 0x64 to "
      "vxlan-a (172.16.0.11), vxlan-b (172.16.0.12: ttl 32, tos 0x20, no DF, UDP csum) and vxlan-6 (fd00::11, "
      "IPv6 outer): three tnl_push frames out of br-phy's eth0")
t.add("eth0", vxlan("172.16.0.11", arp(R1, VM1, 2, R1IP, VM1IP, tha=VM1), 0x64), ["vm1"],
      "ARP reply from R1 over VXLAN (172.16.0.11, VNI 0x64): tnl_pop -> vxlan-a (in_key=flow) -> table 4 VLAN 1, "
      "learn R1 -> vxlan-a in table 20 -> patch -> NORMAL -> vm1")
t.add("vm1", ping(VM1, R1, VM1IP, R1IP, 1), ["eth0"],
      "vm1 ping R1: NORMAL learned R1 on patch-tun, br-tun table 20 learned flow -> vxlan-a only")
t.add("vm1", ping(VM1, R1, VM1IP, R1IP, 2), ["eth0"], "second ping: the same megaflow, a datapath hit")
t.add("eth0", vxlan("172.16.0.11", ping(R1, VM1, R1IP, VM1IP, 1, reply=True), 0x64, sport=50000), ["vm1"],
      "echo reply from R1 over VXLAN -> vm1")
t.add("vm1", ping(VM1, R1, VM1IP, R1IP, 3, tos=0xa2), ["eth0"],
      "inner DSCP 0x28 + ECT(0): the outer TOS inherits only the ECN bits (tos option unset): outer tos 0x02")
t.add("eth0", vxlan("172.16.0.12", arp(R2, BC, 1, R2IP, VM1IP), 0x64, csum=None, src_mac="00:15:5d:bf:ba:77"),
      ["vm1", "br-int"],
      "broadcast ARP from R2 via 172.16.0.12 with a UDP checksum (+csum) -> vxlan-b; NORMAL floods to vm1 and "
      "br-int LOCAL; learns R2 -> vxlan-b.  Outer source MAC differs from the configured neighbour: the decap "
      "refreshes the tunnel neighbour 172.16.0.12 -> 00:15:5d:bf:ba:77")
t.add("vm1", ping(VM1, R2, VM1IP, R2IP, 4), ["eth0"],
      "vm1 ping R2 -> vxlan-b: outer TTL 32, TOS 0x20, DF clear, UDP checksum; outer dst MAC the snooped "
      "00:15:5d:bf:ba:77")
t.add("eth0", vxlan("172.16.0.12", ping(R2, VM1, R2IP, VM1IP, 4, reply=True), 0x64, csum=0x1234), "drop",
      "VXLAN with a bad UDP checksum: tnl_pop drops it")
t.add("eth0", vxlan("fd00::11", arp(R5, BC, 1, R5IP, VM1IP), 0x64, csum=None), ["vm1", "br-int"],
      "VXLAN over IPv6 from fd00::11 -> vxlan-6 -> VLAN 1 -> flooded to vm1 and br-int LOCAL; learns R5 -> vxlan-6")
t.add("vm1", ping(VM1, R5, VM1IP, R5IP, 5), ["eth0"],
      "vm1 ping R5 -> vxlan-6: IPv6 outer header (hop limit 64), UDP checksum mandatory")
t.add("eth0", vxlan("172.16.0.11", ping(R1, VM1, R1IP, VM1IP, 6, reply=True), 0x64, tos=0x03), "drop",
      "outer ECN CE over an inner not-ECT packet: dropped (tnl_process_ecn)")
t.add("eth0", vxlan("172.16.0.11", ping(R1, VM1, R1IP, VM1IP, 7, reply=True, tos=0x02), 0x64, tos=0x03),
      ["vm1"], "outer ECN CE over an inner ECT(0) packet: the inner packet leaves marked CE (tos 0x03)")

# ---- VNIs 0xc8 / 300 / 0x1f4 -> local VLAN 2 -----------------------------------------------------------------
t.add("vm2", arp(VM2, BC, 1, VM2IP, R3IP), ["br-int", "eth0"],
      "vm2 ARP broadcast: table 22 VLAN 2 -> vxlan-a (VNI 0xc8), vxlan-c (fixed key 300 whatever tun_id says), "
      "vxlan-d (10.99.1.1 via gateway 172.16.0.1: the gateway's MAC), vxlan-f (remote_ip=flow: tun_dst "
      "172.16.0.14, VNI 0x1f4, UDP port 4790)")
t.add("eth0", vxlan("172.16.0.13", arp(R3, VM2, 2, R3IP, VM2IP, tha=VM2), 300), ["vm2"],
      "VNI 300 from 172.16.0.13 -> vxlan-c (fixed in_key 300) -> VLAN 2 -> vm2; learns R3 -> vxlan-c")
t.add("vm2", ping(VM2, R3, VM2IP, R3IP, 1), ["eth0"], "vm2 ping R3 -> vxlan-c: VNI 300 (the learned load is "
      "overridden by the port's fixed key)")
t.add("eth0", vxlan("172.16.0.13", ping(R3, VM2, R3IP, VM2IP, 2, reply=True), 0x64), "drop",
      "VNI 0x64 from 172.16.0.13: vxlan-c only takes key 300 and no key=flow port has that remote: "
      "receive tunnel port not found (lost)")
t.add("eth0", vxlan("172.16.0.99", ping(R1, VM1, R1IP, VM1IP, 8, reply=True), 0x64), "drop",
      "VXLAN from 172.16.0.99, which no tunnel port names: receive tunnel port not found (lost)")
t.add("eth0", vxlan("172.16.0.50", arp(R4, VM2, 2, R4IP, VM2IP, tha=VM2), 0x1f4, dport=4790), ["vm2"],
      "UDP port 4790 from 172.16.0.50, VNI 0x1f4 -> vxlan-f (remote_ip=flow, key=flow); table 4 matches "
      "tun_dst=172.16.0.31 -> VLAN 2 -> vm2; learns R4 -> vxlan-f (with tun_id, not tun_dst)")
t.add("eth0", vxlan("172.16.0.66", arp(R4, VM2, 2, R4IP, VM2IP, tha=VM2), 0x1f4, dport=4790), "drop",
      "UDP port 4790 from 172.16.0.66 -> vxlan-f; table 0 drops tun_src=172.16.0.66")

# ---- not tunnel traffic, or broken tunnel traffic -----------------------------------------------------------
t.add("eth0", vxlan("172.16.0.11", ping(R1, VM1, R1IP, VM1IP, 9, reply=True), 0x64, dport=4791), ["br-phy"],
      "VXLAN-shaped UDP to port 4791, where no tunnel listens: plain traffic, NORMAL floods it to br-phy LOCAL")
t.add("eth0", vxlan("172.16.0.11", ping(R1, VM1, R1IP, VM1IP, 10, reply=True), 0x64,
                    dst_mac="00:15:5d:bf:ba:99"), ["br-phy"],
      "VXLAN to our address but another MAC: the tunnel port map matches dl_dst, so no tnl_pop; flooded to LOCAL")
t.add("eth0", vxlan("172.16.0.11", ping(R1, VM1, R1IP, VM1IP, 11, reply=True), 0x64, flags=0x00), "drop",
      "VXLAN flags 0x00 (I bit clear): tnl_pop drops it (invalid vxlan flags)")
t.add("eth0", vxlan("172.16.0.11", ping(R1, VM1, R1IP, VM1IP, 14, reply=True), 0x64, flags=0x0c, next_proto=3),
      ["vm1"], "VXLAN-GPE flags (I+P) with next protocol 3 (Ethernet): OVS's decap accepts GPE framing even on a "
      "plain VXLAN port; the inner frame reaches vm1")
t.add("eth0", vxlan("172.16.0.11", ping(R1, VM1, R1IP, VM1IP, 12, reply=True), 0x64, reserved2=1), "drop",
      "VXLAN with a nonzero reserved byte after the VNI: dropped")
t.add("eth0", arp("00:15:5d:bf:ba:4f", BC, 1, "172.16.0.11", PHY_IP), ["br-phy", "eth0"],
      "underlay ARP request for 172.16.0.31: NORMAL floods it to br-phy LOCAL, whose address answers it (the "
      "host stack; netdev-dummy emulates it): the reply enters br-phy from LOCAL and NORMAL sends it out eth0")
t.add("eth0", arp("00:15:5d:bf:ba:88", BC, 1, "172.16.0.13", "172.16.0.13"), ["br-phy"],
      "gratuitous ARP: 172.16.0.13 is now 00:15:5d:bf:ba:88; flooded to LOCAL and snooped into the tunnel "
      "neighbour table")
t.add("vm2", ping(VM2, R3, VM2IP, R3IP, 3), ["eth0"],
      "vm2 ping R3 -> vxlan-c: outer dst MAC is the snooped 00:15:5d:bf:ba:88")
t.add("vm1", ping(VM1, "fa:16:3e:00:01:99", VM1IP, "10.1.0.99", 13), ["br-int", "eth0"],
      "vm1 to an unknown MAC: NORMAL floods, br-tun table 20 misses -> table 22 floods VNI 0x64 to three tunnels")

t.write(HERE)
