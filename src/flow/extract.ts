/**
 * Extract: packet bytes to flow key, exactly as Open vSwitch 3.1's miniflow_extract() does it.
 *
 * What? Every packet the datapath receives is reduced to a `FlowKey` before any cache lookup. The key is what the
 * megaflow cache hashes and what the OpenFlow pipeline matches, so two implementations that disagree on one bit of it
 * forward differently. The reference is OVS's lib/flow.c (miniflow_extract, parse_vlan, parse_ethertype,
 * ipv4_sanity_check, parse_ipv6_ext_hdrs__, parse_icmpv6), quirks included: where OVS gives up on a header it
 * leaves the fields it had not yet written at zero, and it never rejects a packet. We do the same, and in addition
 * return a status code saying where and why we stopped, which the datapath counts as a reason (it does not drop on
 * it: OVS forwards such packets with the partial key).
 *
 * The walk, and what each step leaves behind when the bytes run out or lie:
 *
 *   Ethernet   fewer than 14 bytes: nothing at all, not even dl_type (TRUNCATED_L2).
 *   VLAN       vlan-limit=1, ovs-vswitchd's default: one 0x8100/0x88a8 tag goes into vlan_tci with VLAN_CFI set (so
 *              the DEI bit, which shares that position, is invisible). A second tag's TPID becomes dl_type and
 *              nothing after it is parsed. A tag without 4+2 bytes behind its TPID is not a tag: its TPID is the
 *              dl_type (TRUNCATED_VLAN).
 *   802.3      a length in the type position gives dl_type 0x05ff (FLOW_DL_TYPE_NONE), unless an LLC/SNAP header
 *              with OUI 0 carries a real EtherType, which then becomes dl_type and L3 starts after the SNAP header.
 *   MPLS       the label stack is skipped to find L3 (the key has no mpls_lse words); no L3 fields are extracted
 *              beyond it, as OVS extracts none.
 *   ARP/RARP   only Ethernet/IPv4 ARP (htype 1, ptype 0x0800, hlen 6, plen 4, 28 bytes) fills spa/tpa/sha/tha;
 *              arp_op goes into nw_proto only when it fits in 8 bits.
 *   IPv4       OVS's sanity check (20 <= IHL*4 <= total length <= captured bytes): on failure dl_type stays 0x0800
 *              and every nw_ and tp_ field stays zero. Bytes beyond the total length are Ethernet padding (l2Pad)
 *              and never parsed. Options are skipped. nw_tos is the whole byte (DSCP and ECN). A fragment gets
 *              FRAG_ANY (MF set or offset non-zero, DF ignored), a non-first one also FRAG_LATER and no L4 fields.
 *   IPv6       payload length must fit the captured bytes. Extension headers hop-by-hop, routing, destination
 *              options (len+1)*8, AH (len+2)*4 and fragment (8) are stepped over, each needing 8 bytes present; one
 *              that does not fit leaves only ipv6_src/ipv6_dst in the key (OVS had pushed them already), no
 *              nw_proto/tos/ttl/frag and no label. A fragment header with a non-zero offset/flags word gives
 *              FRAG_ANY; a non-zero offset also FRAG_LATER and nw_proto 44 (IPPROTO_FRAGMENT), with L4 after it.
 *   TCP        ports and 12 flag bits (NS included) only when 20 bytes and the whole data-offset header are there;
 *              otherwise tp_src/tp_dst/tcp_flags stay 0.
 *   UDP 8, SCTP 12, ICMP 8, IGMP 8 bytes are needed for ports, or type/code in tp_src/tp_dst. The same L4 code runs
 *              for IPv4 and IPv6, so ICMPv4 or IGMP inside IPv6 is decoded the same way, as in OVS.
 *   ICMPv6     type/code in tp_src/tp_dst (8 bytes needed). NS/NA with code 0 are ND: nd_target when 16 bytes are
 *              there, then options: the first 8-byte SLL (type 1) into arp_sha, TLL (type 2) into arp_tha; a zero
 *              length or an option running past the end stops the scan keeping what was found; a second SLL or TLL
 *              makes the packet "invalid ND": nd_target, sll and tll all zero, type/code kept. The type of the
 *              first link-layer option found is OVS's nd_options_type, which shares storage with tcp_flags, so it is
 *              stored in the TCP_FLAGS word (nothing reads it there except a future nd_options_type field).
 *
 * Which key words extract writes. It sets `W.IN_PORT` from its argument and writes every packet word, from
 * `FIRST_PACKET_WORD` (DL_DST) to the end, zeroing what the packet does not provide; the inner VLAN slot (VLAN_TCI1)
 * is always left 0, as OVS's default vlan-limit=1 parses only the outer tag. It does not touch
 * the other metadata words (recirc_id, pkt_mark, ct_*, metadata, registers, tunnel, conj_id): they come from the
 * datapath's packet metadata and are the caller's to fill. Fields OVS extracts that this key has no words for are
 * not extracted: mpls_lse, igmp_group_ip4, nd_reserved, the NSH fields, packet_type (always Ethernet here).
 *
 * Cost. One pass over the headers with direct byte reads, writes into a preallocated key and `PacketLayout`, no
 * allocation, no closures, no exceptions: a packet problem is a return value.
 */

