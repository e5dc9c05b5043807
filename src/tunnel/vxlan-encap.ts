/**
 * VXLAN encapsulation as OVS's userspace tunnel push does it (lib/netdev-native-tnl.c).
 *
 * Two halves, as in OVS. At translation time (slow path, once per megaflow) `buildVxlanHeader` writes the whole
 * outer header — Ethernet, IPv4 or IPv6, UDP, VXLAN — into a template: MACs from the underlay bridge and the
 * neighbour table, addresses from the tunnel port and the route, TOS/TTL/DF from the port's options and the inner
 * packet's ECN, VNI from the tunnel key. Fields that depend on the individual packet stay zero in the template.
 * At execution time (fast path, per packet) `pushTunnelHeader` copies the template in front of the frame and fills
 * those: IPv4 total length and header checksum, IPv6 payload length, UDP length, the UDP source port (from the
 * packet's RSS hash, exactly as OVS computes it, so one flow keeps one port and flows spread over ECMP paths) and,
 * when asked for, the UDP checksum.
 *
 * What real OVS 3.1 sends (checked against it in test/conformance/scenarios/vxlan-underlay): IPv4 id 0, DF unless
 * df_default=false, TTL 64 unless configured, UDP checksum 0 over IPv4 unless csum=true, and always computed over
 * IPv6; IPv6 flow label 0; UDP source port in 32768..61000; VXLAN flags 0x08 (I), VNI = low 24 bits of tun_id.
 *
 * `tnl_push(...)` is printed from the template by `describeTunnelHeader`, in OVS's dpctl syntax.
 */

import { W } from '../flow/key-layout.js';
import { macToString } from '../packet/addr.js';
import { onesSum, finishChecksum, pseudoSum } from '../packet/checksum.js';
import { formatTunnelAddr, isV4Mapped, type TunnelAddr } from './addr.js';

export const ETH_LEN = 14;
export const IPV4_LEN = 20;
export const IPV6_LEN = 40;
export const UDP_LEN = 8;
export const VXLAN_LEN = 8;
/** Outer header sizes: 50 bytes over IPv4, 70 over IPv6. */
export const VXLAN_IPV4_HEADER_LEN = ETH_LEN + IPV4_LEN + UDP_LEN + VXLAN_LEN;
export const VXLAN_IPV6_HEADER_LEN = ETH_LEN + IPV6_LEN + UDP_LEN + VXLAN_LEN;

/** OVS's tnl_udp_port_min / tnl_udp_port_max. */
export const TNL_UDP_PORT_MIN = 32768;
export const TNL_UDP_PORT_MAX = 61000;

const IPPROTO_UDP = 17;

export interface VxlanHeaderParams {
  /** Outer source MAC (the underlay device's) and destination MAC (the next hop's), 6 bytes each. */
  readonly srcMac: Uint8Array;
  readonly dstMac: Uint8Array;
  /** Outer addresses; both IPv4 (v4-mapped) or both IPv6. */
  readonly src: TunnelAddr;
  readonly dst: TunnelAddr;
  readonly tos: number;
  readonly ttl: number;
  /** Set DF on an IPv4 outer header. */
  readonly dontFragment: boolean;
  /** Compute the UDP checksum (always done over IPv6). */
  readonly csum: boolean;
  readonly dstPort: number;
  /** The tunnel key; the VNI is its low 24 bits. */
  readonly tunId: bigint;
}

/** The header template (a fresh array: built once per translation). */
export function buildVxlanHeader(p: VxlanHeaderParams): Uint8Array {
  const v6 = !isV4Mapped(p.src);
  const h = new Uint8Array(v6 ? VXLAN_IPV6_HEADER_LEN : VXLAN_IPV4_HEADER_LEN);
  h.set(p.dstMac.subarray(0, 6), 0);
  h.set(p.srcMac.subarray(0, 6), 6);
  let o = ETH_LEN;
  if (!v6) {
    h[12] = 0x08;
    h[13] = 0x00;
    h[o] = 0x45;
    h[o + 1] = p.tos & 0xff;
    // total length (2..3), id (4..5) = 0: filled / left zero at push time
    if (p.dontFragment) h[o + 6] = 0x40;
    h[o + 8] = p.ttl & 0xff;
    h[o + 9] = IPPROTO_UDP;
    putWord(h, o + 12, p.src[3]);
    putWord(h, o + 16, p.dst[3]);
    o += IPV4_LEN;
  } else {
    h[12] = 0x86;
    h[13] = 0xdd;
    putWord(h, o, ((6 << 28) | ((p.tos & 0xff) << 20)) >>> 0);
    h[o + 6] = IPPROTO_UDP;
    h[o + 7] = p.ttl & 0xff;
    for (let i = 0; i < 4; i++) {
      putWord(h, o + 8 + i * 4, p.src[i]);
      putWord(h, o + 24 + i * 4, p.dst[i]);
    }
    o += IPV6_LEN;
  }
  h[o + 2] = p.dstPort >>> 8;
  h[o + 3] = p.dstPort & 0xff;
  // OVS marks "compute the checksum at push time" with 0xffff in the template.
  if (v6 || p.csum) {
    h[o + 6] = 0xff;
    h[o + 7] = 0xff;
  }
  o += UDP_LEN;
  h[o] = 0x08;
  const vni = Number(p.tunId & 0xffffffn);
  h[o + 4] = vni >>> 16;
  h[o + 5] = (vni >>> 8) & 0xff;
  h[o + 6] = vni & 0xff;
  return h;
}

