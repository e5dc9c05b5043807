/**
 * The one place trace printing calls the flow-syntax printers (match-syntax's formatMatch, action-syntax's
 * formatActions), plus OVS's flow_format: a packet's flow key printed as a match over the fields that packet has.
 *
 * flow_format (lib/flow.c) prints an exact match on the packet's own fields (in_port, vlan_tci, Ethernet, and the L3/L4
 * fields its dl_type and nw_proto give it) plus the metadata that is nonzero (registers, metadata, recirc_id,
 * conntrack state, pkt_mark, tunnel id). A match whose recirc_id is pinned (a megaflow, or a recirculated flow) gets
 * `eth,` before its protocol, as match_format does for datapath flows.
 */

import { fieldNamed, type FieldDef } from '../flow/fields.js';
import { setBits } from '../flow/bits.js';
import {
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
  KEY_WORDS,
  W,
} from '../flow/key-layout.js';
import { Match } from '../flow/match.js';
import { formatMatch } from '../flow/match-syntax.js';
import { formatActions } from './actions/print.js';
import type { Action } from './actions/types.js';
import type { BridgePortNamer } from './port-namer.js';

/** A rule's match as the trace prints it (no priority; the trace appends ", priority N"). */
export function traceRuleMatch(match: Match, namer: BridgePortNamer | undefined): string {
  return formatMatch(match, undefined, { portNamer: namer });
}

/** One action as the trace prints it on its own line. */
export function traceAction(action: Action, namer: BridgePortNamer | undefined): string {
  return formatActions([action], { namer });
}

const F = {
  inPort: fieldNamed('in_port'),
  vlanTci: fieldNamed('vlan_tci'),
  dlSrc: fieldNamed('dl_src'),
  dlDst: fieldNamed('dl_dst'),
  dlType: fieldNamed('dl_type'),
  nwSrc: fieldNamed('nw_src'),
  nwDst: fieldNamed('nw_dst'),
  ipv6Src: fieldNamed('ipv6_src'),
  ipv6Dst: fieldNamed('ipv6_dst'),
  ipv6Label: fieldNamed('ipv6_label'),
  nwProto: fieldNamed('nw_proto'),
  nwTos: fieldNamed('nw_tos'),
  nwEcn: fieldNamed('nw_ecn'),
  nwTtl: fieldNamed('nw_ttl'),
  nwFrag: fieldNamed('nw_frag'),
  arpSha: fieldNamed('arp_sha'),
  arpTha: fieldNamed('arp_tha'),
  tpSrc: fieldNamed('tcp_src'),
  tpDst: fieldNamed('tcp_dst'),
  tcpFlags: fieldNamed('tcp_flags'),
  ndTarget: fieldNamed('nd_target'),
};

function exact(m: Match, f: FieldDef): void {
  setBits(m.mask, f, (1n << BigInt(f.nbits)) - 1n);
}

/** The mask flow_format uses for `flow`. */
export function flowFormatMask(flow: Uint32Array): Uint32Array {
  const m = new Match(flow.slice());
  for (const f of [F.inPort, F.vlanTci, F.dlSrc, F.dlDst, F.dlType]) exact(m, f);
  const dlType = flow[W.DL_TYPE_VLAN] >>> 16;
  const proto = flow[W.NW] >>> 24;
  if (dlType === ETH_TYPE_IP || dlType === ETH_TYPE_IPV6) {
    if (dlType === ETH_TYPE_IP) {
      exact(m, F.nwSrc);
      exact(m, F.nwDst);
    } else {
      exact(m, F.ipv6Src);
      exact(m, F.ipv6Dst);
      exact(m, F.ipv6Label);
    }
    for (const f of [F.nwProto, F.nwTos, F.nwEcn, F.nwTtl, F.nwFrag]) exact(m, f);
    m.mask[W.NW] |= 0x00ff0000;
    const later = (flow[W.NW] & FRAG_LATER) !== 0;
    if (!later && (proto === IPPROTO_TCP || proto === IPPROTO_UDP || proto === IPPROTO_SCTP)) {
      exact(m, F.tpSrc);
      exact(m, F.tpDst);
      if (proto === IPPROTO_TCP) exact(m, F.tcpFlags);
    } else if (!later && (proto === IPPROTO_ICMP || proto === IPPROTO_ICMPV6)) {
      m.mask[W.TP] = 0xffffffff;
      if (proto === IPPROTO_ICMPV6 && ((flow[W.TP] >>> 16) & 0xff) >= 135 && ((flow[W.TP] >>> 16) & 0xff) <= 136) {
        exact(m, F.ndTarget);
        exact(m, F.arpSha);
        exact(m, F.arpTha);
      }
    }
  } else if (dlType === ETH_TYPE_ARP || dlType === ETH_TYPE_RARP) {
    exact(m, F.nwSrc);
    exact(m, F.nwDst);
    m.mask[W.NW] |= 0xff000000;
    exact(m, F.arpSha);
    exact(m, F.arpTha);
  }
  // Nonzero metadata.
  for (let w = 0; w < W.CONJ_ID; w++) if (flow[w] !== 0) m.mask[w] = 0xffffffff;
  if (flow[W.CT_STATE_ZONE] !== 0) m.mask[W.CT_STATE_ZONE] = 0x00ffffff;
  return m.mask;
}

/** flow_format: the packet's flow key as ofproto/trace prints it after `Flow:`. */
export function traceFlow(flow: Uint32Array, namer: BridgePortNamer | undefined): string {
  const mask = flowFormatMask(flow);
  return traceMatchWithMask(flow, mask, namer);
}

/** A megaflow (flow key under the translation's wildcards), as ofproto/trace prints it after `Megaflow:`. */
export function traceMegaflow(flow: Uint32Array, wc: Uint32Array, namer: BridgePortNamer | undefined): string {
  const mask = wc.slice();
  // "No VLAN tag" is structural in OVS's datapath key and does not print.
  if ((mask[W.DL_TYPE_VLAN] & 0xffff) === 0x1000 && !(flow[W.DL_TYPE_VLAN] & 0x1000)) mask[W.DL_TYPE_VLAN] &= 0xffff0000;
  // Likewise "not tunneled".
  if (flow[W.TUN_DST] === 0) mask[W.TUN_DST] = 0;
  return traceMatchWithMask(flow, mask, namer);
}

function traceMatchWithMask(flow: Uint32Array, mask: Uint32Array, namer: BridgePortNamer | undefined): string {
  const key = new Uint32Array(KEY_WORDS);
  for (let i = 0; i < KEY_WORDS; i++) key[i] = (flow[i] & mask[i]) >>> 0;
  const text = formatMatch(new Match(key, mask.slice()), undefined, { portNamer: namer });
  if (mask[W.RECIRC_ID] !== 0xffffffff) return text;
  // match_format puts "eth" (packet_type) after the recirc/conntrack metadata, before the protocol.
  const parts = text.split(',');
  let i = 0;
  while (i < parts.length && /^(pkt_mark|recirc_id|conj_id|ct_[a-z0-9_]+)=/.test(parts[i])) i++;
  parts.splice(i, 0, 'eth');
  return parts.join(',');
}
