/**
 * NAT: choosing the translated tuple of a new connection, and rewriting packets in both directions (OVS 3.1
 * lib/conntrack.c: nat_get_unique_tuple, nat_packet, nat_inner_packet).
 *
 * A NATed connection keeps two keys: the original (what the first packet looked like) and the reply key, which says
 * what replies look like *after* translation in the other direction: for SNAT its destination is the chosen source,
 * for DNAT its source is the chosen destination. Translating a packet is then reading the other key: an original-
 * direction packet takes its new addresses/ports from the reply key, a reply from the original key.
 *
 * Choosing (nat_get_unique_tuple). The address comes from the range by a hash of the connection and the range (an
 * all-zero range means "keep the address"). Ports, for TCP and UDP:
 *   - SNAT without a port range, and DNAT's source port: keep the source port if the resulting reply key is unused,
 *     else try the next port, wrapping inside the port's class (1-511, 600-1023, 1024-65535);
 *   - an explicit range: start at min + hash % size and walk the range.
 * At most min(size, 128) candidates per round; after a failed round, if the range is larger, half as many from a
 * random start, down to 16. DNAT with a port range tries destination ports first, then falls back to the source
 * port. Other protocols (ICMP) translate only the address, and only if that reply key is free. The hash basis is
 * random per process in OVS, so with a range any port in it is as right as OVS's; without one the choice is exact.
 * When nothing is free the connection is not created (the packet stays +new, untranslated).
 *
 * Rewriting. Addresses with IP and L4 checksum fix-ups, then both ports. ICMP errors related to a NATed connection
 * get the outer address translated and the quoted datagram translated the other way (its addresses, ports, and the
 * quoted checksums as far as they are present), then the ICMP checksum recomputed over the whole message.
 */

import { finishChecksum, onesSum, pseudoSumIpv6 } from '../packet/checksum.js';
import {
  CK_DPORT,
  CK_DST,
  CK_META,
  CK_SPORT,
  CK_SRC,
  CK_WORDS,
  ckProto,
  hashKey,
  IPPROTO_TCP,
  IPPROTO_UDP,
  quotedOffsets,
  reverseKey,
} from './conn-key.js';
import { setIpv4Addr, setIpv6Addr, setTcpPorts, setUdpPorts } from './packet-edit.js';
import { NAT_DST, NAT_DST_PORT, NAT_SRC, NAT_SRC_PORT, type ConnTable } from './table.js';

/** A ct(nat(...)) as the datapath executes it. `action` 0 is a bare `nat`: translate existing connections only. */
export interface NatSpec {
  /** NAT_SRC or NAT_DST, with NAT_SRC_PORT / NAT_DST_PORT when a port range was given; 0 for plain `nat`. */
  readonly action: number;
  /** Address range as 4 words each (IPv4 in word 0); all zero = keep the address. */
  readonly minAddr: Uint32Array;
  readonly maxAddr: Uint32Array;
  readonly minPort: number;
  readonly maxPort: number;
}

const MAX_ATTEMPTS = 128;

/**
 * Builds a NatSpec from the textual parts of `nat(src=A[-B][:P[-Q]])`: addresses as 4-word arrays (use
 * `ipv4Words`/`ipv6Words`), ports 0 when absent. Mirrors dpif-netdev: a lone min is also the max, and a port range
 * adds the *_PORT bit.
 */
export function natSpec(
  kind: 'src' | 'dst' | 'none',
  minAddr?: Uint32Array,
  maxAddr?: Uint32Array,
  minPort?: number,
  maxPort?: number,
): NatSpec {
  let action = kind === 'src' ? NAT_SRC : kind === 'dst' ? NAT_DST : 0;
  const min = minAddr ?? new Uint32Array(4);
  const max = maxAddr ?? min;
  let pmin = minPort ?? 0;
  let pmax = maxPort ?? pmin;
  if (minPort === undefined && maxPort !== undefined) pmin = 0;
  if (minPort !== undefined || maxPort !== undefined) {
    if (action & NAT_SRC) action |= NAT_SRC_PORT;
    else if (action & NAT_DST) action |= NAT_DST_PORT;
  } else {
    pmin = pmax = 0;
  }
  return { action, minAddr: min, maxAddr: max, minPort: pmin, maxPort: pmax };
}

