import { describe, expect, test } from 'vitest';
import { ETH_TYPE_IPV6, IPPROTO_ICMPV6, W } from '../../src/flow/key-layout.js';
import { traceMegaflow } from '../../src/ofproto/trace-syntax.js';
import { commitSideEffects } from '../../src/ofproto/side-effects.js';
import { Switch } from '../../src/ofproto/switch.js';
import { addFlows, actionsText, mac, oneBridge, run, tcp, udp } from './helpers.js';

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

  test('a subtable whose rules share the packet\'s address is probed, and its whole match enters the megaflow', () => {
    const { sw, br } = oneBridge();
    addFlows(br, `
      priority=100,ip,nw_src=10.0.0.1,nw_tos=8 actions=output:p3
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

/** The megaflow of `k`'s translation, as ofproto/trace prints it (ports by number, as on a bare OVS bridge). */
function megaflowOf(flows: string, k: Uint32Array, version: 'OpenFlow10' | 'OpenFlow13' = 'OpenFlow10'): string {
  const sw = new Switch();
  const br = sw.addBridge({ name: 'br0', hwaddr: mac('02:00:00:00:00:fe'), flowVersion: version });
  for (let i = 1; i <= 2; i++) sw.addPort('br0', { name: `p${i}`, ofport: i });
  addFlows(br, flows, 0, version);
  return traceMegaflow(k, run(sw, br, k).wc, undefined);
}

/** An ICMPv6 packet from p1 (neighbor discovery fields as given). */
function icmp6(type: number, ndTarget = 0): Uint32Array {
  const k = tcp({ inPort: 1 });
  k[W.DL_TYPE_VLAN] = (ETH_TYPE_IPV6 << 16) >>> 0;
  k[W.NW_SRC] = 0;
  k[W.NW_DST] = 0;
  k[W.IPV6_SRC + 3] = 1;
  k[W.IPV6_DST + 3] = 2;
  k[W.NW] = ((IPPROTO_ICMPV6 << 24) | (255 << 8)) >>> 0;
  k[W.TP] = (type << 16) >>> 0;
  k[W.ND_TARGET] = 0xfe800000;
  k[W.ND_TARGET + 3] = ndTarget;
  if (ndTarget === 0) k[W.ND_TARGET] = 0;
  return k;
}

// Every expected megaflow below is what `ovs-appctl ofproto/trace` printed on OVS 3.1 (Debian 3.1.0-2+deb12u1) for
// the same flows and packet.
describe('megaflows as narrow as OVS makes them (prefix tries, ports trie, staged lookup)', () => {
  test('a subtable the nw_src trie rules out adds only the address bits that ruled it out', () => {
    const flows = 'priority=100,ip,nw_src=10.9.9.9 actions=output:2\npriority=1 actions=output:2';
    expect(megaflowOf(flows, tcp({ inPort: 1 }))).toBe('recirc_id=0,eth,ip,in_port=1,nw_src=10.0.0.0/13,nw_frag=no');
  });

  test('the nw_dst trie is asked before the nw_src trie', () => {
    const flows = 'priority=100,ip,nw_src=10.0.0.0/24,nw_dst=10.0.0.9 actions=output:2\npriority=1 actions=output:2';
    expect(megaflowOf(flows, tcp({ inPort: 1, tpSrc: 1, tpDst: 2 }))).toBe('recirc_id=0,eth,ip,in_port=1,nw_dst=10.0.0.0/29,nw_frag=no');
  });

  test('an address prefix the packet matches does not let the trie skip the subtable', () => {
    const flows = `
      priority=100,ip,nw_dst=10.0.0.2,nw_src=10.1.0.0/16 actions=output:2
      priority=90,ip,nw_src=10.0.0.1 actions=output:2
      priority=1 actions=output:2`;
    expect(megaflowOf(flows, tcp({ inPort: 1, tpSrc: 1, tpDst: 2 }))).toBe('recirc_id=0,eth,ip,in_port=1,nw_src=10.0.0.1,nw_dst=10.0.0.2,nw_frag=no');
  });

  test('a port match that misses adds only the port bits that tell the packet from every rule\'s port', () => {
    const flows = `
      priority=100,tcp,tp_dst=80 actions=output:2
      priority=100,tcp,tp_dst=443 actions=output:2
      priority=1 actions=output:2`;
    expect(megaflowOf(flows, tcp({ inPort: 1, tpSrc: 1, tpDst: 2 }))).toBe('recirc_id=0,eth,tcp,in_port=1,nw_frag=no,tp_dst=0x0/0xffc0');
  });

  test('the rest of a missed last stage enters the megaflow whole (OVS 3.1.1 classifier fix)', () => {
    const flows = 'priority=95,tcp,tp_dst=80,tcp_flags=+syn actions=drop\npriority=0 actions=drop';
    expect(megaflowOf(flows, tcp({ inPort: 1, tpSrc: 1234, tpDst: 22, tcpFlags: 0x002 }))).toBe(
      'recirc_id=0,eth,tcp,in_port=1,nw_frag=no,tp_dst=0x0/0xffc0,tcp_flags=+syn',
    );
  });

  test('the ND target is looked at with the L4 ports, so an ICMPv6 type that misses still records it', () => {
    const flows = 'priority=95,icmp6,icmp_type=136,nd_target=fe80::1 actions=drop\npriority=0 actions=drop';
    expect(megaflowOf(flows, icmp6(134))).toBe('recirc_id=0,eth,icmp6,in_port=1,nw_frag=no,icmp_type=0x80/0xf8,nd_target=::');
  });

  test('removing the last rule of a prefix takes it out of the trie', () => {
    const { sw, br } = oneBridge();
    addFlows(br, `
      priority=100,ip,nw_src=10.0.0.1,nw_tos=8 actions=output:p3
      priority=100,ip,nw_src=10.9.9.9,nw_tos=8 actions=output:p3
      priority=1 actions=output:p4`);
    const k = tcp({ inPort: 1 });
    expect(traceMegaflow(k, run(sw, br, k).wc, undefined)).toBe('recirc_id=0,eth,ip,in_port=1,nw_src=10.0.0.1,nw_tos=0,nw_frag=no');
    const near = br.flows.allRules().find((r) => r.match.key[W.NW_SRC] === 0x0a000001);
    if (near === undefined) throw new Error('rule not found');
    br.flows.tables[0].remove(near);
    expect(traceMegaflow(k, run(sw, br, k).wc, undefined)).toBe('recirc_id=0,eth,ip,in_port=1,nw_src=10.0.0.0/13,nw_frag=no');
  });
});

describe('nw_proto in megaflows of IP rewrites (OVS 3.1 as Debian ships it: "Always mask ip proto field")', () => {
  const ipRule = (action: string) => `priority=100,ip,nw_dst=10.0.0.2 actions=${action},output:2`;

  test.each(['mod_nw_src:192.0.2.1', 'mod_nw_dst:1.2.3.4', 'mod_nw_tos:40', 'mod_nw_ecn:2', 'mod_nw_ttl:5', 'dec_ttl', 'set_field:1.2.3.4->ip_dst', 'load:1->NXM_OF_IP_DST[0..7]'])(
    '%s makes nw_proto part of the megaflow',
    (action) => {
      expect(megaflowOf(ipRule(action), tcp({ inPort: 1 }))).toMatch(/^recirc_id=0,eth,tcp,/);
    },
  );

  test('move and OpenFlow 1.3\'s set_field ip_dscp leave nw_proto out', () => {
    expect(megaflowOf(ipRule('move:NXM_OF_IP_SRC[]->NXM_OF_IP_DST[]'), tcp({ inPort: 1 }))).toMatch(/^recirc_id=0,eth,ip,/);
    expect(megaflowOf(ipRule('mod_nw_tos:40'), tcp({ inPort: 1 }), 'OpenFlow13')).toMatch(/^recirc_id=0,eth,ip,/);
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
