import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/base/clock.js';
import { Datapath, type PortTransmit } from '../../src/dpif/datapath.js';
import type { DpPacket } from '../../src/dpif/packet.js';
import { parseFlowLine } from '../../src/ofproto/flow-syntax.js';
import type { Port } from '../../src/ofproto/port.js';
import { Switch } from '../../src/ofproto/switch.js';
import { buildFrame } from '../../src/packet/build.js';

/** br0 with p1..p3 (ofports 1..3), and the given flows. */
function setup(flows: string[]) {
  const sw = new Switch();
  const br = sw.addBridge({ name: 'br0' });
  for (let i = 1; i <= 3; i++) sw.addPort('br0', { name: `p${i}`, ofport: i });
  for (const f of flows) br.flows.add(parseFlowLine(f, { namer: br.namer }), 0);
  const sent: { port: string; bytes: Uint8Array }[] = [];
  const tx: PortTransmit = {
    transmit(port: Port, pkt: DpPacket): number {
      sent.push({ port: port.name, bytes: pkt.frame().slice() });
      return sent.filter((s) => s.port === port.name).length;
    },
  };
  const clock = new ManualClock(0);
  const dp = new Datapath(sw, clock, tx);
  return { sw, br, dp, sent, clock };
}

const frame = buildFrame({ eth: { src: '02:00:00:00:00:01', dst: '02:00:00:00:00:02' }, ipv4: { src: '10.0.0.1', dst: '10.0.0.2', ttl: 64 }, udp: { srcPort: 1, dstPort: 2 } });

describe('Datapath.receive', () => {
  it('translates, executes and reports the frames sent with their numbers', () => {
    const { sw, dp, sent } = setup(['priority=1,in_port=p1 actions=dec_ttl,output:p2,output:p3']);
    const fate = dp.receive(sw.portByName('p1')!, frame);
    expect(fate.outputs).toEqual([
      { port: 'p2', n: 1 },
      { port: 'p3', n: 1 },
    ]);
    expect(sent[0].bytes[14 + 8]).toBe(63);
    expect(dp.counters).toMatchObject({ received: 1, transmitted: 2, dropped: 0 });
  });

  it('commits rule statistics for every packet', () => {
    const { sw, br, dp } = setup(['priority=1 actions=output:p2']);
    dp.receive(sw.portByName('p1')!, frame);
    dp.receive(sw.portByName('p3')!, frame);
    const rule = br.flows.allRules()[0];
    expect([rule.nPackets, rule.nBytes]).toEqual([2, 2 * frame.length]);
  });

  it('reports a table miss as a drop with its bridge and table', () => {
    const { sw, dp } = setup([]);
    const fate = dp.receive(sw.portByName('p1')!, frame);
    expect(fate.outputs).toEqual([]);
    expect(fate.drop).toMatchObject({ kind: 'no_match', bridge: 'br0', table: 0, reason: 'no match in table 0 of br0' });
    expect(dp.counters.dropReasons.get('no match in table 0 of br0')).toBe(1);
  });

  it('reports a drop rule with its table and rule, counted under its reason text', () => {
    const { sw, dp } = setup(['table=0,priority=1 actions=resubmit(,3)', 'table=3,priority=10,in_port=p1 actions=drop']);
    const fate = dp.receive(sw.portByName('p1')!, frame);
    expect(fate.drop).toEqual({
      kind: 'drop_rule',
      bridge: 'br0',
      table: 3,
      rule: 'priority=10',
      reason: 'drop rule in table 3 of br0 (priority 10)',
    });
    expect(dp.counters.dropReasons.get('drop rule in table 3 of br0 (priority 10)')).toBe(1);
  });

  it('tracks a connection with ct(commit) and forwards the packet', () => {
    const { sw, dp } = setup(['priority=1,ip actions=ct(commit),output:p2']);
    const fate = dp.receive(sw.portByName('p1')!, frame);
    expect(fate.outputs.map((o) => o.port)).toEqual(['p2']);
    expect(dp.conntrack.dump(0).length).toBe(1);
  });

  it('notes a malformed packet and still forwards it', () => {
    const { sw, dp, sent } = setup(['priority=1 actions=output:p2']);
    const short = frame.slice(0, 20);
    const fate = dp.receive(sw.portByName('p1')!, short);
    expect(fate.malformed).toBe('truncated_ipv4');
    expect(sent.map((s) => s.bytes)).toEqual([short]);
    expect(dp.counters.malformed.get('truncated_ipv4')).toBe(1);
  });

  it('expires a rule once its idle timeout has passed on the clock', () => {
    const { sw, br, dp, clock } = setup(['priority=1,idle_timeout=5 actions=output:p2']);
    dp.receive(sw.portByName('p1')!, frame);
    clock.set(5000);
    dp.expire(clock.nowMs());
    expect(br.flows.ruleCount).toBe(1);
    clock.set(5001);
    dp.expire(clock.nowMs());
    expect(br.flows.ruleCount).toBe(0);
  });
});
