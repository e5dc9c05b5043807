/**
 * SCTP (RFC 9260) common header.
 *
 * Twelve bytes: ports, a verification tag, and a checksum that is not the Internet checksum but CRC32c (RFC 3309)
 * over the whole packet with the checksum field taken as zero, and no pseudo-header. The CRC is stored in
 * little-endian byte order: RFC 9260 appendix A defines the bit order so that implementations write the reflected
 * CRC's low byte first, which is what Linux (`cpu_to_le32`) and every capture show. `sctpChecksum` returns the value
 * as the number a CRC function produces, so comparing with `crc32c()` needs no byte swapping.
 *
 * Chunks follow the common header; the datapath does not look into them (OVS matches SCTP on ports only), but the
 * chunk header layout is here for tests and tools.
 *
 * Rewriting a port means recomputing the CRC over the whole packet: CRC32c has no cheap RFC 1624 analogue that is
 * worth the complexity here.
 */

import { rd16, rd32, wr16, wr32 } from './bytes.js';
import { crc32c } from './checksum.js';
import { Status, type StatusCode } from './status.js';

export const SctpField = Object.freeze({ SRC_PORT: 0, DST_PORT: 2, VERIFICATION_TAG: 4, CHECKSUM: 8, CHUNKS: 12 } as const);
export const SCTP_HEADER_LEN = 12;

/** Relative to a chunk's start. */
export const SctpChunkField = Object.freeze({ TYPE: 0, FLAGS: 1, LENGTH: 2, VALUE: 4 } as const);
export const SctpChunkType = Object.freeze({
  DATA: 0,
  INIT: 1,
  INIT_ACK: 2,
  SACK: 3,
  HEARTBEAT: 4,
  HEARTBEAT_ACK: 5,
  ABORT: 6,
  SHUTDOWN: 7,
  SHUTDOWN_ACK: 8,
  ERROR: 9,
  COOKIE_ECHO: 10,
  COOKIE_ACK: 11,
  SHUTDOWN_COMPLETE: 14,
} as const);

const ZERO4 = new Uint8Array(4);

export function sctpSrcPort(buf: Uint8Array, off: number): number {
  return rd16(buf, off + SctpField.SRC_PORT);
}
export function sctpDstPort(buf: Uint8Array, off: number): number {
  return rd16(buf, off + SctpField.DST_PORT);
}
export function sctpVerificationTag(buf: Uint8Array, off: number): number {
  return rd32(buf, off + SctpField.VERIFICATION_TAG);
}
/** The stored CRC32c, decoded from its little-endian wire order. */
export function sctpChecksum(buf: Uint8Array, off: number): number {
  const o = off + SctpField.CHECKSUM;
  return (buf[o] | (buf[o + 1] << 8) | (buf[o + 2] << 16) | (buf[o + 3] << 24)) >>> 0;
}
/** Type of the first chunk, if the caller has checked 13 bytes are there. */
export function sctpFirstChunkType(buf: Uint8Array, off: number): number {
  return buf[off + SCTP_HEADER_LEN + SctpChunkField.TYPE];
}

export function setSctpSrcPort(buf: Uint8Array, off: number, port: number): void {
  wr16(buf, off + SctpField.SRC_PORT, port);
}
export function setSctpDstPort(buf: Uint8Array, off: number, port: number): void {
  wr16(buf, off + SctpField.DST_PORT, port);
}
export function setSctpChecksum(buf: Uint8Array, off: number, crc: number): void {
  const o = off + SctpField.CHECKSUM;
  buf[o] = crc;
  buf[o + 1] = crc >>> 8;
  buf[o + 2] = crc >>> 16;
  buf[o + 3] = crc >>> 24;
}

/** CRC32c of the packet `buf[off..end)` with the checksum field read as zero; the packet is not modified. */
export function sctpComputeChecksum(buf: Uint8Array, off: number, end: number): number {
  let crc = crc32c(buf, off, off + SctpField.CHECKSUM);
  crc = crc32c(ZERO4, 0, 4, crc);
  return crc32c(buf, off + SCTP_HEADER_LEN, end, crc);
}

export function fillSctpChecksum(buf: Uint8Array, off: number, end: number): void {
  setSctpChecksum(buf, off, sctpComputeChecksum(buf, off, end));
}

export function sctpChecksumOk(buf: Uint8Array, off: number, end: number): boolean {
  return sctpComputeChecksum(buf, off, end) === sctpChecksum(buf, off);
}

export function checkSctp(buf: Uint8Array, off: number, end: number): StatusCode {
  return end - off < SCTP_HEADER_LEN ? Status.TRUNCATED : Status.OK;
}

// ------------------------------------------------------------------------------------------------------------ Repr

export interface SctpRepr {
  srcPort: number;
  dstPort: number;
  verificationTag: number;
  /** The CRC32c as a number (wire order handled by emit/parse). */
  checksum: number;
}

export function parseSctp(buf: Uint8Array, off: number, end: number): SctpRepr | StatusCode {
  const s = checkSctp(buf, off, end);
  if (s !== Status.OK) return s;
  return {
    srcPort: sctpSrcPort(buf, off),
    dstPort: sctpDstPort(buf, off),
    verificationTag: sctpVerificationTag(buf, off),
    checksum: sctpChecksum(buf, off),
  };
}

export function emitSctp(repr: SctpRepr, buf: Uint8Array, off: number): number {
  wr16(buf, off + SctpField.SRC_PORT, repr.srcPort);
  wr16(buf, off + SctpField.DST_PORT, repr.dstPort);
  wr32(buf, off + SctpField.VERIFICATION_TAG, repr.verificationTag);
  setSctpChecksum(buf, off, repr.checksum);
  return SCTP_HEADER_LEN;
}

export function sctpLength(_repr: SctpRepr): number {
  return SCTP_HEADER_LEN;
}