/**
 * Prepends `header` to the frame `buf[start..start+len)`, filling lengths, checksums and the UDP source port.
 * Needs `header.length` bytes in front of `start`; with less, the frame is moved back within `buf` if it fits.
 * Returns the new start of the frame (its length grows by header.length), or -1 when `buf` is too small.
 */
export function pushTunnelHeader(buf: Uint8Array, start: number, len: number, header: Uint8Array, srcPort: number): number {
  const hl = header.length;
  if (start < hl) {
    if (hl + len > buf.length) return -1;
    buf.copyWithin(hl, start, start + len);
    start = hl;
  }
  const s = start - hl;
  for (let i = 0; i < hl; i++) buf[s + i] = header[i];
  const total = hl + len;
  const v6 = header[12] === 0x86;
  const ip = s + ETH_LEN;
  let udp: number;
  if (!v6) {
    putShort(buf, ip + 2, total - ETH_LEN);
    putShort(buf, ip + 10, 0);
    putShort(buf, ip + 10, finishChecksum(onesSum(buf, ip, ip + IPV4_LEN)));
    udp = ip + IPV4_LEN;
  } else {
    putShort(buf, ip + 4, total - ETH_LEN - IPV6_LEN);
    udp = ip + IPV6_LEN;
  }
  const udpLen = s + total - udp;
  putShort(buf, udp, srcPort);
  putShort(buf, udp + 4, udpLen);
  if (buf[udp + 6] !== 0 || buf[udp + 7] !== 0) {
    putShort(buf, udp + 6, 0);
    let c = finishChecksum(onesSum(buf, udp, udp + udpLen, pseudoSum(buf, ip, IPPROTO_UDP, udpLen)));
    if (c === 0) c = 0xffff;
    putShort(buf, udp + 6, c);
  }
  return s;
}

/**
 * The outer UDP source port for a packet whose RSS hash is `hash`: netdev_tnl_get_src_port's scaling of the hash
 * into 32768..61000.
 */
export function tunnelSourcePort(hash: number): number {
  return TNL_UDP_PORT_MIN + Math.floor(((hash >>> 0) * (TNL_UDP_PORT_MAX - TNL_UDP_PORT_MIN)) / 0x100000000);
}

/**
 * The RSS hash OVS's userspace datapath gives a packet from a device that supplies none (every dummy, tap or pcap
 * port): miniflow_hash_5tuple(flow, 0) of the packet as received, with OVS's portable murmur-style hash_add and
 * hash_finish. Computed from the flow key, which holds the same values: IPv4 (and ARP spa/tpa/opcode) or IPv6
 * addresses, the IP protocol, and for TCP/UDP/SCTP/ICMP/ICMPv6 the L4 ports (ICMP type/code). OVS reads those
 * fields as little-endian 32-bit words of the network-order bytes, hence the byte swaps. Other packets hash to a
 * constant. Reproducing it exactly makes the outer source port, and so whole VXLAN frames, identical to OVS's.
 * The 32 bits come back as a signed number (see the helpers below); tunnelSourcePort reads them unsigned.
 */
