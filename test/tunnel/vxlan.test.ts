import { describe, expect, it } from 'vitest';
import { KEY_WORDS, W } from '../../src/flow/key-layout.js';
import {
  buildVxlanHeader,
  ovsRssHash,
  DecapDrop,
  describeTunnelHeader,
  parseTunnelAddr,
  popVxlan,
  pushTunnelHeader,
  TNL_F_CSUM,
  TNL_F_KEY,
  TNL_UDP_PORT_MAX,
  TNL_UDP_PORT_MIN,
  tunnelSourcePort,
  type TunnelAddr,
  type VxlanHeaderParams,
} from '../../src/tunnel/index.js';

const hex = (s: string): Uint8Array => Uint8Array.from(s.match(/../g)!.map((b) => parseInt(b, 16)));
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const addr = (s: string): TunnelAddr => parseTunnelAddr(s)!;
const mac = (s: string): Uint8Array => Uint8Array.from(s.split(':').map((h) => parseInt(h, 16)));

// vm1 -> R1 ICMP echo (inner frame, 58 bytes), as injected in the vxlan-underlay scenario
const INNER =
  'fa163e00010bfa163e00010508004500002c00010000400166bf0a0100050a01000b0800f7b1004d000100000000000000000000000000000000';
// what OVS 3.1 sent on eth0 for it (vxlan-a: 172.16.0.31 -> 172.16.0.11, VNI 0x64); UDP source port c730
const OVS_OUTER =
  '00155dbfba4f00155dbfba5008004500005e000040004011e244ac10001fac10000bc73012b5004a00000800000000006400' + INNER;
// vxlan-b (ttl 32, tos 0x20, df_default=false, csum=true), R2's MAC 00:15:5d:bf:ba:77; UDP sport b91c, csum f4fc
const OVS_OUTER_B =
  '00155dbfba7700155dbfba5008004520005e0000000020114224ac10001fac10000cb91c12b5004af4fc0800000000006400fa163e00010cfa163e00010508004500002c00040000400166bb0a0100050a01000c0800f7ae004d000400000000000000000000000000000000';

const PARAMS_A: VxlanHeaderParams = {
  srcMac: mac('00:15:5d:bf:ba:50'),
  dstMac: mac('00:15:5d:bf:ba:4f'),
  src: addr('172.16.0.31'),
  dst: addr('172.16.0.11'),
  tos: 0,
  ttl: 64,
  dontFragment: true,
  csum: false,
  dstPort: 4789,
  tunId: 0x64n,
};

function pushed(header: Uint8Array, innerHex: string, sport: number): Uint8Array {
  const inner = hex(innerHex);
  const buf = new Uint8Array(256);
  const start = 128;
  buf.set(inner, start);
  const s = pushTunnelHeader(buf, start, inner.length, header, sport);
  return buf.slice(s, s + header.length + inner.length);
}

describe('VXLAN encapsulation (netdev-native-tnl.c push)', () => {
  it('prints the header template as OVS prints tnl_push', () => {
    expect(describeTunnelHeader(buildVxlanHeader(PARAMS_A))).toBe(
      'header(size=50,type=4,eth(dst=00:15:5d:bf:ba:4f,src=00:15:5d:bf:ba:50,dl_type=0x0800),ipv4(src=172.16.0.31,dst=172.16.0.11,proto=17,tos=0,ttl=64,frag=0x4000),udp(src=0,dst=4789,csum=0x0),vxlan(flags=0x8000000,vni=0x64))',
    );
  });

  it('prints an IPv6 template with tclass, label and the checksum marker', () => {
    const h = buildVxlanHeader({ ...PARAMS_A, dstMac: mac('00:15:5d:bf:ba:4b'), src: addr('fd00::31'), dst: addr('fd00::11') });
    expect(describeTunnelHeader(h)).toBe(
      'header(size=70,type=4,eth(dst=00:15:5d:bf:ba:4b,src=00:15:5d:bf:ba:50,dl_type=0x86dd),ipv6(src=fd00::31,dst=fd00::11,label=0,proto=17,tclass=0x0,hlimit=64),udp(src=0,dst=4789,csum=0xffff),vxlan(flags=0x8000000,vni=0x64))',
    );
  });

  it('builds the frame OVS sent, byte for byte given the same source port', () => {
    expect(toHex(pushed(buildVxlanHeader(PARAMS_A), INNER, 0xc730))).toBe(OVS_OUTER);
  });

  it('computes the UDP checksum and clears DF as the port options ask (OVS frame)', () => {
    const inner = OVS_OUTER_B.slice(100);
    const h = buildVxlanHeader({ ...PARAMS_A, dstMac: mac('00:15:5d:bf:ba:77'), dst: addr('172.16.0.12'), tos: 0x20, ttl: 32, dontFragment: false, csum: true });
    expect(toHex(pushed(h, inner, 0xb91c))).toBe(OVS_OUTER_B);
  });

  it('moves the frame back when the headroom is too small, and refuses when the buffer is', () => {
    const inner = hex(INNER);
    const buf = new Uint8Array(200);
    buf.set(inner, 4);
    const s = pushTunnelHeader(buf, 4, inner.length, buildVxlanHeader(PARAMS_A), 0xc730);
    expect(toHex(buf.slice(s, s + 50 + inner.length))).toBe(OVS_OUTER);
    expect(pushTunnelHeader(new Uint8Array(80), 0, 58, buildVxlanHeader(PARAMS_A), 1)).toBe(-1);
  });

  it('derives the source port from the packet hash exactly as OVS does (ports seen from OVS 3.1)', () => {
    // vm1 -> R1 ICMP echo: OVS sent UDP source port 0xc730
    const icmp = new Uint32Array(KEY_WORDS);
    icmp[W.DL_TYPE_VLAN] = 0x0800 << 16;
    icmp[W.NW_SRC] = 0x0a010005;
    icmp[W.NW_DST] = 0x0a01000b;
    icmp[W.NW] = 1 << 24;
    icmp[W.TP] = 8 << 16;
    expect(tunnelSourcePort(ovsRssHash(icmp))).toBe(0xc730);
    // vm1's ARP request for 10.1.0.11 (opcode 1 hashes like ICMP, with ports 0): 38243
    const arp = new Uint32Array(KEY_WORDS);
    arp[W.DL_TYPE_VLAN] = 0x0806 << 16;
    arp[W.NW_SRC] = 0x0a010005;
    arp[W.NW_DST] = 0x0a01000b;
    arp[W.NW] = 1 << 24;
    expect(tunnelSourcePort(ovsRssHash(arp))).toBe(38243);
  });

  it('keeps the source port within 32768..61000', () => {
    expect(tunnelSourcePort(0)).toBe(TNL_UDP_PORT_MIN);
    expect(tunnelSourcePort(0xffffffff)).toBe(TNL_UDP_PORT_MAX - 1);
  });
});

