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
import { getBits, setBits } from '../flow/bits.js';
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
  VLAN_CFI,
  VLAN_PCP_SHIFT,
  VLAN_VID_MASK,
  W,
} from '../flow/key-layout.js';
import { Match } from '../flow/match.js';
import { formatMatch } from '../flow/match-syntax.js';
import { hexOf } from './actions/numbers.js';
import { formatActions, formatActionsHeld, formatFieldValue, formatSubfield, type OfVersion } from './actions/print.js';
import type { Action } from './actions/types.js';
import type { PortNamer } from '../flow/value-syntax.js';

/** A rule's match as the trace prints it (no priority; the trace appends ", priority N"). */
export function traceRuleMatch(match: Match, namer: PortNamer | undefined): string {
  return formatMatch(match, undefined, { portNamer: namer });
}

/**
 * One action as the trace prints it on its own line. `version` is the OpenFlow version whose spelling to use (what
 * the switch holds depends on how the rule was added); default OpenFlow10.
 */
export function traceAction(action: Action, namer: PortNamer | undefined, version?: OfVersion): string {
  return formatActions([action], { namer, version, trace: true });
}

/**
 * An action list as the trace prints it: per action, its lines — one per ofpact the switch holds for it, spelled for
 * the `version` the rule was added in, with the rule's `match` deciding what OpenFlow 1.3 made of VLAN and L4 port
 * rewrites (print.ts explains). An action that holds no ofpact prints as `drop`, as a one-action list would.
 */
export function traceActionLines(
  actions: readonly Action[],
  match: Match | undefined,
  namer: PortNamer | undefined,
  version?: OfVersion,
): string[][] {
  return formatActionsHeld(actions, { namer, version, match, trace: true }).map((l) => (l.length === 0 ? ['drop'] : l));
}

/** The field a held `set_field:…->FIELD` ofpact writes (trace text), or undefined for any other ofpact. */
export function heldSetFieldName(line: string): string | undefined {
  return line.startsWith('set_field:') ? line.slice(line.lastIndexOf('->') + 2) : undefined;
}

/**
 * xlate_report_subfield: "NXM_NX_REG2[0..15] is now 0x50". A whole field prints in the field's own format (a MAC as
 * a MAC); part of one as minimal hex, and zero as a bare "0".
 */
export function traceSubfieldIsNow(field: FieldDef, ofs: number, nbits: number, flow: Uint32Array): string {
  const sf = formatSubfield({ field, ofs, nbits });
  if (ofs === 0 && nbits >= field.nbits) return `${sf} is now ${formatFieldValue(field, getBits(flow, field), undefined)}`;
  return `${sf} is now ${hexOf(getBits(flow, field, ofs, nbits))}`;
}

/**
 * The action set as "action set is: …" prints it: OVS formats it without the port names, and what it holds came from
 * OpenFlow 1.1+ write_actions, so 1.1+ spellings.
 */
export function traceActionSet(actions: readonly Action[]): string {
  return formatActions(actions, { version: 'OpenFlow13', trace: true });
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

/** Metadata fields wider than one key word: first word -> number of words. */
const MULTI_WORD_METADATA: ReadonlyMap<number, number> = new Map([
  [W.CT_LABEL, 4],
  [W.CT_IPV6_SRC, 4],
  [W.CT_IPV6_DST, 4],
  [W.METADATA, 2],
  [W.TUN_ID, 2],
  [W.TUN_IPV6_SRC, 4],
  [W.TUN_IPV6_DST, 4],
]);

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
  // Nonzero metadata, each field whole (a 64-bit tun_id or metadata with a zero half is still one value).
  for (let w = 0; w < W.CONJ_ID; w++) {
    const n = MULTI_WORD_METADATA.get(w) ?? 1;
    let nonzero = false;
    for (let i = w; i < w + n; i++) if (flow[i] !== 0) nonzero = true;
    if (nonzero) m.mask.fill(0xffffffff, w, w + n);
    w += n - 1;
  }
  if (flow[W.CT_STATE_ZONE] !== 0) m.mask[W.CT_STATE_ZONE] = 0x00ffffff;
  return m.mask;
}

/** flow_format: the packet's flow key as ofproto/trace prints it after `Flow:`. */
export function traceFlow(flow: Uint32Array, namer: PortNamer | undefined): string {
  const mask = flowFormatMask(flow);
  return withInnerVlan(traceMatchWithMask(flow, mask, namer), flow);
}

/**
 * flow_format shows VLAN slots up to and including the first empty one, so a tagged packet also shows its inner slot
 * (`vlan_tci1=0x0000` when empty, `dl_vlan1=…,dl_vlan_pcp1=…` after a second push). No field of ours names that slot,
 * so its text goes in right after the outer tag's.
 */
function withInnerVlan(text: string, flow: Uint32Array): string {
  if ((flow[W.DL_TYPE_VLAN] & 0xffff) === 0) return text;
  const tci = flow[W.VLAN_TCI1] & 0xffff;
  const inner =
    tci & VLAN_CFI
      ? `dl_vlan1=${tci & VLAN_VID_MASK},dl_vlan_pcp1=${tci >>> VLAN_PCP_SHIFT}`
      : `vlan_tci1=0x${tci.toString(16).padStart(4, '0')}`;
  const parts = text.split(',');
  let last = -1;
  for (let i = 0; i < parts.length; i++) if (/^(dl_vlan|dl_vlan_pcp|vlan_tci)=/.test(parts[i])) last = i;
  if (last < 0) return text;
  parts.splice(last + 1, 0, inner);
  return parts.join(',');
}

/** A megaflow (flow key under the translation's wildcards), as ofproto/trace prints it after `Megaflow:`. */
export function traceMegaflow(flow: Uint32Array, wc: Uint32Array, namer: PortNamer | undefined): string {
  const mask = wc.slice();
  // "No VLAN tag" is structural in OVS's datapath key and does not print.
  if ((mask[W.DL_TYPE_VLAN] & 0xffff) === 0x1000 && !(flow[W.DL_TYPE_VLAN] & 0x1000)) mask[W.DL_TYPE_VLAN] &= 0xffff0000;
  // Likewise "not tunneled".
  if (flow[W.TUN_DST] === 0) mask[W.TUN_DST] = 0;
  return traceMatchWithMask(flow, mask, namer);
}

function traceMatchWithMask(flow: Uint32Array, mask: Uint32Array, namer: PortNamer | undefined): string {
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
