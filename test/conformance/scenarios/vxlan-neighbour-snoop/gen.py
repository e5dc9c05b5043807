#!/usr/bin/python3
"""vxlan-neighbour-snoop: frames to the underlay bridge's LOCAL port that are not tunnel traffic.

br-phy holds 172.16.0.31 / fd00::31 on its LOCAL port; br-tun's VXLAN ports make those addresses listen on UDP
4789 and 4790.  Every frame arrives on eth0 and NORMAL floods it to LOCAL, where OVS's terminate_native_tunnel
looks at it: the tunnel port map (staged lookup: how much of the frame the megaflow matches), then neighbour
snooping (ARP replies and gratuitous ARPs, ND advertisements to our address).  tnl-neigh.txt shows what was learned.

Writes input/eth0.pcap and input/packets.tsv.  Run: /usr/bin/python3 gen.py
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", ".."))
from genlib import TimedTrace  # noqa: E402
from scapy.all import ARP, Ether, ICMPv6ND_NA, ICMPv6ND_NS, ICMPv6NDOptDstLLAddr, IP, IPv6, Raw, UDP  # noqa: E402

BC = "ff:ff:ff:ff:ff:ff"
PHY_MAC, PHY_IP, PHY_IP6 = "00:15:5d:bf:ba:50", "172.16.0.31", "fd00::31"
LOCAL = ["br-phy"]


def na(src_mac, dst_mac, src, dst, target, tll=True):
    p = Ether(src=src_mac, dst=dst_mac) / IPv6(src=src, dst=dst, hlim=255) / ICMPv6ND_NA(tgt=target, R=0, S=1, O=1)
    return p / ICMPv6NDOptDstLLAddr(lladdr=src_mac) if tll else p


def udp(dst_mac, dst_ip, dport):
    return (Ether(src="00:15:5d:bf:ba:4f", dst=dst_mac) / IP(src="172.16.0.11", dst=dst_ip, flags="DF") /
            UDP(sport=49152, dport=dport) / Raw(b"\x08\x00\x00\x00\x00\x00\x64\x00" + b"\x00" * 14))


def arp(src_mac, dst_mac, op, sha, spa, tha, tpa):
    return Ether(src=src_mac, dst=dst_mac) / ARP(op=op, hwsrc=sha, psrc=spa, hwdst=tha, pdst=tpa)


t = TimedTrace()
# ---- IPv6 neighbour advertisements ----------------------------------------------------------------------------
t.add("eth0", na("00:15:5d:bf:ba:47", PHY_MAC, "fd00::22", PHY_IP6, "fd00::22"), LOCAL,
      "NA to fd00::31 with a target link-layer address: snooped, fd00::22 -> 00:15:5d:bf:ba:47; the megaflow "
      "matches ipv6 src/dst, the ND target and TLL")
t.add("eth0", na("00:15:5d:bf:ba:46", "33:33:ff:00:00:31", "fd00::23", "ff02::1:ff00:31", "fd00::23"), LOCAL,
      "NA to fd00::31's solicited-node group ff02::1:ff00:31: also ours (is_nd_dst_correct), snooped")
t.add("eth0", na("00:15:5d:bf:ba:45", "33:33:00:00:00:01", "fd00::24", "ff02::1", "fd00::24"), LOCAL,
      "NA to all-nodes ff02::1: not our address nor its solicited-node group: not snooped, nothing ND matched")
t.add("eth0", na("00:15:5d:bf:ba:44", PHY_MAC, "fd00::25", PHY_IP6, "fd00::25", tll=False), LOCAL,
      "NA to us without a TLL option (as Linux answers unicast solicitations): not snooped, the TLL (zero) is "
      "matched")
t.add("eth0", Ether(src="00:15:5d:bf:ba:43", dst=PHY_MAC) / IPv6(src="fd00::26", dst=PHY_IP6, hlim=255) /
      ICMPv6ND_NS(tgt=PHY_IP6), LOCAL,
      "NS to us: ND, but not an advertisement: not snooped; the megaflow matches the ICMPv6 type and code")
# ---- UDP that is not tunnel traffic ---------------------------------------------------------------------------
t.add("eth0", udp(PHY_MAC, PHY_IP, 8472), LOCAL,
      "UDP to our MAC and address, port 8472: the port map's port trie matches the port's first three bits only "
      "(udp(dst=8472/0xe000)): where it parts from 4789 and 4790")
t.add("eth0", udp(PHY_MAC, "172.16.0.32", 4789), LOCAL,
      "UDP 4789 to our MAC but another address: the lookup stops at the L3 stage, the UDP port stays wildcarded")
t.add("eth0", udp("00:15:5d:bf:ba:99", PHY_IP, 4789), LOCAL,
      "UDP 4789 to our address but another MAC: the lookup stops at L2, nothing of L3/L4 is matched")
# ---- ARP ----------------------------------------------------------------------------------------------------
t.add("eth0", arp("00:15:5d:bf:ba:42", PHY_MAC, 2, "00:15:5d:bf:ba:42", "172.16.0.20", PHY_MAC, PHY_IP), LOCAL,
      "ARP reply to 172.16.0.31: snooped, 172.16.0.20 -> 00:15:5d:bf:ba:42; matches op and sha")
t.add("eth0", arp("00:15:5d:bf:ba:41", BC, 2, "00:15:5d:bf:ba:41", "172.16.0.21", "00:15:5d:bf:ba:3f",
                  "172.16.0.77"), LOCAL,
      "broadcast ARP reply to 172.16.0.77 (not ours): not snooped; sip and tip matched (is_garp), sha not")
t.add("eth0", arp("00:15:5d:bf:ba:3e", BC, 2, "00:15:5d:bf:ba:3e", "172.16.0.22", BC, "172.16.0.22"), LOCAL,
      "gratuitous ARP reply: snooped, 172.16.0.22 -> 00:15:5d:bf:ba:3e; the opcode is not consulted")
t.add("eth0", arp("00:15:5d:bf:ba:3d", BC, 1, "00:00:00:00:00:00", "172.16.0.23", "00:00:00:00:00:00",
                  "172.16.0.23"), LOCAL,
      "gratuitous ARP request with a zero sender MAC: not snooped; sha (zero) matched")

t.write(HERE)