export function reverseNatAction(a: number): number {
  if (a & NAT_SRC) return (a ^ NAT_SRC) | NAT_DST;
  if (a & NAT_DST) return (a ^ NAT_DST) | NAT_SRC;
  return a;
}

function isZero(w: Uint32Array): boolean {
  return (w[0] | w[1] | w[2] | w[3]) === 0;
}

/** nat_range_hash: mixes the range and the connection's key (basis = the table's). */
function natRangeHash(key: Uint32Array, spec: NatSpec, basis: number): number {
  let h = basis;
  for (let i = 0; i < 4; i++) h = Math.imul(h ^ spec.minAddr[i], 0x9e3779b1) ^ spec.maxAddr[i];
  h ^= (spec.maxPort << 16) | spec.minPort;
  return hashKey(key, 0, h | 0);
}

/**
 * Chooses the reply key of a new NATed connection: `rev` holds the plain reverse of `key` on entry and the
 * translated reply key on success. Returns false on exhaustion. `scratch` is CK_WORDS words.
 */
export function chooseNatTuple(
  table: ConnTable,
  key: Uint32Array,
  rev: Uint32Array,
  spec: NatSpec,
  nowMs: number,
  random: () => number,
): boolean {
  const hash = natRangeHash(key, spec, table.hashBasis);
  const v6 = (key[CK_META] & 1) !== 0;
  const proto = ckProto(key);
  const patProto = proto === IPPROTO_TCP || proto === IPPROTO_UDP;
  const act = spec.action;

  // Address.
  const addrField = act & NAT_SRC ? CK_DST : CK_SRC;
  if (isZero(spec.minAddr)) {
    // OVS's find_addr: keep the address; a bare `nat` (neither src nor dst) leaves it all-zero.
    const from = act & NAT_SRC ? CK_SRC : act & NAT_DST ? CK_DST : -1;
    for (let i = 0; i < 4; i++) rev[addrField + i] = from < 0 ? 0 : key[from + i];
  } else if (!v6) {
    const min = spec.minAddr[0] >>> 0;
    const range = ((spec.maxAddr[0] >>> 0) - min + 1) >>> 0;
    rev[addrField] = (min + (range === 0 ? hash : hash % range)) >>> 0;
  } else {
    ipv6InRange(spec.minAddr, spec.maxAddr, hash, rev, addrField);
  }

  // Ports (host order).
  const ksport = key[CK_SPORT] >>> 16;
  const kdport = key[CK_DPORT] >>> 16;
  let sMin: number, sMax: number, sCur: number;
  if ((act & (NAT_SRC | NAT_SRC_PORT)) === NAT_SRC || act & NAT_DST) {
    sCur = ksport;
    if (sCur < 512) { sMin = 1; sMax = 511; }
    else if (sCur < 1024) { sMin = 600; sMax = 1023; }
    else { sMin = 1024; sMax = 65535; }
  } else {
    sMin = spec.minPort;
    sMax = spec.maxPort;
    sCur = sMin + (hash % (sMax - sMin + 1));
  }
  let dMin: number, dMax: number, dCur: number;
  if (act & NAT_DST_PORT) {
    dMin = spec.minPort;
    dMax = spec.maxPort;
    dCur = dMin + (hash % (dMax - dMin + 1));
  } else {
    dCur = dMin = dMax = kdport;
  }

  if (!patProto) return table.lookup(rev, 0, hashKey(rev, 0, table.hashBasis), nowMs) < 0;

  rev[CK_SPORT] = (dCur << 16) >>> 0;
  rev[CK_DPORT] = (sCur << 16) >>> 0;
  let found = false;
  if (act & NAT_DST_PORT) found = uniquePort(table, rev, CK_SPORT, dCur, dMin, dMax, nowMs, random);
  if (!found) found = uniquePort(table, rev, CK_DPORT, sCur, sMin, sMax, nowMs, random);
  return found;
}

