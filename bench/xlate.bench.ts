/**
 * Full translations per second through src/ofproto/xlate.ts: the slow path a megaflow miss pays.
 *
 *   seed ARP from VM: an ARP request from the seed's VM (tap648437e1-0d, access VLAN 3) through br-int tables
 *     0 -> 58 -> 60 -> 71 -> 94 (NORMAL, flooding VLAN 3) and on through the patch ports into br-tun (0 -> 2 -> 22,
 *     out the VXLAN port), br-provider and br-mgmt (dropped there): the stateless path of the seed, four bridges.
 *   40-table pipeline: a synthetic OVN-like chain, tables 0..39, each with a reg0-keyed rule that loads the next
 *     table's reg0 value and resubmits, 8 higher-priority rules on nw_dst that do not match (a subtable to reject),
 *     a tcp rule and a default drop; the last table outputs. 40 lookups and 40 loads per translation.
 *
 * xlate always records the megaflow mask (its context owns `wc`), so there is no "without wc" variant here; the
 * classifier suite shows what recording costs per lookup. Translation allocates (context, result, datapath actions):
 * that is xlate's design for the slow path, and part of what is measured. Side effects are returned as data and not
 * applied, so repeating a translation sees the same state (NORMAL keeps flooding: no MAC is ever learned).
 */

import { KEY_WORDS } from '../src/flow/key-layout.js';
import type { Bridge } from '../src/ofproto/bridge.js';
import { parseFlowFile } from '../src/ofproto/flow-syntax.js';
import { Switch } from '../src/ofproto/switch.js';
import { xlate } from '../src/ofproto/xlate.js';
import { sink, type BenchCase } from './harness.js';
import { extractInto } from './keys.js';
import { ofportOf, seedSwitch, VM } from './seed-switch.js';

const SUITE = 'xlate';
const PIPELINE_TABLES = 40;
/** Translations per op: enough to amortise the harness call, few enough for short samples. */
const PER_OP = 16;

/** The flows of the synthetic pipeline, one table after another. */
function pipelineFlows(): string {
  const lines: string[] = [];
  for (let t = 0; t < PIPELINE_TABLES; t++) {
    const next = t + 1 < PIPELINE_TABLES ? `load:${t + 1}->NXM_NX_REG0[],resubmit(,${t + 1})` : 'output:p2';
    for (let k = 0; k < 8; k++) lines.push(`table=${t},priority=150,ip,reg0=${t},nw_dst=172.16.${t}.${k} actions=drop`);
    lines.push(`table=${t},priority=100,ip,reg0=${t} actions=${next}`);
    lines.push(`table=${t},priority=50,tcp,tp_dst=80 actions=drop`);
    lines.push(`table=${t},priority=0 actions=drop`);
  }
  return lines.join('\n');
}

function pipelineSwitch(): { sw: Switch; br: Bridge } {
  const sw = new Switch();
  const br = sw.addBridge({ name: 'br-pipe', failMode: 'secure' });
  sw.addPort('br-pipe', { name: 'p1', type: 'dummy' });
  sw.addPort('br-pipe', { name: 'p2', type: 'dummy' });
  for (const spec of parseFlowFile(pipelineFlows(), 'pipeline.flows', { namer: br.namer })) br.flows.add(spec, 0);
  return { sw, br };
}

function xlateCase(name: string, sw: Switch, br: Bridge, key: Uint32Array, expectOutputs: number): BenchCase {
  const opts = { nowMs: 0 };
  return {
    suite: SUITE,
    name,
    unit: 'ops/s',
    perOp: PER_OP,
    op: () => {
      let n = 0;
      for (let i = 0; i < PER_OP; i++) n += xlate(sw, br, key, opts).dpActions.length;
      sink[2] = n;
    },
    verify: () => {
      const r = xlate(sw, br, key, opts);
      const outputs = r.dpActions.filter((a) => a.kind === 'output').length;
      if (r.error !== null || outputs !== expectOutputs) {
        throw new Error(`${name}: want ${expectOutputs} outputs, got ${outputs} (error ${r.error}; actions ${r.dpActions.map((a) => a.kind).join(',')})`);
      }
    },
  };
}

export function xlateCases(): BenchCase[] {
  const seed = seedSwitch();
  const brInt = seed.bridge('br-int')!;
  const arp = extractInto(
    new Uint32Array(KEY_WORDS),
    { eth: { src: VM.mac, dst: 'ff:ff:ff:ff:ff:ff' }, arp: { op: 1, sha: VM.mac, spa: VM.ipv4, tpa: '192.168.101.1' } },
    ofportOf(seed, VM.port),
  );
  const pipe = pipelineSwitch();
  const tcp = extractInto(
    new Uint32Array(KEY_WORDS),
    { ipv4: { src: '10.0.0.1', dst: '10.1.1.1' }, tcp: { srcPort: 40000, dstPort: 443 } },
    ofportOf(pipe.sw, 'p1'),
  );
  return [
    // Flooding VLAN 3 from the VM reaches two datapath ports: br-int's LOCAL port (a trunk, so tagged) and, through
    // br-tun, the VXLAN port. br-provider and br-mgmt drop what their patch ports bring; the other taps are on
    // VLANs 1 and 2.
    xlateCase('seed ARP from VM (4 bridges)', seed, brInt, arp, 2),
    xlateCase(`${PIPELINE_TABLES}-table resubmit pipeline`, pipe.sw, pipe.br, tcp, 1),
  ];
}
