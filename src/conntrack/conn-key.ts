/**
 * Connection keys: what conntrack extracts from a packet to find its connection (OVS's struct conn_key and
 * conn_key_extract in lib/conntrack.c).
 *
 * What? A key is 11 words (`CK_WORDS`): source and destination address (4 words each; IPv4 uses the first word and
 * leaves the rest 0), source and destination endpoint words, and a word for zone, protocol and address family.
 *
 *   endpoint word = port << 16                        TCP, UDP, and every protocol without L4 keys (port 0)
 *                 = icmp_id << 16 | type << 8 | code  ICMP/ICMPv6 echo, timestamp, information
 *
 * An ICMP echo gets the id on both sides and the *reply* type on the destination side, so the echo reply's key is
 * exactly the reverse of the request's and both find one connection, as in OVS.
 *
 * Extraction re-parses the packet, as OVS does, and it is stricter than flow extraction: it validates the IPv4 header
 * checksum and the L4 checksum (dummy ports carry no "checksum good" flag, so OVS always checks), rejects fragments
 * (ipf reassembles them first), port 0 and truncated L4 headers. A packet it rejects is `+inv`. ICMP errors
 * (destination unreachable, time exceeded, parameter problem, source quench, redirect; ICMPv6 unreachable, packet too
 * big, time exceeded, parameter problem) yield the key of the connection they quote, reversed, and are flagged
 * related; the quoted header's source must be the error's destination, and only 8 bytes of quoted IPv4 L4 header are
 * required.
 *
 * Hash. Symmetric in source and destination (OVS's conn_key_hash XORs the endpoint hashes), so a key and its plain
 * reverse land in the same bucket: a connection without NAT needs one hash-table node for both directions.
 */

import { rd16, rd32 } from '../packet/bytes.js';
import { onesSum, finishChecksum, pseudoSumIpv6 } from '../packet/checksum.js';

export const CK_WORDS = 11;
export const CK_SRC = 0;
export const CK_DST = 4;
export const CK_SPORT = 8;
export const CK_DPORT = 9;
/** zone << 16 | nw_proto << 8 | (1 for IPv6, 0 for IPv4) */
export const CK_META = 10;

export const IPPROTO_ICMP = 1;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;
export const IPPROTO_ICMPV6 = 58;
const IPPROTO_HOPOPTS = 0;
const IPPROTO_ROUTING = 43;
const IPPROTO_FRAGMENT = 44;
const IPPROTO_AH = 51;
const IPPROTO_DSTOPTS = 60;

export const ETH_TYPE_IP = 0x0800;
export const ETH_TYPE_IPV6 = 0x86dd;

export function ckProto(key: Uint32Array, base = 0): number {
  return (key[base + CK_META] >>> 8) & 0xff;
}
export function ckZone(key: Uint32Array, base = 0): number {
  return key[base + CK_META] >>> 16;
}
export function ckIsV6(key: Uint32Array, base = 0): boolean {
  return (key[base + CK_META] & 1) !== 0;
}
export function ckMeta(zone: number, proto: number, v6: boolean): number {
  return ((zone << 16) | (proto << 8) | (v6 ? 1 : 0)) >>> 0;
}
export function ckPort(endpoint: number): number {
  return endpoint >>> 16;
}

/** ICMP types that start a conversation and the type that answers each (OVS's reverse_icmp_type). */
export function reverseIcmpType(type: number): number {
  switch (type) {
    case 8: return 0;
    case 0: return 8;
    case 13: return 14;
    case 14: return 13;
    case 15: return 16;
    case 16: return 15;
    default: return 0;
  }
}

export function reverseIcmp6Type(type: number): number {
  return type === 128 ? 129 : type === 129 ? 128 : 0;
}

// ------------------------------------------------------------------------------------------------- key operations

/** Swaps source and destination in place (conn_key_reverse). */
export function reverseKey(k: Uint32Array, base = 0): void {
  for (let i = 0; i < 4; i++) {
    const t = k[base + CK_SRC + i];
    k[base + CK_SRC + i] = k[base + CK_DST + i];
    k[base + CK_DST + i] = t;
  }
  const t = k[base + CK_SPORT];
  k[base + CK_SPORT] = k[base + CK_DPORT];
  k[base + CK_DPORT] = t;
}

export function copyKey(src: Uint32Array | Int32Array, srcBase: number, dst: Uint32Array | Int32Array, dstBase: number): void {
  for (let i = 0; i < CK_WORDS; i++) dst[dstBase + i] = src[srcBase + i];
}

