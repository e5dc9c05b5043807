/**
 * VXLAN (RFC 7348) header.
 *
 * Eight bytes after a UDP header (port 4789): a flags byte whose I bit says the VNI is valid, 24 reserved bits, the
 * 24-bit VNI, and 8 more reserved bits. What follows is a complete inner Ethernet frame.
 *
 * Validation follows OVS's decap (netdev-native-tnl.c): the whole flags word must be exactly "I set, all else zero"
 * and the byte after the VNI must be zero, otherwise the packet is dropped as invalid rather than guessed at. That
 * strictness is what keeps GPE and other VXLAN variants, which reuse those bits, from being misread as plain VXLAN.
 */

import { rd32, wr32 } from './bytes.js';
import { Status, type StatusCode } from './status.js';

export const VxlanField = Object.freeze({ FLAGS: 0, VNI: 4 } as const);
export const VXLAN_HEADER_LEN = 8;
export const VXLAN_UDP_PORT = 4789;
/** The I flag in the first byte. */
export const VXLAN_FLAG_I = 0x08;

export function vxlanFlags(buf: Uint8Array, off: number): number {
  return buf[off + VxlanField.FLAGS];
}
export function vxlanVni(buf: Uint8Array, off: number): number {
  return rd32(buf, off + VxlanField.VNI) >>> 8;
}
/** Where the inner Ethernet frame starts. */
export function vxlanInnerOffset(off: number): number {
  return off + VXLAN_HEADER_LEN;
}

export function checkVxlan(buf: Uint8Array, off: number, end: number): StatusCode {
  if (end - off < VXLAN_HEADER_LEN) return Status.TRUNCATED;
  if (rd32(buf, off + VxlanField.FLAGS) !== VXLAN_FLAG_I << 24 || buf[off + VxlanField.VNI + 3] !== 0) {
    return Status.BAD_FLAGS;
  }
  return Status.OK;
}

// ------------------------------------------------------------------------------------------------------------ Repr

export interface VxlanRepr {
  /** The flags byte; VXLAN_FLAG_I for every valid packet. */
  flags: number;
  vni: number;
}

/** Decodes any complete header, even one `checkVxlan` rejects for its flags, so tools can show what was sent. */
export function parseVxlan(buf: Uint8Array, off: number, end: number): VxlanRepr | StatusCode {
  if (end - off < VXLAN_HEADER_LEN) return Status.TRUNCATED;
  return { flags: vxlanFlags(buf, off), vni: vxlanVni(buf, off) };
}

export function emitVxlan(repr: VxlanRepr, buf: Uint8Array, off: number): number {
  wr32(buf, off + VxlanField.FLAGS, (repr.flags & 0xff) << 24);
  wr32(buf, off + VxlanField.VNI, (repr.vni & 0xffffff) << 8);
  return VXLAN_HEADER_LEN;
}

export function vxlanLength(_repr: VxlanRepr): number {
  return VXLAN_HEADER_LEN;
}
