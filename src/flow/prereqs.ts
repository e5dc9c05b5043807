/**
 * Field prerequisites (ovs-fields(7), OVS's mf_are_prereqs_ok).
 *
 * What? A field only means something when the packet has the header it lives in: tcp_dst needs dl_type IPv4/IPv6
 * and nw_proto 6 (and not a later fragment, which has no TCP header); nd_target needs an ICMPv6 neighbour
 * solicitation or advertisement; ct_nw_src needs a valid connection-tracking state. The field table records each
 * field's prerequisite (`Prereq`); this module evaluates it two ways:
 *
 *   - against a packet's flow key (`prereqsOk`): the slow path asks this before set_field/load/move touch a field
 *     and before learn copies one, exactly where OVS would refuse or skip. Given the translation's wildcards, it
 *     records what it read there (un-wildcarding, as OVS's mf_are_prereqs_ok does with its `wc`): nw_proto, the
 *     ICMPv6 type and code, the VLAN present bit, the conntrack state bits that say "valid";
 *   - against a match (`matchPrereqsOk`, `checkPrereqs`): what the switch checks when it decodes a flow's match or
 *     checks a rule's actions against it, looking at the values the match pins (a wildcarded nw_proto counts as 0,
 *     and a wildcarded ICMPv6 code too).
 *
 * TCP/UDP/SCTP fields also need the packet not to be a later fragment: it carries no L4 header, so OVS treats its
 * port fields as absent (a `move:` from tcp_dst is skipped there). nw_frag is not recorded for that (as in OVS:
 * translation makes it exact for every IP packet anyway). ICMP fields have no such rule.
 *
 * Note what OVS's ovs-ofctl does NOT do: it never rejects `tcp_dst=80` without `tcp`. It parses it, then the
 * OpenFlow encoding simply leaves the field out (see match-syntax.ts, finishMatch), so the flow installed matches
 * every packet. `checkPrereqs` is for callers that want to warn about such matches or that build matches themselves
 * (learn); the flow parser reproduces OVS's silent dropping instead.
 */

import { getBits } from './bits.js';
import { FIELDS, Prereq, type FieldDef } from './fields.js';
import {
  CtState,
  ETH_TYPE_ARP,
  ETH_TYPE_IP,
  ETH_TYPE_IPV6,
  ETH_TYPE_RARP,
  FRAG_LATER,
  IPPROTO_ICMP,
  IPPROTO_ICMPV6,
  IPPROTO_SCTP,
  IPPROTO_TCP,
  IPPROTO_UDP,
  VLAN_CFI,
  W,
} from './key-layout.js';
import type { Match } from './match.js';

const ND_NEIGHBOR_SOLICIT = 135;
const ND_NEIGHBOR_ADVERT = 136;

function dlType(key: Uint32Array): number {
  return key[W.DL_TYPE_VLAN] >>> 16;
}

function nwProto(key: Uint32Array): number {
  return key[W.NW] >>> 24;
}

function isIpAny(key: Uint32Array): boolean {
  const t = dlType(key);
  return t === ETH_TYPE_IP || t === ETH_TYPE_IPV6;
}

/** nw_proto is `proto` (read only when the dl_type allows it, and then recorded in `wc`). */
function isProto(key: Uint32Array, wc: Uint32Array | undefined, dlTypeOk: boolean, proto: number): boolean {
  if (!dlTypeOk) return false;
  if (wc !== undefined) wc[W.NW] |= 0xff000000;
  return nwProto(key) === proto;
}

function isL4(key: Uint32Array, wc: Uint32Array | undefined, proto: number): boolean {
  return isProto(key, wc, isIpAny(key), proto) && (key[W.NW] & FRAG_LATER) === 0;
}

function isIcmpv6(key: Uint32Array, wc: Uint32Array | undefined): boolean {
  return isProto(key, wc, dlType(key) === ETH_TYPE_IPV6, IPPROTO_ICMPV6);
}

/** OVS's is_nd: ICMPv6 code 0 with type neighbour solicitation or advertisement (`type` when given). */
function isNd(key: Uint32Array, wc: Uint32Array | undefined, type?: number): boolean {
  if (!isIcmpv6(key, wc)) return false;
  if (wc !== undefined) wc[W.TP] |= 0x00ff00ff;
  const t = (key[W.TP] >>> 16) & 0xff;
  if ((key[W.TP] & 0xff) !== 0) return false;
  return type === undefined ? t === ND_NEIGHBOR_SOLICIT || t === ND_NEIGHBOR_ADVERT : t === type;
}

