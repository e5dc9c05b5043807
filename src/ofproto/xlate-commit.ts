/**
 * The commit model: turning the difference between what the packet is (base flow) and what the pipeline wants it to
 * be (flow) into datapath actions (OVS odp-util.c commit_odp_actions).
 *
 * Xlate edits `flow` freely while it runs OpenFlow actions; nothing reaches the datapath action list until something
 * needs the packet as it stands — an output, a recirculation, conntrack, a packet-in. Then `commitFlow` emits, header
 * by header in OVS's order (Ethernet, IPv4/IPv6 (+ND) or ARP, L4 ports, ICMP type/code, VLAN, skb_mark), one
 * `set_masked` per changed header, and makes base equal to flow. A packet rewritten once and output twice therefore
 * carries the sets once, before the first output.
 *
 * Masks follow OVS's commit(): a field takes part in a set only if it differs from base, and then with the bits the
 * translation recorded for it in the wildcards (set_field/load/move record the bits they write), so a whole-field
 * rewrite prints as `set(eth(src=…))` and a masked one as `src=…/mask`.
 *
 * VLANs (OVS commit_vlan_action): the flow has up to two tags, outer (TCI in DL_TYPE_VLAN, TPID in `tpids`) and inner
 * (VLAN_TCI1, TPID included). Tags equal in flow and base are skipped from the innermost outwards; every remaining
 * base tag is popped (its TCI becomes part of the megaflow) and every remaining flow tag pushed, innermost first. So a
 * push_vlan on a tagged packet commits as one push, a changed VID as pop + push. `push_vlan.tci` is the on-wire TCI
 * (OVS's "present" CFI bit stripped).
 *
 * ARP and ICMP type/code rewrites are committed as whole-header (unmasked) sets — every field of the header, changed or
 * not, with its full mask in the megaflow — and make the flow slow-pathed, as in OVS (returns 'action'): the kernel
 * datapath cannot set them, so OVS's commit_set_arp_action / commit_set_icmp_action ask for the slow path.
 */

import {
  ETH_TYPE_ARP,
  ETH_TYPE_IP,
  ETH_TYPE_IPV6,
  FRAG_LATER,
  IPPROTO_ICMP,
  IPPROTO_ICMPV6,
  IPPROTO_SCTP,
  IPPROTO_TCP,
  IPPROTO_UDP,
  KEY_WORDS,
  VLAN_CFI,
  W,
} from '../flow/key-layout.js';
import type { DpAction, DpHeader } from './dp-actions.js';

/** One field of a datapath header: the key words and bits it occupies. */
type Seg = readonly [word: number, mask: number];
type FieldSegs = readonly Seg[];

const ALL = 0xffffffff;
const mac = (w: number): FieldSegs => [
  [w, 0xffff],
  [w + 1, ALL],
];
const ip6 = (w: number): FieldSegs => [
  [w, ALL],
  [w + 1, ALL],
  [w + 2, ALL],
  [w + 3, ALL],
];

/**
 * A header's fields flattened into typed arrays (segment i: key word `words[i]`, bits `masks[i]`; field f's segments
 * end before `ends[f]`), so the check that runs at every commit — does anything differ? — is one tight loop.
 */
interface HeaderFields {
  readonly words: Int32Array;
  readonly masks: Int32Array;
  readonly ends: Int32Array;
}

function flatten(fields: readonly FieldSegs[]): HeaderFields {
  const words: number[] = [];
  const masks: number[] = [];
  const ends: number[] = [];
  for (const segs of fields) {
    for (const [w, m] of segs) {
      words.push(w);
      masks.push(m | 0);
    }
    ends.push(words.length);
  }
  return { words: Int32Array.from(words), masks: Int32Array.from(masks), ends: Int32Array.from(ends) };
}