import { rd16, rd32 } from '../packet/bytes.js';
import { FIRST_PACKET_WORD, FRAG_ANY, FRAG_LATER, KEY_WORDS, VLAN_CFI, W, type FlowKey } from './key-layout.js';

// ------------------------------------------------------------------------------------------------------------ types

/**
 * Why extract stopped short. 0 is a complete walk; every other code names the first header that could not be fully
 * parsed (extract stops there, as OVS does, so there is never more than one). The key is still valid: these are
 * counters for the datapath, not drop decisions.
 */
export const ExtractStatus = Object.freeze({
  OK: 0,
  /** Frame shorter than an Ethernet header: the key holds in_port only. */
  TRUNCATED_L2: 1,
  /** A VLAN TPID without the 4+2 bytes of a tag: the TPID became dl_type. */
  TRUNCATED_VLAN: 2,
  /** MPLS label stack ran out before a bottom-of-stack entry. */
  TRUNCATED_MPLS: 3,
  /** ARP/RARP shorter than the 28-byte Ethernet/IPv4 form. */
  TRUNCATED_ARP: 4,
  /** ARP/RARP that is not Ethernet/IPv4 (htype, ptype, hlen or plen): only L2 in the key. */
  UNSUPPORTED_ARP: 5,
  /** Fewer than 20 bytes, or fewer than IHL*4, after the Ethernet header. */
  TRUNCATED_IPV4: 6,
  /** IHL below 5. */
  BAD_IPV4_HEADER: 7,
  /** Total length below IHL*4, above the captured bytes, or (jumbo only) padding beyond 65535 bytes. */
  BAD_IPV4_LENGTH: 8,
  /** Fewer than 40 bytes after the Ethernet header. */
  TRUNCATED_IPV6: 9,
  /** Payload length runs past the captured bytes (or padding beyond 65535 bytes). */
  BAD_IPV6_LENGTH: 10,
  /** An extension header is shorter than 8 bytes or runs past the payload: only the addresses are in the key. */
  BAD_IPV6_EXT_HEADER: 11,
  /** The transport header is shorter than the fixed part OVS needs (TCP 20, UDP 8, SCTP 12, ICMP/IGMP/ICMPv6 8). */
  TRUNCATED_L4: 12,
  /** TCP data offset below 5, or the options it announces are not all there: ports and flags stay 0. */
  BAD_TCP_HEADER: 13,
  /** ND target cut short, or an option list that ends mid-option. */
  TRUNCATED_ND: 14,
  /** ND with a zero-length option, or (OVS's "invalid ND") a repeated source/target link-layer address option. */
  BAD_ND: 15,
} as const);

