#!/usr/bin/python3
"""Writes the bundled traffic of the seed compute node: pcaps/seed-003/input/*.pcap and packets.tsv.

The snapshot (vsctl-show.txt and the four *.flows files) is the seed document's text, pasted as-is; underlay.json and
br-phy.flows add the tunnel underlay.  The traffic is the story of the conformance scenario
test/conformance/scenarios/seed-neutron-e2e (its gen.py build()), which real OVS 3.1 runs with the same flows: the
VM's DHCP, ARP for the gateway answered over VXLAN, ping, inbound SSH allowed and other TCP dropped, spoofing
dropped, egress TCP, br-tun's learned table-20 flows expiring after 300 s.  So the README's main command replays a
node whose every output has been checked against OVS.  packets.tsv says where each packet goes, and why.

Run with Debian's python3 (it has scapy):  /usr/bin/python3 pcaps/gen-seed-003.py
"""
import importlib.util
import os

HERE = os.path.dirname(os.path.abspath(__file__))
GEN = os.path.join(HERE, "..", "test", "conformance", "scenarios", "seed-neutron-e2e", "gen.py")

spec = importlib.util.spec_from_file_location("seed_neutron_e2e_gen", GEN)
gen = importlib.util.module_from_spec(spec)
spec.loader.exec_module(gen)
gen.build().write(os.path.join(HERE, "seed-003"))
