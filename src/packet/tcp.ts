/**
 * TCP (RFC 9293) header.
 *
 * The datapath reads ports and flags (OVS's tcp_flags is the low 12 bits of the offset/flags word: the 9 defined
 * flags plus 3 reserved bits, so odd flag combinations stay visible to matching). Conntrack also reads sequence and
 * acknowledgement numbers and the window. Options are not decoded: the header length from the data offset steps over
 * them, and the Repr keeps them as raw bytes so a header re-emits unchanged.
 *
 * The data offset is the one thing to distrust: below 5 the header would overlap itself (BAD_HEADER_LEN), and a
 * snaplen can cut the options off (TRUNCATED; the fixed 20 bytes may still be there, and OVS, too, then extracts no
 * L4 fields).
 */

import { copyBytes, rd16, rd32, sliceCopy, wr16, wr32 } from './bytes.js';
import { l4Checksum, pseudoSum } from './checksum.js';
import { IpProto } from './numbers.js';
import { Status, type StatusCode } from './status.js';

export const TcpField = Object.freeze({
  SRC_PORT: 0,
  DST_PORT: 2,
  SEQ: 4,
  ACK: 8,
  /** Data offset (high nibble), 3 reserved bits and NS. */
  OFFSET_FLAGS: 12,
  FLAGS: 13,
  WINDOW: 14,
  CHECKSUM: 16,
  URGENT: 18,
  OPTIONS: 20,
} as const);
export const TCP_MIN_HEADER_LEN = 20;
export const TCP_MAX_HEADER_LEN = 60;

export const TcpFlag = Object.freeze({
  FIN: 0x001,
  SYN: 0x002,
  RST: 0x004,
  PSH: 0x008,
  ACK: 0x010,
  URG: 0x020,
  ECE: 0x040,
  CWR: 0x080,
  NS: 0x100,
} as const);
/** The 12 bits OVS matches as tcp_flags. */
export const TCP_FLAGS_MASK = 0x0fff;

export function tcpSrcPort(buf: Uint8Array, off: number): number {
  return rd16(buf, off + TcpField.SRC_PORT);
}
export function tcpDstPort(buf: Uint8Array, off: number): number {
  return rd16(buf, off + TcpField.DST_PORT);
}
export function tcpSeq(buf: Uint8Array, off: number): number {
  return rd32(buf, off + TcpField.SEQ);
}
export function tcpAck(buf: Uint8Array, off: number): number {
  return rd32(buf, off + TcpField.ACK);
}
/** Header length in bytes (data offset * 4). */
export function tcpHeaderLen(buf: Uint8Array, off: number): number {
  return (buf[off + TcpField.OFFSET_FLAGS] >>> 4) << 2;
}
export function tcpFlags(buf: Uint8Array, off: number): number {
  return rd16(buf, off + TcpField.OFFSET_FLAGS) & TCP_FLAGS_MASK;
}
export function tcpWindow(buf: Uint8Array, off: number): number {
  return rd16(buf, off + TcpField.WINDOW);
}
export function tcpChecksum(buf: Uint8Array, off: number): number {
  return rd16(buf, off + TcpField.CHECKSUM);
}
export function tcpUrgent(buf: Uint8Array, off: number): number {
  return rd16(buf, off + TcpField.URGENT);
}

export function setTcpSrcPort(buf: Uint8Array, off: number, port: number): void {
  wr16(buf, off + TcpField.SRC_PORT, port);
}
export function setTcpDstPort(buf: Uint8Array, off: number, port: number): void {
  wr16(buf, off + TcpField.DST_PORT, port);
}
export function setTcpChecksum(buf: Uint8Array, off: number, csum: number): void {
  wr16(buf, off + TcpField.CHECKSUM, csum);
}

/** Computes and stores the checksum of the segment `buf[off..end)` in the IP header at `ipOff` (v4 or v6). */
export function fillTcpChecksum(buf: Uint8Array, ipOff: number, off: number, end: number): void {
  setTcpChecksum(buf, off, 0);
  setTcpChecksum(buf, off, l4Checksum(pseudoSum(buf, ipOff, IpProto.TCP, end - off), buf, off, end));
}

