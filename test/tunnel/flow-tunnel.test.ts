import { describe, expect, it } from 'vitest';
import { KEY_WORDS, W } from '../../src/flow/key-layout.js';
import {
  applyTunnelSend,
  parseTunnelConfig,
  TNL_F_DONT_FRAGMENT,
  TNL_F_KEY,
  TunnelListenMap,
  tunnelEcnOnReceive,
  type TunnelConfig,
} from '../../src/tunnel/index.js';

function cfg(options: Record<string, string>): TunnelConfig {
  const r = parseTunnelConfig('vx', 'vxlan', options);
  if (!r.ok) throw new Error(r.error);
  return r.config;
}

/** An IPv4 flow with the given TOS byte and TTL. */
function ipFlow(tos: number, ttl = 64): Uint32Array {
  const f = new Uint32Array(KEY_WORDS);
  f[W.DL_TYPE_VLAN] = 0x0800 << 16;
  f[W.NW] = ((1 << 24) | (tos << 16) | (ttl << 8)) >>> 0;
  return f;
}

describe('output to a tunnel port (tnl_port_send)', () => {
  it('sets remote, fixed out_key, TTL, DF and key flags', () => {
    const f = ipFlow(0);
    const wc = new Uint32Array(KEY_WORDS);
    applyTunnelSend(cfg({ remote_ip: '172.16.0.13', key: '300' }), f, wc);
    expect(f[W.TUN_DST]).toBe(0xac10000d);
    expect(f[W.TUN_ID + 1]).toBe(300);
    expect(f[W.TUN_FLAGS_TOS_TTL]).toBe((((TNL_F_DONT_FRAGMENT | TNL_F_KEY) << 16) | 64) >>> 0);
  });

  it('keeps the flow tun_id for out_key=flow and sends no key flag without a key', () => {
    const f = ipFlow(0);
    f[W.TUN_ID + 1] = 0x64;
    applyTunnelSend(cfg({ remote_ip: '10.0.0.1', key: 'flow' }), f, new Uint32Array(KEY_WORDS));
    expect(f[W.TUN_ID + 1]).toBe(0x64);
    const g = ipFlow(0);
    applyTunnelSend(cfg({ remote_ip: '10.0.0.1' }), g, new Uint32Array(KEY_WORDS));
    expect(g[W.TUN_FLAGS_TOS_TTL] >>> 16).toBe(TNL_F_DONT_FRAGMENT);
  });

  it('copies the inner ECN bits into the outer TOS and matches them in the megaflow', () => {
    const f = ipFlow(0xa2);
    const wc = new Uint32Array(KEY_WORDS);
    applyTunnelSend(cfg({ remote_ip: '10.0.0.1', tos: '0x20' }), f, wc);
    expect((f[W.TUN_FLAGS_TOS_TTL] >>> 8) & 0xff).toBe(0x22);
    expect((wc[W.NW] >>> 16) & 0xff).toBe(0x03);
  });

  it('sends an inner CE mark as ECT(0)', () => {
    const f = ipFlow(0x03);
    applyTunnelSend(cfg({ remote_ip: '10.0.0.1' }), f, new Uint32Array(KEY_WORDS));
    expect((f[W.TUN_FLAGS_TOS_TTL] >>> 8) & 0xff).toBe(0x02);
  });

  it('inherits TTL and DSCP when asked, matching them in the megaflow', () => {
    const f = ipFlow(0xb8, 17);
    const wc = new Uint32Array(KEY_WORDS);
    applyTunnelSend(cfg({ remote_ip: '10.0.0.1', ttl: 'inherit', tos: 'inherit' }), f, wc);
    expect(f[W.TUN_FLAGS_TOS_TTL] & 0xffff).toBe((0xb8 << 8) | 17);
    expect(wc[W.NW] & 0x00ffff00).toBe(0x00ffff00);
  });

  it('sets pkt_mark from egress_pkt_mark', () => {
    const f = ipFlow(0);
    f[W.PKT_MARK] = 9;
    const wc = new Uint32Array(KEY_WORDS);
    applyTunnelSend(cfg({ remote_ip: '10.0.0.1', egress_pkt_mark: '0' }), f, wc);
    expect(f[W.PKT_MARK]).toBe(0);
    expect(wc[W.PKT_MARK]).toBe(0xffffffff);
  });
});

describe('ECN on receive (tnl_process_ecn)', () => {
  function received(outerTos: number, innerTos: number): Uint32Array {
    const f = ipFlow(innerTos);
    f[W.TUN_DST] = 1;
    f[W.TUN_FLAGS_TOS_TTL] = (TNL_F_KEY << 16) | (outerTos << 8) | 64;
    return f;
  }

  it('drops an outer CE over a not-ECT inner packet', () => {
    expect(tunnelEcnOnReceive(received(0x03, 0x00))).toBe(false);
  });

  it('marks an ECN-capable inner packet CE', () => {
    const f = received(0x03, 0x02);
    expect(tunnelEcnOnReceive(f)).toBe(true);
    expect((f[W.NW] >>> 16) & 0xff).toBe(0x03);
  });

  it('leaves packets without an outer CE alone', () => {
    const f = received(0x02, 0x00);
    expect(tunnelEcnOnReceive(f)).toBe(true);
    expect((f[W.NW] >>> 16) & 0xff).toBe(0);
  });
});