export type ExtractStatusCode = (typeof ExtractStatus)[keyof typeof ExtractStatus];

const STATUS_NAMES: readonly string[] = Object.keys(ExtractStatus).map((k) => k.toLowerCase());

/** Lower-case name for counters and logs, e.g. `bad_ipv4_header`. */
export function extractStatusName(status: number): string {
  return STATUS_NAMES[status] ?? `status_${status}`;
}

/**
 * Where extract found each layer: what the datapath executor needs to rewrite headers in place (OVS's dp_packet
 * l2_5_ofs/l3_ofs/l4_ofs and l2_pad_size). Allocate one per batch or worker and pass it to every `extract` call.
 *
 * Offsets are relative to `start` (the frame's first byte in the buffer), as OVS's are relative to the packet data;
 * -1 means "not present".
 */
export class PacketLayout {
  /** Absolute offset of the frame (its first destination-MAC byte) in the buffer. */
  start = 0;
  /** Frame length in bytes as given to extract. */
  len = 0;
  /** Offset of the VLAN tag parsed into vlan_tci (its TPID), or -1. */
  vlan0 = -1;
  /**
   * Offset of a second, stacked tag (its TPID) that vlan-limit=1 left unparsed: its TPID is dl_type and the network
   * header offset points at its TCI. -1 when there is none.
   */
  vlan1 = -1;
  /** Offset of the MPLS label stack, or -1. */
  l2_5 = -1;
  /** Offset of the network header (what follows the EtherType, LLC/SNAP or MPLS stack); -1 only for TRUNCATED_L2. */
  l3 = -1;
  /** Offset of the transport header: set whenever the IP header passed its checks, even for later fragments. */
  l4 = -1;
  /** Offset of what follows the transport header (TCP after its options), when l4Valid; else -1. */
  payload = -1;
  /** Bytes at the end of the frame beyond the IP datagram (Ethernet padding); 0 without IP. */
  l2Pad = 0;
  /** The L3 header passed its checks and its fields are in the key (ARP, IPv4, IPv6). */
  l3Valid = false;
  /** The transport header was complete and its fields are in the key. */
  l4Valid = false;

  reset(start: number, len: number): void {
    this.start = start;
    this.len = len;
    this.vlan0 = -1;
    this.vlan1 = -1;
    this.l2_5 = -1;
    this.l3 = -1;
    this.l4 = -1;
    this.payload = -1;
    this.l2Pad = 0;
    this.l3Valid = false;
    this.l4Valid = false;
  }
}

// -------------------------------------------------------------------------------------------------------- constants

/** OVS's FLOW_DL_TYPE_NONE: "not an Ethernet II frame" (802.3 without an Ethernet SNAP header). */
export const DL_TYPE_NONE = 0x05ff;

const ETH_HEADER_LEN = 14;
const ETH_TYPE_MIN = 0x0600;
const ETH_TYPE_IP = 0x0800;
const ETH_TYPE_ARP = 0x0806;
const ETH_TYPE_RARP = 0x8035;
const ETH_TYPE_IPV6 = 0x86dd;
const ETH_TYPE_VLAN = 0x8100;
const ETH_TYPE_QINQ = 0x88a8;
const ETH_TYPE_MPLS = 0x8847;
const ETH_TYPE_MPLS_MCAST = 0x8848;

const LLC_SNAP_LEN = 8;
const ARP_ETH_IPV4_LEN = 28;
const IPV4_MIN_HEADER = 20;
const IPV6_HEADER = 40;
const IPV6_EXT_MIN = 8;
const IPV6_FRAG_HEADER = 8;
const IPV6_FRAG_OFFSET_MASK = 0xfff8;