export function ovsRssHash(key: Uint32Array): number {
  const dlType = key[W.DL_TYPE_VLAN] >>> 16;
  let h = 0;
  if (dlType === 0x86dd) {
    for (let i = 0; i < 4; i++) h = mhashAdd(h, bswap(key[W.IPV6_SRC + i]));
    for (let i = 0; i < 4; i++) h = mhashAdd(h, bswap(key[W.IPV6_DST + i]));
  } else if (dlType === 0x0800 || dlType === 0x0806) {
    h = mhashAdd(h, bswap(key[W.NW_SRC]));
    h = mhashAdd(h, bswap(key[W.NW_DST]));
  } else {
    return mhashFinish(h ^ 42);
  }
  const proto = key[W.NW] >>> 24;
  h = mhashAdd(h, proto);
  if (proto === 6 || proto === 17 || proto === 132 || proto === 1 || proto === 58) h = mhashAdd(h, bswap(key[W.TP]));
  return mhashFinish(h ^ 42);
}

// The helpers below work on signed 32-bit values (`| 0`), the same bits as OVS's uint32_t: a signed result stays a
// small integer in V8, while an unsigned one above 2^31 is a heap number, allocated whenever it leaves a function that
// was not inlined. Only where the value is read as a number (tunnelSourcePort) is it taken unsigned.

function bswap(v: number): number {
  return ((v & 0xff) << 24) | ((v & 0xff00) << 8) | ((v >>> 8) & 0xff00) | (v >>> 24);
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** OVS lib/hash.h mhash_add (the non-CRC32 build Debian ships). */
function mhashAdd(hash: number, data: number): number {
  if (data !== 0) {
    let d = Math.imul(data, 0xcc9e2d51);
    d = rotl(d, 15);
    d = Math.imul(d, 0x1b873593);
    hash ^= d;
  }
  hash = rotl(hash, 13);
  return (Math.imul(hash, 5) + 0xe6546b64) | 0;
}

function mhashFinish(hash: number): number {
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash | 0;
}

/**
 * The template in OVS's datapath-action syntax: `header(size=50,type=4,eth(...),ipv4(...),udp(...),vxlan(...))`
 * (type 4 is OVS_VPORT_TYPE_VXLAN). The UDP source port prints as 0, as it is only known per packet.
 */
export function describeTunnelHeader(h: Uint8Array): string {
  const v6 = h[12] === 0x86;
  let s = `header(size=${h.length},type=4,eth(dst=${macToString(h, 0)},src=${macToString(h, 6)},dl_type=${v6 ? '0x86dd' : '0x0800'}),`;
  let o = ETH_LEN;
  if (!v6) {
    const frag = (h[o + 6] << 8) | h[o + 7];
    s += `ipv4(src=${ipv4At(h, o + 12)},dst=${ipv4At(h, o + 16)},proto=${h[o + 9]},tos=${hex(h[o + 1])},ttl=${h[o + 8]},frag=${hexX(frag)}),`;
    o += IPV4_LEN;
  } else {
    const vtf = word(h, o);
    const src = Uint32Array.of(word(h, o + 8), word(h, o + 12), word(h, o + 16), word(h, o + 20));
    const dst = Uint32Array.of(word(h, o + 24), word(h, o + 28), word(h, o + 32), word(h, o + 36));
    s += `ipv6(src=${formatTunnelAddr(src)},dst=${formatTunnelAddr(dst)},label=${vtf & 0xfffff},proto=${h[o + 6]},tclass=${hexX((vtf >>> 20) & 0xff)},hlimit=${h[o + 7]}),`;
    o += IPV6_LEN;
  }
  s += `udp(src=0,dst=${(h[o + 2] << 8) | h[o + 3]},csum=${hexX((h[o + 6] << 8) | h[o + 7])}),`;
  o += UDP_LEN;
  s += `vxlan(flags=${hexX(word(h, o))},vni=${hexX(word(h, o + 4) >>> 8)}))`;
  return s;
}

function ipv4At(b: Uint8Array, o: number): string {
  return `${b[o]}.${b[o + 1]}.${b[o + 2]}.${b[o + 3]}`;
}

/** %#x (0 prints as 0). */
function hex(v: number): string {
  return v === 0 ? '0' : `0x${v.toString(16)}`;
}

/** 0x%x (0 prints as 0x0). */
function hexX(v: number): string {
  return `0x${(v >>> 0).toString(16)}`;
}

function word(b: Uint8Array, o: number): number {
  return ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
}

function putWord(b: Uint8Array, o: number, v: number): void {
  b[o] = v >>> 24;
  b[o + 1] = (v >>> 16) & 0xff;
  b[o + 2] = (v >>> 8) & 0xff;
  b[o + 3] = v & 0xff;
}

function putShort(b: Uint8Array, o: number, v: number): void {
  b[o] = (v >>> 8) & 0xff;
  b[o + 1] = v & 0xff;
}

