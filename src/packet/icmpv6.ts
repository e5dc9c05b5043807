/**
 * ICMPv6 (RFC 4443) and Neighbor Discovery (RFC 4861).
 *
 * The first 8 bytes have the ICMPv4 shape (type, code, checksum, four type-specific bytes), and the codec keeps those
 * four as `rest`. The checksum, unlike ICMPv4's, covers an IPv6 pseudo-header, so it is computed with the
 * addresses of the enclosing IPv6 header (`fillIcmpv6Checksum`).
 *
 * Neighbor Discovery is ICMPv6 with a fixed body after those 8 bytes (a 16-byte target address for NS/NA, timers for
 * RA, target and destination for Redirect) and then a list of options, each a type, a length in 8-byte units, and
 * data. The flow layer wants the NS/NA target and the source/target link-layer address options (OVS's nd_target,
 * nd_sll, nd_tll); `ndOptionsOffset` and `ndFindOption` find them without allocating. An option of length 0 would
 * loop forever in a naive walker and is the classic malformed ND packet; it is BAD_OPTION here.
 *
 * For ND types the Repr holds the whole message (target, timers, options); for every other type it holds the
 * 8-byte header and the rest is payload (echo data, the quoted packet of an error).
 */

import { copyBytes, rd16, rd32, sliceCopy, wr16, wr32 } from './bytes.js';
import { l4Checksum, pseudoSumIpv6 } from './checksum.js';
import { IpProto } from './numbers.js';
import { Status, type StatusCode } from './status.js';

export const Icmpv6Field = Object.freeze({
  TYPE: 0,
  CODE: 1,
  CHECKSUM: 2,
  REST: 4,
  /** Echo. */
  ID: 4,
  SEQ: 6,
  /** Packet Too Big. */
  MTU: 4,
  /** Parameter Problem. */
  POINTER: 4,
  /** NS, NA, Redirect. */
  ND_TARGET: 8,
  /** Redirect. */
  ND_DESTINATION: 24,
  /** RA. */
  RA_CUR_HOP_LIMIT: 4,
  RA_FLAGS: 5,
  RA_ROUTER_LIFETIME: 6,
  RA_REACHABLE_TIME: 8,
  RA_RETRANS_TIMER: 12,
} as const);
export const ICMPV6_HEADER_LEN = 8;

export const Icmpv6Type = Object.freeze({
  DEST_UNREACH: 1,
  PACKET_TOO_BIG: 2,
  TIME_EXCEEDED: 3,
  PARAM_PROBLEM: 4,
  ECHO_REQUEST: 128,
  ECHO_REPLY: 129,
  MLD_QUERY: 130,
  MLD_REPORT: 131,
  MLD_DONE: 132,
  ROUTER_SOLICIT: 133,
  ROUTER_ADVERT: 134,
  NEIGHBOR_SOLICIT: 135,
  NEIGHBOR_ADVERT: 136,
  REDIRECT: 137,
  MLD2_REPORT: 143,
} as const);

/** ND option types. */
export const NdOpt = Object.freeze({
  SOURCE_LL_ADDR: 1,
  TARGET_LL_ADDR: 2,
  PREFIX_INFO: 3,
  REDIRECTED_HEADER: 4,
  MTU: 5,
} as const);

/** NA flags in the `rest` word. */
export const ND_NA_ROUTER = 0x80000000;
export const ND_NA_SOLICITED = 0x40000000;
export const ND_NA_OVERRIDE = 0x20000000;

/** `ndFindOption` results that are not offsets. */
export const ND_OPT_ABSENT = -1;
export const ND_OPT_MALFORMED = -2;

// ------------------------------------------------------------------------------------------------------- accessors