describe('tunnel termination (tnl-ports.c)', () => {
  const dev = {
    name: 'br-phy',
    mac: Uint8Array.of(0x00, 0x15, 0x5d, 0xbf, 0xba, 0x50),
    addrs: [Uint32Array.of(0, 0, 0xffff, 0xac10001f)],
  };
  function udpTo(dstMac: [number, number], ip: number, port: number, vlan = 0, frag = 0): Uint32Array {
    const k = new Uint32Array(KEY_WORDS);
    k[W.DL_DST] = dstMac[0];
    k[W.DL_DST + 1] = dstMac[1];
    k[W.DL_TYPE_VLAN] = ((0x0800 << 16) | vlan) >>> 0;
    k[W.NW_DST] = ip;
    k[W.NW] = ((17 << 24) | frag) >>> 0;
    k[W.TP] = (49152 << 16) | port;
    return k;
  }
  const MAC: [number, number] = [0x0015, 0x5dbfba50];

  it('terminates UDP to our MAC, address and a tunnel port', () => {
    const m = new TunnelListenMap();
    m.add(dev, 4789, 4789);
    m.add(dev, 4790, 4790);
    expect(m.lookup(udpTo(MAC, 0xac10001f, 4789))).toBe(4789);
    expect(m.lookup(udpTo(MAC, 0xac10001f, 4790))).toBe(4790);
  });

  it('leaves other ports, addresses, MACs, VLAN-tagged frames and fragments alone', () => {
    const m = new TunnelListenMap();
    m.add(dev, 4789, 4789);
    expect(m.lookup(udpTo(MAC, 0xac10001f, 4791))).toBe(-1);
    expect(m.lookup(udpTo(MAC, 0xac100020, 4789))).toBe(-1);
    expect(m.lookup(udpTo([0x0015, 0x5dbfba99], 0xac10001f, 4789))).toBe(-1);
    expect(m.lookup(udpTo(MAC, 0xac10001f, 4789, 0x1005))).toBe(-1);
    expect(m.lookup(udpTo(MAC, 0xac10001f, 4789, 0, 1))).toBe(-1);
  });

  function consulted(m: TunnelListenMap, key: Uint32Array): Uint32Array {
    const wc = new Uint32Array(KEY_WORDS);
    m.lookup(key, wc);
    return wc;
  }

  it('a terminated frame matches on MAC, address, protocol, fragment bits and UDP port', () => {
    const m = new TunnelListenMap();
    m.add(dev, 4789, 4789);
    const wc = consulted(m, udpTo(MAC, 0xac10001f, 4789));
    expect([wc[W.DL_DST], wc[W.DL_DST + 1], wc[W.DL_TYPE_VLAN]]).toEqual([0xffff, 0xffffffff, 0xffffffff]);
    expect(wc[W.NW_DST]).toBe(0xffffffff);
    expect(wc[W.NW] >>> 0).toBe((0xff000000 | 3) >>> 0);
    expect(wc[W.TP]).toBe(0xffff);
  });

  it('a frame to another MAC matches on L2 only: the lookup stops at its first stage (OVS: ipv4(frag=no))', () => {
    const m = new TunnelListenMap();
    m.add(dev, 4789, 4789);
    const wc = consulted(m, udpTo([0x0015, 0x5dbfba99], 0xac10001f, 4789));
    expect([wc[W.DL_DST], wc[W.DL_DST + 1], wc[W.DL_TYPE_VLAN]]).toEqual([0xffff, 0xffffffff, 0xffffffff]);
    expect([wc[W.NW_DST], wc[W.NW], wc[W.TP]]).toEqual([0, 0, 0]);
  });

  it('a frame to another address does not match on its UDP port', () => {
    const m = new TunnelListenMap();
    m.add(dev, 4789, 4789);
    const wc = consulted(m, udpTo(MAC, 0xac100020, 4789));
    expect(wc[W.NW_DST]).toBe(0xffffffff);
    expect(wc[W.TP]).toBe(0);
  });

  it('a frame to another UDP port matches the port up to the first bit that differs from every tunnel port', () => {
    const m = new TunnelListenMap();
    m.add(dev, 4789, 4789); // 0x12b5
    m.add(dev, 4790, 4790); // 0x12b6
    // 4791 = 0x12b7 differs from 4790 only in the last bit: all 16 bits
    expect(consulted(m, udpTo(MAC, 0xac10001f, 4791))[W.TP]).toBe(0xffff);
    // 8472 = 0x2118 shares its first two bits (00) with both: the first three
    expect(consulted(m, udpTo(MAC, 0xac10001f, 8472))[W.TP]).toBe(0xe000);
  });

  it('consults nothing when no tunnel listens', () => {
    const wc = consulted(new TunnelListenMap(), udpTo(MAC, 0xac10001f, 4789));
    expect(wc.every((w) => w === 0)).toBe(true);
  });
});
