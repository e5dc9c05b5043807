/**
 * Field prerequisites checked against a packet's flow (OVS mf_are_prereqs_ok), for set_field/load/move in xlate:
 * writing tcp_dst into a UDP packet's key does nothing. The check reads key fields, so it records them in the
 * wildcards like OVS does (dl_type is always exact anyway; nw_proto, the ICMPv6 type, the VLAN present bit and
 * ct_state are recorded here).
 *
 * TCP/UDP/SCTP fields also need the packet not to be a later fragment: it carries no L4 header, so OVS treats its
 * port fields as absent (a `move:` from tcp_dst is skipped there). ICMP fields have no such rule in OVS.
 */

import { Prereq, type FieldDef } from '../flow/fields.js';
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
} from '../flow/key-layout.js';

function ipProto(flow: Uint32Array, wc: Uint32Array, dlOk: boolean, proto: number): boolean {
  if (!dlOk) return false;
  wc[W.NW] |= 0xff000000;
  return flow[W.NW] >>> 24 === proto;
}

/**
 * A TCP/UDP/SCTP header is present: the protocol matches and the packet is not a later fragment. nw_frag is not
 * recorded here (as in OVS): translation makes it exact for every IP packet anyway.
 */
function l4Proto(flow: Uint32Array, wc: Uint32Array, dlOk: boolean, proto: number): boolean {
  return ipProto(flow, wc, dlOk, proto) && (flow[W.NW] & FRAG_LATER) === 0;
}

function icmpv6Type(flow: Uint32Array, wc: Uint32Array, types: readonly number[]): boolean {
  const t = flow[W.DL_TYPE_VLAN] >>> 16;
  if (!ipProto(flow, wc, t === ETH_TYPE_IPV6, IPPROTO_ICMPV6)) return false;
  wc[W.TP] |= 0x00ff00ff;
  return types.includes((flow[W.TP] >>> 16) & 0xff) && (flow[W.TP] & 0xff) === 0;
}

export function prereqsOk(field: FieldDef, flow: Uint32Array, wc: Uint32Array): boolean {
  const t = flow[W.DL_TYPE_VLAN] >>> 16;
  const ip = t === ETH_TYPE_IP || t === ETH_TYPE_IPV6;
  switch (field.prereq) {
    case Prereq.NONE:
    case Prereq.ETHERNET:
      return true;
    case Prereq.ARP:
      return t === ETH_TYPE_ARP || t === ETH_TYPE_RARP;
    case Prereq.VLAN_VID:
      wc[W.DL_TYPE_VLAN] |= VLAN_CFI;
      return (flow[W.DL_TYPE_VLAN] & VLAN_CFI) !== 0;
    case Prereq.IPV4:
      return t === ETH_TYPE_IP;
    case Prereq.IPV6:
      return t === ETH_TYPE_IPV6;
    case Prereq.IP_ANY:
      return ip;
    case Prereq.TCP:
      return l4Proto(flow, wc, ip, IPPROTO_TCP);
    case Prereq.UDP:
      return l4Proto(flow, wc, ip, IPPROTO_UDP);
    case Prereq.SCTP:
      return l4Proto(flow, wc, ip, IPPROTO_SCTP);
    case Prereq.ICMPV4:
      return ipProto(flow, wc, t === ETH_TYPE_IP, IPPROTO_ICMP);
    case Prereq.ICMPV6:
      return ipProto(flow, wc, t === ETH_TYPE_IPV6, IPPROTO_ICMPV6);
    case Prereq.ND:
      return icmpv6Type(flow, wc, [135, 136]);
    case Prereq.ND_SOLICIT:
      return icmpv6Type(flow, wc, [135]);
    case Prereq.ND_ADVERT:
      return icmpv6Type(flow, wc, [136]);
    case Prereq.CT_VALID: {
      wc[W.CT_STATE_ZONE] |= (CtState.TRACKED | CtState.INVALID) << 16;
      const st = (flow[W.CT_STATE_ZONE] >>> 16) & 0xff;
      return (st & CtState.TRACKED) !== 0 && (st & CtState.INVALID) === 0;
    }
  }
}
