import { readFileSync } from 'node:fs';
import { beforeEach, describe, expect, test } from 'vitest';
import type { Bridge } from '../../src/ofproto/bridge.js';
import { formatFlow } from '../../src/ofproto/flow-syntax.js';
import { commitSideEffects } from '../../src/ofproto/side-effects.js';
import { Switch } from '../../src/ofproto/switch.js';
import { W } from '../../src/flow/key-layout.js';
import { addFlows, actionsText, key, mac, run, tcp, type PacketSpec } from './helpers.js';

/** The br-tun flows of seed 003 (ovs-ofctl dump-flows output), without the flow learn() had installed there. */
function seedBrTunFlows(): string {
  const seed = readFileSync('/work/shared/seeds/003_d2caf40f7e273ad1.txt', 'utf8').split('\n');
  const start = seed.indexOf('ovs-ofctl dump-flows br-tun');
  const lines: string[] = [];
  for (let i = start + 1; i < seed.length; i++) {
    if (seed[i].startsWith(' cookie=')) lines.push(seed[i]);
    else if (lines.length > 0 && seed[i].startsWith('```')) break;
  }
  return lines.filter((l) => !l.includes('hard_timeout=300, priority=1,vlan_tci')).join('\n');
}

const VM = 'fa:16:3e:e9:26:5b';

describe('learn (Neutron br-tun, seed 003)', () => {
  let sw: Switch;
  let br: Bridge;
  beforeEach(() => {
    sw = new Switch();
    br = sw.addBridge({ name: 'br-tun', hwaddr: mac('b2:86:16:72:d5:43') });
    sw.addPort('br-tun', { name: 'patch-int', ofport: 1 });
    sw.addPort('br-tun', {
      name: 'vxlan-ac10000b',
      ofport: 2,
      type: 'vxlan',
      options: { remote_ip: '172.16.0.11', in_key: 'flow', out_key: 'flow' },
    });
    addFlows(br, seedBrTunFlows());
  });
  const fromTunnel = (p: Partial<PacketSpec> = {}): Uint32Array =>
    key({ inPort: 2, tunId: 0xefn, tunDst: '172.16.0.31', dlSrc: VM, dlDst: 'fa:16:3e:61:21:c6', nwSrc: '192.168.101.1', proto: 1, ...p });

  test('a decapsulated packet is tagged and output to br-int; learn() is only recorded', () => {
    const r = run(sw, br, fromTunnel(), 1000);
    expect(actionsText(sw, r)).toBe('push_vlan(vid=3,pcp=0),patch-int');
    expect(r.sideEffects.learns).toHaveLength(1);
    expect(br.flows.tables[20].size).toBe(1);
  });

  test('committing installs the per-MAC unicast flow in table 20, as OVS prints it', () => {
    const r = run(sw, br, fromTunnel(), 1000);
    commitSideEffects(r.sideEffects, { bytes: 98 }, 1000);
    const learned = [...br.flows.tables[20].rules()].find((x) => x.priority === 1)!;
    expect(formatFlow(learned.toSpec(), { durationSec: 0, nPackets: 0, nBytes: 0 }, { namer: br.namer, normalized: true })).toBe(
      'cookie=0x8a8d4d7575036c1a, table=20, n_packets=0, n_bytes=0, hard_timeout=300, priority=1,vlan_tci=0x0003/0x0fff,dl_dst=fa:16:3e:e9:26:5b actions=load:0->NXM_OF_VLAN_TCI[],load:0xef->NXM_NX_TUN_ID[],output:"vxlan-ac10000b"',
    );
  });

  test('the megaflow matches the fields learn() read', () => {
    const r = run(sw, br, fromTunnel(), 1000);
    expect(r.wc[W.DL_SRC + 1]).toBe(0xffffffff);
    expect(r.wc[W.TUN_ID + 1]).toBe(0xffffffff);
  });

  test('traffic from br-int to the learned MAC then goes to the tunnel untagged with the VNI', () => {
    commitSideEffects(run(sw, br, fromTunnel(), 1000).sideEffects, { bytes: 98 }, 1000);
    const out = run(sw, br, key({ inPort: 1, vlan: 3, dlSrc: 'fa:16:3e:61:21:c6', dlDst: VM, nwSrc: '192.168.101.85', proto: 1 }), 2000);
    expect(actionsText(sw, out)).toBe('pop_vlan,set(tunnel(tun_id=0xef,dst=172.16.0.11)),vxlan-ac10000b');
  });

  test('the learned flow expires 300 s after it was last learned, and each learn restarts it', () => {
    const learnAt = (ms: number): void => {
      commitSideEffects(run(sw, br, fromTunnel(), ms).sideEffects, { bytes: 98 }, ms);
    };
    learnAt(1000);
    learnAt(200_000);
    expect(br.flows.expire(301_001)).toHaveLength(0);
    expect(br.flows.expire(500_001).map((x) => x.reason)).toEqual(['hard']);
    expect(br.flows.tables[20].size).toBe(1);
  });
});

