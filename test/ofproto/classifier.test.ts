import { describe, expect, test } from 'vitest';
import { W } from '../../src/flow/key-layout.js';
import { commitSideEffects } from '../../src/ofproto/side-effects.js';
import { addFlows, actionsText, oneBridge, run, tcp, udp } from './helpers.js';

describe('OpenFlow table lookup', () => {
  test('the highest-priority matching rule wins', () => {
    const { sw, br } = oneBridge();
    addFlows(br, `
      priority=10,ip actions=output:p2
      priority=20,tcp actions=output:p3
      priority=5 actions=output:p4`);
    expect(actionsText(sw, run(sw, br, tcp({ inPort: 1 })))).toBe('p3');
    expect(actionsText(sw, run(sw, br, udp({ inPort: 1 })))).toBe('p2');
  });

  test('a table miss drops the packet and says which table missed', () => {
    const { sw, br } = oneBridge();
    addFlows(br, 'priority=10,in_port=p2 actions=output:p3');
    const r = run(sw, br, tcp({ inPort: 1 }));
    expect(r.dpActions).toEqual([]);
    expect(r.drop).toEqual({ kind: 'no_match', bridge: 'br0', table: 0, text: 'no match in table 0 of br0' });
  });

  test('an explicit drop rule is named as the drop reason', () => {
    const { sw, br } = oneBridge();
    addFlows(br, 'priority=2,in_port=p1 actions=drop');
    expect(run(sw, br, tcp({ inPort: 1 })).drop).toEqual({
      kind: 'drop_rule',
      bridge: 'br0',
      table: 0,
      priority: 2,
      text: 'drop rule in table 0 of br0 (priority 2)',
    });
  });

  test('equal priorities over overlapping matches resolve deterministically to the earlier subtable', () => {
    const { sw, br } = oneBridge();
    addFlows(br, `
      priority=10,in_port=p1 actions=output:p2
      priority=10,tcp actions=output:p3`);
    for (let i = 0; i < 3; i++) expect(actionsText(sw, run(sw, br, tcp({ inPort: 1 })))).toBe('p2');
  });

  test('subtables that cannot beat a found match add nothing to the megaflow', () => {
    const { sw, br } = oneBridge();
    addFlows(br, `
      priority=100,in_port=p1 actions=output:p2
      priority=50,ip,nw_src=10.9.9.9 actions=output:p3`);
    const r = run(sw, br, tcp({ inPort: 1 }));
    expect(r.wc[W.NW_SRC]).toBe(0);
  });

  test('a subtable rejected at its metadata stage records only the metadata bits', () => {
    const { sw, br } = oneBridge();
    addFlows(br, `
      priority=100,in_port=p2,ip,nw_src=10.9.9.9 actions=output:p3
      priority=1 actions=output:p4`);
    const r = run(sw, br, tcp({ inPort: 1 }));
    expect(actionsText(sw, r)).toBe('p4');
    expect(r.wc[W.NW_SRC]).toBe(0);
    expect(r.wc[W.IN_PORT]).toBe(0xffffffff);
  });

  test('a lower-priority rule whose match was consulted is part of the megaflow', () => {
    const { sw, br } = oneBridge();
    addFlows(br, `
      priority=100,ip,nw_src=10.9.9.9 actions=output:p3
      priority=1 actions=output:p4`);
    const r = run(sw, br, tcp({ inPort: 1 }));
    expect(r.wc[W.NW_SRC]).toBe(0xffffffff);
  });

  test('L4 ports read as zero for IP fragments (frag mode normal)', () => {
    const { sw, br } = oneBridge();
    addFlows(br, `
      priority=10,tcp,tp_dst=80 actions=output:p2
      priority=5,tcp,tp_dst=0 actions=output:p3`);
    expect(actionsText(sw, run(sw, br, tcp({ inPort: 1, frag: 1 })))).toBe('p3');
    expect(actionsText(sw, run(sw, br, tcp({ inPort: 1 })))).toBe('p2');
  });
});