/** Word-by-word equality of two keys (the arrays may be different views of different memory). */
export function keysEqual(a: Uint32Array | Int32Array, aBase: number, b: Uint32Array | Int32Array, bBase: number): boolean {
  for (let i = 0; i < CK_WORDS; i++) if ((a[aBase + i] | 0) !== (b[bBase + i] | 0)) return false;
  return true;
}

/** True when `rev` is exactly `key` with source and destination swapped (no NAT changed it). */
export function isPlainReverse(key: Uint32Array | Int32Array, kb: number, rev: Uint32Array | Int32Array, rb: number): boolean {
  for (let i = 0; i < 4; i++) {
    if ((key[kb + CK_SRC + i] | 0) !== (rev[rb + CK_DST + i] | 0)) return false;
    if ((key[kb + CK_DST + i] | 0) !== (rev[rb + CK_SRC + i] | 0)) return false;
  }
  return (
    (key[kb + CK_SPORT] | 0) === (rev[rb + CK_DPORT] | 0) &&
    (key[kb + CK_DPORT] | 0) === (rev[rb + CK_SPORT] | 0) &&
    (key[kb + CK_META] | 0) === (rev[rb + CK_META] | 0)
  );
}

function mix(h: number, w: number): number {
  w = Math.imul(w, 0xcc9e2d51);
  w = (w << 15) | (w >>> 17);
  h ^= Math.imul(w, 0x1b873593);
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

function finish(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Symmetric hash of a key: hash(src endpoint) XOR hash(dst endpoint), then the zone/proto/family word. */
export function hashKey(k: Uint32Array | Int32Array, base: number, basis: number): number {
  let hs = basis;
  let hd = basis;
  for (let i = 0; i < 4; i++) {
    hs = mix(hs, k[base + CK_SRC + i]);
    hd = mix(hd, k[base + CK_DST + i]);
  }
  hs = mix(hs, k[base + CK_SPORT]);
  hd = mix(hd, k[base + CK_DPORT]);
  return finish(mix(hs ^ hd, k[base + CK_META]));
}

// ------------------------------------------------------------------------------------------------------ extraction

/** Where the packet is and what it is; conntrack never reads anything else of it. Offsets relative to `start`. */
export interface CtPacketView {
  buf: Uint8Array;
  start: number;
  len: number;
  l3: number;
  l4: number;
  l2Pad: number;
}

/** Results of one extraction besides the key (preallocated, reused). */
export class ExtractInfo {
  /** The packet is an ICMP error quoting a connection; the key is the quoted connection's, reversed. */
  icmpRelated = false;
  /** Absolute offset of the (outer) L4 header and its size, padding excluded. */
  l4Abs = 0;
  l4Size = 0;
}

/** conn_key_extract: fills `key` from the packet. Returns false for a packet conntrack must call invalid. */
export function extractConnKey(
  p: CtPacketView,
  dlType: number,
  zone: number,
  key: Uint32Array,
  info: ExtractInfo,
  validateChecksums = true,
): boolean {
  key.fill(0);
  info.icmpRelated = false;
  if (p.l3 < 0 || p.l4 < 0) return false;
  const buf = p.buf;
  const l3 = p.start + p.l3;
  const tail = p.start + p.len - p.l2Pad;
  if (tail < l3) return false;
  const l4 = p.start + p.l4;
  info.l4Abs = l4;
  info.l4Size = tail > l4 ? tail - l4 : 0;
  let proto: number;
  if (dlType === ETH_TYPE_IP) {
    proto = extractL3Ipv4(buf, l3, tail, key, validateChecksums);
    if (proto < 0) return false;
    key[CK_META] = ckMeta(zone, proto, false);
  } else if (dlType === ETH_TYPE_IPV6) {
    proto = extractL3Ipv6(buf, l3, tail, key);
    if (proto < 0) return false;
    key[CK_META] = ckMeta(zone, proto, true);
  } else {
    return false;
  }
  if (l4 > tail) return false;
  return extractL4(buf, l3, l4, tail, key, info, validateChecksums, true, 0);
}

/** IPv4 header at `l3`: addresses into the key, returns the protocol, or -1 (short, fragment, bad checksum). */
function extractL3Ipv4(buf: Uint8Array, l3: number, tail: number, key: Uint32Array, validate: boolean): number {
  if (tail - l3 < 20) return -1;
  const ihl = (buf[l3] & 0x0f) << 2;
  if (ihl < 20 || tail - l3 < ihl) return -1;
  if ((rd16(buf, l3 + 6) & 0x3fff) !== 0) return -1;
  if (validate && finishChecksum(onesSum(buf, l3, l3 + ihl)) !== 0) return -1;
  key[CK_SRC] = rd32(buf, l3 + 12);
  key[CK_DST] = rd32(buf, l3 + 16);
  return buf[l3 + 9];
}

/**
 * IPv6 header at `l3` and its extension headers (OVS's parse_ipv6_ext_hdrs): addresses into the key, returns the
 * upper-layer protocol, or -1 when the chain is cut short or the packet is a fragment.
 */
export function extractL3Ipv6(buf: Uint8Array, l3: number, tail: number, key: Uint32Array | null): number {
  if (tail - l3 < 40) return -1;
  let proto = buf[l3 + 6];
  let q = l3 + 40;
  for (;;) {
    if (proto !== IPPROTO_HOPOPTS && proto !== IPPROTO_ROUTING && proto !== IPPROTO_DSTOPTS && proto !== IPPROTO_AH && proto !== IPPROTO_FRAGMENT) break;
    if (tail - q < 8) return -1;
    const next = buf[q];
    if (proto === IPPROTO_FRAGMENT) {
      if (rd16(buf, q + 2) !== 0) return -1;
      q += 8;
    } else {
      const hlen = proto === IPPROTO_AH ? (buf[q + 1] + 2) << 2 : (buf[q + 1] + 1) << 3;
      if (tail - q < hlen) return -1;
      q += hlen;
    }
    proto = next;
  }
  if (key !== null) {
    for (let i = 0; i < 4; i++) {
      key[CK_SRC + i] = rd32(buf, l3 + 8 + 4 * i);
      key[CK_DST + i] = rd32(buf, l3 + 24 + 4 * i);
    }
  }
  return proto;
}

/** Offset just after the IPv6 extension-header chain starting at `l3` (the inner L4 of a quoted IPv6 datagram). */
function ipv6L4Offset(buf: Uint8Array, l3: number, tail: number): number {
  let proto = buf[l3 + 6];
  let q = l3 + 40;
  while (proto === IPPROTO_HOPOPTS || proto === IPPROTO_ROUTING || proto === IPPROTO_DSTOPTS || proto === IPPROTO_AH || proto === IPPROTO_FRAGMENT) {
    const next = buf[q];
    q += proto === IPPROTO_FRAGMENT ? 8 : proto === IPPROTO_AH ? (buf[q + 1] + 2) << 2 : (buf[q + 1] + 1) << 3;
    proto = next;
    if (q > tail) return tail;
  }
  return q;
}

function l4ChecksumOk(buf: Uint8Array, l3: number, l4: number, tail: number, proto: number, v6: boolean): boolean {
  let sum: number;
  const size = tail - l4;
  if (v6) {
    sum = pseudoSumIpv6(buf, l3, proto, size);
  } else {
    // packet_csum_pseudoheader: the length is total length minus header length, not the bytes present.
    const ihl = (buf[l3] & 0x0f) << 2;
    const len = rd16(buf, l3 + 2) - ihl;
    sum = onesSum(buf, l3 + 12, l3 + 20) + proto + (len & 0xffff);
  }
  return finishChecksum(onesSum(buf, l4, tail, sum)) === 0;
}

/**
 * extract_l4: L4 fields into the key (whose L3 part is filled). `outer` is false while parsing a header quoted in an
 * ICMP error: then checksums and lengths are not checked, no further recursion happens, and `minLen` (8 for IPv4
 * quotes) replaces the header size as the bytes required.
 */
function extractL4(
  buf: Uint8Array,
  l3: number,
  l4: number,
  tail: number,
  key: Uint32Array,
  info: ExtractInfo,
  validate: boolean,
  outer: boolean,
  minLen: number,
): boolean {
  const proto = ckProto(key);
  const v6 = ckIsV6(key);
  const size = tail - l4;
  if (proto === IPPROTO_TCP) {
    if (outer) {
      if (size < 20) return false;
      const hlen = (buf[l4 + 12] >>> 4) << 2;
      if (hlen < 20 || hlen > size) return false;
      if (validate && !l4ChecksumOk(buf, l3, l4, tail, proto, v6)) return false;
    }
    if (size < (minLen || 20)) return false;
    return setPorts(buf, l4, key);
  }
  if (proto === IPPROTO_UDP) {
    if (outer) {
      if (size < 8) return false;
      const ulen = rd16(buf, l4 + 4);
      if (ulen < 8 || ulen > size) return false;
      const noCsum = rd16(buf, l4 + 6) === 0 && !v6;
      if (!noCsum && validate && !l4ChecksumOk(buf, l3, l4, tail, proto, v6)) return false;
    }
    if (size < (minLen || 8)) return false;
    return setPorts(buf, l4, key);
  }
  if (!v6 && proto === IPPROTO_ICMP) {
    if (outer && validate && finishChecksum(onesSum(buf, l4, tail)) !== 0) return false;
    if (size < (minLen || 8)) return false;
    return extractIcmp(buf, l4, tail, key, info, outer);
  }
  if (v6 && proto === IPPROTO_ICMPV6) {
    if (outer && validate && !l4ChecksumOk(buf, l3, l4, tail, proto, v6)) return false;
    return extractIcmp6(buf, l4, tail, key, info, outer);
  }
  return true;
}

function setPorts(buf: Uint8Array, l4: number, key: Uint32Array): boolean {
  const sport = rd16(buf, l4);
  const dport = rd16(buf, l4 + 2);
  key[CK_SPORT] = (sport << 16) >>> 0;
  key[CK_DPORT] = (dport << 16) >>> 0;
  return sport !== 0 && dport !== 0;
}

function extractIcmp(buf: Uint8Array, l4: number, tail: number, key: Uint32Array, info: ExtractInfo, outer: boolean): boolean {
  const type = buf[l4];
  switch (type) {
    case 8: case 0: case 13: case 14: case 15: case 16: {
      if (buf[l4 + 1] !== 0) return false;
      const id = rd16(buf, l4 + 4);
      key[CK_SPORT] = ((id << 16) | (type << 8)) >>> 0;
      key[CK_DPORT] = ((id << 16) | (reverseIcmpType(type) << 8)) >>> 0;
      return true;
    }
    case 3: case 11: case 12: case 4: case 5: {
      if (!outer) return false;
      const inner = l4 + 8;
      const outerDst = key[CK_DST];
      const zoneWord = key[CK_META];
      const proto = extractL3Ipv4(buf, inner, tail, key, false);
      if (proto < 0) return false;
      if (key[CK_SRC] !== outerDst) return false;
      key[CK_META] = ((zoneWord & 0xffff00ff) | (proto << 8)) >>> 0;
      const innerL4 = inner + ((buf[inner] & 0x0f) << 2);
      if (!extractL4(buf, inner, innerL4, tail, key, info, false, false, 8)) return false;
      reverseKey(key);
      info.icmpRelated = true;
      return true;
    }
    default:
      return false;
  }
}

function extractIcmp6(buf: Uint8Array, l4: number, tail: number, key: Uint32Array, info: ExtractInfo, outer: boolean): boolean {
  if (tail - l4 < 8) return false;
  const type = buf[l4];
  switch (type) {
    case 128: case 129: {
      if (buf[l4 + 1] !== 0) return false;
      const id = rd16(buf, l4 + 4);
      key[CK_SPORT] = ((id << 16) | (type << 8)) >>> 0;
      key[CK_DPORT] = ((id << 16) | (reverseIcmp6Type(type) << 8)) >>> 0;
      return true;
    }
    case 1: case 2: case 3: case 4: {
      if (!outer) return false;
      const inner = l4 + 8;
      const d0 = key[CK_DST], d1 = key[CK_DST + 1], d2 = key[CK_DST + 2], d3 = key[CK_DST + 3];
      const zoneWord = key[CK_META];
      const proto = extractL3Ipv6(buf, inner, tail, key);
      if (proto < 0) return false;
      if (key[CK_SRC] !== d0 || key[CK_SRC + 1] !== d1 || key[CK_SRC + 2] !== d2 || key[CK_SRC + 3] !== d3) return false;
      key[CK_META] = ((zoneWord & 0xffff00ff) | (proto << 8)) >>> 0;
      const innerL4 = ipv6L4Offset(buf, inner, tail);
      if (!extractL4(buf, inner, innerL4, tail, key, info, false, false, 0)) return false;
      reverseKey(key);
      info.icmpRelated = true;
      return true;
    }
    default:
      return false;
  }
}

/** Offsets of the header quoted by an ICMP error whose ICMP header is at `l4` (absolute): [inner l3, inner l4]. */
export function quotedOffsets(buf: Uint8Array, l4: number, tail: number, v6: boolean, out: Int32Array): void {
  const inner = l4 + 8;
  out[0] = inner;
  out[1] = v6 ? ipv6L4Offset(buf, inner, tail) : inner + ((buf[inner] & 0x0f) << 2);
}
