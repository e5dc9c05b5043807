/**
 * ICMPv4 (RFC 792).
 *
 * Every message has the same 8-byte header: type, code, checksum and four type-specific bytes ("rest of header":
 * identifier and sequence for echo, gateway for redirect, pointer for parameter problem, next-hop MTU for
 * fragmentation-needed). The Repr keeps those four bytes as one 32-bit `rest`, with accessors for each reading, so
 * one codec serves every type.
 *
 * Error messages (unreachable, time exceeded, redirect, parameter problem, source quench) quote the offending
 * datagram's IP header and at least 8 bytes of its payload right after the ICMP header. Conntrack needs that inner
 * header to find the connection the error belongs to, and NAT rewrites it; `icmpInnerOffset` and
 * `checkIcmpError` locate and validate it. Quotes are often cut short, so an inner datagram is judged with its own
 * total length ignored: only the inner header must be whole, plus the 8 bytes of ports it promises.
 *
 * The checksum covers the whole message, payload included, with no pseudo-header.
 */

import { rd16, rd32, wr16, wr32 } from './bytes.js';
import { internetChecksum } from './checksum.js';
import { checkIpv4, ipv4HeaderLen } from './ipv4.js';
import { Status, type StatusCode } from './status.js';

export const IcmpField = Object.freeze({
  TYPE: 0,
  CODE: 1,
  CHECKSUM: 2,
  REST: 4,
  /** Echo and timestamp. */
  ID: 4,
  SEQ: 6,
  /** Redirect. */
  GATEWAY: 4,
  /** Parameter problem. */
  POINTER: 4,
  /** Destination unreachable, code 4 (fragmentation needed). */
  NEXT_HOP_MTU: 6,
} as const);
export const ICMP_HEADER_LEN = 8;

export const IcmpType = Object.freeze({
  ECHO_REPLY: 0,
  DEST_UNREACH: 3,
  SOURCE_QUENCH: 4,
  REDIRECT: 5,
  ECHO_REQUEST: 8,
  TIME_EXCEEDED: 11,
  PARAM_PROBLEM: 12,
  TIMESTAMP: 13,
  TIMESTAMP_REPLY: 14,
} as const);

export function icmpType(buf: Uint8Array, off: number): number {
  return buf[off + IcmpField.TYPE];
}
export function icmpCode(buf: Uint8Array, off: number): number {
  return buf[off + IcmpField.CODE];
}
export function icmpChecksum(buf: Uint8Array, off: number): number {
  return rd16(buf, off + IcmpField.CHECKSUM);
}
export function icmpRest(buf: Uint8Array, off: number): number {
  return rd32(buf, off + IcmpField.REST);
}
export function icmpEchoId(buf: Uint8Array, off: number): number {
  return rd16(buf, off + IcmpField.ID);
}
export function icmpEchoSeq(buf: Uint8Array, off: number): number {
  return rd16(buf, off + IcmpField.SEQ);
}
export function icmpGateway(buf: Uint8Array, off: number): number {
  return rd32(buf, off + IcmpField.GATEWAY);
}
export function icmpPointer(buf: Uint8Array, off: number): number {
  return buf[off + IcmpField.POINTER];
}
export function icmpNextHopMtu(buf: Uint8Array, off: number): number {
  return rd16(buf, off + IcmpField.NEXT_HOP_MTU);
}

export function setIcmpType(buf: Uint8Array, off: number, type: number): void {
  buf[off + IcmpField.TYPE] = type;
}
export function setIcmpCode(buf: Uint8Array, off: number, code: number): void {
  buf[off + IcmpField.CODE] = code;
}
export function setIcmpChecksum(buf: Uint8Array, off: number, csum: number): void {
  wr16(buf, off + IcmpField.CHECKSUM, csum);
}
export function setIcmpEchoId(buf: Uint8Array, off: number, id: number): void {
  wr16(buf, off + IcmpField.ID, id);
}

/** The types that quote an offending datagram. */
export function icmpIsError(type: number): boolean {
  return (
    type === IcmpType.DEST_UNREACH ||
    type === IcmpType.SOURCE_QUENCH ||
    type === IcmpType.REDIRECT ||
    type === IcmpType.TIME_EXCEEDED ||
    type === IcmpType.PARAM_PROBLEM
  );
}

/** Where an error's quoted IP header starts. */
export function icmpInnerOffset(off: number): number {
  return off + ICMP_HEADER_LEN;
}

/** Computes and stores the checksum over `buf[off..end)`, the whole message. */
export function fillIcmpChecksum(buf: Uint8Array, off: number, end: number): void {
  setIcmpChecksum(buf, off, 0);
  setIcmpChecksum(buf, off, internetChecksum(buf, off, end));
}

export function icmpChecksumOk(buf: Uint8Array, off: number, end: number): boolean {
  return internetChecksum(buf, off, end) === 0;
}

export function checkIcmp(buf: Uint8Array, off: number, end: number): StatusCode {
  return end - off < ICMP_HEADER_LEN ? Status.TRUNCATED : Status.OK;
}

/**
 * For an error message: checks the quoted IPv4 header at `icmpInnerOffset(off)` and the 8 payload bytes after it.
 * Its total length is not held against it (quotes are truncated by design). Returns that header's status with
 * PAYLOAD_TRUNCATED folded into OK, or TRUNCATED when the 8 bytes of ports are missing.
 */
export function checkIcmpError(buf: Uint8Array, off: number, end: number): StatusCode {
  if (end - off < ICMP_HEADER_LEN) return Status.TRUNCATED;
  const inner = icmpInnerOffset(off);
  const s = checkIpv4(buf, inner, end);
  if (s > Status.PAYLOAD_TRUNCATED) return s;
  return end - inner < ipv4HeaderLen(buf, inner) + 8 ? Status.TRUNCATED : Status.OK;
}

// ------------------------------------------------------------------------------------------------------------ Repr

export interface IcmpRepr {
  type: number;
  code: number;
  /** As on the wire; builders compute it over the whole message once the payload is in place. */
  checksum: number;
  /** Bytes 4..7: id << 16 | seq for echo, gateway, pointer << 24, or MTU in the low 16 bits. */
  rest: number;
}

export function parseIcmp(buf: Uint8Array, off: number, end: number): IcmpRepr | StatusCode {
  const s = checkIcmp(buf, off, end);
  if (s !== Status.OK) return s;
  return { type: icmpType(buf, off), code: icmpCode(buf, off), checksum: icmpChecksum(buf, off), rest: icmpRest(buf, off) };
}

export function emitIcmp(repr: IcmpRepr, buf: Uint8Array, off: number): number {
  buf[off + IcmpField.TYPE] = repr.type;
  buf[off + IcmpField.CODE] = repr.code;
  wr16(buf, off + IcmpField.CHECKSUM, repr.checksum);
  wr32(buf, off + IcmpField.REST, repr.rest);
  return ICMP_HEADER_LEN;
}

export function icmpLength(_repr: IcmpRepr): number {
  return ICMP_HEADER_LEN;
}
