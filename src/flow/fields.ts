/**
 * The field table (OVS calls it meta-flow): the single place a field is defined.
 *
 * What? One `FieldDef` per matchable/settable field: its ovs-ofctl name and aliases, its NXM/OXM names (so
 * `NXM_NX_REG5[0..15]` and `OXM_OF_IN_PORT[]` resolve here), its width, where its bits sit in the flow key, whether it
 * takes an arbitrary mask, its prerequisites and how its values print. The match parser and printer, set_field, load,
 * move, learn, xlate and trace all read this table; adding a field is adding one entry.
 *
 * Position. A field's bits are addressed from its least significant bit: field bit i lives in key word
 * `lastWord - ((shift + i) >> 5)` at bit `(shift + i) & 31`. A sub-word field (dl_type in the top half of a shared
 * word) has a shift; a multi-word field (a MAC in two words, an IPv6 address in four) ends at the bottom of its last
 * word. Derived fields that OVS defines over part of another (dl_vlan is vlan_tci's low 12 bits, ip_dscp is nw_tos's
 * top 6) are simply narrower ranges over the same bits, with `impliedMask`/`impliedValue` for the bits a match on them
 * also pins (matching dl_vlan=3 also requires a tag to be present, the CFI bit).
 *
 * Prerequisites follow ovs-fields(7): a match on tcp_dst is only valid when the match also pins dl_type to IP/IPv6
 * and nw_proto to 6. `prereqsOk(match)` in match.ts enforces them the way OVS's parser does.
 */

import { CtState, KEY_WORDS, W } from './key-layout.js';

/** Which other fields a match must pin before this one means anything (OVS's enum mf_prereqs). */
export const enum Prereq {
  NONE,
  ETHERNET,
  ARP, // dl_type is ARP or RARP
  VLAN_VID, // vlan_tci has CFI set
  IPV4,
  IPV6,
  IP_ANY,
  TCP,
  UDP,
  SCTP,
  ICMPV4,
  ICMPV6,
  ND, // ICMPv6 type 135 or 136, code 0
  ND_SOLICIT,
  ND_ADVERT,
  CT_VALID, // ct_state +trk
}

/** How values print in ovs-ofctl syntax (and how they parse). */
export type FieldFormat =
  | 'decimal'
  | 'hex'
  | 'ethernet'
  | 'ipv4'
  | 'ipv6'
  | 'ofp-port'
  | 'frag'
  | 'tcp-flags'
  | 'ct-state'
  | 'tun-flags';

export interface FieldDef {
  /** Canonical ovs-ofctl name, the one OVS prints. */
  readonly name: string;
  /** Other names ovs-ofctl accepts for it (e.g. eth_src for dl_src). */
  readonly aliases: readonly string[];
  /** NXM name (NXM_OF_… / NXM_NX_…), if it has one. */
  readonly nxm?: string;
  /** OXM name (OXM_OF_… / ONFOXM_…), if it has one. */
  readonly oxm?: string;
  readonly nbits: number;
  /** Key word holding the field's least significant bits. */
  readonly lastWord: number;
  /** Bit offset of the field's LSB within lastWord. */
  readonly shift: number;
  /** Whether a match may use an arbitrary bitmask (OVS MFM_FULLY). */
  readonly maskable: boolean;
  /** Whether set_field/load/move may write it. */
  readonly writable: boolean;
  readonly prereq: Prereq;
  readonly format: FieldFormat;
  /**
   * Bits (in field units) that carry meaning; the rest are always zero. nw_tos is 8 bits wide but only its DSCP bits
   * belong to it (ECN is nw_ecn): an exact match on nw_tos masks 0xfc.
   */
  readonly significant?: bigint;
  /** Extra key bits a match on this field pins, as (word, mask, value) triples: dl_vlan pins CFI=1. */
  readonly implied?: readonly ImpliedBits[];
  /**
   * How many of the field's bits the key stores, when fewer than `nbits`. arp_op is 16 bits wide on the wire and in
   * NXM (`load:2->NXM_OF_ARP_OP[]` is a 16-bit load) but OVS keeps it in nw_proto's 8 bits; higher bits read as zero
   * and writes to them are dropped.
   */
  readonly storedBits?: number;
}

