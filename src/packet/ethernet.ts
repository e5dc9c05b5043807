/**
 * Ethernet II frames, and the walk over VLAN tags to the frame's real EtherType.
 *
 * What the datapath needs from L2 is: the two addresses (as a 16-bit high part and a 32-bit low part, so that they
 * drop into the 32-bit flow-key words without building a 6-byte array), the stack of VLAN tags, and the EtherType
 * and offset of the L3 header. `ethWalk` gets all of that in one pass into a caller-owned `EthLayout`, which a
 * batch reuses for every packet.
 *
 * 802.3 frames. A value below 0x0600 in the EtherType position is a length, and the payload starts with an LLC
 * header. OVS gives such frames dl_type 0x05ff ("no type") unless the LLC is SNAP with a zero OUI, in which case the
 * SNAP type is the EtherType (`ethLlcSnapType`). The walk reports the raw value; the flow layer applies that rule.
 *
 * Frames are not padded or unpadded here: a 60-byte minimum frame carries trailing zeros that belong to no layer,
 * and the IP layers trim them with their own length fields (`ipv4PayloadEnd`).
 */

import { copyBytes, rd16, rd32, sliceCopy, wr16 } from './bytes.js';
import { EthType } from './numbers.js';
import { Status, type StatusCode } from './status.js';
import { emitVlan, isVlanTpid, VLAN_TAG_LEN, type VlanRepr } from './vlan.js';

export const EthField = Object.freeze({ DST: 0, SRC: 6, TYPE: 12, PAYLOAD: 14 } as const);
export const ETH_HEADER_LEN = 14;
export const ETH_ADDR_LEN = 6;
/** Minimum frame without FCS; shorter frames are padded on the wire. */
export const ETH_MIN_FRAME_LEN = 60;

// ------------------------------------------------------------------------------------------------------- accessors

/** High 16 bits of the destination MAC. */
export function ethDstHi(buf: Uint8Array, off: number): number {
  return rd16(buf, off + EthField.DST);
}
/** Low 32 bits of the destination MAC. */
export function ethDstLo(buf: Uint8Array, off: number): number {
  return rd32(buf, off + EthField.DST + 2);
}
export function ethSrcHi(buf: Uint8Array, off: number): number {
  return rd16(buf, off + EthField.SRC);
}
export function ethSrcLo(buf: Uint8Array, off: number): number {
  return rd32(buf, off + EthField.SRC + 2);
}
/** The 16 bits after the addresses: an EtherType, a VLAN TPID, or an 802.3 length. */
export function ethType(buf: Uint8Array, off: number): number {
  return rd16(buf, off + EthField.TYPE);
}
/** Group bit of the destination: broadcast and multicast. */
export function ethIsMulticast(buf: Uint8Array, off: number): boolean {
  return (buf[off + EthField.DST] & 1) !== 0;
}

export function setEthDst(buf: Uint8Array, off: number, mac: Uint8Array, macOff = 0): void {
  copyBytes(mac, macOff, buf, off + EthField.DST, ETH_ADDR_LEN);
}
export function setEthSrc(buf: Uint8Array, off: number, mac: Uint8Array, macOff = 0): void {
  copyBytes(mac, macOff, buf, off + EthField.SRC, ETH_ADDR_LEN);
}
export function setEthType(buf: Uint8Array, off: number, type: number): void {
  wr16(buf, off + EthField.TYPE, type);
}

export function checkEthernet(buf: Uint8Array, off: number, end: number): StatusCode {
  return end - off < ETH_HEADER_LEN ? Status.TRUNCATED : Status.OK;
}

/** True for an 802.3 length in the EtherType position. */
export function ethIsLength(type: number): boolean {
  return type < EthType.MIN;
}

/**
 * The EtherType carried by an 802.2 LLC + SNAP header at `llcOff` (AA AA 03, OUI 00 00 00), or -1 if the payload is
 * plain LLC, a non-zero OUI, or too short.
 */