const IPPROTO_HOPOPTS = 0;
const IPPROTO_ICMP = 1;
const IPPROTO_IGMP = 2;
const IPPROTO_TCP = 6;
const IPPROTO_UDP = 17;
const IPPROTO_ROUTING = 43;
const IPPROTO_FRAGMENT = 44;
const IPPROTO_AH = 51;
const IPPROTO_ICMPV6 = 58;
const IPPROTO_DSTOPTS = 60;
const IPPROTO_SCTP = 132;

const TCP_HEADER_LEN = 20;
const UDP_HEADER_LEN = 8;
const SCTP_HEADER_LEN = 12;
const ICMP_HEADER_LEN = 8;
const IGMP_HEADER_LEN = 8;
const ICMPV6_HEADER_LEN = 8;

const ND_NEIGHBOR_SOLICIT = 135;
const ND_NEIGHBOR_ADVERT = 136;
const ND_OPT_SOURCE_LINKADDR = 1;
const ND_OPT_TARGET_LINKADDR = 2;
const ND_LLA_OPT_LEN = 8;

/** Padding larger than this means a corrupt length (OVS's UINT16_MAX test on size - tot_len). */
const MAX_L2_PAD = 0xffff;

// ------------------------------------------------------------------------------------------------------------ walk

/**
 * Fills the packet part of `key` and all of `layout` from the Ethernet frame `buf[off .. off+len)`, with
 * `key[W.IN_PORT] = inPort`. Returns an `ExtractStatus` code; never throws, allocates nothing.
 */
export function extract(buf: Uint8Array, off: number, len: number, inPort: number, key: FlowKey, layout: PacketLayout): number {
  key[W.IN_PORT] = inPort;
  layout.reset(off, len);
  // Never read past the array, whatever len claims.
  const end = off + len <= buf.length ? off + len : buf.length;

  // Every packet word must end up written or zero (the EMC compares whole keys). Each path zeroes only the words it
  // does not write: the L2 words are written below, IPv4 zeroes its own rest, every other type zeroes from NW_SRC on.
  if (end - off < ETH_HEADER_LEN) {
    zeroWords(key, FIRST_PACKET_WORD, KEY_WORDS);
    return ExtractStatus.TRUNCATED_L2;
  }

  key[W.DL_DST] = rd16(buf, off);
  key[W.DL_DST + 1] = rd32(buf, off + 2);
  key[W.DL_SRC] = rd16(buf, off + 6);
  key[W.DL_SRC + 1] = rd32(buf, off + 8);

  // VLAN: at most one tag (vlan-limit=1). A TPID needs its TCI and the next type field behind it.
  let status: number = ExtractStatus.OK;
  let p = off + 12;
  let tci = 0;
  let type = rd16(buf, p);
  if (type === ETH_TYPE_VLAN || type === ETH_TYPE_QINQ) {
    if (end - p >= 6) {
      layout.vlan0 = p - off;
      tci = rd16(buf, p + 2) | VLAN_CFI;
      p += 4;
      type = rd16(buf, p);
      if (type === ETH_TYPE_VLAN || type === ETH_TYPE_QINQ) layout.vlan1 = p - off;
    } else {
      status = ExtractStatus.TRUNCATED_VLAN;
    }
  }
  p += 2;

  // 802.3: a length, possibly followed by LLC/SNAP carrying the real type.
  if (type < ETH_TYPE_MIN) {
    if (
      end - p >= LLC_SNAP_LEN &&
      buf[p] === 0xaa &&
      buf[p + 1] === 0xaa &&
      buf[p + 2] === 0x03 &&
      buf[p + 3] === 0 &&
      buf[p + 4] === 0 &&
      buf[p + 5] === 0
    ) {
      type = rd16(buf, p + 6);
      p += LLC_SNAP_LEN;
      if (type < ETH_TYPE_MIN) type = DL_TYPE_NONE;
    } else {
      type = DL_TYPE_NONE;
    }
  }
  key[W.DL_TYPE_VLAN] = (type << 16) | tci;

  if (type === ETH_TYPE_MPLS || type === ETH_TYPE_MPLS_MCAST) {
    layout.l2_5 = p - off;
    let bos = false;
    while (end - p >= 4) {
      bos = (buf[p + 2] & 1) !== 0;
      p += 4;
      if (bos) break;
    }
    if (!bos) status = ExtractStatus.TRUNCATED_MPLS;
  }
  layout.l3 = p - off;

  if (type === ETH_TYPE_IP) return extractIpv4(buf, p, end, key, layout);
  zeroWords(key, W.NW_SRC, KEY_WORDS);
  if (type === ETH_TYPE_IPV6) return extractIpv6(buf, p, end, key, layout);
  if (type === ETH_TYPE_ARP || type === ETH_TYPE_RARP) return extractArp(buf, p, end, key, layout);
  return status;
}