export function tcpChecksumOk(buf: Uint8Array, ipOff: number, off: number, end: number): boolean {
  return l4Checksum(pseudoSum(buf, ipOff, IpProto.TCP, end - off), buf, off, end) === 0;
}

export function checkTcp(buf: Uint8Array, off: number, end: number): StatusCode {
  const avail = end - off;
  if (avail < TCP_MIN_HEADER_LEN) return Status.TRUNCATED;
  const hlen = tcpHeaderLen(buf, off);
  if (hlen < TCP_MIN_HEADER_LEN) return Status.BAD_HEADER_LEN;
  return avail < hlen ? Status.TRUNCATED : Status.OK;
}

// ------------------------------------------------------------------------------------------------------------ Repr

export interface TcpRepr {
  srcPort: number;
  dstPort: number;
  seq: number;
  ack: number;
  /** The 12 bits of TCP_FLAGS_MASK. */
  flags: number;
  window: number;
  checksum: number;
  urgent: number;
  /** Raw option bytes; emit pads with zeros (End of Option List) to a multiple of 4. */
  options: Uint8Array;
}

export function parseTcp(buf: Uint8Array, off: number, end: number): TcpRepr | StatusCode {
  const s = checkTcp(buf, off, end);
  if (s !== Status.OK) return s;
  return {
    srcPort: tcpSrcPort(buf, off),
    dstPort: tcpDstPort(buf, off),
    seq: tcpSeq(buf, off),
    ack: tcpAck(buf, off),
    flags: tcpFlags(buf, off),
    window: tcpWindow(buf, off),
    checksum: tcpChecksum(buf, off),
    urgent: tcpUrgent(buf, off),
    options: sliceCopy(buf, off + TCP_MIN_HEADER_LEN, off + tcpHeaderLen(buf, off)),
  };
}

export function emitTcp(repr: TcpRepr, buf: Uint8Array, off: number): number {
  const hlen = tcpLength(repr);
  wr16(buf, off + TcpField.SRC_PORT, repr.srcPort);
  wr16(buf, off + TcpField.DST_PORT, repr.dstPort);
  wr32(buf, off + TcpField.SEQ, repr.seq);
  wr32(buf, off + TcpField.ACK, repr.ack);
  wr16(buf, off + TcpField.OFFSET_FLAGS, ((hlen >>> 2) << 12) | (repr.flags & TCP_FLAGS_MASK));
  wr16(buf, off + TcpField.WINDOW, repr.window);
  wr16(buf, off + TcpField.CHECKSUM, repr.checksum);
  wr16(buf, off + TcpField.URGENT, repr.urgent);
  copyBytes(repr.options, 0, buf, off + TCP_MIN_HEADER_LEN, repr.options.length);
  for (let p = off + TCP_MIN_HEADER_LEN + repr.options.length; p < off + hlen; p++) buf[p] = 0;
  return hlen;
}

export function tcpLength(repr: TcpRepr): number {
  return TCP_MIN_HEADER_LEN + ((repr.options.length + 3) & ~3);
}

/** "SA" -> SYN|ACK. Letters as tcpdump prints them: F S R P A U E W(CWR) N(NS); '.' is ACK as in tcpdump. */
export function tcpFlagsFromString(text: string): number {
  let f = 0;
  for (const c of text) {
    const bit = FLAG_LETTERS[c.toUpperCase()];
    if (bit === undefined) throw new Error(`invalid TCP flag letter "${c}" in "${text}" (use F S R P A U E W N .)`);
    f |= bit;
  }
  return f;
}

const FLAG_LETTERS: Record<string, number> = {
  F: TcpFlag.FIN,
  S: TcpFlag.SYN,
  R: TcpFlag.RST,
  P: TcpFlag.PSH,
  A: TcpFlag.ACK,
  '.': TcpFlag.ACK,
  U: TcpFlag.URG,
  E: TcpFlag.ECE,
  W: TcpFlag.CWR,
  N: TcpFlag.NS,
};
