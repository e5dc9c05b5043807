/**
 * IPv6 (RFC 8200): the fixed header, the extension-header chain, and the walk that finds the upper layer.
 *
 * The fixed header is simple; the work is in the chain. Every header names the next one, and the extension headers
 * a datapath must step over (Hop-by-Hop, Routing, Fragment, Destination Options, and AH, whose length counts 32-bit
 * words instead of 64-bit ones) sit between the fixed header and TCP/UDP/ICMPv6. `ipv6Walk` follows the chain into a
 * caller-owned `Ipv6Walk` without allocating, and stops at the first header it does not step over: the upper-layer
 * protocol, ESP (opaque), No Next Header (59), or anything unknown.
 *
 * Fragments. A Fragment header with a non-zero offset starts a later fragment: what follows is a slice of someone
 * else's payload, so the walk stops right after it, with `proto` set to the fragment header's next header and
 * `laterFragment` true. A first fragment (offset 0, M set) is walked through, since it does carry the upper-layer
 * header. An atomic fragment (offset 0, M clear, RFC 6946) is a whole datagram and is walked through too.
 * The walk reports the raw facts; OVS's conventions (nw_frag flags, nw_proto=44 for later fragments, atomic
 * fragments not counted as fragments) are the flow layer's to apply.
 *
 * Lengths as in IPv4: `checkIpv6` says PAYLOAD_TRUNCATED when the payload length runs past the capture, and
 * `ipv6PayloadEnd` clamps. Pass that clamped end to the walk so it never reads Ethernet padding as a header. A
 * payload length of 0 (a jumbogram, RFC 2675) is taken at face value: the datagram is empty.
 */

import { copyBytes, rd16, rd32, sliceCopy, wr16, wr32 } from './bytes.js';
import { IpProto } from './numbers.js';
import { Status, type StatusCode } from './status.js';

export const Ipv6Field = Object.freeze({
  VER_TC_FL: 0,
  PAYLOAD_LEN: 4,
  NEXT_HEADER: 6,
  HOP_LIMIT: 7,
  SRC: 8,
  DST: 24,
} as const);

export const IPV6_HEADER_LEN = 40;
export const IPV6_ADDR_LEN = 16;

/** Fields common to Hop-by-Hop, Routing and Destination Options headers (length in 8-byte units, minus one). */
export const Ipv6ExtField = Object.freeze({ NEXT_HEADER: 0, LEN: 1 } as const);
export const Ipv6RoutingField = Object.freeze({ NEXT_HEADER: 0, LEN: 1, TYPE: 2, SEGMENTS_LEFT: 3, DATA: 4 } as const);
export const Ipv6FragField = Object.freeze({ NEXT_HEADER: 0, RESERVED: 1, OFFSET_FLAGS: 2, IDENT: 4 } as const);
export const IPV6_FRAG_HEADER_LEN = 8;
export const IPV6_FRAG_OFFSET_MASK = 0xfff8;
export const IPV6_FRAG_MORE = 0x0001;

/** Hop-by-Hop / Destination option types used for padding. */
export const IPV6_OPT_PAD1 = 0;
export const IPV6_OPT_PADN = 1;
export const IPV6_OPT_ROUTER_ALERT = 5;

// ------------------------------------------------------------------------------------------------------- accessors

export function ipv6Version(buf: Uint8Array, off: number): number {
  return buf[off] >>> 4;
}
export function ipv6TrafficClass(buf: Uint8Array, off: number): number {
  return (rd16(buf, off) >>> 4) & 0xff;
}
export function ipv6FlowLabel(buf: Uint8Array, off: number): number {
  return rd32(buf, off) & 0xfffff;
}
export function ipv6PayloadLen(buf: Uint8Array, off: number): number {
  return rd16(buf, off + Ipv6Field.PAYLOAD_LEN);
}
export function ipv6NextHeader(buf: Uint8Array, off: number): number {
  return buf[off + Ipv6Field.NEXT_HEADER];
}
export function ipv6HopLimit(buf: Uint8Array, off: number): number {
  return buf[off + Ipv6Field.HOP_LIMIT];
}
/** Word `i` (0..3, most significant first) of the source address, ready for a 32-bit flow-key slot. */
export function ipv6SrcWord(buf: Uint8Array, off: number, i: number): number {
  return rd32(buf, off + Ipv6Field.SRC + 4 * i);
}
export function ipv6DstWord(buf: Uint8Array, off: number, i: number): number {
  return rd32(buf, off + Ipv6Field.DST + 4 * i);
}