describe('flow mods', () => {
  test('adding an identical match and priority replaces the rule; counters restart from zero (as OVS 3.1)', () => {
    const { sw, br } = oneBridge();
    addFlows(br, 'priority=10,in_port=p1 actions=output:p2');
    const r = run(sw, br, tcp({ inPort: 1 }), 1000);
    commitSideEffects(r.sideEffects, { bytes: 14 }, 1000);
    addFlows(br, 'priority=10,in_port=p1 actions=output:p3', 2000);
    const rules = br.flows.allRules();
    expect(rules.map((x) => [x.nPackets, x.usedMs, x.createdMs])).toEqual([[0, 1000, 2000]]);
    expect(actionsText(sw, run(sw, br, tcp({ inPort: 1 })))).toBe('p3');
  });

  test('modify keeps counters, created time and timeouts but restarts the hard timeout (as OVS 3.1)', async () => {
    const { br } = oneBridge();
    const { parseFlowLine } = await import('../../src/ofproto/flow-syntax.js');
    addFlows(br, 'priority=10,in_port=p1,hard_timeout=50 actions=output:p2', 0);
    br.flows.allRules()[0].nPackets = 3;
    br.flows.modify(parseFlowLine('in_port=p1,hard_timeout=10 actions=output:p4', { namer: br.namer, command: 'modify' }), false, 5000);
    const [r] = br.flows.allRules();
    expect([r.nPackets, r.createdMs, r.modifiedMs, r.hardTimeout]).toEqual([3, 0, 5000, 50]);
  });

  test('loose modify changes every rule at least as specific and keeps timeouts', async () => {
    const { br } = oneBridge();
    const { parseFlowLine } = await import('../../src/ofproto/flow-syntax.js');
    addFlows(br, `
      priority=10,ip,nw_src=10.0.0.1,idle_timeout=60 actions=output:p2
      priority=20,ip actions=output:p2
      priority=30,arp actions=output:p2`);
    br.flows.modify(parseFlowLine('ip actions=output:p4', { namer: br.namer, command: 'modify' }), false, 1000);
    const byPri = new Map(br.flows.allRules().map((r) => [r.priority, r]));
    expect(byPri.get(10)?.actions).toEqual([{ kind: 'output', port: 4, maxLen: 0 }]);
    expect(byPri.get(10)?.idleTimeout).toBe(60);
    expect(byPri.get(20)?.actions[0]).toMatchObject({ port: 4 });
    expect(byPri.get(30)?.actions[0]).toMatchObject({ port: 2 });
  });

  test('modify of nothing adds the flow (OpenFlow 1.0 semantics)', async () => {
    const { br } = oneBridge();
    const { parseFlowLine } = await import('../../src/ofproto/flow-syntax.js');
    br.flows.modify(parseFlowLine('priority=7,tcp actions=output:p4', { namer: br.namer, command: 'modify_strict' }), true, 0);
    expect(br.flows.allRules().map((r) => r.priority)).toEqual([7]);
  });

  test('strict delete removes only the exact match and priority; out_port filters', async () => {
    const { br } = oneBridge();
    const { parseFlowLine } = await import('../../src/ofproto/flow-syntax.js');
    addFlows(br, `
      priority=10,tcp actions=output:p2
      priority=20,tcp actions=output:p3
      priority=30,tcp,tp_dst=80 actions=output:p2`);
    const strict = parseFlowLine('priority=10,tcp', { namer: br.namer, command: 'delete_strict' });
    br.flows.delete({ table: 0, match: strict.match, priority: 10 }, true, 0);
    expect(br.flows.allRules().map((r) => r.priority)).toEqual([30, 20]);
    const loose = parseFlowLine('tcp', { namer: br.namer, command: 'delete' });
    br.flows.delete({ match: loose.match, outPort: 2 }, false, 0);
    expect(br.flows.allRules().map((r) => r.priority)).toEqual([20]);
  });

  test('delete by cookie and mask', async () => {
    const { br } = oneBridge();
    const { Match } = await import('../../src/flow/match.js');
    addFlows(br, `
      cookie=0x11,priority=1,tcp actions=drop
      cookie=0x12,priority=2,tcp actions=drop
      cookie=0x21,priority=3,tcp actions=drop`);
    br.flows.delete({ match: new Match(), cookie: 0x10n, cookieMask: 0xf0n }, false, 0);
    expect(br.flows.allRules().map((r) => r.priority)).toEqual([3]);
  });

  test('hard and idle timeouts expire on the clock', () => {
    const { sw, br } = oneBridge();
    addFlows(br, `
      priority=10,in_port=p1,hard_timeout=10 actions=output:p2
      priority=10,in_port=p2,idle_timeout=5 actions=output:p1`, 0);
    expect(br.flows.expire(4000)).toHaveLength(0);
    // A hit at 4 s keeps the idle rule alive until 9 s.
    const r = run(sw, br, tcp({ inPort: 2 }), 4000);
    commitSideEffects(r.sideEffects, { bytes: 60 }, 4000);
    const gone = br.flows.expire(9_001).map((x) => [x.rule.priority, x.reason, x.rule.match.key[W.IN_PORT]]);
    expect(gone).toEqual([[10, 'idle', 2]]);
    expect(br.flows.expire(10_001).map((x) => x.reason)).toEqual(['hard']);
  });
});
