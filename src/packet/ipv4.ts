/**
 * IPv4 (RFC 791): the header, its options, and fragment fields.
 *
 * Three lengths. The header says how long it is (IHL, in 32-bit words, 20 to 60 bytes) and how long the whole
 * datagram is (total length). The buffer says how much was captured (`end`). They disagree all the time: Ethernet
 * pads short datagrams to 60-byte frames (captured > total), and captures cut long ones at the snaplen (captured <
 * total). `checkIpv4` sorts this out. A header whose own bytes are missing is TRUNCATED. A header that is whole but
 * whose datagram runs past `end` is PAYLOAD_TRUNCATED: every field is readable, the payload is partial.
 * `ipv4PayloadEnd` gives the end of the usable payload either way, which drops Ethernet padding.
 *
 * Fragments. Only the first fragment (offset 0) carries the upper-layer header; later ones carry raw payload, and
 * reading ports from them would read data bytes. `ipv4IsLaterFragment` is the test the flow layer needs (OVS's
 * nw_frag=later). The offset is exposed in bytes, not in the 8-byte units of the wire field.
 *
 * Options are kept as raw bytes. The fast path never walks them (OVS does not either); `checkIpv4Options` and
 * `ipv4FindOption` exist for the few things that care (Router Alert, tests), and the Repr carries them verbatim so
 * emit(parse(x)) reproduces the header. The checksum is not in the Repr: `emitIpv4` always computes it.
 */

import { copyBytes, rd16, rd32, sliceCopy, wr16, wr32 } from './bytes.js';
import { internetChecksum } from './checksum.js';
import { Status, type StatusCode } from './status.js';

export const Ipv4Field = Object.freeze({
  VER_IHL: 0,
  TOS: 1,
  TOTAL_LEN: 2,
  IDENT: 4,
  FLAGS_FRAG: 6,
  TTL: 8,
  PROTO: 9,
  CHECKSUM: 10,
  SRC: 12,
  DST: 16,
  OPTIONS: 20,
} as const);

export const IPV4_MIN_HEADER_LEN = 20;
export const IPV4_MAX_HEADER_LEN = 60;

/** Bits of the 16-bit flags/fragment-offset word. */
export const IPV4_FLAG_RESERVED = 0x8000;
export const IPV4_FLAG_DF = 0x4000;
export const IPV4_FLAG_MF = 0x2000;
export const IPV4_FRAG_OFFSET_MASK = 0x1fff;

export const Ipv4Option = Object.freeze({
  EOL: 0,
  NOP: 1,
  RECORD_ROUTE: 7,
  TIMESTAMP: 68,
  LSRR: 131,
  SSRR: 137,
  ROUTER_ALERT: 148,
} as const);

// ------------------------------------------------------------------------------------------------------- accessors

export function ipv4Version(buf: Uint8Array, off: number): number {
  return buf[off + Ipv4Field.VER_IHL] >>> 4;
}
/** Header length in bytes (IHL * 4). */
export function ipv4HeaderLen(buf: Uint8Array, off: number): number {
  return (buf[off + Ipv4Field.VER_IHL] & 0x0f) << 2;
}
export function ipv4Tos(buf: Uint8Array, off: number): number {
  return buf[off + Ipv4Field.TOS];
}
export function ipv4Dscp(buf: Uint8Array, off: number): number {
  return buf[off + Ipv4Field.TOS] >>> 2;
}
export function ipv4Ecn(buf: Uint8Array, off: number): number {
  return buf[off + Ipv4Field.TOS] & 3;
}
export function ipv4TotalLen(buf: Uint8Array, off: number): number {
  return rd16(buf, off + Ipv4Field.TOTAL_LEN);
}
export function ipv4Ident(buf: Uint8Array, off: number): number {
  return rd16(buf, off + Ipv4Field.IDENT);
}
export function ipv4DontFrag(buf: Uint8Array, off: number): boolean {
  return (buf[off + Ipv4Field.FLAGS_FRAG] & 0x40) !== 0;
}
export function ipv4MoreFrags(buf: Uint8Array, off: number): boolean {
  return (buf[off + Ipv4Field.FLAGS_FRAG] & 0x20) !== 0;
}
/** Fragment offset in bytes. */
export function ipv4FragOffset(buf: Uint8Array, off: number): number {
  return (rd16(buf, off + Ipv4Field.FLAGS_FRAG) & IPV4_FRAG_OFFSET_MASK) << 3;
}
/** Any fragment, first or later: MF set or a non-zero offset. */
export function ipv4IsFragment(buf: Uint8Array, off: number): boolean {
  return (rd16(buf, off + Ipv4Field.FLAGS_FRAG) & (IPV4_FLAG_MF | IPV4_FRAG_OFFSET_MASK)) !== 0;
}
/** A fragment that does not start the datagram, so it has no upper-layer header. */
export function ipv4IsLaterFragment(buf: Uint8Array, off: number): boolean {
  return (rd16(buf, off + Ipv4Field.FLAGS_FRAG) & IPV4_FRAG_OFFSET_MASK) !== 0;
}
export function ipv4Ttl(buf: Uint8Array, off: number): number {
  return buf[off + Ipv4Field.TTL];
}
export function ipv4Proto(buf: Uint8Array, off: number): number {
  return buf[off + Ipv4Field.PROTO];
}
export function ipv4Checksum(buf: Uint8Array, off: number): number {
  return rd16(buf, off + Ipv4Field.CHECKSUM);
}
export function ipv4Src(buf: Uint8Array, off: number): number {
  return rd32(buf, off + Ipv4Field.SRC);
}
export function ipv4Dst(buf: Uint8Array, off: number): number {
  return rd32(buf, off + Ipv4Field.DST);
}