export function ethLlcSnapType(buf: Uint8Array, llcOff: number, end: number): number {
  if (end - llcOff < 8) return -1;
  if (buf[llcOff] !== 0xaa || buf[llcOff + 1] !== 0xaa || buf[llcOff + 2] !== 0x03) return -1;
  if (buf[llcOff + 3] !== 0 || buf[llcOff + 4] !== 0 || buf[llcOff + 5] !== 0) return -1;
  return rd16(buf, llcOff + 6);
}

// ------------------------------------------------------------------------------------------------------ tag walker

/** Filled by `ethWalk`; allocate one per batch or worker and reuse it. */
export class EthLayout {
  /** VLAN tags seen, outermost first; tag i starts at `off + 12 + 4*i`. */
  tags = 0;
  /** The EtherType (or 802.3 length) after the last tag. */
  ethertype = 0;
  /** Where the L3 header (or LLC) starts. */
  l3Offset = 0;
}

/** Tags beyond this depth are left in the payload; no real network stacks more, and it bounds the loop. */
export const ETH_MAX_TAGS = 8;

/**
 * Walks the Ethernet header and any VLAN tags. On TRUNCATED, `tags` counts the complete tags found and `ethertype`
 * is 0; the addresses are readable whenever 12 bytes are there.
 */
export function ethWalk(buf: Uint8Array, off: number, end: number, out: EthLayout): StatusCode {
  out.tags = 0;
  out.ethertype = 0;
  out.l3Offset = off + EthField.TYPE;
  if (end - off < ETH_HEADER_LEN) return Status.TRUNCATED;
  let p = off + EthField.TYPE;
  let type = rd16(buf, p);
  while (isVlanTpid(type) && out.tags < ETH_MAX_TAGS) {
    // The tag and the 2-byte type after it must both be there.
    if (end - p < VLAN_TAG_LEN + 2) {
      out.l3Offset = p;
      return Status.TRUNCATED;
    }
    out.tags++;
    p += VLAN_TAG_LEN;
    type = rd16(buf, p);
  }
  out.ethertype = type;
  out.l3Offset = p + 2;
  return Status.OK;
}

// ------------------------------------------------------------------------------------------------------------ Repr

/**
 * The whole L2 header as OVS's flow sees it: addresses, the VLAN tags in wire order (outermost first), and the
 * EtherType after the last tag. Keeping the tags inside the Ethernet Repr avoids two codecs fighting over the
 * EtherType position (a tag's TPID *is* that field).
 */
export interface EthernetRepr {
  dst: Uint8Array;
  src: Uint8Array;
  vlans: VlanRepr[];
  ethertype: number;
}

export function parseEthernet(buf: Uint8Array, off: number, end: number): EthernetRepr | StatusCode {
  if (end - off < ETH_HEADER_LEN) return Status.TRUNCATED;
  const vlans: VlanRepr[] = [];
  let p = off + EthField.TYPE;
  while (isVlanTpid(rd16(buf, p)) && vlans.length < ETH_MAX_TAGS) {
    if (end - p < VLAN_TAG_LEN + 2) return Status.TRUNCATED;
    vlans.push({ tpid: rd16(buf, p), tci: rd16(buf, p + 2) });
    p += VLAN_TAG_LEN;
  }
  return {
    dst: sliceCopy(buf, off + EthField.DST, off + EthField.DST + ETH_ADDR_LEN),
    src: sliceCopy(buf, off + EthField.SRC, off + EthField.SRC + ETH_ADDR_LEN),
    vlans,
    ethertype: rd16(buf, p),
  };
}

export function emitEthernet(repr: EthernetRepr, buf: Uint8Array, off: number): number {
  setEthDst(buf, off, repr.dst);
  setEthSrc(buf, off, repr.src);
  let p = off + EthField.TYPE;
  for (const tag of repr.vlans) p += emitVlan(tag, buf, p);
  wr16(buf, p, repr.ethertype);
  return p + 2 - off;
}

export function ethernetLength(repr: EthernetRepr): number {
  return ETH_HEADER_LEN + VLAN_TAG_LEN * repr.vlans.length;
}
