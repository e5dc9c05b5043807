/**
 * VXLAN benchmark: encapsulation and decapsulation on the megaflow-hit path, beside plain forwarding, one core.
 *
 * The switch is the vxlan-underlay conformance scenario's (br-int -> patch -> br-tun -> VXLAN -> br-phy -> eth0).
 * After one warm-up pass teaches the bridges the MACs, each case sends the same frame through `Datapath.receive`
 * again and again, so every pass after the first is a cache hit:
 *   encap   vm1 -> R1 ICMP echo (58 bytes): br-int NORMAL, br-tun table 20, tnl_push + br-phy NORMAL -> eth0 (108 bytes)
 *   decap   eth0 <- R1's echo reply in VXLAN (108 bytes): br-phy NORMAL -> tnl_pop, then the inner frame's own
 *           megaflow (in_port vxlan_sys_4789 + tunnel metadata) -> vm1: two datapath passes per packet
 *   plain   vm2 -> vm1-side MAC on the same bridge (no tunnel): one NORMAL megaflow, for comparison
 * Frames leave into a counter (no capture writing), so the figure is the datapath's own cost.
 *
 *   node dist/bench/tunnel-bench.js [--packets N]
 */

import * as path from 'node:path';
import { MonotonicClock } from '../src/base/clock.js';
import { buildSwitch } from '../src/control/build-switch.js';
import { Datapath, type PortTransmit } from '../src/dpif/datapath.js';
import { loadTopologyJson } from '../src/io/topology.js';
import { repoRoot } from './paths.js';

const hex = (s: string): Uint8Array => Uint8Array.from(s.match(/../g)!.map((b) => parseInt(b, 16)));

const ARP_FROM_R1 =
  '00155dbfba5000155dbfba4f08004500004e000040004011e254ac10000bac10001fc00012b5003a00000800000000006400fa163e000105fa163e00010b08060001080006040002fa163e00010b0a01000bfa163e0001050a010005';
const PING_TO_R1 = 'fa163e00010bfa163e00010508004500002c00010000400166bf0a0100050a01000b0800f7b1004d000100000000000000000000000000000000';
const REPLY_FROM_R1 =
  '00155dbfba5000155dbfba4f08004500005e000040004011e244ac10000bac10001fc35012b5004a00000800000000006400fa163e000105fa163e00010b08004500002c00010000400166bf0a01000b0a0100050000ffb1004d000100000000000000000000000000000000';
// vm2 (VLAN 2) to an unknown MAC: NORMAL floods within VLAN 2 only to br-int LOCAL and patch-tun... use a learned one:
const VM2_ARP = 'fffffffffffffa163e00020508060001080006040001fa163e0002050a020005000000000000' + '0a02000d';

export interface TunnelBenchResult {
  readonly name: string;
  readonly packets: number;
  readonly mpps: number;
  readonly nsPerPacket: number;
}

export function runTunnelBench(packets: number): TunnelBenchResult[] {
  const sw = buildSwitch(loadTopologyJson(path.join(repoRoot(), 'test', 'conformance', 'scenarios', 'vxlan-underlay')));
  let sent = 0;
  const tx: PortTransmit = {
    transmit(): number {
      sent++;
      return 0;
    },
  };
  const dp = new Datapath(sw, new MonotonicClock(), tx);
  const port = (n: string) => sw.portByName(n)!;
  dp.receive(port('eth0'), hex(ARP_FROM_R1)); // teaches br-tun table 20 and br-int NORMAL where R1 is
  dp.receive(port('vm2'), hex(VM2_ARP));
  const cases: { name: string; port: string; frame: Uint8Array }[] = [
    { name: 'encap (vm1 -> VXLAN -> eth0)', port: 'vm1', frame: hex(PING_TO_R1) },
    { name: 'decap (eth0 VXLAN -> vm1)', port: 'eth0', frame: hex(REPLY_FROM_R1) },
    { name: 'plain (eth0 ARP -> br-phy LOCAL)', port: 'eth0', frame: hex('ffffffffffff00155dbfba4f0806000108000604000200155dbfba4fac10000b000000000000ac10000c') },
  ];
  const out: TunnelBenchResult[] = [];
  for (const c of cases) {
    const p = port(c.port);
    for (let i = 0; i < 10_000; i++) dp.receive(p, c.frame); // warm-up: caches filled, code optimised
    const before = sent;
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < packets; i++) dp.receive(p, c.frame);
    const ns = Number(process.hrtime.bigint() - t0);
    if (sent - before < packets) throw new Error(`${c.name}: only ${sent - before} of ${packets} packets came out`);
    out.push({ name: c.name, packets, mpps: packets / ns * 1e3, nsPerPacket: ns / packets });
  }
  return out;
}

if (process.argv[1] !== undefined && process.argv[1].endsWith('tunnel-bench.js')) {
  const i = process.argv.indexOf('--packets');
  const n = i > 0 ? Number(process.argv[i + 1]) : 1_000_000;
  for (const r of runTunnelBench(n)) {
    console.log(`${r.name.padEnd(36)} ${r.mpps.toFixed(3)} Mpps  ${r.nsPerPacket.toFixed(0)} ns/packet`);
  }
}