/** Runs popVxlan on an outer frame (IPv4, untagged: l3 = 14, l4 = 34). */
function pop(frameHex: string, l4 = 34): { n: number; md: Uint32Array; frame: Uint8Array } {
  const frame = hex(frameHex);
  const md = new Uint32Array(KEY_WORDS);
  return { n: popVxlan(frame, 0, frame.length, 14, l4, md), md, frame };
}

function withUdpChecksum(frameHex: string): string {
  const f = hex(frameHex);
  const h = buildVxlanHeader({ ...PARAMS_A, csum: true });
  return toHex(pushed(h, toHex(f.slice(50)), (f[34] << 8) | f[35]));
}

describe('VXLAN decapsulation (netdev_vxlan_pop_header)', () => {
  it('strips the outer headers and records VNI, addresses, TOS, TTL and the key flag', () => {
    const { n, md, frame } = pop(OVS_OUTER);
    expect(n).toBe(50);
    expect(toHex(frame.slice(n))).toBe(INNER);
    expect(md[W.TUN_ID + 1]).toBe(0x64);
    expect(md[W.TUN_SRC]).toBe(0xac10001f);
    expect(md[W.TUN_DST]).toBe(0xac10000b);
    // DF on the outer header is not reported by OVS 3.1's userspace decap
    expect(md[W.TUN_FLAGS_TOS_TTL]).toBe((TNL_F_KEY << 16) | (0 << 8) | 64);
  });

  it('sets the csum flag for a packet with a valid UDP checksum', () => {
    const { n, md } = pop(withUdpChecksum(OVS_OUTER));
    expect(n).toBe(50);
    expect(md[W.TUN_FLAGS_TOS_TTL] >>> 16).toBe(TNL_F_KEY | TNL_F_CSUM);
  });

  it('drops a bad UDP checksum', () => {
    const f = hex(withUdpChecksum(OVS_OUTER));
    f[40] ^= 0xff;
    expect(pop(toHex(f)).n).toBe(-DecapDrop.BAD_UDP_CHECKSUM);
  });

  it('drops a bad IPv4 header checksum, IP options and a truncated datagram', () => {
    const f = hex(OVS_OUTER);
    f[24] ^= 1;
    expect(pop(toHex(f)).n).toBe(-DecapDrop.BAD_IP_CHECKSUM);
    const t = hex(OVS_OUTER).slice(0, 100);
    expect(pop(toHex(t)).n).toBe(-DecapDrop.IP_TRUNCATED);
  });

  it('drops VXLAN flags other than I alone, and a nonzero byte after the VNI', () => {
    const f = hex(OVS_OUTER);
    f[42] = 0x00;
    expect(pop(toHex(f)).n).toBe(-DecapDrop.BAD_VXLAN_FLAGS);
    const g = hex(OVS_OUTER);
    g[49] = 1;
    expect(pop(toHex(g)).n).toBe(-DecapDrop.BAD_VXLAN_FLAGS);
  });

  it('accepts VXLAN-GPE framing carrying Ethernet, refuses GPE OAM and non-Ethernet payloads', () => {
    const f = hex(OVS_OUTER);
    f[42] = 0x0c;
    f[45] = 3;
    expect(pop(toHex(f)).n).toBe(50);
    f[42] = 0x0d;
    expect(pop(toHex(f)).n).toBe(-DecapDrop.GPE_OAM);
    f[42] = 0x0c;
    f[45] = 1;
    expect(pop(toHex(f)).n).toBe(-DecapDrop.GPE_NOT_ETHERNET);
  });

  it('drops a frame too short for UDP and VXLAN', () => {
    const f = hex(OVS_OUTER).slice(0, 48);
    f[16] = 0;
    f[17] = 34;
    expect(pop(toHex(f)).n).toBe(-DecapDrop.TOO_SHORT);
  });

  it('reads IPv6 outer headers (addresses, traffic class, hop limit)', () => {
    const h = buildVxlanHeader({ ...PARAMS_A, src: addr('fd00::11'), dst: addr('fd00::31'), tos: 0x20, ttl: 9 });
    const { n, md } = pop(toHex(pushed(h, INNER, 40000)), 54);
    expect(n).toBe(70);
    expect(Array.from(md.subarray(W.TUN_IPV6_SRC, W.TUN_IPV6_SRC + 4))).toEqual([0xfd000000, 0, 0, 0x11]);
    expect(md[W.TUN_SRC]).toBe(0);
    expect(md[W.TUN_FLAGS_TOS_TTL]).toBe(((TNL_F_KEY | TNL_F_CSUM) << 16) | (0x20 << 8) | 9);
  });
});