/** nat_get_unique_l4: walks ports for the endpoint word `field` of `rev` until the reply key is unused. */
function uniquePort(
  table: ConnTable,
  rev: Uint32Array,
  field: number,
  curr: number,
  min: number,
  max: number,
  nowMs: number,
  random: () => number,
): boolean {
  const range = (max - min + 1) & 0xffff || 0x10000;
  let attempts = Math.min(range, MAX_ATTEMPTS);
  const orig = curr;
  for (;;) {
    const inRange = curr >= min && curr <= max;
    let n = inRange ? max - min + 1 : max - min + 2;
    let i = 0;
    for (; n > 0; n--) {
      if (i++ >= attempts) break;
      rev[field] = (curr << 16) >>> 0;
      if (table.lookup(rev, 0, hashKey(rev, 0, table.hashBasis), nowMs) < 0) return true;
      curr = curr < min || curr > max || curr === max ? min : curr + 1;
    }
    if (attempts < range && attempts >= 16) {
      attempts = attempts >>> 1;
      curr = min + Math.floor(random() * range) % range;
      continue;
    }
    break;
  }
  rev[field] = (orig << 16) >>> 0;
  return false;
}

/** Address min + (hash % size of [min, max]) for IPv6, sizes capped at 2^32 - 1 as OVS caps them. */
function ipv6InRange(min: Uint32Array, max: Uint32Array, hash: number, out: Uint32Array, at: number): void {
  const lo = (w: Uint32Array): bigint => (BigInt(w[2] >>> 0) << 32n) | BigInt(w[3] >>> 0);
  const hi = (w: Uint32Array): bigint => (BigInt(w[0] >>> 0) << 32n) | BigInt(w[1] >>> 0);
  const M64 = (1n << 64n) - 1n;
  let diff: bigint;
  if (hi(min) === hi(max) && lo(min) <= lo(max)) diff = lo(max) - lo(min);
  else if (hi(min) + 1n === hi(max) && lo(min) > lo(max)) diff = M64 - (lo(min) - lo(max) - 1n);
  else diff = 0xfffffffen;
  if (diff > 0xfffffffen) diff = 0xfffffffen;
  const offt = BigInt(hash >>> 0) % (diff + 1n);
  let h = hi(min);
  let l = lo(min);
  if (M64 - offt >= l) l += offt;
  else {
    h = (h + 1n) & M64;
    l = offt - (M64 - l + 1n);
  }
  out[at] = Number(h >> 32n);
  out[at + 1] = Number(h & 0xffffffffn);
  out[at + 2] = Number(l >> 32n);
  out[at + 3] = Number(l & 0xffffffffn);
}

// ------------------------------------------------------------------------------------------------------ rewriting

const innerOffs = new Int32Array(2);
const revScratch = new Uint32Array(CK_WORDS);

/**
 * nat_packet: translates a packet of a NATed connection. `keys` holds the connection's original key at `kBase` and
 * reply key at `rBase`; `act` is the connection's NAT action. Returns the ct_state NAT bit to add (0x40 SNAT, 0x80
 * DNAT) or 0.
 */