/** End of the datagram's usable bytes: the total length, clamped to what was captured (drops Ethernet padding). */
export function ipv4PayloadEnd(buf: Uint8Array, off: number, end: number): number {
  const e = off + ipv4TotalLen(buf, off);
  return e < end ? e : end;
}

// Setters write the field only. The datapath adjusts the checksum with csumUpdate16/32, which is cheaper than
// `fillIpv4Checksum` and also serves the TCP/UDP checksums that cover the addresses.

export function setIpv4Tos(buf: Uint8Array, off: number, tos: number): void {
  buf[off + Ipv4Field.TOS] = tos;
}
export function setIpv4Ttl(buf: Uint8Array, off: number, ttl: number): void {
  buf[off + Ipv4Field.TTL] = ttl;
}
export function setIpv4Src(buf: Uint8Array, off: number, addr: number): void {
  wr32(buf, off + Ipv4Field.SRC, addr);
}
export function setIpv4Dst(buf: Uint8Array, off: number, addr: number): void {
  wr32(buf, off + Ipv4Field.DST, addr);
}
export function setIpv4Checksum(buf: Uint8Array, off: number, csum: number): void {
  wr16(buf, off + Ipv4Field.CHECKSUM, csum);
}

/** Computes and stores the header checksum over the IHL-sized header. */
export function fillIpv4Checksum(buf: Uint8Array, off: number): void {
  setIpv4Checksum(buf, off, 0);
  setIpv4Checksum(buf, off, internetChecksum(buf, off, off + ipv4HeaderLen(buf, off)));
}

/** Whether the stored header checksum is right. Call after `checkIpv4` says the header is usable. */
export function ipv4ChecksumOk(buf: Uint8Array, off: number): boolean {
  return internetChecksum(buf, off, off + ipv4HeaderLen(buf, off)) === 0;
}

// -------------------------------------------------------------------------------------------------------- checked

/**
 * Validates the header at `off` against the `end` of captured data. Options are not inspected. On OK or
 * PAYLOAD_TRUNCATED every accessor reads inside the header.
 */
export function checkIpv4(buf: Uint8Array, off: number, end: number): StatusCode {
  const avail = end - off;
  if (avail < 1) return Status.TRUNCATED;
  if (ipv4Version(buf, off) !== 4) return Status.BAD_VERSION;
  const hlen = ipv4HeaderLen(buf, off);
  if (hlen < IPV4_MIN_HEADER_LEN) return Status.BAD_HEADER_LEN;
  if (avail < hlen) return Status.TRUNCATED;
  const total = ipv4TotalLen(buf, off);
  if (total < hlen) return Status.BAD_LENGTH;
  return total > avail ? Status.PAYLOAD_TRUNCATED : Status.OK;
}

/**
 * Walks the option TLVs of a usable header: OK, or BAD_OPTION for a length below 2 or past the header. Bytes after
 * an End-of-List are padding and not examined.
 */
