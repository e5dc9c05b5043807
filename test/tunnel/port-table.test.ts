import { describe, expect, it } from 'vitest';
import { KEY_WORDS, W } from '../../src/flow/key-layout.js';
import { parseTunnelConfig, TunnelPortTable, type TunnelPort } from '../../src/tunnel/index.js';

function port(name: string, ofport: number, options: Record<string, string>, dpPort = 4789): TunnelPort {
  const r = parseTunnelConfig(name, 'vxlan', options);
  if (!r.ok) throw new Error(r.error);
  return { name, bridge: 'br-tun', ofport, dpPort, config: r.config };
}

const ip = (s: string): number => s.split('.').reduce((a, b) => a * 256 + Number(b), 0);

/** A decapsulated packet's key: VNI, outer source and destination. */
function tunnelKey(vni: number, src: string, dst = '172.16.0.31'): Uint32Array {
  const k = new Uint32Array(KEY_WORDS);
  k[W.TUN_ID + 1] = vni;
  k[W.TUN_SRC] = ip(src);
  k[W.TUN_DST] = ip(dst);
  return k;
}

function table(...ports: TunnelPort[]): TunnelPortTable {
  const t = new TunnelPortTable();
  for (const p of ports) expect(t.add(p)).toBeNull();
  return t;
}

describe('tunnel port table (ofproto/tunnel.c tnl_find)', () => {
  it('finds the port whose remote is the packet source, with any VNI for key=flow', () => {
    const t = table(port('a', 2, { remote_ip: '172.16.0.11', key: 'flow' }), port('b', 3, { remote_ip: '172.16.0.12', key: 'flow' }));
    expect(t.receive(tunnelKey(0x64, '172.16.0.12'), 4789)?.name).toBe('b');
    expect(t.receive(tunnelKey(7, '172.16.0.11'), 4789)?.name).toBe('a');
  });

  it('takes a fixed key only for that VNI', () => {
    const t = table(port('c', 4, { remote_ip: '172.16.0.13', key: '300' }));
    expect(t.receive(tunnelKey(300, '172.16.0.13'), 4789)?.name).toBe('c');
    expect(t.receive(tunnelKey(0x64, '172.16.0.13'), 4789)).toBeNull();
  });

  it('without a key option accepts only VNI 0', () => {
    const t = table(port('n', 4, { remote_ip: '172.16.0.13' }));
    expect(t.receive(tunnelKey(0, '172.16.0.13'), 4789)?.name).toBe('n');
    expect(t.receive(tunnelKey(1, '172.16.0.13'), 4789)).toBeNull();
  });

  it('prefers a fixed key over key=flow, and a fixed remote over remote_ip=flow', () => {
    const t = table(
      port('flowkey', 2, { remote_ip: '172.16.0.11', key: 'flow' }),
      port('fixedkey', 3, { remote_ip: '172.16.0.11', key: '5' }),
      port('anyremote', 4, { remote_ip: 'flow', key: '5' }),
    );
    expect(t.receive(tunnelKey(5, '172.16.0.11'), 4789)?.name).toBe('fixedkey');
    expect(t.receive(tunnelKey(6, '172.16.0.11'), 4789)?.name).toBe('flowkey');
    expect(t.receive(tunnelKey(5, '172.16.0.77'), 4789)?.name).toBe('anyremote');
  });

  it('prefers a configured local address over any', () => {
    const t = table(port('any', 2, { remote_ip: '172.16.0.11', key: 'flow' }), port('local', 3, { remote_ip: '172.16.0.11', local_ip: '172.16.0.31', key: 'flow' }));
    expect(t.receive(tunnelKey(1, '172.16.0.11', '172.16.0.31'), 4789)?.name).toBe('local');
    expect(t.receive(tunnelKey(1, '172.16.0.11', '172.16.0.32'), 4789)?.name).toBe('any');
  });

  it('keeps tunnel datapath ports (UDP ports) apart', () => {
    const t = table(port('f', 6, { remote_ip: 'flow', key: 'flow', dst_port: '4790' }, 4790));
    expect(t.receive(tunnelKey(1, '172.16.0.50'), 4790)?.name).toBe('f');
    expect(t.receive(tunnelKey(1, '172.16.0.50'), 4789)).toBeNull();
  });

  it('matches IPv6 outer addresses', () => {
    const t = table(port('v6', 7, { remote_ip: 'fd00::11', key: 'flow' }));
    const k = new Uint32Array(KEY_WORDS);
    k[W.TUN_ID + 1] = 0x64;
    k.set([0xfd000000, 0, 0, 0x11], W.TUN_IPV6_SRC);
    k.set([0xfd000000, 0, 0, 0x31], W.TUN_IPV6_DST);
    expect(t.receive(k, 4789)?.name).toBe('v6');
  });

  it('refuses a second port with the same match, naming the first', () => {
    const t = table(port('a', 2, { remote_ip: '172.16.0.11', key: 'flow' }));
    expect(t.add(port('dup', 9, { remote_ip: '172.16.0.11', in_key: 'flow', ttl: '5' }))).toBe('a');
    expect(t.port('dup')).toBeUndefined();
  });

  it('lists tunnels the way ofproto/list-tunnels prints them (lines from OVS 3.1)', () => {
    const t = table(
      port('vxlan-b', 3, { csum: 'true', df_default: 'false', key: 'flow', remote_ip: '172.16.0.12', tos: '0x20', ttl: '32' }),
      port('vxlan-c', 4, { key: '300', remote_ip: '172.16.0.13' }),
      port('vxlan-f', 6, { dst_port: '4790', key: 'flow', remote_ip: 'flow' }, 4790),
      port('seed', 7, { df_default: 'true', egress_pkt_mark: '0', in_key: 'flow', local_ip: '172.16.0.31', out_key: 'flow', remote_ip: '172.16.0.11' }, 7),
    );
    const lines = t.listTunnels().split('\n');
    expect(lines).toContain('port 4789: vxlan-c (vxlan: ::->172.16.0.13, key=0x12c, legacy_l2, dp port=4789, ttl=64)');
    expect(lines).toContain(
      'port 4789: vxlan-b (vxlan: ::->172.16.0.12, key=flow, legacy_l2, dp port=4789, ttl=32, tos=0x20, df=false, csum=true)',
    );
    expect(lines).toContain('port 4790: vxlan-f (vxlan: ::->flow, key=flow, legacy_l2, dp port=4790, ttl=64)');
    // seed 003's `ovs-appctl ofproto/list-tunnels` (kernel datapath: dp port 7, "port 7")
    expect(lines).toContain('port 7: seed (vxlan: 172.16.0.31->172.16.0.11, key=flow, legacy_l2, dp port=7, ttl=64)');
  });
});
