#!/usr/bin/python3
"""seed-compute-node-stateless: seed 003's four bridges, traffic that avoids ct().

Writes input/<port>.pcap and input/packets.tsv.  Run: /usr/bin/python3 gen.py
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", ".."))
from genlib import TimedTrace  # noqa: E402
from scapy.all import (ARP, BOOTP, DHCP, Dot1Q, Ether, IP, IPv6, UDP, Raw,  # noqa: E402
                       ICMPv6ND_NS, ICMPv6ND_NA, ICMPv6ND_RS, ICMPv6ND_RA,
                       ICMPv6NDOptSrcLLAddr, ICMPv6NDOptDstLLAddr)

VM = "fa:16:3e:61:21:c6"             # instance02 on tap648437e1-0d (local VLAN 3)
VMIP = "192.168.101.85"
VMLL = "fe80::f816:3eff:fe61:21c6"
GW = "fa:16:3e:e9:26:5b"             # router port, learned in br-tun table 20
GWIP = "192.168.101.1"
P1VM = "fa:16:3e:0a:b9:a2"           # VM on tap0ab9a23c-99 (VLAN 1 = provider VLAN 100)
P2VM = "fa:16:3e:63:54:85"           # VM on tap635485ff-6c (VLAN 2 = provider untagged)
PHOST = "00:15:5d:aa:00:01"          # a host on the provider network
MHOST = "00:15:5d:bb:00:01"          # a host on the management network
BRINT = "42:f0:8b:66:da:47"
BC = "ff:ff:ff:ff:ff:ff"
VM_FLOOD = ["vxlan-ac10000b", "br-int"]   # VLAN 3: patch-tun -> br-tun table 22, and br-int LOCAL


def arp(src, psrc, pdst, dst=BC, op=1, hwdst="00:00:00:00:00:00"):
    return Ether(src=src, dst=dst) / ARP(op=op, hwsrc=src, psrc=psrc, pdst=pdst, hwdst=hwdst)




t = TimedTrace()
A = t.add
# ---- VM on tap648437e1-0d: only non-ct paths of the firewall tables ---------
A("tap648437e1-0d", arp(VM, VMIP, GWIP), VM_FLOOD,
  "VM ARP request for the gateway: table 71 arp (spoof check ok) -> 94 NORMAL: flooded in VLAN 3")
A("tap648437e1-0d", arp(VM, "192.168.101.99", GWIP), "drop",
  "VM ARP with a spoofed sender IP: table 71 priority 10 -> ct_clear, 93 drop")
A("tap648437e1-0d", arp("fa:16:3e:00:00:99", VMIP, GWIP), "drop",
  "ARP from a wrong source MAC: table 71 priority 10 -> drop")
A("tap648437e1-0d", Ether(src=VM, dst=BC, type=0x8035) /
  ARP(op=3, hwsrc=VM, psrc="0.0.0.0", hwdst=VM, pdst="0.0.0.0"), VM_FLOOD,
  "VM RARP: table 71 rarp -> 94 NORMAL: flooded")
A("tap648437e1-0d", Ether(src=VM, dst="33:33:00:00:00:02") /
  IPv6(src=VMLL, dst="ff02::2", hlim=255) / ICMPv6ND_RS() / ICMPv6NDOptSrcLLAddr(lladdr=VM), VM_FLOOD,
  "VM router solicitation (icmp6 133): allowed, NORMAL flood")
A("tap648437e1-0d", Ether(src=VM, dst="33:33:ff:e9:26:5b") /
  IPv6(src=VMLL, dst="ff02::1:ffe9:265b", hlim=255) / ICMPv6ND_NS(tgt="fe80::f816:3eff:fee9:265b") /
  ICMPv6NDOptSrcLLAddr(lladdr=VM), VM_FLOOD,
  "VM neighbour solicitation (135) for the gateway: allowed, NORMAL flood")
A("tap648437e1-0d", Ether(src=VM, dst=GW) /
  IPv6(src=VMLL, dst="fe80::f816:3eff:fee9:265b", hlim=255) / ICMPv6ND_NA(tgt=VMLL, R=0, S=1, O=1) /
  ICMPv6NDOptDstLLAddr(lladdr=VM), VM_FLOOD,
  "VM neighbour advertisement (136) for its own address to GW: NORMAL, GW unknown in br-int -> flood; br-tun table 20 learned flow -> vxlan")
A("tap648437e1-0d", Ether(src=VM, dst="33:33:00:00:00:01") /
  IPv6(src=VMLL, dst="ff02::1", hlim=255) / ICMPv6ND_RA(), "drop",
  "VM router advertisement (134): table 71 priority 70 -> 93 drop")
A("tap648437e1-0d", Ether(src=VM, dst=BC) / IP(src="0.0.0.0", dst="255.255.255.255") /
  UDP(sport=68, dport=67) / BOOTP(chaddr=bytes.fromhex(VM.replace(":", "")), xid=0x1234) /
  DHCP(options=[("message-type", "discover"), "end"]), VM_FLOOD,
  "VM DHCP discover from 0.0.0.0: table 71 priority 80 -> 73 (ct_state matches see an untracked packet) -> 94 NORMAL flood")
A("tap648437e1-0d", Ether(src=VM, dst=BC) / IP(src=VMIP, dst="255.255.255.255") /
  UDP(sport=67, dport=68) / BOOTP(op=2, xid=0x1234), "drop",
  "VM acting as a DHCP server (67 -> 68): table 71 priority 70 -> 93 drop")
A("tap648437e1-0d", arp(VM, VMIP, GWIP, dst=GW, op=2, hwdst=GW), VM_FLOOD,
  "VM ARP reply to GW (unicast): NORMAL floods (GW unknown), br-tun table 20 learned flow -> vxlan untagged")
A("tap648437e1-0d", Ether(src=VM, dst=BC) / Dot1Q(vlan=3) / ARP(op=1, hwsrc=VM, psrc=VMIP, pdst=GWIP), "drop",
  "VLAN-tagged frame from the VM: table 71 arp rules match, but NORMAL drops it (tagged on an access port)")
# ---- br-int LOCAL port ---------------------------------------------------------
A("br-int", Ether(src=BRINT, dst=VM) / Dot1Q(vlan=3) / ARP(op=2, hwsrc=BRINT, psrc="192.168.101.254", hwdst=VM, pdst=VMIP),
  ["tap648437e1-0d"], "LOCAL ARP reply to the VM tagged VLAN 3: table 60 priority 90 strips the tag -> 81 arp -> output tap")
A("br-int", Ether(src=BRINT, dst=BC) / Dot1Q(vlan=3) / ARP(op=1, hwsrc=BRINT, psrc="192.168.101.254", pdst=VMIP),
  ["tap648437e1-0d", "vxlan-ac10000b"], "LOCAL broadcast tagged VLAN 3: table 60 priority 3 NORMAL flood in VLAN 3")
A("tap648437e1-0d", arp(VM, VMIP, "192.168.101.254", dst=BRINT, op=2, hwdst=BRINT), ["br-int"],
  "VM ARP reply to br-int's MAC: learned on LOCAL in VLAN 3 -> unicast to LOCAL, tagged 3")
# ---- provider network (br-provider / eth2) --------------------------------------
A("eth2", arp(PHOST, "10.0.0.1", "10.0.0.50"), ["br-provider", "tap635485ff-6c", "br-int"],
  "eth2 untagged ARP broadcast: br-provider NORMAL (+LOCAL) -> br-int vlan_tci=0 -> mod_vlan_vid:2 -> NORMAL VLAN 2")
A("eth2", Ether(src=PHOST, dst=BC) / Dot1Q(vlan=100) / ARP(op=1, hwsrc=PHOST, psrc="10.100.0.1", pdst="10.100.0.50"),
  ["br-provider", "tap0ab9a23c-99", "br-int"],
  "eth2 VLAN 100 ARP broadcast -> br-int dl_vlan=100 -> mod_vlan_vid:1 -> NORMAL VLAN 1")
A("eth2", Ether(src=PHOST, dst=BC) / Dot1Q(vlan=200) / ARP(op=1, hwsrc=PHOST, psrc="10.200.0.1", pdst="10.200.0.50"),
  ["br-provider"], "eth2 VLAN 200: only br-provider LOCAL; br-int in_port=int-br-provider priority 2 drop")
A("eth2", Ether(src=PHOST, dst=BC) / Dot1Q(vlan=4095) / ARP(op=1, hwsrc=PHOST, psrc="10.0.0.1", pdst="10.0.0.50"),
  ["br-provider"], "eth2 VLAN 4095: br-provider NORMAL floods it (LOCAL); br-int's priority 65535 dl_vlan=4095 rule drops it")
A("eth2", Ether(src=PHOST, dst="01:80:c2:00:00:0e", type=0x88cc) /
  Raw(bytes.fromhex("020704" + "00155daa0001" + "0403056574683206020078") + bytes(2)), "drop",
  "eth2 LLDP to 01:80:c2:00:00:0e: reserved multicast, NORMAL drops it")
A("eth2", Ether(src=PHOST, dst="01:00:5e:00:00:fb") / IP(src="10.0.0.1", dst="224.0.0.251", ttl=255) /
  UDP(sport=5353, dport=5353) / b"mdns", ["br-provider", "tap635485ff-6c", "br-int"],
  "eth2 untagged IPv4 multicast: flooded to VLAN 2 (no ct on provider VLANs)")
A("eth2", Ether(src=PHOST, dst=P2VM) / IP(src="10.0.0.1", dst="10.0.0.50") / UDP(sport=1234, dport=53) / b"q",
  ["br-provider", "tap635485ff-6c", "br-int"], "eth2 unicast to the VLAN 2 VM, unknown everywhere: flooded")
A("tap635485ff-6c", Ether(src=P2VM, dst=PHOST) / IP(src="10.0.0.50", dst="10.0.0.1") / UDP(sport=53, dport=1234) / b"a",
  ["eth2"], "VLAN 2 VM reply: br-int knows PHOST on int-br-provider (VLAN 2), br-provider strips and knows eth2")
A("eth2", Ether(src=PHOST, dst=P2VM) / IP(src="10.0.0.1", dst="10.0.0.50") / UDP(sport=1234, dport=53) / b"q2",
  ["tap635485ff-6c"], "eth2 unicast again: P2VM learned in both bridges")
A("tap0ab9a23c-99", Ether(src=P1VM, dst=BC) / ARP(op=1, hwsrc=P1VM, psrc="10.100.0.50", pdst="10.100.0.1"),
  ["eth2", "br-provider", "br-int"], "VLAN 1 VM broadcast: int-br-provider tagged 1 -> br-provider mod_vlan_vid:100 -> eth2 tagged 100")
A("tap0ab9a23c-99", Ether(src=P1VM, dst=PHOST) / ARP(op=2, hwsrc=P1VM, psrc="10.100.0.50", hwdst=PHOST, pdst="10.100.0.1"),
  ["eth2"], "VLAN 1 VM unicast to PHOST (learned in VLAN 1 / VLAN 100): eth2 only, tagged 100")
A("tap635485ff-6c", Ether(src=P2VM, dst=VM) / IP(src="10.0.0.50", dst=VMIP) / UDP(sport=1, dport=2),
  ["eth2", "br-provider", "br-int"], "VLAN 2 VM to the VLAN 3 VM's MAC: different VLAN, unknown -> flood in VLAN 2 only")
# ---- management network (br-mgmt / eth3) ----------------------------------------
A("eth3", arp(MHOST, "172.31.0.1", "172.31.0.2"), ["br-mgmt"],
  "eth3 ARP broadcast: br-mgmt NORMAL -> LOCAL and phy-br-mgmt; br-int drops int-br-mgmt (priority 2)")
A("eth3", Ether(src=MHOST, dst=BC) / Dot1Q(vlan=100) / ARP(op=1, hwsrc=MHOST, psrc="172.31.0.1", pdst="172.31.0.3"),
  ["br-mgmt"], "eth3 VLAN 100: same")
# ---- the tunnel port stand-in -----------------------------------------------------
A("vxlan-ac10000b", arp(GW, GWIP, VMIP), "drop",
  "frame on the (dummy) tunnel port: table 0 -> 4; tun_id is 0, not 0xef -> drop")
t.write(HERE)
