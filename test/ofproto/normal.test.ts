import { beforeEach, describe, expect, test } from 'vitest';
import { W } from '../../src/flow/key-layout.js';
import type { Bridge } from '../../src/ofproto/bridge.js';
import { commitSideEffects } from '../../src/ofproto/side-effects.js';
import { Switch } from '../../src/ofproto/switch.js';
import { addFlows, actionsText, key, mac, run, type PacketSpec } from './helpers.js';

// The normal-access-trunk conformance scenario (expectations from its packets.tsv, checked against OVS 3.1).
const A = '00:00:00:00:00:0a';
const B = '00:00:00:00:00:0b';
const C = '00:00:00:00:00:0c';
const BCAST = 'ff:ff:ff:ff:ff:ff';

function scenario(): { sw: Switch; br: Bridge } {
  const sw = new Switch();
  const br = sw.addBridge({ name: 'br0', hwaddr: mac('02:00:00:00:00:fe') });
  sw.addPort('br0', { name: 'p1', ofport: 1, tag: 10 });
  sw.addPort('br0', { name: 'p2', ofport: 2, tag: 10 });
  sw.addPort('br0', { name: 'p3', ofport: 3, tag: 20 });
  sw.addPort('br0', { name: 't1', ofport: 4, trunks: [10, 20], vlanMode: 'trunk' });
  sw.addPort('br0', { name: 't2', ofport: 5 });
  sw.addPort('br0', { name: 'n1', ofport: 6, tag: 10, trunks: [20], vlanMode: 'native-untagged' });
  sw.addPort('br0', { name: 'n2', ofport: 7, tag: 20, trunks: [10], vlanMode: 'native-tagged' });
  addFlows(br, 'priority=0 actions=NORMAL');
  return { sw, br };
}

const PORT = { p1: 1, p2: 2, p3: 3, t1: 4, t2: 5, n1: 6, n2: 7, br0: 0xfffe } as const;