function extractArp(buf: Uint8Array, p: number, end: number, key: FlowKey, layout: PacketLayout): number {
  if (end - p < ARP_ETH_IPV4_LEN) return ExtractStatus.TRUNCATED_ARP;
  if (rd16(buf, p) !== 1 || rd16(buf, p + 2) !== ETH_TYPE_IP || buf[p + 4] !== 6 || buf[p + 5] !== 4) {
    return ExtractStatus.UNSUPPORTED_ARP;
  }
  const op = rd16(buf, p + 6);
  if (op <= 0xff) key[W.NW] = op << 24;
  key[W.ARP_SHA] = rd16(buf, p + 8);
  key[W.ARP_SHA + 1] = rd32(buf, p + 10);
  key[W.NW_SRC] = rd32(buf, p + 14);
  key[W.ARP_THA] = rd16(buf, p + 18);
  key[W.ARP_THA + 1] = rd32(buf, p + 20);
  key[W.NW_DST] = rd32(buf, p + 24);
  layout.l3Valid = true;
  return ExtractStatus.OK;
}

/** Zeroes key words [from, to). */
function zeroWords(key: FlowKey, from: number, to: number): void {
  for (let i = from; i < to; i++) key[i] = 0;
}

/**
 * IPv4 at `p`. Writes every packet word after the L2 ones: the words IPv4 never fills (IPv6, ARP/ND, the inner
 * VLAN) are zeroed first, the IPv4 and transport words are zeroed when a check fails and otherwise written.
 */
function extractIpv4(buf: Uint8Array, p: number, end: number, key: FlowKey, layout: PacketLayout): number {
  zeroNonIpv4Words(key);
  const size = end - p;
  if (size < IPV4_MIN_HEADER) return badIpv4(key, ExtractStatus.TRUNCATED_IPV4);
  const ihl = (buf[p] & 0x0f) << 2;
  if (ihl < IPV4_MIN_HEADER) return badIpv4(key, ExtractStatus.BAD_IPV4_HEADER);
  if (size < ihl) return badIpv4(key, ExtractStatus.TRUNCATED_IPV4);
  const total = rd16(buf, p + 2);
  if (total > size || ihl > total || size - total > MAX_L2_PAD) return badIpv4(key, ExtractStatus.BAD_IPV4_LENGTH);

  layout.l2Pad = size - total;
  layout.l3Valid = true;
  key[W.NW_SRC] = rd32(buf, p + 12);
  key[W.NW_DST] = rd32(buf, p + 16);
  const fragWord = rd16(buf, p + 6);
  let frag = 0;
  if ((fragWord & 0x3fff) !== 0) {
    frag = FRAG_ANY;
    if ((fragWord & 0x1fff) !== 0) frag |= FRAG_LATER;
  }
  const proto = buf[p + 9];
  key[W.NW] = (proto << 24) | (buf[p + 1] << 16) | (buf[p + 8] << 8) | frag;
  layout.l4 = p + ihl - layout.start;
  if (frag & FRAG_LATER) return ExtractStatus.OK;
  return extractL4(buf, p + ihl, p + total, proto, key, layout);
}

