/**
 * UDP (RFC 768).
 *
 * Eight bytes: ports, a length that covers header and data, and a checksum over an IP pseudo-header. Over IPv4 a
 * checksum of 0 means "not computed" (VXLAN senders commonly do this), so a computed 0 is sent as 0xffff; over IPv6
 * a checksum is mandatory (RFC 8200 section 8.1). A datapath rewriting ports must keep 0 as 0: the incremental update
 * must be skipped, not applied, when the stored checksum is 0.
 *
 * The UDP length is a third opinion on the datagram size (after the IP length and the capture). Below 8 it is
 * BAD_LENGTH; past the captured bytes it is PAYLOAD_TRUNCATED.
 */

import { rd16, wr16 } from './bytes.js';
import { l4Checksum, pseudoSum, udpChecksumValue } from './checksum.js';
import { IpProto } from './numbers.js';
import { Status, type StatusCode } from './status.js';

export const UdpField = Object.freeze({ SRC_PORT: 0, DST_PORT: 2, LENGTH: 4, CHECKSUM: 6 } as const);
export const UDP_HEADER_LEN = 8;

export function udpSrcPort(buf: Uint8Array, off: number): number {
  return rd16(buf, off + UdpField.SRC_PORT);
}
export function udpDstPort(buf: Uint8Array, off: number): number {
  return rd16(buf, off + UdpField.DST_PORT);
}
/** The length field: header plus data, in bytes. */
export function udpDatagramLen(buf: Uint8Array, off: number): number {
  return rd16(buf, off + UdpField.LENGTH);
}
export function udpChecksum(buf: Uint8Array, off: number): number {
  return rd16(buf, off + UdpField.CHECKSUM);
}

export function setUdpSrcPort(buf: Uint8Array, off: number, port: number): void {
  wr16(buf, off + UdpField.SRC_PORT, port);
}
export function setUdpDstPort(buf: Uint8Array, off: number, port: number): void {
  wr16(buf, off + UdpField.DST_PORT, port);
}
export function setUdpChecksum(buf: Uint8Array, off: number, csum: number): void {
  wr16(buf, off + UdpField.CHECKSUM, csum);
}

/** Computes and stores the checksum of the datagram `buf[off..end)` in the IP header at `ipOff` (never 0). */
export function fillUdpChecksum(buf: Uint8Array, ipOff: number, off: number, end: number): void {
  setUdpChecksum(buf, off, 0);
  setUdpChecksum(buf, off, udpChecksumValue(l4Checksum(pseudoSum(buf, ipOff, IpProto.UDP, end - off), buf, off, end)));
}

/** True if the checksum verifies, or is 0 ("none", legal over IPv4 only; the caller knows the IP version). */
export function udpChecksumOk(buf: Uint8Array, ipOff: number, off: number, end: number): boolean {
  if (udpChecksum(buf, off) === 0) return true;
  return l4Checksum(pseudoSum(buf, ipOff, IpProto.UDP, end - off), buf, off, end) === 0;
}

export function checkUdp(buf: Uint8Array, off: number, end: number): StatusCode {
  const avail = end - off;
  if (avail < UDP_HEADER_LEN) return Status.TRUNCATED;
  const len = udpDatagramLen(buf, off);
  if (len < UDP_HEADER_LEN) return Status.BAD_LENGTH;
  return len > avail ? Status.PAYLOAD_TRUNCATED : Status.OK;
}

/** End of the UDP data: the UDP length, clamped to what was captured. */
export function udpPayloadEnd(buf: Uint8Array, off: number, end: number): number {
  const e = off + udpDatagramLen(buf, off);
  return e < end ? e : end;
}

// ------------------------------------------------------------------------------------------------------------ Repr

export interface UdpRepr {
  srcPort: number;
  dstPort: number;
  checksum: number;
  /** The length field minus the 8 header bytes. */
  payloadLength: number;
}

export function parseUdp(buf: Uint8Array, off: number, end: number): UdpRepr | StatusCode {
  const s = checkUdp(buf, off, end);
  if (s > Status.PAYLOAD_TRUNCATED) return s;
  return {
    srcPort: udpSrcPort(buf, off),
    dstPort: udpDstPort(buf, off),
    checksum: udpChecksum(buf, off),
    payloadLength: udpDatagramLen(buf, off) - UDP_HEADER_LEN,
  };
}

export function emitUdp(repr: UdpRepr, buf: Uint8Array, off: number): number {
  wr16(buf, off + UdpField.SRC_PORT, repr.srcPort);
  wr16(buf, off + UdpField.DST_PORT, repr.dstPort);
  wr16(buf, off + UdpField.LENGTH, UDP_HEADER_LEN + repr.payloadLength);
  wr16(buf, off + UdpField.CHECKSUM, repr.checksum);
  return UDP_HEADER_LEN;
}

export function udpLength(_repr: UdpRepr): number {
  return UDP_HEADER_LEN;
}
