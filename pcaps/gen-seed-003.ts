/**
 * Generates the bundled traffic for the seed compute node (pcaps/seed-003): what the VM on tap648437e1-0d and the
 * provider and management NICs (eth2, eth3) might send in the first seconds after the VM boots.
 *
 * The snapshot itself (vsctl-show.txt and the four *.flows files) is the seed document's text, pasted as-is. This
 * script only writes pcaps/seed-003/input/*.pcap, deterministically (fixed timestamps, addresses from the seed:
 * VM fa:16:3e:61:21:c6 / 192.168.101.85 on VLAN 3 = VNI 239, gateway 192.168.101.1 at fa:16:3e:e9:26:5b).
 *
 *   npm run build && node dist/pcaps/gen-seed-003.js
 */

import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildFrame, type FrameSpec } from '../src/packet/build.js';
import { PcapWriter } from '../src/io/pcap-writer.js';

const VM_MAC = 'fa:16:3e:61:21:c6';
const VM_IP = '192.168.101.85';
const VM_LL = 'fe80::f816:3eff:fe61:21c6';
const GW_MAC = 'fa:16:3e:e9:26:5b';
const GW_IP = '192.168.101.1';
const BCAST = 'ff:ff:ff:ff:ff:ff';
const T0_MS = Date.UTC(2024, 4, 17, 15, 42, 0);

interface Sent {
  readonly port: string;
  readonly atMs: number;
  readonly what: string;
  readonly frame: FrameSpec;
}

/** The story, in time order; `what` becomes the README's table of what the newcomer should see. */
export const TRAFFIC: readonly Sent[] = [
  { port: 'tap648437e1-0d', atMs: 0, what: 'VM DHCPDISCOVER from 0.0.0.0 (allowed by table 71, flooded by NORMAL to VLAN 3 and out over br-tun)',
    frame: { eth: { src: VM_MAC, dst: BCAST }, ipv4: { src: '0.0.0.0', dst: '255.255.255.255' }, udp: { srcPort: 68, dstPort: 67 }, payload: new Uint8Array(240) } },
  { port: 'tap648437e1-0d', atMs: 1000, what: 'VM IPv6 router solicitation (allowed, table 71 → 94 NORMAL)',
    frame: { eth: { src: VM_MAC, dst: '33:33:00:00:00:02' }, ipv6: { src: VM_LL, dst: 'ff02::2', hopLimit: 255 }, icmpv6: { type: 133, sll: VM_MAC } } },
  { port: 'tap648437e1-0d', atMs: 2000, what: 'VM ARP request for its gateway (allowed: arp_spa is the VM address)',
    frame: { eth: { src: VM_MAC, dst: BCAST }, arp: { op: 1, sha: VM_MAC, spa: VM_IP, tpa: GW_IP } } },
  { port: 'tap648437e1-0d', atMs: 2100, what: 'VM ARP with a spoofed sender address (no table 71 rule: dropped)',
    frame: { eth: { src: VM_MAC, dst: BCAST }, arp: { op: 1, sha: VM_MAC, spa: '192.168.101.99', tpa: GW_IP } } },
  { port: 'tap648437e1-0d', atMs: 2200, what: 'VM frame with a spoofed source MAC (dropped by table 71 priority 10 → 93)',
    frame: { eth: { src: 'fa:16:3e:00:00:99', dst: BCAST }, arp: { op: 1, sha: 'fa:16:3e:00:00:99', spa: VM_IP, tpa: GW_IP } } },
  { port: 'tap648437e1-0d', atMs: 3000, what: 'VM ping to its gateway (table 71 sends it to ct(table=72): conntrack comes with issue 3)',
    frame: { eth: { src: VM_MAC, dst: GW_MAC }, ipv4: { src: VM_IP, dst: GW_IP }, icmp: { type: 8, id: 7692, seq: 1 }, payload: new Uint8Array(56) } },
  { port: 'eth2', atMs: 4000, what: 'LLDP from the provider switch (NORMAL never forwards 01:80:c2:00:00:0e)',
    frame: { eth: { src: '00:15:5d:00:00:01', dst: '01:80:c2:00:00:0e', type: 0x88cc }, payload: new Uint8Array(46) } },
  { port: 'eth2', atMs: 4100, what: 'untagged broadcast on the provider network (br-provider NORMAL → br-int VLAN 2 → tap635485ff-6c)',
    frame: { eth: { src: '00:15:5d:00:00:02', dst: BCAST }, arp: { op: 1, sha: '00:15:5d:00:00:02', spa: '10.0.0.50', tpa: '10.0.0.1' } } },
  { port: 'eth2', atMs: 4200, what: 'VLAN 100 broadcast on the provider network (br-int maps it to local VLAN 1 → tap0ab9a23c-99)',
    frame: { eth: { src: '00:15:5d:00:00:03', dst: BCAST }, vlans: [{ vid: 100 }], arp: { op: 1, sha: '00:15:5d:00:00:03', spa: '10.1.0.50', tpa: '10.1.0.1' } } },
  { port: 'eth3', atMs: 5000, what: 'broadcast on the management NIC (br-mgmt NORMAL; br-int drops what comes from int-br-mgmt)',
    frame: { eth: { src: '00:15:5d:00:00:04', dst: BCAST }, arp: { op: 1, sha: '00:15:5d:00:00:04', spa: '172.16.1.20', tpa: '172.16.1.1' } } },
];

function main(): void {
  const here = path.dirname(fileURLToPath(import.meta.url));
  // Compiled to dist/pcaps/; the data lives in the source tree's pcaps/.
  const root = path.resolve(here, here.includes(`${path.sep}dist${path.sep}`) ? '../..' : '..');
  const outDir = path.join(root, 'pcaps', 'seed-003', 'input');
  fs.mkdirSync(outDir, { recursive: true });
  const writers = new Map<string, PcapWriter>();
  for (const t of TRAFFIC) {
    let w = writers.get(t.port);
    if (w === undefined) {
      w = PcapWriter.toFile(path.join(outDir, `${t.port}.pcap`));
      writers.set(t.port, w);
    }
    w.writeMs(T0_MS + t.atMs, buildFrame(t.frame));
  }
  for (const w of writers.values()) w.close();
  process.stdout.write(`wrote ${TRAFFIC.length} frames to ${[...writers.keys()].map((p) => `${p}.pcap`).join(', ')} in ${outDir}\n`);
}

main();