/**
 * The packet words an IPv4 walk never writes (IPv6, ARP/ND, the inner VLAN), and the transport words, which only a
 * complete transport header fills. Written out rather than looped: constant indices, on the path almost every packet
 * takes.
 */
function zeroNonIpv4Words(key: FlowKey): void {
  key[W.IPV6_SRC] = key[W.IPV6_SRC + 1] = key[W.IPV6_SRC + 2] = key[W.IPV6_SRC + 3] = 0;
  key[W.IPV6_DST] = key[W.IPV6_DST + 1] = key[W.IPV6_DST + 2] = key[W.IPV6_DST + 3] = 0;
  key[W.IPV6_LABEL] = 0;
  key[W.ARP_SHA] = key[W.ARP_SHA + 1] = key[W.ARP_THA] = key[W.ARP_THA + 1] = 0;
  key[W.ND_TARGET] = key[W.ND_TARGET + 1] = key[W.ND_TARGET + 2] = key[W.ND_TARGET + 3] = 0;
  key[W.TP] = key[W.TCP_FLAGS] = 0;
  zeroWords(key, W.VLAN_TCI1, KEY_WORDS);
}

/** An IPv4 header that failed OVS's sanity check: no nw_ field in the key. */
function badIpv4(key: FlowKey, status: number): number {
  key[W.NW_SRC] = 0;
  key[W.NW_DST] = 0;
  key[W.NW] = 0;
  return status;
}

function extractIpv6(buf: Uint8Array, p: number, end: number, key: FlowKey, layout: PacketLayout): number {
  const avail = end - p;
  if (avail < IPV6_HEADER) return ExtractStatus.TRUNCATED_IPV6;
  const plen = rd16(buf, p + 4);
  if (plen + IPV6_HEADER > avail || avail - (plen + IPV6_HEADER) > MAX_L2_PAD) return ExtractStatus.BAD_IPV6_LENGTH;
  layout.l2Pad = avail - IPV6_HEADER - plen;
  for (let i = 0; i < 4; i++) {
    key[W.IPV6_SRC + i] = rd32(buf, p + 8 + 4 * i);
    key[W.IPV6_DST + i] = rd32(buf, p + 24 + 4 * i);
  }
  const tcFlow = rd32(buf, p);
  const tos = (tcFlow >>> 20) & 0xff;
  const ttl = buf[p + 7];
  let proto = buf[p + 6];
  let frag = 0;
  const pend = p + IPV6_HEADER + plen;
  let q = p + IPV6_HEADER;

  // Extension headers, OVS's way: 8 bytes must be there before the length byte is trusted.
  for (;;) {
    if (
      proto !== IPPROTO_HOPOPTS &&
      proto !== IPPROTO_ROUTING &&
      proto !== IPPROTO_DSTOPTS &&
      proto !== IPPROTO_AH &&
      proto !== IPPROTO_FRAGMENT
    ) {
      break;
    }
    if (pend - q < IPV6_EXT_MIN) return ExtractStatus.BAD_IPV6_EXT_HEADER;
    const next = buf[q];
    let hlen: number;
    if (proto === IPPROTO_FRAGMENT) hlen = IPV6_FRAG_HEADER;
    else if (proto === IPPROTO_AH) hlen = (buf[q + 1] + 2) << 2;
    else hlen = (buf[q + 1] + 1) << 3;
    if (pend - q < hlen) return ExtractStatus.BAD_IPV6_EXT_HEADER;
    if (proto === IPPROTO_FRAGMENT) {
      const offlg = rd16(buf, q + 2);
      q += hlen;
      proto = next;
      if (offlg !== 0) {
        frag = FRAG_ANY;
        if ((offlg & IPV6_FRAG_OFFSET_MASK) !== 0) {
          frag |= FRAG_LATER;
          proto = IPPROTO_FRAGMENT;
          break;
        }
      }
    } else {
      q += hlen;
      proto = next;
    }
  }

  layout.l3Valid = true;
  key[W.IPV6_LABEL] = tcFlow & 0xfffff;
  key[W.NW] = (proto << 24) | (tos << 16) | (ttl << 8) | frag;
  layout.l4 = q - layout.start;
  if (frag & FRAG_LATER) return ExtractStatus.OK;
  return extractL4(buf, q, pend, proto, key, layout);
}

