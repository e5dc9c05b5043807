import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { Switch } from '../../src/ofproto/switch.js';
import { traceText } from '../../src/ofproto/trace-report.js';
import { formatTraceNodes } from '../../src/ofproto/trace.js';
import { addFlows, key, mac, oneBridge, tcp } from './helpers.js';

function seedFlows(bridge: string): string {
  const seed = readFileSync('/work/shared/seeds/003_d2caf40f7e273ad1.txt', 'utf8').split('\n');
  const start = seed.indexOf(`ovs-ofctl dump-flows ${bridge}`);
  const lines: string[] = [];
  for (let i = start + 1; i < seed.length; i++) {
    if (seed[i].startsWith(' cookie=')) lines.push(seed[i]);
    else if (lines.length > 0 && seed[i].startsWith('```')) break;
  }
  return lines.join('\n');
}

/** Seed 003's compute node: br-int, br-tun, br-provider joined by patch ports (datapath numbers as OVS gave them). */
function seedSwitch(): Switch {
  const sw = new Switch();
  sw.addBridge({ name: 'br-int', hwaddr: mac('42:f0:8b:66:da:47') });
  sw.addBridge({ name: 'br-tun', hwaddr: mac('b2:86:16:72:d5:43') });
  sw.addBridge({ name: 'br-provider' });
  sw.addPort('br-int', { name: 'patch-tun', ofport: 1, type: 'patch', peer: 'patch-int' });
  sw.addPort('br-int', { name: 'int-br-provider', ofport: 2, type: 'patch', peer: 'phy-br-provider' });
  sw.addPort('br-int', { name: 'int-br-mgmt', ofport: 3, type: 'patch', peer: 'phy-br-mgmt' });
  sw.addPort('br-int', { name: 'tap648437e1-0d', ofport: 6, tag: 3, dpPort: 648437 });
  sw.addPort('br-tun', { name: 'patch-int', ofport: 1, type: 'patch', peer: 'patch-tun' });
  sw.addPort('br-tun', { name: 'vxlan-ac10000b', ofport: 2, type: 'vxlan', options: { remote_ip: '172.16.0.11', in_key: 'flow', out_key: 'flow' } });
  sw.addPort('br-provider', { name: 'eth2', ofport: 1 });
  sw.addPort('br-provider', { name: 'phy-br-provider', ofport: 2, type: 'patch', peer: 'int-br-provider' });
  for (const b of ['br-int', 'br-tun', 'br-provider']) addFlows(sw.bridge(b)!, seedFlows(b));
  return sw;
}

describe('ofproto/trace text', () => {
  test('indentation follows OVS: nested resubmits stay flush, terminal nodes indent, the last bridge does not', () => {
    const text = formatTraceNodes([
      {
        type: 'bridge',
        text: 'bridge("br0")',
        subs: [
          {
            type: 'table',
            text: ' 0. priority 1',
            subs: [
              { type: 'action', text: 'resubmit(,5)', subs: [] },
              { type: 'table', text: ' 5. priority 1', subs: [{ type: 'action', text: 'output:4', subs: [] }] },
            ],
          },
        ],
      },
    ]);
    expect(text).toBe('\nbridge("br0")\n-------------\n 0. priority 1\n    resubmit(,5)\n 5. priority 1\n    output:4\n');
  });

  test('a VM ICMP packet on seed 003 br-int traces like OVS 3.1 (first pass, up to the conntrack recirculation)', () => {
    const sw = seedSwitch();
    const k = key({
      inPort: 6,
      dlSrc: 'fa:16:3e:61:21:c6',
      dlDst: 'fa:16:3e:e9:26:5b',
      nwSrc: '192.168.101.85',
      nwDst: '192.168.101.1',
      proto: 1,
      ttl: 64,
      tpSrc: 8,
    });
    // Expected: `ovs-appctl ofproto/trace br-int in_port=tap648437e1-0d,icmp,dl_src=fa:16:3e:61:21:c6,
    // dl_dst=fa:16:3e:e9:26:5b,nw_src=192.168.101.85,nw_dst=192.168.101.1,nw_ttl=64,icmp_type=8` on OVS 3.1.0.
    expect(traceText(sw, sw.bridge('br-int')!, k, { nowMs: 0 })).toBe(
      [
        'Flow: icmp,in_port=6,vlan_tci=0x0000,dl_src=fa:16:3e:61:21:c6,dl_dst=fa:16:3e:e9:26:5b,nw_src=192.168.101.85,nw_dst=192.168.101.1,nw_tos=0,nw_ecn=0,nw_ttl=64,nw_frag=no,icmp_type=8,icmp_code=0',
        '',
        'bridge("br-int")',
        '----------------',
        ' 0. priority 0, cookie 0x9b32c8053d494869',
        '    resubmit(,58)',
        '58. priority 0, cookie 0x9b32c8053d494869',
        '    resubmit(,60)',
        '60. in_port=6, priority 100, cookie 0x9b32c8053d494869',
        '    load:0x4->NXM_NX_REG5[]',
        '    load:0x3->NXM_NX_REG6[]',
        '    resubmit(,71)',
        '71. ip,reg5=0x4,in_port=6,dl_src=fa:16:3e:61:21:c6,nw_src=192.168.101.85, priority 65, cookie 0x9b32c8053d494869',
        '    ct(table=72,zone=NXM_NX_REG6[0..15])',
        '    drop',
        '     -> A clone of the packet is forked to recirculate. The forked pipeline will be resumed at table 72.',
        '     -> Sets the packet to an untracked state, and clears all the conntrack fields.',
        '',
        'Final flow: icmp,reg5=0x4,reg6=0x3,in_port=6,vlan_tci=0x0000,dl_src=fa:16:3e:61:21:c6,dl_dst=fa:16:3e:e9:26:5b,nw_src=192.168.101.85,nw_dst=192.168.101.1,nw_tos=0,nw_ecn=0,nw_ttl=64,nw_frag=no,icmp_type=8,icmp_code=0',
        'Megaflow: recirc_id=0,ct_state=-trk,eth,icmp,in_port=6,dl_src=fa:16:3e:61:21:c6,nw_src=192.168.101.85,nw_frag=no',
        'Datapath actions: ct(zone=3),recirc(0x1)',
        '',
      ].join('\n'),
    );
  });

  test('a table miss and the drop it causes', () => {
    const { sw, br } = oneBridge();
    addFlows(br, 'priority=10,in_port=p2 actions=resubmit(,7)');
    const text = traceText(sw, br, tcp({ inPort: 2, nwSrc: '10.0.0.1', nwDst: '10.0.0.2', tpSrc: 0, tpDst: 80 }), { nowMs: 0 });
    expect(text).toContain(' 0. in_port=2, priority 10\n    resubmit(,7)\n 7. No match.\n    drop\n');
    expect(text).toContain('Datapath actions: drop\n');
  });

  test('a move reports the destination\'s new value and dec_ttl its exception', () => {
    const { sw, br } = oneBridge();
    addFlows(br, 'priority=10,in_port=p3,tcp actions=move:NXM_OF_TCP_DST[]->NXM_NX_REG2[0..15],dec_ttl,output:p4');
    const text = traceText(sw, br, tcp({ inPort: 3, ttl: 1, tpSrc: 0, tpDst: 80 }), { nowMs: 0 });
    expect(text).toContain('    move:NXM_OF_TCP_DST[]->NXM_NX_REG2[0..15]\n     -> NXM_NX_REG2[0..15] is now 0x50\n');
    expect(text).toContain('    dec_ttl\n     >> IPv4 decrement TTL exception\n');
  });
});