export function ipv6PayloadEnd(buf: Uint8Array, off: number, end: number): number {
  const e = off + IPV6_HEADER_LEN + ipv6PayloadLen(buf, off);
  return e < end ? e : end;
}

export function setIpv6TrafficClass(buf: Uint8Array, off: number, tc: number): void {
  buf[off] = 0x60 | ((tc >>> 4) & 0x0f);
  buf[off + 1] = ((tc & 0x0f) << 4) | (buf[off + 1] & 0x0f);
}
export function setIpv6FlowLabel(buf: Uint8Array, off: number, label: number): void {
  buf[off + 1] = (buf[off + 1] & 0xf0) | ((label >>> 16) & 0x0f);
  wr16(buf, off + 2, label & 0xffff);
}
export function setIpv6HopLimit(buf: Uint8Array, off: number, hl: number): void {
  buf[off + Ipv6Field.HOP_LIMIT] = hl;
}
export function setIpv6Src(buf: Uint8Array, off: number, addr: Uint8Array, addrOff = 0): void {
  copyBytes(addr, addrOff, buf, off + Ipv6Field.SRC, IPV6_ADDR_LEN);
}
export function setIpv6Dst(buf: Uint8Array, off: number, addr: Uint8Array, addrOff = 0): void {
  copyBytes(addr, addrOff, buf, off + Ipv6Field.DST, IPV6_ADDR_LEN);
}

/** Fixed header only: TRUNCATED, BAD_VERSION, PAYLOAD_TRUNCATED (payload length past `end`) or OK. */
export function checkIpv6(buf: Uint8Array, off: number, end: number): StatusCode {
  const avail = end - off;
  if (avail < 1) return Status.TRUNCATED;
  if (ipv6Version(buf, off) !== 6) return Status.BAD_VERSION;
  if (avail < IPV6_HEADER_LEN) return Status.TRUNCATED;
  return IPV6_HEADER_LEN + ipv6PayloadLen(buf, off) > avail ? Status.PAYLOAD_TRUNCATED : Status.OK;
}

// -------------------------------------------------------------------------------------------- extension headers

/** The extension headers the walk steps over. ESP is not one: its length is inside the encryption. */
export function isIpv6ExtHeader(proto: number): boolean {
  return (
    proto === IpProto.HOPOPTS ||
    proto === IpProto.ROUTING ||
    proto === IpProto.FRAGMENT ||
    proto === IpProto.DSTOPTS ||
    proto === IpProto.AH
  );
}

/** Length in bytes of the extension header of type `proto` at `extOff` (its first two bytes must be readable). */
export function ipv6ExtHeaderLen(buf: Uint8Array, extOff: number, proto: number): number {
  if (proto === IpProto.FRAGMENT) return IPV6_FRAG_HEADER_LEN;
  if (proto === IpProto.AH) return (buf[extOff + 1] + 2) << 2;
  return (buf[extOff + 1] + 1) << 3;
}

export function ipv6FragOffset(buf: Uint8Array, fragOff: number): number {
  return rd16(buf, fragOff + Ipv6FragField.OFFSET_FLAGS) & IPV6_FRAG_OFFSET_MASK;
}
export function ipv6FragMore(buf: Uint8Array, fragOff: number): boolean {
  return (buf[fragOff + Ipv6FragField.OFFSET_FLAGS + 1] & IPV6_FRAG_MORE) !== 0;
}
export function ipv6FragIdent(buf: Uint8Array, fragOff: number): number {
  return rd32(buf, fragOff + Ipv6FragField.IDENT);
}

/** Filled by `ipv6Walk`; allocate one per batch or worker and reuse it. */
export class Ipv6Walk {
  /** Protocol of the header where the walk stopped: the upper layer (6, 17, 58, ...) or 59, 50, unknown. */
  proto = 0;
  /** Where that header starts (for a later fragment: where the fragment's data starts). */
  l4Offset = 0;
  /** Extension headers stepped over. */
  extCount = 0;
  hasFragment = false;
  /** Offset of the fragment data within the original datagram, in bytes. */
  fragOffset = 0;
  moreFrags = false;
  fragIdent = 0;
  /** A fragment with a non-zero offset: no upper-layer header here. */
  laterFragment = false;
}