export interface ImpliedBits {
  readonly word: number;
  readonly mask: number;
  readonly value: number;
}

interface Spec {
  name: string;
  aliases?: string[];
  nxm?: string;
  oxm?: string;
  nbits: number;
  word: number; // lastWord
  shift?: number;
  maskable?: boolean;
  writable?: boolean;
  prereq?: Prereq;
  format?: FieldFormat;
  significant?: bigint;
  implied?: ImpliedBits[];
  storedBits?: number;
}

function def(s: Spec): FieldDef {
  return {
    name: s.name,
    aliases: s.aliases ?? [],
    nxm: s.nxm,
    oxm: s.oxm,
    nbits: s.nbits,
    lastWord: s.word,
    shift: s.shift ?? 0,
    maskable: s.maskable ?? true,
    writable: s.writable ?? true,
    prereq: s.prereq ?? Prereq.NONE,
    format: s.format ?? 'hex',
    significant: s.significant,
    implied: s.implied,
    storedBits: s.storedBits,
  };
}

const VLAN_PRESENT: ImpliedBits = { word: W.DL_TYPE_VLAN, mask: 0x1000, value: 0x1000 };
// ICMP type/code are 8-bit fields stored in the 16-bit tp_src/tp_dst; OVS matches the whole 16 bits, so the upper
// byte is pinned to zero too.
const TP_SRC_HIGH_ZERO: ImpliedBits = { word: W.TP, mask: 0xff000000, value: 0 };
const TP_DST_HIGH_ZERO: ImpliedBits = { word: W.TP, mask: 0x0000ff00, value: 0 };

function regs(): FieldDef[] {
  const out: FieldDef[] = [];
  for (let i = 0; i < 16; i++) {
    out.push(def({ name: `reg${i}`, nxm: `NXM_NX_REG${i}`, nbits: 32, word: W.REGS + i }));
  }
  for (let i = 0; i < 8; i++) {
    out.push(def({ name: `xreg${i}`, oxm: `OXM_OF_PKT_REG${i}`, nbits: 64, word: W.REGS + 2 * i + 1 }));
  }
  for (let i = 0; i < 4; i++) {
    out.push(def({ name: `xxreg${i}`, nxm: `NXM_NX_XXREG${i}`, nbits: 128, word: W.REGS + 4 * i + 3 }));
  }
  return out;
}