const ETH_FIELDS = flatten([mac(W.DL_SRC), mac(W.DL_DST)]);
const IPV4_FIELDS = flatten([[[W.NW_SRC, ALL]], [[W.NW_DST, ALL]], [[W.NW, 0x00ff0000]], [[W.NW, 0x0000ff00]]]);
const IPV6_FIELDS = flatten([
  ip6(W.IPV6_SRC),
  ip6(W.IPV6_DST),
  [[W.IPV6_LABEL, 0xfffff]],
  [[W.NW, 0x00ff0000]],
  [[W.NW, 0x0000ff00]],
]);
const ND_FIELDS = flatten([ip6(W.ND_TARGET), mac(W.ARP_SHA), mac(W.ARP_THA)]);
const ARP_FIELDS = flatten([
  [[W.NW_SRC, ALL]],
  [[W.NW_DST, ALL]],
  [[W.NW, 0xff000000]],
  mac(W.ARP_SHA),
  mac(W.ARP_THA),
]);
const L4_FIELDS = flatten([[[W.TP, 0xffff0000]], [[W.TP, 0x0000ffff]]]);
const MARK_FIELDS = flatten([[[W.PKT_MARK, ALL]]]);

/*
 * Interned datapath actions. A megaflow keeps its actions as long as it lives, and the simple ones repeat across
 * megaflows: sharing one object per distinct action (they are read-only) keeps the garbage collector from copying
 * and tracing a few more objects per installed megaflow.
 */
const POP_VLAN: DpAction = { kind: 'pop_vlan' };
const outputs = new Map<number, DpAction>();
const pushes = new Map<number, DpAction>();

/** `output(port)`, shared. */
export function outputTo(port: number): DpAction {
  let a = outputs.get(port);
  if (a === undefined) outputs.set(port, (a = { kind: 'output', port }));
  return a;
}

function pushVlan(tpid: number, tci: number): DpAction {
  const k = tpid * 0x10000 + tci;
  let a = pushes.get(k);
  if (a === undefined) pushes.set(k, (a = { kind: 'push_vlan', tpid, tci }));
  return a;
}

/** The packet's VLAN tag protocol (the key has no TPID): tracked beside flow and base. */
export interface VlanTpids {
  flow: number;
  base: number;
}

/** Whether segments [from, to) of `h` differ between flow and base. */
function differs(flow: Uint32Array, base: Uint32Array, h: HeaderFields, from: number, to: number): boolean {
  const words = h.words;
  const masks = h.masks;
  for (let i = from; i < to; i++) {
    const w = words[i];
    if (((flow[w] ^ base[w]) & masks[i]) !== 0) return true;
  }
  return false;
}

/**
 * Emits a set_masked for `header` if any of `fields` differs; mask = the recorded wildcard bits of each differing
 * field, plus the differing bits themselves, or with `fullMask` (an unmasked set) every bit of every field. Copies
 * the set bits into base and ORs the mask into wc.
 */
function commitHeader(
  header: DpHeader,
  fields: HeaderFields,
  flow: Uint32Array,
  base: Uint32Array,
  wc: Uint32Array,
  out: DpAction[],
  fullMask: boolean,
): boolean {
  // Nearly always nothing differs: find that out before allocating anything.
  if (!differs(flow, base, fields, 0, fields.words.length)) return false;
  const key = new Uint32Array(KEY_WORDS);
  const mask = new Uint32Array(KEY_WORDS);
  const words = fields.words;
  const masks = fields.masks;
  const ends = fields.ends;
  let from = 0;
  for (let f = 0; f < ends.length; f++) {
    const to = ends[f];
    if (fullMask || differs(flow, base, fields, from, to)) {
      for (let i = from; i < to; i++) {
        const w = words[i];
        const m = masks[i] >>> 0;
        const bits = fullMask ? m : ((wc[w] | (flow[w] ^ base[w])) & m) >>> 0;
        mask[w] = (mask[w] | bits) >>> 0;
      }
    }
    from = to;
  }
  for (let w = 0; w < KEY_WORDS; w++) {
    const m = mask[w];
    if (m === 0) continue;
    key[w] = (flow[w] & m) >>> 0;
    base[w] = ((base[w] & ~m) | key[w]) >>> 0;
    wc[w] = (wc[w] | m) >>> 0;
  }
  out.push({ kind: 'set_masked', header, key, mask });
  return true;
}

/**
 * Brings the packet (base) in line with `flow`, appending datapath actions to `out`. Returns a slow-path reason
 * ('action') when a rewrite needs the slow path (ARP fields, ICMP type/code), else null.
 */