const CS_VALID_IN_PACKET = CtState.NEW | CtState.ESTABLISHED | CtState.REPLY_DIR;
const CS_VALID_IN_MATCH =
  CtState.NEW | CtState.ESTABLISHED | CtState.RELATED | CtState.REPLY_DIR | CtState.SRC_NAT | CtState.DST_NAT;

function ctState(words: Uint32Array): number {
  return (words[W.CT_STATE_ZONE] >>> 16) & 0xff;
}

/**
 * Whether the values in `key` satisfy `prereq`. `ctMask` is given when checking a match: a match shows a valid
 * conntrack state by pinning one of the states that imply it, or by pinning +trk together with -inv. `wc`, given
 * when checking a packet during translation, receives the bits the answer depended on.
 */
function prereqHolds(prereq: Prereq, key: Uint32Array, wc?: Uint32Array, ctMask?: number): boolean {
  switch (prereq) {
    case Prereq.NONE:
    case Prereq.ETHERNET:
      return true;
    case Prereq.ARP:
      return dlType(key) === ETH_TYPE_ARP || dlType(key) === ETH_TYPE_RARP;
    case Prereq.VLAN_VID:
      if (wc !== undefined) wc[W.DL_TYPE_VLAN] |= VLAN_CFI;
      return (key[W.DL_TYPE_VLAN] & VLAN_CFI) !== 0;
    case Prereq.IPV4:
      return dlType(key) === ETH_TYPE_IP;
    case Prereq.IPV6:
      return dlType(key) === ETH_TYPE_IPV6;
    case Prereq.IP_ANY:
      return isIpAny(key);
    case Prereq.TCP:
      return isL4(key, wc, IPPROTO_TCP);
    case Prereq.UDP:
      return isL4(key, wc, IPPROTO_UDP);
    case Prereq.SCTP:
      return isL4(key, wc, IPPROTO_SCTP);
    case Prereq.ICMPV4:
      return isProto(key, wc, dlType(key) === ETH_TYPE_IP, IPPROTO_ICMP);
    case Prereq.ICMPV6:
      return isIcmpv6(key, wc);
    case Prereq.ND:
      return isNd(key, wc);
    case Prereq.ND_SOLICIT:
      return isNd(key, wc, ND_NEIGHBOR_SOLICIT);
    case Prereq.ND_ADVERT:
      return isNd(key, wc, ND_NEIGHBOR_ADVERT);
    case Prereq.CT_VALID: {
      const state = ctState(key);
      if (ctMask === undefined) {
        // A packet's valid conntrack state always has one of these bits (OVS is_ct_valid on an extracted flow).
        if (wc !== undefined) wc[W.CT_STATE_ZONE] |= CS_VALID_IN_PACKET << 16;
        return (state & CS_VALID_IN_PACKET) !== 0;
      }
      return (
        (state & CS_VALID_IN_MATCH) !== 0 ||
        ((state & CtState.TRACKED) !== 0 && (ctMask & CtState.INVALID) !== 0 && (state & CtState.INVALID) === 0)
      );
    }
  }
}

/**
 * Whether a packet with flow key `key` has the headers `field` lives in (set_field/load/move/learn validity). With
 * `wc` (the translation's wildcards) the key bits the answer depends on are recorded there.
 */
export function prereqsOk(key: Uint32Array, field: FieldDef, wc?: Uint32Array): boolean {
  return prereqHolds(field.prereq, key, wc);
}

/**
 * Whether `match` pins what `field` needs: the switch's check when it decodes a flow's match, and ofpacts_check's
 * for the fields a rule's actions read and write.
 */
export function matchPrereqsOk(match: Match, field: FieldDef): boolean {
  return prereqHolds(field.prereq, match.key, undefined, ctState(match.mask));
}

/** Fields that share bits in the key share this (word and shift) identity. */
function storage(field: FieldDef): string {
  return `${field.lastWord}:${field.shift}`;
}

/**
 * The first field `match` pins whose prerequisites it does not pin, as a message in OVS's words, or undefined.
 * Fields that share storage (arp_spa and nw_src, icmp_type and tcp_src, nd_sll and arp_sha) count as satisfied when
 * any of the names for those bits is.
 */
export function checkPrereqs(match: Match): string | undefined {
  const satisfied = new Set<string>();
  const offenders: FieldDef[] = [];
  for (const field of FIELDS) {
    // arp_op is nw_proto under another name; its 16-bit table entry reaches past the nw_proto byte.
    if (field.name === 'arp_op' || getBits(match.mask, field) === 0n) continue;
    if (matchPrereqsOk(match, field)) satisfied.add(storage(field));
    else offenders.push(field);
  }
  const bad = offenders.find((f) => !satisfied.has(storage(f)));
  return bad === undefined ? undefined : `prerequisites not met for matching ${bad.name}`;
}