export function icmpv6Type(buf: Uint8Array, off: number): number {
  return buf[off + Icmpv6Field.TYPE];
}
export function icmpv6Code(buf: Uint8Array, off: number): number {
  return buf[off + Icmpv6Field.CODE];
}
export function icmpv6Checksum(buf: Uint8Array, off: number): number {
  return rd16(buf, off + Icmpv6Field.CHECKSUM);
}
export function icmpv6Rest(buf: Uint8Array, off: number): number {
  return rd32(buf, off + Icmpv6Field.REST);
}
export function icmpv6EchoId(buf: Uint8Array, off: number): number {
  return rd16(buf, off + Icmpv6Field.ID);
}
export function icmpv6EchoSeq(buf: Uint8Array, off: number): number {
  return rd16(buf, off + Icmpv6Field.SEQ);
}
/** Word `i` (0..3) of an NS/NA/Redirect target address. */
export function ndTargetWord(buf: Uint8Array, off: number, i: number): number {
  return rd32(buf, off + Icmpv6Field.ND_TARGET + 4 * i);
}

export function setIcmpv6Checksum(buf: Uint8Array, off: number, csum: number): void {
  wr16(buf, off + Icmpv6Field.CHECKSUM, csum);
}

/** Errors (types below 128) quote the offending packet after the 8-byte header. */
export function icmpv6IsError(type: number): boolean {
  return type < 128;
}

/** Offset of the option list from the start of the message, or -1 for types that carry no ND options. */
export function ndOptionsOffset(type: number): number {
  switch (type) {
    case Icmpv6Type.ROUTER_SOLICIT:
      return 8;
    case Icmpv6Type.ROUTER_ADVERT:
      return 16;
    case Icmpv6Type.NEIGHBOR_SOLICIT:
    case Icmpv6Type.NEIGHBOR_ADVERT:
      return 24;
    case Icmpv6Type.REDIRECT:
      return 40;
    default:
      return -1;
  }
}

/**
 * Searches the option list `buf[optOff..end)` for the first option of `optType`. Returns the offset of its type byte
 * (its data starts 2 bytes later; a link-layer address option for Ethernet has 6), ND_OPT_ABSENT, or ND_OPT_MALFORMED
 * if an option before it has length 0 or runs past `end`.
 */
export function ndFindOption(buf: Uint8Array, optOff: number, end: number, optType: number): number {
  let p = optOff;
  while (end - p >= 2) {
    const len = buf[p + 1] << 3;
    if (len === 0 || end - p < len) return ND_OPT_MALFORMED;
    if (buf[p] === optType) return p;
    p += len;
  }
  return p === end ? ND_OPT_ABSENT : ND_OPT_MALFORMED;
}

/** Computes and stores the checksum of the message `buf[off..end)` inside the IPv6 header at `ipOff`. */
export function fillIcmpv6Checksum(buf: Uint8Array, ipOff: number, off: number, end: number): void {
  setIcmpv6Checksum(buf, off, 0);
  setIcmpv6Checksum(buf, off, l4Checksum(pseudoSumIpv6(buf, ipOff, IpProto.ICMPV6, end - off), buf, off, end));
}

export function icmpv6ChecksumOk(buf: Uint8Array, ipOff: number, off: number, end: number): boolean {
  return l4Checksum(pseudoSumIpv6(buf, ipOff, IpProto.ICMPV6, end - off), buf, off, end) === 0;
}

/**
 * OK when the 8-byte header is there and, for ND types, the fixed body too and the options are well formed
 * (TRUNCATED / BAD_OPTION otherwise).
 */
export function checkIcmpv6(buf: Uint8Array, off: number, end: number): StatusCode {
  if (end - off < ICMPV6_HEADER_LEN) return Status.TRUNCATED;
  const optRel = ndOptionsOffset(icmpv6Type(buf, off));
  if (optRel < 0) return Status.OK;
  if (end - off < optRel) return Status.TRUNCATED;
  return ndFindOption(buf, off + optRel, end, -1) === ND_OPT_MALFORMED ? Status.BAD_OPTION : Status.OK;
}

// ------------------------------------------------------------------------------------------------------------ Repr

export interface NdOption {
  type: number;
  /** Bytes after the type and length; emit pads with zeros to a multiple of 8 with those 2 bytes. */
  data: Uint8Array;
}