export function checkIpv4Options(buf: Uint8Array, off: number): StatusCode {
  const end = off + ipv4HeaderLen(buf, off);
  let p = off + IPV4_MIN_HEADER_LEN;
  while (p < end) {
    const type = buf[p];
    if (type === Ipv4Option.EOL) return Status.OK;
    if (type === Ipv4Option.NOP) {
      p++;
      continue;
    }
    if (p + 1 >= end) return Status.BAD_OPTION;
    const len = buf[p + 1];
    if (len < 2 || p + len > end) return Status.BAD_OPTION;
    p += len;
  }
  return Status.OK;
}

/** Offset of the first option of `type` in a usable header, or -1 if absent or the options are malformed first. */
export function ipv4FindOption(buf: Uint8Array, off: number, type: number): number {
  const end = off + ipv4HeaderLen(buf, off);
  let p = off + IPV4_MIN_HEADER_LEN;
  while (p < end) {
    const t = buf[p];
    if (t === type) return p;
    if (t === Ipv4Option.EOL) return -1;
    if (t === Ipv4Option.NOP) {
      p++;
      continue;
    }
    const len = p + 1 < end ? buf[p + 1] : 0;
    if (len < 2) return -1;
    p += len;
  }
  return -1;
}

// ------------------------------------------------------------------------------------------------------------ Repr

export interface Ipv4Repr {
  tos: number;
  ident: number;
  dontFrag: boolean;
  moreFrags: boolean;
  /** In bytes, a multiple of 8. */
  fragOffset: number;
  ttl: number;
  protocol: number;
  src: number;
  dst: number;
  /** Raw option bytes; emit pads them with End-of-List to a multiple of 4. */
  options: Uint8Array;
  /** Total length minus header length, as the header states it (not what was captured). */
  payloadLength: number;
}

/** Succeeds for OK and PAYLOAD_TRUNCATED headers. The reserved flag bit and the checksum are not kept. */
export function parseIpv4(buf: Uint8Array, off: number, end: number): Ipv4Repr | StatusCode {
  const s = checkIpv4(buf, off, end);
  if (s > Status.PAYLOAD_TRUNCATED) return s;
  const hlen = ipv4HeaderLen(buf, off);
  return {
    tos: ipv4Tos(buf, off),
    ident: ipv4Ident(buf, off),
    dontFrag: ipv4DontFrag(buf, off),
    moreFrags: ipv4MoreFrags(buf, off),
    fragOffset: ipv4FragOffset(buf, off),
    ttl: ipv4Ttl(buf, off),
    protocol: ipv4Proto(buf, off),
    src: ipv4Src(buf, off),
    dst: ipv4Dst(buf, off),
    options: sliceCopy(buf, off + IPV4_MIN_HEADER_LEN, off + hlen),
    payloadLength: ipv4TotalLen(buf, off) - hlen,
  };
}

/** Writes the header with a freshly computed checksum. */
export function emitIpv4(repr: Ipv4Repr, buf: Uint8Array, off: number): number {
  const hlen = ipv4Length(repr);
  buf[off + Ipv4Field.VER_IHL] = 0x40 | (hlen >>> 2);
  buf[off + Ipv4Field.TOS] = repr.tos;
  wr16(buf, off + Ipv4Field.TOTAL_LEN, hlen + repr.payloadLength);
  wr16(buf, off + Ipv4Field.IDENT, repr.ident);
  wr16(
    buf,
    off + Ipv4Field.FLAGS_FRAG,
    (repr.dontFrag ? IPV4_FLAG_DF : 0) | (repr.moreFrags ? IPV4_FLAG_MF : 0) | ((repr.fragOffset >>> 3) & IPV4_FRAG_OFFSET_MASK),
  );
  buf[off + Ipv4Field.TTL] = repr.ttl;
  buf[off + Ipv4Field.PROTO] = repr.protocol;
  wr32(buf, off + Ipv4Field.SRC, repr.src);
  wr32(buf, off + Ipv4Field.DST, repr.dst);
  copyBytes(repr.options, 0, buf, off + IPV4_MIN_HEADER_LEN, repr.options.length);
  for (let p = off + IPV4_MIN_HEADER_LEN + repr.options.length; p < off + hlen; p++) buf[p] = Ipv4Option.EOL;
  fillIpv4Checksum(buf, off);
  return hlen;
}

/** Header length: 20 plus the options rounded up to 32 bits. */
export function ipv4Length(repr: Ipv4Repr): number {
  return IPV4_MIN_HEADER_LEN + ((repr.options.length + 3) & ~3);
}