describe('learn with idle and FIN timeouts (conformance scenario "learn", part b)', () => {
  function setup(): { sw: Switch; br: Bridge } {
    const sw = new Switch();
    const br = sw.addBridge({ name: 'br0' });
    sw.addPort('br0', { name: 'h1', ofport: 11 });
    sw.addPort('br0', { name: 'h2', ofport: 12 });
    addFlows(br, `
      table=0,priority=10,in_port=h1,tcp actions=learn(table=31,idle_timeout=10,fin_idle_timeout=2,fin_hard_timeout=4,priority=10,cookie=0x77,eth_type=0x800,nw_proto=6,NXM_OF_IP_SRC[]=NXM_OF_IP_DST[],NXM_OF_IP_DST[]=NXM_OF_IP_SRC[],NXM_OF_TCP_SRC[]=NXM_OF_TCP_DST[],NXM_OF_TCP_DST[]=NXM_OF_TCP_SRC[],load:0x1->NXM_NX_REG0[],output:NXM_OF_IN_PORT[]),output:h2
      table=0,priority=10,in_port=h2,tcp actions=resubmit(,31)
      table=31,priority=0 actions=drop`);
    return { sw, br };
  }

  test('the reverse flow lets replies through until it idles out', () => {
    const { sw, br } = setup();
    commitSideEffects(run(sw, br, tcp({ inPort: 11, tpSrc: 40000, tpDst: 80 }), 0).sideEffects, { bytes: 60 }, 0);
    const reply = tcp({ inPort: 12, nwSrc: '10.0.0.2', nwDst: '10.0.0.1', tpSrc: 80, tpDst: 40000 });
    expect(actionsText(sw, run(sw, br, reply, 5000))).toBe('h1');
    expect(br.flows.expire(10_001).map((x) => x.reason)).toEqual(['idle']);
    expect(actionsText(sw, run(sw, br, reply, 11_000))).toBe('drop');
  });

  test('a FIN through the learned flow shortens its timeouts (fin_timeout)', () => {
    const { sw, br } = setup();
    commitSideEffects(run(sw, br, tcp({ inPort: 11, tpSrc: 40000, tpDst: 80 }), 0).sideEffects, { bytes: 60 }, 0);
    const fin = tcp({ inPort: 12, nwSrc: '10.0.0.2', nwDst: '10.0.0.1', tpSrc: 80, tpDst: 40000, tcpFlags: 0x011 });
    const r = run(sw, br, fin, 1000);
    commitSideEffects(r.sideEffects, { bytes: 60, tcpFlags: 0x011 }, 1000);
    const learned = [...br.flows.tables[31].rules()].find((x) => x.priority === 10)!;
    expect([learned.idleTimeout, learned.hardTimeout]).toEqual([2, 4]);
    expect(br.flows.expire(3001).map((x) => x.reason)).toEqual(['idle']);
  });
});