export const FIELDS: readonly FieldDef[] = [
  // Metadata.
  def({ name: 'in_port', nxm: 'NXM_OF_IN_PORT', nbits: 16, word: W.IN_PORT, maskable: false, format: 'ofp-port' }),
  def({ name: 'in_port_oxm', oxm: 'OXM_OF_IN_PORT', nbits: 32, word: W.IN_PORT, maskable: false, format: 'ofp-port' }),
  def({ name: 'recirc_id', nxm: 'NXM_NX_RECIRC_ID', nbits: 32, word: W.RECIRC_ID, maskable: false, writable: false, format: 'decimal' }),
  def({ name: 'pkt_mark', nxm: 'NXM_NX_PKT_MARK', nbits: 32, word: W.PKT_MARK }),
  def({ name: 'metadata', oxm: 'OXM_OF_METADATA', nbits: 64, word: W.METADATA + 1 }),
  ...regs(),
  def({ name: 'conj_id', nbits: 32, word: W.CONJ_ID, maskable: false, writable: false, format: 'decimal' }),

  // Tunnel.
  def({ name: 'tun_id', aliases: ['tunnel_id'], nxm: 'NXM_NX_TUN_ID', oxm: 'OXM_OF_TUNNEL_ID', nbits: 64, word: W.TUN_ID + 1 }),
  def({ name: 'tun_src', nxm: 'NXM_NX_TUN_IPV4_SRC', nbits: 32, word: W.TUN_SRC, format: 'ipv4' }),
  def({ name: 'tun_dst', nxm: 'NXM_NX_TUN_IPV4_DST', nbits: 32, word: W.TUN_DST, format: 'ipv4' }),
  def({ name: 'tun_ipv6_src', nxm: 'NXM_NX_TUN_IPV6_SRC', nbits: 128, word: W.TUN_IPV6_SRC + 3, format: 'ipv6' }),
  def({ name: 'tun_ipv6_dst', nxm: 'NXM_NX_TUN_IPV6_DST', nbits: 128, word: W.TUN_IPV6_DST + 3, format: 'ipv6' }),
  def({ name: 'tun_flags', nxm: 'NXM_NX_TUN_FLAGS', nbits: 16, word: W.TUN_FLAGS_TOS_TTL, shift: 16, format: 'tun-flags' }),
  def({ name: 'tun_tos', nbits: 8, word: W.TUN_FLAGS_TOS_TTL, shift: 8, maskable: false, format: 'decimal' }),
  def({ name: 'tun_ttl', nbits: 8, word: W.TUN_FLAGS_TOS_TTL, shift: 0, maskable: false, format: 'decimal' }),

  // Conntrack.
  def({ name: 'ct_state', nxm: 'NXM_NX_CT_STATE', nbits: 32, storedBits: 8, word: W.CT_STATE_ZONE, shift: 16, writable: false, format: 'ct-state' }),
  def({ name: 'ct_zone', nxm: 'NXM_NX_CT_ZONE', nbits: 16, word: W.CT_STATE_ZONE, maskable: false, writable: false, format: 'decimal' }),
  def({ name: 'ct_mark', nxm: 'NXM_NX_CT_MARK', nbits: 32, word: W.CT_MARK }),
  def({ name: 'ct_label', nxm: 'NXM_NX_CT_LABEL', nbits: 128, word: W.CT_LABEL + 3 }),
  def({ name: 'ct_nw_src', nxm: 'NXM_NX_CT_NW_SRC', nbits: 32, word: W.CT_NW_SRC, writable: false, prereq: Prereq.CT_VALID, format: 'ipv4' }),
  def({ name: 'ct_nw_dst', nxm: 'NXM_NX_CT_NW_DST', nbits: 32, word: W.CT_NW_DST, writable: false, prereq: Prereq.CT_VALID, format: 'ipv4' }),
  def({ name: 'ct_ipv6_src', nxm: 'NXM_NX_CT_IPV6_SRC', nbits: 128, word: W.CT_IPV6_SRC + 3, writable: false, prereq: Prereq.CT_VALID, format: 'ipv6' }),
  def({ name: 'ct_ipv6_dst', nxm: 'NXM_NX_CT_IPV6_DST', nbits: 128, word: W.CT_IPV6_DST + 3, writable: false, prereq: Prereq.CT_VALID, format: 'ipv6' }),
  def({ name: 'ct_nw_proto', nxm: 'NXM_NX_CT_NW_PROTO', nbits: 8, word: W.CT_NW_PROTO, maskable: false, writable: false, prereq: Prereq.CT_VALID, format: 'decimal' }),
  def({ name: 'ct_tp_src', nxm: 'NXM_NX_CT_TP_SRC', nbits: 16, word: W.CT_TP, shift: 16, writable: false, prereq: Prereq.CT_VALID, format: 'decimal' }),
  def({ name: 'ct_tp_dst', nxm: 'NXM_NX_CT_TP_DST', nbits: 16, word: W.CT_TP, writable: false, prereq: Prereq.CT_VALID, format: 'decimal' }),

  // L2.
  def({ name: 'dl_src', aliases: ['eth_src'], nxm: 'NXM_OF_ETH_SRC', oxm: 'OXM_OF_ETH_SRC', nbits: 48, word: W.DL_SRC + 1, prereq: Prereq.ETHERNET, format: 'ethernet' }),
  def({ name: 'dl_dst', aliases: ['eth_dst'], nxm: 'NXM_OF_ETH_DST', oxm: 'OXM_OF_ETH_DST', nbits: 48, word: W.DL_DST + 1, prereq: Prereq.ETHERNET, format: 'ethernet' }),
  def({ name: 'dl_type', aliases: ['eth_type'], nxm: 'NXM_OF_ETH_TYPE', oxm: 'OXM_OF_ETH_TYPE', nbits: 16, word: W.DL_TYPE_VLAN, shift: 16, maskable: false, writable: false, prereq: Prereq.ETHERNET }),
  def({ name: 'vlan_tci', nxm: 'NXM_OF_VLAN_TCI', nbits: 16, word: W.DL_TYPE_VLAN, prereq: Prereq.ETHERNET }),
  def({ name: 'dl_vlan', nbits: 12, word: W.DL_TYPE_VLAN, maskable: false, prereq: Prereq.ETHERNET, format: 'decimal', implied: [VLAN_PRESENT] }),
  def({ name: 'vlan_vid', oxm: 'OXM_OF_VLAN_VID', nbits: 13, word: W.DL_TYPE_VLAN, prereq: Prereq.ETHERNET, format: 'decimal' }),
  def({ name: 'dl_vlan_pcp', nbits: 3, word: W.DL_TYPE_VLAN, shift: 13, maskable: false, prereq: Prereq.ETHERNET, format: 'decimal', implied: [VLAN_PRESENT] }),
  def({ name: 'vlan_pcp', oxm: 'OXM_OF_VLAN_PCP', nbits: 3, word: W.DL_TYPE_VLAN, shift: 13, maskable: false, prereq: Prereq.VLAN_VID, format: 'decimal', implied: [VLAN_PRESENT] }),

  // L3.
  def({ name: 'nw_src', aliases: ['ip_src'], nxm: 'NXM_OF_IP_SRC', oxm: 'OXM_OF_IPV4_SRC', nbits: 32, word: W.NW_SRC, prereq: Prereq.IPV4, format: 'ipv4' }),
  def({ name: 'nw_dst', aliases: ['ip_dst'], nxm: 'NXM_OF_IP_DST', oxm: 'OXM_OF_IPV4_DST', nbits: 32, word: W.NW_DST, prereq: Prereq.IPV4, format: 'ipv4' }),
  def({ name: 'ipv6_src', nxm: 'NXM_NX_IPV6_SRC', oxm: 'OXM_OF_IPV6_SRC', nbits: 128, word: W.IPV6_SRC + 3, prereq: Prereq.IPV6, format: 'ipv6' }),
  def({ name: 'ipv6_dst', nxm: 'NXM_NX_IPV6_DST', oxm: 'OXM_OF_IPV6_DST', nbits: 128, word: W.IPV6_DST + 3, prereq: Prereq.IPV6, format: 'ipv6' }),
  def({ name: 'ipv6_label', nxm: 'NXM_NX_IPV6_LABEL', oxm: 'OXM_OF_IPV6_FLABEL', nbits: 20, word: W.IPV6_LABEL, prereq: Prereq.IPV6 }),
  def({ name: 'nw_proto', aliases: ['ip_proto'], nxm: 'NXM_OF_IP_PROTO', oxm: 'OXM_OF_IP_PROTO', nbits: 8, word: W.NW, shift: 24, maskable: false, writable: false, prereq: Prereq.IP_ANY, format: 'decimal' }),
  def({ name: 'nw_tos', nxm: 'NXM_OF_IP_TOS', nbits: 8, word: W.NW, shift: 16, maskable: false, prereq: Prereq.IP_ANY, format: 'decimal', significant: 0xfcn }),
  def({ name: 'ip_dscp', oxm: 'OXM_OF_IP_DSCP', nbits: 6, word: W.NW, shift: 18, maskable: false, prereq: Prereq.IP_ANY, format: 'decimal' }),
  def({ name: 'nw_ecn', aliases: ['ip_ecn'], nxm: 'NXM_NX_IP_ECN', oxm: 'OXM_OF_IP_ECN', nbits: 2, word: W.NW, shift: 16, maskable: false, prereq: Prereq.IP_ANY, format: 'decimal' }),
  def({ name: 'nw_ttl', nxm: 'NXM_NX_IP_TTL', nbits: 8, word: W.NW, shift: 8, maskable: false, prereq: Prereq.IP_ANY, format: 'decimal' }),
  def({ name: 'nw_frag', aliases: ['ip_frag'], nxm: 'NXM_NX_IP_FRAG', nbits: 2, word: W.NW, shift: 0, writable: false, prereq: Prereq.IP_ANY, format: 'frag' }),
  def({ name: 'arp_op', nxm: 'NXM_OF_ARP_OP', oxm: 'OXM_OF_ARP_OP', nbits: 16, storedBits: 8, word: W.NW, shift: 24, maskable: false, prereq: Prereq.ARP, format: 'decimal' }),
  def({ name: 'arp_spa', nxm: 'NXM_OF_ARP_SPA', oxm: 'OXM_OF_ARP_SPA', nbits: 32, word: W.NW_SRC, prereq: Prereq.ARP, format: 'ipv4' }),
  def({ name: 'arp_tpa', nxm: 'NXM_OF_ARP_TPA', oxm: 'OXM_OF_ARP_TPA', nbits: 32, word: W.NW_DST, prereq: Prereq.ARP, format: 'ipv4' }),
  def({ name: 'arp_sha', nxm: 'NXM_NX_ARP_SHA', oxm: 'OXM_OF_ARP_SHA', nbits: 48, word: W.ARP_SHA + 1, prereq: Prereq.ARP, format: 'ethernet' }),
  def({ name: 'arp_tha', nxm: 'NXM_NX_ARP_THA', oxm: 'OXM_OF_ARP_THA', nbits: 48, word: W.ARP_THA + 1, prereq: Prereq.ARP, format: 'ethernet' }),

  // L4.
  def({ name: 'tcp_src', aliases: ['tp_src'], nxm: 'NXM_OF_TCP_SRC', oxm: 'OXM_OF_TCP_SRC', nbits: 16, word: W.TP, shift: 16, prereq: Prereq.TCP, format: 'decimal' }),
  def({ name: 'tcp_dst', aliases: ['tp_dst'], nxm: 'NXM_OF_TCP_DST', oxm: 'OXM_OF_TCP_DST', nbits: 16, word: W.TP, shift: 0, prereq: Prereq.TCP, format: 'decimal' }),
  def({ name: 'udp_src', nxm: 'NXM_OF_UDP_SRC', oxm: 'OXM_OF_UDP_SRC', nbits: 16, word: W.TP, shift: 16, prereq: Prereq.UDP, format: 'decimal' }),
  def({ name: 'udp_dst', nxm: 'NXM_OF_UDP_DST', oxm: 'OXM_OF_UDP_DST', nbits: 16, word: W.TP, shift: 0, prereq: Prereq.UDP, format: 'decimal' }),
  def({ name: 'sctp_src', oxm: 'OXM_OF_SCTP_SRC', nbits: 16, word: W.TP, shift: 16, prereq: Prereq.SCTP, format: 'decimal' }),
  def({ name: 'sctp_dst', oxm: 'OXM_OF_SCTP_DST', nbits: 16, word: W.TP, shift: 0, prereq: Prereq.SCTP, format: 'decimal' }),
  def({ name: 'tcp_flags', nxm: 'NXM_NX_TCP_FLAGS', oxm: 'ONFOXM_ET_TCP_FLAGS', nbits: 12, word: W.TCP_FLAGS, writable: false, prereq: Prereq.TCP, format: 'tcp-flags' }),
  def({ name: 'icmp_type', nxm: 'NXM_OF_ICMP_TYPE', oxm: 'OXM_OF_ICMPV4_TYPE', nbits: 8, word: W.TP, shift: 16, maskable: false, prereq: Prereq.ICMPV4, format: 'decimal', implied: [TP_SRC_HIGH_ZERO] }),
  def({ name: 'icmp_code', nxm: 'NXM_OF_ICMP_CODE', oxm: 'OXM_OF_ICMPV4_CODE', nbits: 8, word: W.TP, shift: 0, maskable: false, prereq: Prereq.ICMPV4, format: 'decimal', implied: [TP_DST_HIGH_ZERO] }),
  def({ name: 'icmpv6_type', nxm: 'NXM_NX_ICMPV6_TYPE', oxm: 'OXM_OF_ICMPV6_TYPE', nbits: 8, word: W.TP, shift: 16, maskable: false, prereq: Prereq.ICMPV6, format: 'decimal', implied: [TP_SRC_HIGH_ZERO] }),
  def({ name: 'icmpv6_code', nxm: 'NXM_NX_ICMPV6_CODE', oxm: 'OXM_OF_ICMPV6_CODE', nbits: 8, word: W.TP, shift: 0, maskable: false, prereq: Prereq.ICMPV6, format: 'decimal', implied: [TP_DST_HIGH_ZERO] }),
  def({ name: 'nd_target', nxm: 'NXM_NX_ND_TARGET', oxm: 'OXM_OF_IPV6_ND_TARGET', nbits: 128, word: W.ND_TARGET + 3, prereq: Prereq.ND, format: 'ipv6' }),
  def({ name: 'nd_sll', nxm: 'NXM_NX_ND_SLL', oxm: 'OXM_OF_IPV6_ND_SLL', nbits: 48, word: W.ARP_SHA + 1, prereq: Prereq.ND_SOLICIT, format: 'ethernet' }),
  def({ name: 'nd_tll', nxm: 'NXM_NX_ND_TLL', oxm: 'OXM_OF_IPV6_ND_TLL', nbits: 48, word: W.ARP_THA + 1, prereq: Prereq.ND_ADVERT, format: 'ethernet' }),
];