/**
 * Walks from the fixed header at `off` to the upper layer. OK when it reached a header it does not step over;
 * TRUNCATED when an extension header runs past `end`, with `proto`/`l4Offset` naming that header and the fragment
 * fields filled if a Fragment header came before. The fixed header must have passed `checkIpv6`.
 */
export function ipv6Walk(buf: Uint8Array, off: number, end: number, w: Ipv6Walk): StatusCode {
  w.extCount = 0;
  w.hasFragment = false;
  w.fragOffset = 0;
  w.moreFrags = false;
  w.fragIdent = 0;
  w.laterFragment = false;
  let proto = ipv6NextHeader(buf, off);
  let p = off + IPV6_HEADER_LEN;
  // Every extension header is at least 8 bytes, so the loop ends within (end - off) / 8 rounds.
  while (isIpv6ExtHeader(proto)) {
    w.proto = proto;
    w.l4Offset = p;
    if (end - p < 2) return Status.TRUNCATED;
    const len = ipv6ExtHeaderLen(buf, p, proto);
    if (end - p < len) return Status.TRUNCATED;
    const next = buf[p];
    w.extCount++;
    if (proto === IpProto.FRAGMENT) {
      w.hasFragment = true;
      w.fragOffset = ipv6FragOffset(buf, p);
      w.moreFrags = ipv6FragMore(buf, p);
      w.fragIdent = ipv6FragIdent(buf, p);
      if (w.fragOffset !== 0) {
        w.laterFragment = true;
        w.proto = next;
        w.l4Offset = p + len;
        return Status.OK;
      }
    }
    proto = next;
    p += len;
  }
  w.proto = proto;
  w.l4Offset = p;
  return Status.OK;
}

// ------------------------------------------------------------------------------------------------------------ Repr

export interface Ipv6Repr {
  trafficClass: number;
  flowLabel: number;
  /** The fixed header's next header: the first extension header or the upper layer. */
  nextHeader: number;
  hopLimit: number;
  src: Uint8Array;
  dst: Uint8Array;
  /** As the header states it: extension headers plus upper layer. */
  payloadLength: number;
}

export function parseIpv6(buf: Uint8Array, off: number, end: number): Ipv6Repr | StatusCode {
  const s = checkIpv6(buf, off, end);
  if (s > Status.PAYLOAD_TRUNCATED) return s;
  return {
    trafficClass: ipv6TrafficClass(buf, off),
    flowLabel: ipv6FlowLabel(buf, off),
    nextHeader: ipv6NextHeader(buf, off),
    hopLimit: ipv6HopLimit(buf, off),
    src: sliceCopy(buf, off + Ipv6Field.SRC, off + Ipv6Field.SRC + IPV6_ADDR_LEN),
    dst: sliceCopy(buf, off + Ipv6Field.DST, off + Ipv6Field.DST + IPV6_ADDR_LEN),
    payloadLength: ipv6PayloadLen(buf, off),
  };
}

export function emitIpv6(repr: Ipv6Repr, buf: Uint8Array, off: number): number {
  wr32(buf, off, (0x60000000 | ((repr.trafficClass & 0xff) << 20) | (repr.flowLabel & 0xfffff)) >>> 0);
  wr16(buf, off + Ipv6Field.PAYLOAD_LEN, repr.payloadLength);
  buf[off + Ipv6Field.NEXT_HEADER] = repr.nextHeader;
  buf[off + Ipv6Field.HOP_LIMIT] = repr.hopLimit;
  setIpv6Src(buf, off, repr.src);
  setIpv6Dst(buf, off, repr.dst);
  return IPV6_HEADER_LEN;
}

export function ipv6Length(_repr: Ipv6Repr): number {
  return IPV6_HEADER_LEN;
}

/** Hop-by-Hop or Destination Options: raw option TLVs, padding included. */
export interface Ipv6OptionsHeaderRepr {
  type: typeof IpProto.HOPOPTS | typeof IpProto.DSTOPTS;
  nextHeader: number;
  /** Option TLVs; emit pads with Pad1/PadN to a multiple of 8 bytes with the 2-byte prefix. */
  options: Uint8Array;
}

export interface Ipv6RoutingRepr {
  type: typeof IpProto.ROUTING;
  nextHeader: number;
  routingType: number;
  segmentsLeft: number;
  /** Everything after the first 4 bytes (type 0: 4 reserved bytes then addresses; SRH: its own layout). */
  data: Uint8Array;
}