/** Transport header at `p`, datagram ending at `end` (padding already excluded). Shared by IPv4 and IPv6, as in OVS. */
function extractL4(buf: Uint8Array, p: number, end: number, proto: number, key: FlowKey, layout: PacketLayout): number {
  const size = end - p;
  const start = layout.start;
  switch (proto) {
    case IPPROTO_TCP: {
      if (size < TCP_HEADER_LEN) return ExtractStatus.TRUNCATED_L4;
      const hlen = (buf[p + 12] >>> 4) << 2;
      if (hlen < TCP_HEADER_LEN || size < hlen) return ExtractStatus.BAD_TCP_HEADER;
      key[W.TP] = rd32(buf, p);
      key[W.TCP_FLAGS] = rd16(buf, p + 12) & 0x0fff;
      layout.payload = p + hlen - start;
      break;
    }
    case IPPROTO_UDP:
      if (size < UDP_HEADER_LEN) return ExtractStatus.TRUNCATED_L4;
      key[W.TP] = rd32(buf, p);
      layout.payload = p + UDP_HEADER_LEN - start;
      break;
    case IPPROTO_SCTP:
      if (size < SCTP_HEADER_LEN) return ExtractStatus.TRUNCATED_L4;
      key[W.TP] = rd32(buf, p);
      layout.payload = p + SCTP_HEADER_LEN - start;
      break;
    case IPPROTO_ICMP:
    case IPPROTO_IGMP:
      // ICMP_HEADER_LEN and IGMP_HEADER_LEN are both 8; type and code sit at the same place.
      if (size < ICMP_HEADER_LEN || size < IGMP_HEADER_LEN) return ExtractStatus.TRUNCATED_L4;
      key[W.TP] = (buf[p] << 16) | buf[p + 1];
      layout.payload = p + ICMP_HEADER_LEN - start;
      break;
    case IPPROTO_ICMPV6:
      if (size < ICMPV6_HEADER_LEN) return ExtractStatus.TRUNCATED_L4;
      key[W.TP] = (buf[p] << 16) | buf[p + 1];
      layout.payload = p + ICMPV6_HEADER_LEN - start;
      layout.l4Valid = true;
      if (buf[p + 1] === 0 && (buf[p] === ND_NEIGHBOR_SOLICIT || buf[p] === ND_NEIGHBOR_ADVERT)) {
        return extractNd(buf, p + ICMPV6_HEADER_LEN, end, key);
      }
      return ExtractStatus.OK;
    default:
      return ExtractStatus.OK;
  }
  layout.l4Valid = true;
  return ExtractStatus.OK;
}

