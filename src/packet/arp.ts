/**
 * ARP (RFC 826) for Ethernet and IPv4, the only combination a switch forwards on (RARP shares the format).
 *
 * The header declares its own address sizes, so a frame could carry any hardware/protocol pair. Like OVS we decode
 * only hardware type 1 / protocol 0x0800 with 6- and 4-byte addresses; anything else is `UNSUPPORTED`, which the flow
 * layer treats as an ARP frame with zeroed ARP fields rather than as garbage. Frames arrive padded to 60 bytes, so
 * the 28 ARP bytes are usually followed by 18 bytes of zeros that are not ours.
 */

import { copyBytes, rd16, rd32, sliceCopy, wr16, wr32 } from './bytes.js';
import { EthType } from './numbers.js';
import { Status, type StatusCode } from './status.js';

export const ArpField = Object.freeze({
  HTYPE: 0,
  PTYPE: 2,
  HLEN: 4,
  PLEN: 5,
  OP: 6,
  SHA: 8,
  SPA: 14,
  THA: 18,
  TPA: 24,
} as const);
/** Length of an Ethernet/IPv4 ARP packet. */
export const ARP_LEN = 28;
/** The part that says what the rest looks like. */
export const ARP_FIXED_LEN = 8;
export const ARP_HTYPE_ETHERNET = 1;

export const ArpOp = Object.freeze({ REQUEST: 1, REPLY: 2, RARP_REQUEST: 3, RARP_REPLY: 4 } as const);

export function arpHtype(buf: Uint8Array, off: number): number {
  return rd16(buf, off + ArpField.HTYPE);
}
export function arpPtype(buf: Uint8Array, off: number): number {
  return rd16(buf, off + ArpField.PTYPE);
}
export function arpOp(buf: Uint8Array, off: number): number {
  return rd16(buf, off + ArpField.OP);
}
export function arpShaHi(buf: Uint8Array, off: number): number {
  return rd16(buf, off + ArpField.SHA);
}
export function arpShaLo(buf: Uint8Array, off: number): number {
  return rd32(buf, off + ArpField.SHA + 2);
}
export function arpSpa(buf: Uint8Array, off: number): number {
  return rd32(buf, off + ArpField.SPA);
}
export function arpThaHi(buf: Uint8Array, off: number): number {
  return rd16(buf, off + ArpField.THA);
}
export function arpThaLo(buf: Uint8Array, off: number): number {
  return rd32(buf, off + ArpField.THA + 2);
}
export function arpTpa(buf: Uint8Array, off: number): number {
  return rd32(buf, off + ArpField.TPA);
}

export function setArpOp(buf: Uint8Array, off: number, op: number): void {
  wr16(buf, off + ArpField.OP, op);
}
export function setArpSha(buf: Uint8Array, off: number, mac: Uint8Array, macOff = 0): void {
  copyBytes(mac, macOff, buf, off + ArpField.SHA, 6);
}
export function setArpSpa(buf: Uint8Array, off: number, addr: number): void {
  wr32(buf, off + ArpField.SPA, addr);
}
export function setArpTha(buf: Uint8Array, off: number, mac: Uint8Array, macOff = 0): void {
  copyBytes(mac, macOff, buf, off + ArpField.THA, 6);
}
export function setArpTpa(buf: Uint8Array, off: number, addr: number): void {
  wr32(buf, off + ArpField.TPA, addr);
}

/** OK only for a complete Ethernet/IPv4 ARP packet; after it every accessor above is in bounds. */
export function checkArp(buf: Uint8Array, off: number, end: number): StatusCode {
  if (end - off < ARP_FIXED_LEN) return Status.TRUNCATED;
  if (
    arpHtype(buf, off) !== ARP_HTYPE_ETHERNET ||
    arpPtype(buf, off) !== EthType.IPV4 ||
    buf[off + ArpField.HLEN] !== 6 ||
    buf[off + ArpField.PLEN] !== 4
  ) {
    return Status.UNSUPPORTED;
  }
  return end - off < ARP_LEN ? Status.TRUNCATED : Status.OK;
}

// ------------------------------------------------------------------------------------------------------------ Repr

export interface ArpRepr {
  op: number;
  sha: Uint8Array;
  spa: number;
  tha: Uint8Array;
  tpa: number;
}

export function parseArp(buf: Uint8Array, off: number, end: number): ArpRepr | StatusCode {
  const s = checkArp(buf, off, end);
  if (s !== Status.OK) return s;
  return {
    op: arpOp(buf, off),
    sha: sliceCopy(buf, off + ArpField.SHA, off + ArpField.SHA + 6),
    spa: arpSpa(buf, off),
    tha: sliceCopy(buf, off + ArpField.THA, off + ArpField.THA + 6),
    tpa: arpTpa(buf, off),
  };
}

export function emitArp(repr: ArpRepr, buf: Uint8Array, off: number): number {
  wr16(buf, off + ArpField.HTYPE, ARP_HTYPE_ETHERNET);
  wr16(buf, off + ArpField.PTYPE, EthType.IPV4);
  buf[off + ArpField.HLEN] = 6;
  buf[off + ArpField.PLEN] = 4;
  setArpOp(buf, off, repr.op);
  setArpSha(buf, off, repr.sha);
  setArpSpa(buf, off, repr.spa);
  setArpTha(buf, off, repr.tha);
  setArpTpa(buf, off, repr.tpa);
  return ARP_LEN;
}

export function arpLength(_repr: ArpRepr): number {
  return ARP_LEN;
}
