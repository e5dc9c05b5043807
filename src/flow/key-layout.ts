/**
 * The flow key: one fixed layout of 32-bit words.
 *
 * What? Every packet is reduced to a `FlowKey`, a `Uint32Array` of `KEY_WORDS` words, by extract (packet fields) plus
 * the metadata the datapath carries (in_port, registers, tunnel, conntrack). A mask has the same layout; a match is a
 * (key, mask) pair. Hashing and comparison only touch the words a mask covers, so the layout groups fields that are
 * usually wildcarded together (metadata, registers, tunnel, conntrack) apart from the packet headers that almost every
 * megaflow matches (L2, L3, L4), which sit at the end.
 *
 * Multi-word fields are big-endian across words: the first word holds the most significant bits. Sub-word fields are
 * packed into shared words at fixed shifts (dl_type|vlan_tci, nw_proto|nw_tos|nw_ttl|nw_frag, tp_src|tp_dst), the
 * way OVS's struct flow packs them, so a 5-tuple is five words, not eleven.
 *
 * Where OVS shares storage between fields, so do we (ovs-fields(7)): ARP's spa/tpa live in nw_src/nw_dst and its
 * opcode in nw_proto; ICMP type/code live in tp_src/tp_dst; ND's sll/tll share arp_sha/arp_tha. Matches are
 * therefore interchangeable with OVS's, and prerequisites keep the interpretations apart.
 *
 * VLANs: OVS's struct flow has two VLAN slots. With the default vlan-limit=1 extract fills only the outer one (the TCI
 * in DL_TYPE_VLAN); the inner slot, VLAN_TCI1, is filled only by xlate, when push_vlan meets a tagged packet (the old
 * tag moves down) and emptied by pop_vlan (it moves back up). Unlike the outer slot it keeps its TPID with it, as
 * OVS's qtag does (tpid << 16 | tci): the outer TPID lives beside the key in xlate, but the inner one has nowhere else
 * to go. No OpenFlow field reads it (OVS has none either) and extract always leaves it 0.
 *
 * This file holds positions only. What a field is called, how wide it is, its prerequisites and how it prints live in
 * the field table (fields.ts), the single place a field is defined.
 */

export const enum W {
  IN_PORT = 0, // ofp port, 32 bits (OpenFlow 1.0 numbering: LOCAL = 0xfffe)
  RECIRC_ID = 1,
  PKT_MARK = 2,
  CT_STATE_ZONE = 3, // ct_state (8 bits) << 16 | ct_zone (16 bits)
  CT_MARK = 4,
  CT_LABEL = 5, // 4 words
  CT_NW_SRC = 9,
  CT_NW_DST = 10,
  CT_IPV6_SRC = 11, // 4 words
  CT_IPV6_DST = 15, // 4 words
  CT_NW_PROTO = 19, // low 8 bits
  CT_TP = 20, // ct_tp_src << 16 | ct_tp_dst
  METADATA = 21, // 2 words
  REGS = 23, // 16 words, reg0 first
  TUN_ID = 39, // 2 words
  TUN_SRC = 41,
  TUN_DST = 42,
  TUN_IPV6_SRC = 43, // 4 words
  TUN_IPV6_DST = 47, // 4 words
  TUN_FLAGS_TOS_TTL = 51, // tun_flags (16) << 16 | tun_tos (8) << 8 | tun_ttl (8)
  CONJ_ID = 52,
  DL_DST = 53, // 2 words: 16 + 32 bits
  DL_SRC = 55, // 2 words
  DL_TYPE_VLAN = 57, // dl_type << 16 | vlan_tci (VLAN_CFI 0x1000 set when a tag is present)
  NW_SRC = 58, // also arp_spa
  NW_DST = 59, // also arp_tpa
  IPV6_SRC = 60, // 4 words
  IPV6_DST = 64, // 4 words
  IPV6_LABEL = 68, // low 20 bits
  NW = 69, // nw_proto << 24 | nw_tos << 16 | nw_ttl << 8 | nw_frag
  ARP_SHA = 70, // 2 words; also nd_sll
  ARP_THA = 72, // 2 words; also nd_tll
  ND_TARGET = 74, // 4 words
  TP = 78, // tp_src << 16 | tp_dst (ICMP: type << 16 | code)
  TCP_FLAGS = 79, // low 12 bits
  VLAN_TCI1 = 80, // inner VLAN tag: tpid << 16 | tci (VLAN_CFI set when present); only xlate fills it
}

export const KEY_WORDS = 81;

/** First word of the packet-header part of the key (everything before is metadata the datapath carries). */
export const FIRST_PACKET_WORD = W.CONJ_ID + 1;

export type FlowKey = Uint32Array;
export type FlowMask = Uint32Array;

export function newKey(): FlowKey {
  return new Uint32Array(KEY_WORDS);
}

// The constant bits OVS's struct flow uses, named once here.
export const VLAN_CFI = 0x1000;
export const VLAN_VID_MASK = 0x0fff;
export const VLAN_PCP_MASK = 0xe000;
export const VLAN_PCP_SHIFT = 13;

/** nw_frag bits (FLOW_NW_FRAG_*). */
export const FRAG_ANY = 1; // it is a fragment
export const FRAG_LATER = 2; // and not the first one

/** ct_state bits (CS_*), as OVS numbers them. */
export const enum CtState {
  NEW = 0x01,
  ESTABLISHED = 0x02,
  RELATED = 0x04,
  REPLY_DIR = 0x08,
  INVALID = 0x10,
  TRACKED = 0x20,
  SRC_NAT = 0x40,
  DST_NAT = 0x80,
}

/** OpenFlow 1.0 reserved port numbers (what OVS uses internally as ofp_port_t). */
export const enum OfpPort {
  MAX = 0xff00,
  IN_PORT = 0xfff8,
  TABLE = 0xfff9,
  NORMAL = 0xfffa,
  FLOOD = 0xfffb,
  ALL = 0xfffc,
  CONTROLLER = 0xfffd,
  LOCAL = 0xfffe,
  NONE = 0xffff,
}

export const ETH_TYPE_IP = 0x0800;
export const ETH_TYPE_ARP = 0x0806;
export const ETH_TYPE_RARP = 0x8035;
export const ETH_TYPE_IPV6 = 0x86dd;
export const ETH_TYPE_VLAN_8021Q = 0x8100;
export const ETH_TYPE_VLAN_8021AD = 0x88a8;
export const ETH_TYPE_MPLS = 0x8847;
export const ETH_TYPE_MPLS_MCAST = 0x8848;

export const IPPROTO_ICMP = 1;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;
export const IPPROTO_ICMPV6 = 58;
export const IPPROTO_SCTP = 132;