/** Neighbour solicitation/advertisement body at `p` (after the 8-byte ICMPv6 header): OVS's parse_icmpv6. */
function extractNd(buf: Uint8Array, p: number, end: number, key: FlowKey): number {
  if (end - p < 16) return ExtractStatus.TRUNCATED_ND;
  for (let i = 0; i < 4; i++) key[W.ND_TARGET + i] = rd32(buf, p + 4 * i);
  p += 16;
  let optType = 0;
  let status: number = ExtractStatus.OK;
  while (end - p >= 8) {
    const optLen = buf[p + 1] * ND_LLA_OPT_LEN;
    if (optLen === 0) {
      status = ExtractStatus.BAD_ND;
      break;
    }
    if (optLen > end - p) {
      status = ExtractStatus.TRUNCATED_ND;
      break;
    }
    const t = buf[p];
    if (optLen === ND_LLA_OPT_LEN && (t === ND_OPT_SOURCE_LINKADDR || t === ND_OPT_TARGET_LINKADDR)) {
      const w = t === ND_OPT_SOURCE_LINKADDR ? W.ARP_SHA : W.ARP_THA;
      // "Already seen" is OVS's test: the stored address is non-zero (an all-zero option does not count).
      if (key[w] !== 0 || key[w + 1] !== 0) {
        for (let i = 0; i < 4; i++) key[W.ND_TARGET + i] = 0;
        key[W.ARP_SHA] = key[W.ARP_SHA + 1] = key[W.ARP_THA] = key[W.ARP_THA + 1] = 0;
        key[W.TCP_FLAGS] = optType;
        return ExtractStatus.BAD_ND;
      }
      key[w] = rd16(buf, p + 2);
      key[w + 1] = rd32(buf, p + 4);
      if (optType === 0) optType = t;
    }
    p += optLen;
  }
  if (status === ExtractStatus.OK && p !== end) status = ExtractStatus.TRUNCATED_ND;
  key[W.TCP_FLAGS] = optType;
  return status;
}

// ------------------------------------------------------------------------------------------------------- debugging

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, '0');
}

function macAt(key: FlowKey, w: number): string {
  const s = hex(key[w], 4) + hex(key[w + 1], 8);
  return s.replace(/(..)(?!$)/g, '$1:');
}

function ipv4At(key: FlowKey, w: number): string {
  const v = key[w];
  return `${v >>> 24}.${(v >>> 16) & 0xff}.${(v >>> 8) & 0xff}.${v & 0xff}`;
}

function ipv6At(key: FlowKey, w: number): string {
  const groups: string[] = [];
  for (let i = 0; i < 4; i++) groups.push((key[w + i] >>> 16).toString(16), (key[w + i] & 0xffff).toString(16));
  return groups.join(':');
}

/**
 * The packet words of a key as `name=value` pairs, for logs and test failures. Not OVS's flow format (that belongs to
 * the match printer): every packet field is printed, raw, whether or not the dl_type gives it a meaning.
 */
export function flowKeyToString(key: FlowKey): string {
  const nw = key[W.NW];
  const tp = key[W.TP];
  const dlv = key[W.DL_TYPE_VLAN];
  return [
    `in_port=${key[W.IN_PORT]}`,
    `dl_dst=${macAt(key, W.DL_DST)}`,
    `dl_src=${macAt(key, W.DL_SRC)}`,
    `dl_type=0x${hex(dlv >>> 16, 4)}`,
    `vlan_tci=0x${hex(dlv & 0xffff, 4)}`,
    `nw_src=${ipv4At(key, W.NW_SRC)}`,
    `nw_dst=${ipv4At(key, W.NW_DST)}`,
    `ipv6_src=${ipv6At(key, W.IPV6_SRC)}`,
    `ipv6_dst=${ipv6At(key, W.IPV6_DST)}`,
    `ipv6_label=0x${hex(key[W.IPV6_LABEL], 5)}`,
    `nw_proto=${nw >>> 24}`,
    `nw_tos=${(nw >>> 16) & 0xff}`,
    `nw_ttl=${(nw >>> 8) & 0xff}`,
    `nw_frag=${nw & 0xff}`,
    `arp_sha=${macAt(key, W.ARP_SHA)}`,
    `arp_tha=${macAt(key, W.ARP_THA)}`,
    `nd_target=${ipv6At(key, W.ND_TARGET)}`,
    `tp_src=${tp >>> 16}`,
    `tp_dst=${tp & 0xffff}`,
    `tcp_flags=0x${hex(key[W.TCP_FLAGS], 3)}`,
  ].join(',');
}