export interface Icmpv6Repr {
  type: number;
  code: number;
  checksum: number;
  /** Bytes 4..7: id << 16 | seq, MTU, pointer, NA flags, or RA hop limit/flags/lifetime. */
  rest: number;
  /** NS, NA, Redirect. */
  target?: Uint8Array;
  /** Redirect. */
  destination?: Uint8Array;
  /** RA, in milliseconds. */
  reachableTime?: number;
  retransTimer?: number;
  /** Present exactly for the ND types (RS, RA, NS, NA, Redirect). */
  options?: NdOption[];
}

export function parseIcmpv6(buf: Uint8Array, off: number, end: number): Icmpv6Repr | StatusCode {
  const s = checkIcmpv6(buf, off, end);
  if (s !== Status.OK) return s;
  const type = icmpv6Type(buf, off);
  const repr: Icmpv6Repr = { type, code: icmpv6Code(buf, off), checksum: icmpv6Checksum(buf, off), rest: icmpv6Rest(buf, off) };
  const optRel = ndOptionsOffset(type);
  if (optRel < 0) return repr;
  if (type === Icmpv6Type.ROUTER_ADVERT) {
    repr.reachableTime = rd32(buf, off + Icmpv6Field.RA_REACHABLE_TIME);
    repr.retransTimer = rd32(buf, off + Icmpv6Field.RA_RETRANS_TIMER);
  } else if (type !== Icmpv6Type.ROUTER_SOLICIT) {
    repr.target = sliceCopy(buf, off + Icmpv6Field.ND_TARGET, off + Icmpv6Field.ND_TARGET + 16);
    if (type === Icmpv6Type.REDIRECT) {
      repr.destination = sliceCopy(buf, off + Icmpv6Field.ND_DESTINATION, off + Icmpv6Field.ND_DESTINATION + 16);
    }
  }
  const options: NdOption[] = [];
  // checkIcmpv6 has validated every length, so this walk cannot overrun or stall.
  for (let p = off + optRel; p < end; p += buf[p + 1] << 3) {
    options.push({ type: buf[p], data: sliceCopy(buf, p + 2, p + (buf[p + 1] << 3)) });
  }
  repr.options = options;
  return repr;
}

export function emitIcmpv6(repr: Icmpv6Repr, buf: Uint8Array, off: number): number {
  buf[off + Icmpv6Field.TYPE] = repr.type;
  buf[off + Icmpv6Field.CODE] = repr.code;
  wr16(buf, off + Icmpv6Field.CHECKSUM, repr.checksum);
  wr32(buf, off + Icmpv6Field.REST, repr.rest);
  const optRel = ndOptionsOffset(repr.type);
  if (optRel < 0) return ICMPV6_HEADER_LEN;
  for (let p = off + ICMPV6_HEADER_LEN; p < off + optRel; p++) buf[p] = 0;
  if (repr.type === Icmpv6Type.ROUTER_ADVERT) {
    wr32(buf, off + Icmpv6Field.RA_REACHABLE_TIME, repr.reachableTime ?? 0);
    wr32(buf, off + Icmpv6Field.RA_RETRANS_TIMER, repr.retransTimer ?? 0);
  }
  if (repr.target) copyBytes(repr.target, 0, buf, off + Icmpv6Field.ND_TARGET, 16);
  if (repr.destination) copyBytes(repr.destination, 0, buf, off + Icmpv6Field.ND_DESTINATION, 16);
  let p = off + optRel;
  for (const o of repr.options ?? []) {
    const len = ndOptionLength(o);
    buf[p] = o.type;
    buf[p + 1] = len >>> 3;
    copyBytes(o.data, 0, buf, p + 2, o.data.length);
    for (let q = p + 2 + o.data.length; q < p + len; q++) buf[q] = 0;
    p += len;
  }
  return p - off;
}

export function icmpv6Length(repr: Icmpv6Repr): number {
  const optRel = ndOptionsOffset(repr.type);
  if (optRel < 0) return ICMPV6_HEADER_LEN;
  let n = optRel;
  for (const o of repr.options ?? []) n += ndOptionLength(o);
  return n;
}

function ndOptionLength(o: NdOption): number {
  return (2 + o.data.length + 7) & ~7;
}