export function natPacket(
  buf: Uint8Array,
  start: number,
  len: number,
  l3: number,
  l4: number,
  tail: number,
  keys: Uint32Array,
  kBase: number,
  rBase: number,
  natAction: number,
  reply: boolean,
  related: boolean,
): number {
  const kb = reply ? kBase : rBase;
  const act = reply ? reverseNatAction(natAction) : natAction;
  const v6 = (keys[kb + CK_META] & 1) !== 0;
  const proto = (keys[kb + CK_META] >>> 8) & 0xff;
  const l4Size = tail - l4;
  const stateBit = act & NAT_SRC ? 0x40 : act & NAT_DST ? 0x80 : 0;
  setAddr(buf, l3, l4, l4Size, v6, proto, keys, kb, act);
  if (act & (NAT_SRC | NAT_DST)) {
    if (related) natInner(buf, start, len, l3, l4, tail, keys, kb, reverseNatAction(act), v6);
    else patPacket(buf, l4, start + len, proto, keys, kb);
  }
  return stateBit;
}

function setAddr(
  buf: Uint8Array,
  l3: number,
  l4: number,
  l4Size: number,
  v6: boolean,
  proto: number,
  keys: Uint32Array,
  kb: number,
  act: number,
): void {
  if (act & NAT_SRC) {
    if (v6) setIpv6Addr(buf, proto, l4, l4Size, l3 + 8, keys, kb + CK_DST);
    else setIpv4Addr(buf, l3, l4, l4Size, l3 + 12, keys[kb + CK_DST]);
  } else if (act & NAT_DST) {
    if (v6) setIpv6Addr(buf, proto, l4, l4Size, l3 + 24, keys, kb + CK_SRC);
    else setIpv4Addr(buf, l3, l4, l4Size, l3 + 16, keys[kb + CK_SRC]);
  }
}

/** pat_packet: the packet's ports become the key's reversed ports (TCP and UDP only). */
function patPacket(buf: Uint8Array, l4: number, frameEnd: number, proto: number, keys: Uint32Array, kb: number): void {
  const src = keys[kb + CK_DPORT] >>> 16;
  const dst = keys[kb + CK_SPORT] >>> 16;
  if (proto === IPPROTO_TCP) setTcpPorts(buf, l4, frameEnd, src, dst);
  else if (proto === IPPROTO_UDP) setUdpPorts(buf, l4, src, dst);
}

/** nat_inner_packet: translates the datagram quoted by an ICMP error, then recomputes the ICMP checksum. */
function natInner(
  buf: Uint8Array,
  start: number,
  len: number,
  l3: number,
  l4: number,
  tail: number,
  keys: Uint32Array,
  kb: number,
  act: number,
  v6: boolean,
): void {
  quotedOffsets(buf, l4, tail, v6, innerOffs);
  const il3 = innerOffs[0];
  const il4 = innerOffs[1];
  for (let i = 0; i < CK_WORDS; i++) revScratch[i] = keys[kb + i];
  reverseKey(revScratch);
  const proto = ckProto(revScratch);
  patPacket(buf, il4, start + len, proto, revScratch, 0);
  setAddr(buf, il3, il4, tail - il4, v6, proto, revScratch, 0, act);
  if (!v6) {
    buf[l4 + 2] = 0;
    buf[l4 + 3] = 0;
    const c = finishChecksum(onesSum(buf, l4, tail));
    buf[l4 + 2] = c >>> 8;
    buf[l4 + 3] = c;
  } else {
    buf[l4 + 2] = 0;
    buf[l4 + 3] = 0;
    const c = finishChecksum(onesSum(buf, l4, tail, pseudoSumIpv6(buf, l3, 58, tail - l4)));
    buf[l4 + 2] = c >>> 8;
    buf[l4 + 3] = c;
  }
}

/** Words of an IPv4 address for a NatSpec. */
export function ipv4Words(addr: number): Uint32Array {
  const w = new Uint32Array(4);
  w[0] = addr >>> 0;
  return w;
}

/** Words of a 16-byte IPv6 address for a NatSpec. */
export function ipv6Words(bytes: Uint8Array): Uint32Array {
  const w = new Uint32Array(4);
  for (let i = 0; i < 4; i++) w[i] = ((bytes[4 * i] << 24) | (bytes[4 * i + 1] << 16) | (bytes[4 * i + 2] << 8) | bytes[4 * i + 3]) >>> 0;
  return w;
}

