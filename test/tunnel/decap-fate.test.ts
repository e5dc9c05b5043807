/**
 * The fate of a packet that passes through the datapath more than once (tnl_pop, then maybe ct and recirculation):
 * when nothing comes out, the drop reported is the one of its last pass, where the packet actually died, not the
 * underlay bridge's "no output action" of its first pass (which only decapsulated it). Frames are the conformance
 * scenarios' own inputs, and the reasons are the ones OVS's trace gives for them.
 */
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/base/clock.js';
import { buildSwitch } from '../../src/control/build-switch.js';
import { Datapath } from '../../src/dpif/datapath.js';
import { loadTopologyJson } from '../../src/io/topology.js';

const SCENARIOS = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'conformance', 'scenarios');
const hex = (s: string): Uint8Array => Uint8Array.from(s.match(/../g)!.map((b) => parseInt(b, 16)));

function datapath(scenario: string): { dp: Datapath; eth0: Parameters<Datapath['receive']>[0] } {
  const sw = buildSwitch(loadTopologyJson(path.join(SCENARIOS, scenario)), { nowMs: 0 });
  const dp = new Datapath(sw, new ManualClock(0), { transmit: () => 0 });
  return { dp, eth0: sw.portByName('eth0')! };
}

// vxlan-underlay input #12: VXLAN from 172.16.0.11 with outer TOS 0x03 (CE) around an inner IPv4 ICMP reply whose
// ECN bits say not ECN-capable.
const CE_OVER_NOT_ECT =
  '00155dbfba5000155dbfba4f08004503005e000040004011e241ac10000bac10001fc00012b5004a00000800000000006400fa163e000105fa163e00010b08004500002c00060000400166ba0a01000b0a0100050000ffac004d000600000000000000000000000000000000';

// seed-neutron-e2e input #21: VXLAN (VNI 0xef) around a TCP SYN to the VM that no security-group rule admits: br-int
// sends it through conntrack and drops it in table 93 when it comes back.
const SYN_REFUSED_BY_TABLE_93 =
  '00155dbfba5000155dbfba4f08004500005a000040004011e248ac10000bac10001ff3c212b500460000080000000000ef00fa163e6121c6fa163eaa00200800450000280001000040062f15c0a86514c0a86555c73900500000000500000000500220007c990000';

describe('the drop a packet that recirculated reports', () => {
  it("is its tunnel pass's drop when the decapsulated packet is dropped on receive (ECN CE over not-ECT)", () => {
    const { dp, eth0 } = datapath('vxlan-underlay');
    const fate = dp.receive(eth0, hex(CE_OVER_NOT_ECT));
    expect(fate.outputs).toEqual([]);
    expect(fate.drop).toMatchObject({ kind: 'tunnel', reason: 'dropping tunnel packet marked ECN CE but is not ECN capable' });
  });

  it('is the drop rule of the pass after conntrack when a decapsulated packet is dropped there', () => {
    const { dp, eth0 } = datapath('seed-neutron-e2e');
    const fate = dp.receive(eth0, hex(SYN_REFUSED_BY_TABLE_93));
    expect(fate.outputs).toEqual([]);
    expect(fate.drop).toMatchObject({ kind: 'drop_rule', bridge: 'br-int', table: 93 });
  });

  it('is counted once, under that reason', () => {
    const { dp, eth0 } = datapath('seed-neutron-e2e');
    dp.receive(eth0, hex(SYN_REFUSED_BY_TABLE_93));
    expect(dp.counters.dropped).toBe(1);
    expect(Object.fromEntries(dp.counters.dropReasons)).toEqual({ 'drop rule in table 93 of br-int (priority 0)': 1 });
  });
});