export interface Ipv6FragmentRepr {
  type: typeof IpProto.FRAGMENT;
  nextHeader: number;
  /** In bytes, a multiple of 8. */
  fragOffset: number;
  moreFrags: boolean;
  ident: number;
}

export type Ipv6ExtRepr = Ipv6OptionsHeaderRepr | Ipv6RoutingRepr | Ipv6FragmentRepr;

/**
 * Parses the extension header of type `type` (the previous header's next-header value) at `off`. AH and unknown
 * types are UNSUPPORTED (the walk still steps over AH).
 */
export function parseIpv6Ext(buf: Uint8Array, off: number, end: number, type: number): Ipv6ExtRepr | StatusCode {
  if (type !== IpProto.HOPOPTS && type !== IpProto.DSTOPTS && type !== IpProto.ROUTING && type !== IpProto.FRAGMENT) {
    return Status.UNSUPPORTED;
  }
  if (end - off < 2) return Status.TRUNCATED;
  const len = ipv6ExtHeaderLen(buf, off, type);
  if (end - off < len) return Status.TRUNCATED;
  const nextHeader = buf[off];
  switch (type) {
    case IpProto.FRAGMENT:
      return {
        type,
        nextHeader,
        fragOffset: ipv6FragOffset(buf, off),
        moreFrags: ipv6FragMore(buf, off),
        ident: ipv6FragIdent(buf, off),
      };
    case IpProto.ROUTING:
      return {
        type,
        nextHeader,
        routingType: buf[off + Ipv6RoutingField.TYPE],
        segmentsLeft: buf[off + Ipv6RoutingField.SEGMENTS_LEFT],
        data: sliceCopy(buf, off + Ipv6RoutingField.DATA, off + len),
      };
    default:
      return { type, nextHeader, options: sliceCopy(buf, off + 2, off + len) };
  }
}

export function emitIpv6Ext(repr: Ipv6ExtRepr, buf: Uint8Array, off: number): number {
  const len = ipv6ExtLength(repr);
  buf[off] = repr.nextHeader;
  switch (repr.type) {
    case IpProto.FRAGMENT:
      buf[off + Ipv6FragField.RESERVED] = 0;
      wr16(
        buf,
        off + Ipv6FragField.OFFSET_FLAGS,
        (repr.fragOffset & IPV6_FRAG_OFFSET_MASK) | (repr.moreFrags ? IPV6_FRAG_MORE : 0),
      );
      wr32(buf, off + Ipv6FragField.IDENT, repr.ident);
      return len;
    case IpProto.ROUTING:
      buf[off + 1] = (len >>> 3) - 1;
      buf[off + Ipv6RoutingField.TYPE] = repr.routingType;
      buf[off + Ipv6RoutingField.SEGMENTS_LEFT] = repr.segmentsLeft;
      copyBytes(repr.data, 0, buf, off + Ipv6RoutingField.DATA, repr.data.length);
      for (let p = off + Ipv6RoutingField.DATA + repr.data.length; p < off + len; p++) buf[p] = 0;
      return len;
    default: {
      buf[off + 1] = (len >>> 3) - 1;
      copyBytes(repr.options, 0, buf, off + 2, repr.options.length);
      emitIpv6Padding(buf, off + 2 + repr.options.length, off + len);
      return len;
    }
  }
}

export function ipv6ExtLength(repr: Ipv6ExtRepr): number {
  switch (repr.type) {
    case IpProto.FRAGMENT:
      return IPV6_FRAG_HEADER_LEN;
    case IpProto.ROUTING:
      return (Ipv6RoutingField.DATA + repr.data.length + 7) & ~7;
    default:
      return (2 + repr.options.length + 7) & ~7;
  }
}

/** Fills `buf[off..end)` with one Pad1 or one PadN option, as RFC 8200 requires for option-header padding. */
function emitIpv6Padding(buf: Uint8Array, off: number, end: number): void {
  const n = end - off;
  if (n <= 0) return;
  if (n === 1) {
    buf[off] = IPV6_OPT_PAD1;
    return;
  }
  buf[off] = IPV6_OPT_PADN;
  buf[off + 1] = n - 2;
  for (let p = off + 2; p < end; p++) buf[p] = 0;
}