describe('NORMAL', () => {
  let sw: Switch;
  let br: Bridge;
  let now: number;
  beforeEach(() => {
    ({ sw, br } = scenario());
    now = 0;
  });
  /** Sends one packet: translate, commit its side effects, return the outputs as names (tags shown). */
  function send(inPort: keyof typeof PORT, p: Omit<PacketSpec, 'inPort'>): string {
    const r = run(sw, br, key({ inPort: PORT[inPort], ...p }), now);
    commitSideEffects(r.sideEffects, { bytes: 60 }, now);
    return actionsText(sw, r);
  }
  const outPorts = (text: string): string[] =>
    text === 'drop'
      ? []
      : text
          .replace(/push_vlan\([^)]*\)/g, 'push')
          .split(',')
          .filter((t) => t !== 'push' && t !== 'pop_vlan')
          .sort();

  test('unknown destination floods in the VLAN: tagged on trunks and LOCAL, untagged on the native-untagged port', () => {
    const text = send('p1', { dlSrc: A, dlDst: B });
    expect(outPorts(text)).toEqual(['br0', 'n1', 'n2', 'p2', 't1', 't2']);
    expect(text).toBe(
      'push_vlan(vid=10,pcp=0),br0,pop_vlan,p2,push_vlan(vid=10,pcp=0),t1,t2,pop_vlan,n1,push_vlan(vid=10,pcp=0),n2',
    );
  });

  test('a learned destination is forwarded to its port only', () => {
    send('p1', { dlSrc: A, dlDst: B });
    expect(send('p2', { dlSrc: B, dlDst: A })).toBe('p1');
    expect(send('p1', { dlSrc: A, dlDst: B })).toBe('p2');
  });

  test('learning is per VLAN', () => {
    send('p1', { dlSrc: A, dlDst: BCAST });
    expect(outPorts(send('p3', { dlSrc: C, dlDst: A }))).toEqual(['br0', 'n1', 'n2', 't1', 't2']);
  });

  test('an access port drops tagged frames but accepts priority-tagged ones as its VLAN', () => {
    send('p2', { dlSrc: B, dlDst: BCAST });
    expect(send('p1', { dlSrc: A, dlDst: B, vlan: 10 })).toBe('drop');
    expect(send('p1', { dlSrc: A, dlDst: B, vlan: 0, pcp: 5 })).toBe('pop_vlan,p2');
  });

  test('a priority tag keeps its PCP on tagged copies', () => {
    expect(send('p1', { dlSrc: A, dlDst: C, vlan: 0, pcp: 3 })).toContain('push_vlan(vid=10,pcp=3)');
  });

  test('a trunk with a trunks list drops other VLANs and untagged frames', () => {
    expect(send('t1', { dlSrc: A, dlDst: B, vlan: 30 })).toBe('drop');
    expect(send('t1', { dlSrc: A, dlDst: B })).toBe('drop');
  });

  test('a trunk without a list carries VLAN 0: untagged frames reach only all-VLAN trunks', () => {
    expect(send('t2', { dlSrc: A, dlDst: BCAST })).toBe('br0');
    expect(send('t2', { dlSrc: A, dlDst: BCAST, vlan: 99 })).toBe('br0');
  });

  test('the LOCAL port without VLAN config is a trunk of all VLANs', () => {
    expect(send('br0', { dlSrc: A, dlDst: BCAST })).toBe('t2');
    send('p1', { dlSrc: A, dlDst: BCAST });
    expect(send('br0', { dlSrc: C, dlDst: A, vlan: 10 })).toBe('pop_vlan,p1');
  });

  test('native-untagged: untagged input is the native VLAN; the native VLAN leaves untagged', () => {
    send('p1', { dlSrc: A, dlDst: BCAST });
    expect(send('n1', { dlSrc: '00:00:00:00:00:0f', dlDst: A })).toBe('p1');
    expect(send('n1', { dlSrc: '00:00:00:00:00:0f', dlDst: A, vlan: 10 })).toBe('pop_vlan,p1');
    expect(send('n1', { dlSrc: '00:00:00:00:00:0f', dlDst: A, vlan: 30 })).toBe('drop');
    expect(send('p1', { dlSrc: A, dlDst: '00:00:00:00:00:0f' })).toBe('n1');
  });

  test('native-tagged: untagged input is the native VLAN; output stays tagged', () => {
    send('p3', { dlSrc: C, dlDst: BCAST });
    expect(send('n2', { dlSrc: '00:00:00:00:00:06', dlDst: C })).toBe('p3');
    expect(send('p3', { dlSrc: C, dlDst: '00:00:00:00:00:06' })).toBe('push_vlan(vid=20,pcp=0),n2');
  });

  test('reserved multicast destinations are dropped (forward-bpdu off)', () => {
    expect(send('p1', { dlSrc: A, dlDst: '01:80:c2:00:00:00' })).toBe('drop');
  });

  test('no hairpin: a destination learned on the input port is dropped', () => {
    send('p2', { dlSrc: B, dlDst: BCAST });
    expect(send('p2', { dlSrc: B, dlDst: B })).toBe('drop');
  });

  test('a MAC moves to the port it was last seen on', () => {
    send('p1', { dlSrc: A, dlDst: BCAST });
    send('p2', { dlSrc: A, dlDst: BCAST });
    expect(send('n1', { dlSrc: '00:00:00:00:00:0f', dlDst: A })).toBe('p2');
  });

  test('a multicast source is forwarded but not learned', () => {
    send('p2', { dlSrc: '01:00:00:00:00:01', dlDst: BCAST });
    expect(br.macTable.lookup(mac('01:00:00:00:00:01'), 10, now)).toBeUndefined();
  });

  test('learned entries age out after mac-aging-time', () => {
    send('p1', { dlSrc: A, dlDst: BCAST });
    now = 299_000;
    expect(send('p2', { dlSrc: B, dlDst: A })).toBe('p1');
    now = 300_000;
    expect(br.macTable.lookup(mac(A), 10, now)).toBeUndefined();
    expect(outPorts(send('p2', { dlSrc: B, dlDst: A }))).toContain('p1');
    expect(br.macTable.expire(now)).toBe(1);
  });

  test('the megaflow matches both MACs and the VLAN', () => {
    const r = run(sw, br, key({ inPort: 1, dlSrc: A, dlDst: B }), 0);
    expect(r.wc[W.DL_SRC + 1]).toBe(0xffffffff);
    expect(r.wc[W.DL_DST + 1]).toBe(0xffffffff);
  });
});
