/**
 * Rulesets for the cache benchmark, each with the traffic that exercises it:
 *
 *   seed br-int   the seed compute node (four bridges, OpenStack neutron flows): VM tap635485ff-6c (VLAN 2) sends
 *                 to the provider network's gateway, learned on eth2 beforehand, so packets cross br-int and
 *                 br-provider by NORMAL and leave on eth2. Flows differ in addresses and ports, which the megaflow
 *                 does not look at (one megaflow, N EMC entries). Its upcall traffic instead varies the destination
 *                 MAC (unknown: flooded), one new megaflow per packet.
 *   acl 10k       10,000 generated 5-tuple ACL rules (bench/acl.ts) ahead of NORMAL: prefix matches of /24-/32 on
 *                 both addresses, so the megaflows are specific and numerous.
 *   pipeline 40   a 40-table resubmit chain (reg0-keyed, 8 non-matching nw_dst rules and a tcp_dst rule per table).
 *   8 masks       eight rules of decreasing priority on nested nw_dst prefixes: traffic spread over the eight groups
 *                 installs megaflows under eight different masks (the megaflow-hit target's "8 subtables").
 */

import type { FrameSpec } from '../src/packet/build.js';
import { parseFlowFile } from '../src/ofproto/flow-syntax.js';
import { Switch } from '../src/ofproto/switch.js';
import { generateAcl, prng } from './acl.js';
import { seedSwitch } from './seed-switch.js';
import { ipOf, macOf } from './traffic.js';

export interface Ruleset {
  readonly name: string;
  readonly sw: Switch;
  /** Port the traffic enters on. */
  readonly ingress: string;
  /** Frame of flow i. */
  readonly frameOf: (i: number) => FrameSpec;
  /** Frame i of traffic where (nearly) every packet needs a megaflow of its own. */
  readonly upcallFrameOf: (i: number) => FrameSpec;
  /** Frames to send first (MAC learning), as [port, frame]. */
  readonly prime: readonly (readonly [string, FrameSpec])[];
}

export type RulesetName = 'seed' | 'acl10k' | 'pipeline40' | 'masks8';
export const RULESETS: readonly RulesetName[] = ['seed', 'acl10k', 'pipeline40', 'masks8'];

const udp = (src: string, dst: string, sport: number, dport: number, macs: { src: string; dst: string }): FrameSpec => ({
  eth: macs,
  ipv4: { src, dst, ttl: 64 },
  udp: { srcPort: sport, dstPort: dport },
});

const tcp = (src: string, dst: string, sport: number, dport: number, macs: { src: string; dst: string }): FrameSpec => ({
  eth: macs,
  ipv4: { src, dst, ttl: 64 },
  tcp: { srcPort: sport, dstPort: dport, flags: 'A' },
});

const BR0_MACS = { src: '02:00:00:00:00:01', dst: '02:00:00:00:00:02' };

function br0(flows: string): Switch {
  const sw = new Switch();
  const br = sw.addBridge({ name: 'br0', failMode: 'secure' });
  sw.addPort('br0', { name: 'p1', type: 'dummy' });
  sw.addPort('br0', { name: 'p2', type: 'dummy' });
  for (const spec of parseFlowFile(flows, 'bench.flows', { namer: br.namer })) br.flows.add(spec, 0);
  return sw;
}

export function ruleset(name: RulesetName): Ruleset {
  switch (name) {
    case 'seed': {
      const vm = { src: 'fa:16:3e:63:54:85', dst: '00:15:5d:aa:00:01' };
      return {
        name: 'seed br-int',
        sw: seedSwitch(),
        ingress: 'tap635485ff-6c',
        frameOf: (i) => udp(ipOf(0x0a000032, 0), ipOf(0x0a010000, i >>> 8), 1024 + (i & 0xff) * 200 + (i % 200), 5000, vm),
        upcallFrameOf: (i) => udp('10.0.0.50', '10.0.0.1', 1024, 5000, { src: vm.src, dst: macOf(0x10000 + i) }),
        prime: [['eth2', udp('10.0.0.1', '10.0.0.255', 68, 67, { src: vm.dst, dst: 'ff:ff:ff:ff:ff:ff' })]],
      };
    }
    case 'acl10k': {
      const acl = generateAcl(10_000, 1);
      const sw = new Switch();
      const br = sw.addBridge({ name: 'br0', failMode: 'secure' });
      sw.addPort('br0', { name: 'p1', type: 'dummy' });
      sw.addPort('br0', { name: 'p2', type: 'dummy' });
      for (const r of acl.tables.allRules()) br.flows.add(r.toSpec(), 0);
      const rnd = prng(0xacf10);
      const srcs: number[] = [];
      for (let i = 0; i < 4096; i++) srcs.push(((10 << 24) | Math.floor(rnd() * 0x1000000)) >>> 0);
      const frameOf = (i: number): FrameSpec => tcp(ipOf(srcs[i & 4095], 0), ipOf(0xac100000, (i >>> 12) * 7 + (i & 0xfff)), 1024 + (i % 50000), 443, BR0_MACS);
      return { name: 'acl 10k', sw, ingress: 'p1', frameOf, upcallFrameOf: frameOf, prime: [['p2', udp('10.9.9.9', '10.9.9.8', 1, 1, { src: BR0_MACS.dst, dst: BR0_MACS.src })]] };
    }
    case 'pipeline40': {
      const lines: string[] = [];
      for (let t = 0; t < 40; t++) {
        const next = t + 1 < 40 ? `load:${t + 1}->NXM_NX_REG0[],resubmit(,${t + 1})` : 'output:p2';
        for (let k = 0; k < 8; k++) lines.push(`table=${t},priority=150,ip,reg0=${t},nw_dst=172.16.${t}.${k} actions=drop`);
        lines.push(`table=${t},priority=100,ip,reg0=${t} actions=${next}`);
        lines.push(`table=${t},priority=50,tcp,tp_dst=80 actions=drop`);
        lines.push(`table=${t},priority=0 actions=drop`);
      }
      const frameOf = (i: number): FrameSpec => tcp('10.0.0.1', ipOf(0xac640000, i >>> 4), 1024 + i, 443, BR0_MACS);
      return { name: 'pipeline 40', sw: br0(lines.join('\n')), ingress: 'p1', frameOf, upcallFrameOf: (i) => tcp('10.0.0.1', ipOf(0xac640000, i), 1024, 443, BR0_MACS), prime: [] };
    }
    case 'masks8': {
      const lines: string[] = [];
      for (let g = 0; g < 8; g++) lines.push(`priority=${100 - g},ip,nw_dst=10.${g}.0.0/${16 + g} actions=output:p2`);
      lines.push('priority=0 actions=drop');
      // Group g: 10.g.x.y; x < 2^(8-g-... ) keeps every packet inside rule g's prefix.
      const frameOf = (i: number): FrameSpec => udp('192.168.0.1', ipOf(0x0a000000 + ((i & 7) << 16), (i >>> 3) & 0xff), 1000 + (i % 1000), 53, BR0_MACS);
      return { name: '8 masks', sw: br0(lines.join('\n')), ingress: 'p1', frameOf, upcallFrameOf: frameOf, prime: [] };
    }
  }
}