const byName = new Map<string, FieldDef>();
for (const f of FIELDS) {
  for (const n of [f.name, ...f.aliases, f.nxm, f.oxm]) {
    if (n !== undefined) byName.set(n.toLowerCase(), f);
  }
}

/** Looks a field up by any of its names (ofctl name, alias, NXM or OXM name), case-insensitively. */
export function fieldByName(name: string): FieldDef | undefined {
  return byName.get(name.toLowerCase());
}

export function fieldNamed(name: string): FieldDef {
  const f = fieldByName(name);
  if (f === undefined) throw new Error(`internal: no field ${name}`);
  return f;
}

// Positions sanity: every field's bits lie inside the key. Checked once at load; a bad entry is a programming error.
for (const f of FIELDS) {
  const firstWord = f.lastWord - ((f.shift + (f.storedBits ?? f.nbits) - 1) >> 5);
  if (firstWord < 0 || f.lastWord >= KEY_WORDS) throw new Error(`internal: field ${f.name} outside the key`);
}

export const CT_STATE_NAMES: readonly (readonly [string, number])[] = [
  ['new', CtState.NEW],
  ['est', CtState.ESTABLISHED],
  ['rel', CtState.RELATED],
  ['rpl', CtState.REPLY_DIR],
  ['inv', CtState.INVALID],
  ['trk', CtState.TRACKED],
  ['snat', CtState.SRC_NAT],
  ['dnat', CtState.DST_NAT],
];

/** TCP flag names as ovs-ofctl prints them in tcp_flags=+syn-ack, lowest bit first. */
export const TCP_FLAG_NAMES: readonly (readonly [string, number])[] = [
  ['fin', 0x001],
  ['syn', 0x002],
  ['rst', 0x004],
  ['psh', 0x008],
  ['ack', 0x010],
  ['urg', 0x020],
  ['ece', 0x040],
  ['cwr', 0x080],
  ['ns', 0x100],
];

export const TUN_FLAG_NAMES: readonly (readonly [string, number])[] = [['oam', 0x1]];
