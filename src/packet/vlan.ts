/**
 * 802.1Q and 802.1ad VLAN tags.
 *
 * A tag is four bytes that sit where the EtherType would be: a TPID (0x8100 customer tag, 0x88a8 service tag) and a
 * TCI (3-bit priority, 1-bit drop-eligible, 12-bit VLAN id). The frame's real EtherType follows the last tag. QinQ
 * stacks an 0x88a8 tag over an 0x8100 one, but captures show every combination (two 0x8100 tags, three tags), so
 * the walker in ethernet.ts accepts either TPID at any depth and leaves policy to the flow layer, which (like OVS)
 * keeps at most two.
 *
 * Offsets here are relative to the tag itself (`tagOff`, where its TPID is), as in OVS's `struct vlan_header`, so the
 * same accessors read the first tag at frame offset 12 and the second at 16, and push_vlan writes exactly one
 * `VlanRepr`. The Ethernet Repr holds the tag list; this codec exists for tag-at-a-time work.
 */

import { rd16, wr16 } from './bytes.js';
import { EthType } from './numbers.js';
import { Status, type StatusCode } from './status.js';

export const VlanField = Object.freeze({ TPID: 0, TCI: 2 } as const);
export const VLAN_TAG_LEN = 4;

export const VLAN_PCP_SHIFT = 13;
export const VLAN_DEI = 0x1000;
export const VLAN_VID_MASK = 0x0fff;

export function isVlanTpid(type: number): boolean {
  return type === EthType.VLAN || type === EthType.QINQ;
}

export function vlanTpid(buf: Uint8Array, tagOff: number): number {
  return rd16(buf, tagOff + VlanField.TPID);
}

export function vlanTci(buf: Uint8Array, tagOff: number): number {
  return rd16(buf, tagOff + VlanField.TCI);
}

export function vlanVid(buf: Uint8Array, tagOff: number): number {
  return vlanTci(buf, tagOff) & VLAN_VID_MASK;
}

export function vlanPcp(buf: Uint8Array, tagOff: number): number {
  return buf[tagOff + VlanField.TCI] >>> 5;
}

export function vlanDei(buf: Uint8Array, tagOff: number): boolean {
  return (buf[tagOff + VlanField.TCI] & 0x10) !== 0;
}

export function setVlanTci(buf: Uint8Array, tagOff: number, tci: number): void {
  wr16(buf, tagOff + VlanField.TCI, tci);
}

export function makeTci(pcp: number, dei: boolean, vid: number): number {
  return ((pcp & 7) << VLAN_PCP_SHIFT) | (dei ? VLAN_DEI : 0) | (vid & VLAN_VID_MASK);
}

/** Whether a whole tag is present. The TPID value is the caller's business: it decided this is a tag. */
export function checkVlan(buf: Uint8Array, tagOff: number, end: number): StatusCode {
  return end - tagOff < VLAN_TAG_LEN ? Status.TRUNCATED : Status.OK;
}

// ------------------------------------------------------------------------------------------------------------ Repr

export interface VlanRepr {
  tpid: number;
  tci: number;
}

export function parseVlan(buf: Uint8Array, off: number, end: number): VlanRepr | StatusCode {
  const s = checkVlan(buf, off, end);
  if (s !== Status.OK) return s;
  return { tpid: vlanTpid(buf, off), tci: vlanTci(buf, off) };
}

export function emitVlan(repr: VlanRepr, buf: Uint8Array, off: number): number {
  wr16(buf, off + VlanField.TPID, repr.tpid);
  wr16(buf, off + VlanField.TCI, repr.tci);
  return VLAN_TAG_LEN;
}

export function vlanLength(_repr: VlanRepr): number {
  return VLAN_TAG_LEN;
}