export function commitFlow(
  flow: Uint32Array,
  base: Uint32Array,
  wc: Uint32Array,
  tpids: VlanTpids,
  out: DpAction[],
): 'action' | null {
  let slow: 'action' | null = null;
  commitHeader('eth', ETH_FIELDS, flow, base, wc, out, false);

  const dlType = base[W.DL_TYPE_VLAN] >>> 16;
  const nwProto = flow[W.NW] >>> 24;
  if (dlType === ETH_TYPE_IP && nwProto !== 0) {
    commitHeader('ipv4', IPV4_FIELDS, flow, base, wc, out, false);
  } else if (dlType === ETH_TYPE_IPV6 && nwProto !== 0) {
    commitHeader('ipv6', IPV6_FIELDS, flow, base, wc, out, false);
    if (nwProto === IPPROTO_ICMPV6) commitHeader('nd', ND_FIELDS, flow, base, wc, out, false);
  } else if (dlType === ETH_TYPE_ARP) {
    if (commitHeader('arp', ARP_FIELDS, flow, base, wc, out, true)) slow = 'action';
  }

  if ((dlType === ETH_TYPE_IP || dlType === ETH_TYPE_IPV6) && (base[W.NW] & FRAG_LATER) === 0) {
    if (nwProto === IPPROTO_TCP) commitHeader('tcp', L4_FIELDS, flow, base, wc, out, false);
    else if (nwProto === IPPROTO_UDP) commitHeader('udp', L4_FIELDS, flow, base, wc, out, false);
    else if (nwProto === IPPROTO_SCTP) commitHeader('sctp', L4_FIELDS, flow, base, wc, out, false);
    else if (nwProto === IPPROTO_ICMP && dlType === ETH_TYPE_IP) {
      if (commitHeader('icmpv4', L4_FIELDS, flow, base, wc, out, true)) slow = 'action';
    } else if (nwProto === IPPROTO_ICMPV6 && dlType === ETH_TYPE_IPV6) {
      if (commitHeader('icmpv6', L4_FIELDS, flow, base, wc, out, true)) slow = 'action';
    }
  }

  commitVlan(flow, base, wc, tpids, out);
  commitHeader('skb_mark', MARK_FIELDS, flow, base, wc, out, false);
  return slow;
}

/** One VLAN slot as OVS's qtag (tpid << 16 | tci), 0 when absent: slot 0 is the outer tag, slot 1 the inner one. */
function qtag(key: Uint32Array, tpid: number, slot: number): number {
  if (slot === 1) return key[W.VLAN_TCI1];
  const tci = key[W.DL_TYPE_VLAN] & 0xffff;
  return tci & VLAN_CFI ? ((tpid << 16) | tci) >>> 0 : 0;
}

/** flow_count_vlan_headers: present tags from the outside in. */
function vlanCount(key: Uint32Array): number {
  if (!(key[W.DL_TYPE_VLAN] & VLAN_CFI)) return 0;
  return key[W.VLAN_TCI1] & VLAN_CFI ? 2 : 1;
}

function commitVlan(flow: Uint32Array, base: Uint32Array, wc: Uint32Array, tpids: VlanTpids, out: DpAction[]): void {
  let baseN = vlanCount(base) - 1;
  let flowN = vlanCount(flow) - 1;
  // flow_skip_common_vlan_headers: compare from the innermost tag outwards.
  while (baseN >= 0 && flowN >= 0 && qtag(base, tpids.base, baseN) === qtag(flow, tpids.flow, flowN)) {
    baseN--;
    flowN--;
  }
  if (baseN < 0 && flowN < 0) return;
  for (; baseN >= 0; baseN--) {
    out.push(POP_VLAN);
    if (baseN === 0) wc[W.DL_TYPE_VLAN] = (wc[W.DL_TYPE_VLAN] | 0xffff) >>> 0;
    else wc[W.VLAN_TCI1] = 0xffffffff;
  }
  for (; flowN >= 0; flowN--) {
    const q = qtag(flow, tpids.flow, flowN);
    out.push(pushVlan(q >>> 16, q & ~VLAN_CFI & 0xffff));
  }
  base[W.DL_TYPE_VLAN] = ((base[W.DL_TYPE_VLAN] & 0xffff0000) | (flow[W.DL_TYPE_VLAN] & 0xffff)) >>> 0;
  base[W.VLAN_TCI1] = flow[W.VLAN_TCI1];
  tpids.base = tpids.flow;
}
