/**
 * Xlate: the slow path. Runs a packet's flow key through the OpenFlow pipeline and produces datapath actions
 * (OVS ofproto/ofproto-dpif-xlate.c).
 *
 * What? `xlate(switch, bridge, key, opts)` looks the key up in table 0 (or, for a recirculated packet, thaws the
 * frozen state and resumes in its table), interprets the matching rule's actions — resubmits and goto_table into
 * other tables, outputs through patch ports into other bridges, NORMAL switching — and returns:
 *   - `dpActions`, the datapath actions for the packet (committed header rewrites, VLAN push/pop, outputs, packet-ins,
 *     conntrack and recirculation);
 *   - `wc`, the megaflow mask: every key bit the result depended on;
 *   - `sideEffects`, the OpenFlow state changes the packet causes, as data (applied by commitSideEffects, never here);
 *   - a drop reason or translation error, and optionally a trace.
 *
 * The commit model (xlate-commit.ts). The context keeps `flow` (what the pipeline says the packet is) and `base`
 * (what the datapath packet is); actions edit `flow`, and differences are committed as datapath actions only before
 * something that needs the packet: an output, a packet-in, conntrack, a clone.
 *
 * The action set (xlate-action-set.ts). write_actions adds to it and clear_actions empties it; it runs once, after
 * everything else, at the end of the translation (and at the end of a patch peer's pipeline, and of a clone(), each
 * with a set of its own).
 *
 * Limits, as OVS: a resubmit to the same or an earlier table deepens the recursion (a forward resubmit or goto_table
 * does not); depth 64 or 4096 resubmits in one translation fail the whole translation — the packet is dropped, outputs
 * done before included. An error inside a patch peer's bridge does not propagate back (OVS resets it).
 *
 * Un-wildcarding. Besides the classifier's own recording, actions un-wildcard what they read or write (set_field,
 * load, move: the bits written and read; dec_ttl: nw_ttl; NORMAL: MACs, VLAN, and what the gratuitous-ARP test reads;
 * learn: its source fields; output:reg: its source). At the end (xlate_wc_finish) in_port, dl_type, recirc_id and,
 * for IP, nw_frag are always exact; registers, metadata and conj_id are wildcarded again (they are not packet fields:
 * a thawed packet gets them from its frozen state); the VLAN "present" bit is always exact (our key has no separate
 * TPID, so tagged and untagged packets must never share a megaflow); for a packet that did not arrive through a
 * tunnel the tunnel fields are wildcarded except tun_dst, which stays exact (= "no tunnel"). Known imprecision: no
 * prefix tries, so address matches are recorded in full (megaflows finer than OVS's, never coarser).
 *
 * Performance. The upcall path runs this for every new megaflow, so a translation allocates little: the context's
 * flow and wildcards (which the result keeps) are views onto a slab (xlate-slab.ts), its base and what patch ports
 * and clones save and restore come from a stack of reusable save areas, bit-field reads and writes of up to 32 bits
 * go through plain numbers (bits.ts getNum/setNum/setOnes) rather than bigint, trace text is built only when tracing,
 * and the records a megaflow keeps for its whole life (rule hits, simple datapath actions, MAC learning) are shared
 * between translations rather than made anew. No per-action allocation except datapath actions that carry data.
 */

import { copyBits, getBits, getNum, setBits, setNum, setOnes } from '../flow/bits.js';
import { fieldNamed, type FieldDef } from '../flow/fields.js';
import {
  ETH_TYPE_ARP,
  ETH_TYPE_IP,
  ETH_TYPE_IPV6,
  ETH_TYPE_VLAN_8021Q,
  FRAG_ANY,
  FRAG_LATER,
  IPPROTO_ICMP,
  IPPROTO_ICMPV6,
  KEY_WORDS,
  OfpPort,
  VLAN_CFI,
  W,
} from '../flow/key-layout.js';
import { prereqsOk } from '../flow/prereqs.js';
import type { Action, CtAction, DecTtlAction, LearnAction } from './actions/types.js';
import type { Bridge } from './bridge.js';
import type { DpAction } from './dp-actions.js';
import { learnedFlow, learnMask } from './learn.js';
import type { Port } from './port.js';
import { FROZEN_WORDS_END, FROZEN_WORDS_START } from './recirc.js';
import type { Rule } from './rule.js';
import { emptySideEffects, type RuleHit, type SideEffects } from './side-effects.js';
import type { Switch } from './switch.js';
import type { TraceNode, TraceNodeType } from './trace.js';
import {
  heldSetFieldName,
  traceAction,
  traceActionLines,
  traceActionSet,
  traceRuleMatch,
  traceSubfieldIsNow,
} from './trace-syntax.js';
import { actionSetToList, actsetOutputAfter } from './xlate-action-set.js';
import { commitFlow, outputTo, type VlanTpids } from './xlate-commit.js';
import { xlateNormal } from './xlate-normal.js';
import { WordSlab } from './xlate-slab.js';
import { terminateNativeTunnel, tunnelOutput, tunnelReceive } from './xlate-tunnel.js';
import type { NeighbourSighting } from '../tunnel/underlay.js';
import type { XlateDrop, XlateDropKind, XlateError, XlateOptions, XlateResult } from './xlate-types.js';

export const MAX_DEPTH = 64;
export const MAX_RESUBMITS = MAX_DEPTH * MAX_DEPTH;

const F_METADATA = fieldNamed('metadata');
const F_TUN_ID = fieldNamed('tun_id');
const F_CT_LABEL = fieldNamed('ct_label');

/** nw_proto in the NW word (for ARP: the opcode). */
const NW_PROTO_MASK = 0xff000000;
/** Fields whose set_field/load un-wildcards nw_proto of an IP packet (OVS mf_set_mask_l3_prereqs). */
const L3_PROTO_MASKING_IP: ReadonlySet<string> = new Set(['nw_src', 'nw_dst', 'ipv6_src', 'ipv6_dst', 'ipv6_label', 'nw_tos', 'nw_ecn', 'nw_ttl']);
/** Likewise for an ARP packet. */
const L3_PROTO_MASKING_ARP: ReadonlySet<string> = new Set(['arp_op', 'arp_spa', 'arp_tpa', 'arp_sha', 'arp_tha']);

/** The state of one translation (OVS struct xlate_ctx). NORMAL (xlate-normal.ts) works on it too. */
export class XlateContext {
  bridge: Bridge;
  readonly flow: Uint32Array;
  readonly base: Uint32Array;
  readonly wc: Uint32Array;
  readonly tpids: VlanTpids;
  out: DpAction[] = [];
  readonly se: SideEffects = emptySideEffects();
  depth = 0;
  resubmits = 0;
  tableId = 0;
  rule: Rule | null = null;
  exit = false;
  error: XlateError | null = null;
  conntracked = false;
  /** Why the packet is dropped if nothing comes out: the last cause seen. */
  drop: XlateDrop | null = null;
  slow: 'action' | null = null;
  /** The OpenFlow 1.1+ action set: everything write_actions wrote since the last clear_actions, in order. */
  actionSet: Action[] = [];
  /** Whether the action set is being run (a packet-in from it has reason action_set). */
  inActionSet = false;
  /** OVS's actset_output: the output port in the action set, undefined when it has none. */
  actsetOutput: number | undefined = undefined;
  /** Current trace list (children of the node being filled), or null when not tracing. */
  trace: TraceNode[] | null;
  readonly traceNames: boolean;
  /** XlateOptions.mayLearn: the translation is for a real packet. */
  mayLearn = false;
  /** Tunnel neighbours the packet revealed (xlate-tunnel.ts); null when none. */
  neighbours: NeighbourSighting[] | null = null;

  constructor(
    readonly sw: Switch,
    bridge: Bridge,
    key: Uint32Array,
    readonly nowMs: number,
    trace: boolean,
    traceNames: boolean,
    vlanTpid: number,
  ) {
    this.bridge = bridge;
    // The result keeps flow and wc: they come from a slab (see xlate-slab.ts). Nothing keeps base, so it is a save
    // area's, reused by the next translation.
    this.flow = contextWords.take(KEY_WORDS);
    this.wc = contextWords.take(KEY_WORDS);
    this.base = saves.push().flow;
    this.flow.set(key);
    this.base.set(key);
    this.tpids = { flow: vlanTpid, base: vlanTpid };
    this.trace = trace ? [] : null;
    this.traceNames = traceNames;
  }

  // --- tracing ---------------------------------------------------------------------------------------------------

  report(type: TraceNodeType, text: string): TraceNode[] | null {
    if (!this.trace) return null;
    const node: TraceNode = { type, text, subs: [] };
    this.trace.push(node);
    return node.subs;
  }

  // --- drop causes -----------------------------------------------------------------------------------------------

  noteDrop(kind: XlateDropKind, text: string): void {
    this.drop = { kind, bridge: this.bridge.name, text };
  }

  private noteNoMatch(table: number): void {
    const bridge = this.bridge.name;
    this.drop = { kind: 'no_match', bridge, table, text: `no match in table ${table} of ${bridge}` };
  }

  private noteDropRule(rule: Rule): void {
    const bridge = this.bridge.name;
    const text = `drop rule in table ${rule.table} of ${bridge} (priority ${rule.priority})`;
    this.drop = { kind: 'drop_rule', bridge, table: rule.table, priority: rule.priority, text };
  }

  private get namer() {
    return this.traceNames ? this.bridge.namer : undefined;
  }

  private reportTable(rule: Rule | null, tableId: number): void {
    if (!this.trace) return;
    let text = `${String(tableId).padStart(2)}. `;
    if (!rule) {
      text += 'No match.';
    } else {
      text += traceRuleMatch(rule.match, this.namer);
      if (!text.endsWith(' ')) text += ', ';
      text += `priority ${rule.priority}`;
      if (rule.cookie !== 0n) text += `, cookie 0x${rule.cookie.toString(16)}`;
    }
    this.trace = this.report('table', text);
  }

  // --- flow helpers ----------------------------------------------------------------------------------------------

  get dlType(): number {
    return this.flow[W.DL_TYPE_VLAN] >>> 16;
  }

  isIpAny(): boolean {
    const t = this.dlType;
    return t === ETH_TYPE_IP || t === ETH_TYPE_IPV6;
  }

  private unwildcardField(field: FieldDef, ofs = 0, nbits = field.nbits): void {
    setOnes(this.wc, field, ofs, nbits);
  }

  commit(): void {
    const slow = commitFlow(this.flow, this.base, this.wc, this.tpids, this.out);
    if (slow) this.slow = slow;
  }

  // --- tables ----------------------------------------------------------------------------------------------------

  /** rule_dpif_lookup_from_table for one table: lookup with `inPort` substituted and L4 ports hidden for fragments. */
  private lookup(tableId: number, inPort: number): Rule | null {
    const flow = this.flow;
    const savedIn = flow[W.IN_PORT];
    const savedTp = flow[W.TP];
    if (this.isIpAny() && (flow[W.NW] & FRAG_ANY) !== 0) flow[W.TP] = 0;
    flow[W.IN_PORT] = inPort;
    const rule = this.bridge.flows.tables[tableId].lookup(flow, this.wc);
    flow[W.IN_PORT] = savedIn;
    flow[W.TP] = savedTp;
    return rule;
  }

  private resourceCheck(): boolean {
    if (this.depth >= MAX_DEPTH) {
      this.report('error', `over max translation depth ${MAX_DEPTH}`);
      this.error = 'Recursion too deep';
      this.noteDrop('resubmit_depth', 'resubmit depth exceeded');
      return false;
    }
    if (this.resubmits >= MAX_RESUBMITS) {
      this.report('error', `over ${MAX_RESUBMITS} resubmit actions`);
      this.error = 'Too many resubmits';
      this.noteDrop('too_many_resubmits', 'too many resubmits');
      return false;
    }
    return true;
  }

  /** xlate_table_action: look `tableId` up (as if from `inPort`) and run the rule found. */
  tableAction(inPort: number, tableId: number, withCtOrig: boolean, isLast: boolean, asClone = false): void {
    if (!this.resourceCheck()) return;
    const oldTable = this.tableId;
    this.tableId = tableId;
    if (withCtOrig) {
      if ((this.flow[W.CT_NW_PROTO] & 0xff) === 0 || !this.isIpAny()) {
        this.report('error', 'resubmit(ct) with non-tracked or non-IP packet!');
        this.tableId = oldTable;
        return;
      }
      this.tupleSwap();
    }
    const rule = this.lookup(tableId, inPort);
    if (withCtOrig) this.tupleSwap();

    const oldTrace = this.trace;
    this.reportTable(rule, tableId);
    this.xlateRecursively(rule, tableId <= oldTable, isLast, asClone);
    this.trace = oldTrace;
    this.tableId = oldTable;
  }

  /** Runs a rule's actions one level deeper; `rule` null is the table-miss drop (no controller to send to). */
  runRule(rule: Rule | null, deepens: boolean, isLast: boolean, asClone: boolean): void {
    this.xlateRecursively(rule, deepens, isLast, asClone);
  }

  private xlateRecursively(rule: Rule | null, deepens: boolean, isLast: boolean, asClone: boolean): void {
    this.resubmits++;
    if (deepens) this.depth++;
    const oldRule = this.rule;
    this.rule = rule;
    if (rule === null) {
      this.report('action', 'drop');
      this.noteNoMatch(this.tableId);
    } else {
      this.se.ruleHits.push(ruleHit(this.bridge, rule));
      if (rule.actions.length === 0) {
        this.noteDropRule(rule);
      }
      if (asClone) this.cloneActions(rule.actions, isLast);
      else this.doActions(rule.actions, isLast);
    }
    this.rule = oldRule;
    if (deepens) this.depth--;
  }

  private tupleSwap(): void {
    const f = this.flow;
    const w = this.wc;
    const ipv4 = this.dlType === ETH_TYPE_IP;
    swapWords(f, w, W.NW, W.CT_NW_PROTO, 0xff000000, 0xff); // nw_proto <-> ct_nw_proto (different positions)
    if (ipv4) {
      swapWhole(f, w, W.NW_SRC, W.CT_NW_SRC);
      swapWhole(f, w, W.NW_DST, W.CT_NW_DST);
    } else {
      for (let i = 0; i < 4; i++) {
        swapWhole(f, w, W.IPV6_SRC + i, W.CT_IPV6_SRC + i);
        swapWhole(f, w, W.IPV6_DST + i, W.CT_IPV6_DST + i);
      }
    }
    swapWhole(f, w, W.TP, W.CT_TP);
  }

  // --- actions ---------------------------------------------------------------------------------------------------

  doActions(actions: readonly Action[], isLast: boolean): void {
    if (actions.length === 0) {
      this.report('action', 'drop');
      return;
    }
    const flow = this.flow;
    // The trace prints what the switch holds for each action, which depends on the rule's match and version. What the
    // set runs came from OpenFlow 1.1+ flow_mods, so it prints in their spelling (as OVS's trace shows it).
    const held = this.trace
      ? traceActionLines(
          actions,
          this.rule !== null && this.rule.actions === actions ? this.rule.match : undefined,
          this.namer,
          this.inActionSet ? 'OpenFlow13' : this.bridge.flowVersion,
        )
      : null;
    for (let i = 0; i < actions.length; i++) {
      if (this.error !== null || this.exit) break;
      const a = actions[i];
      // An action is not the last one when an action set is still to run after it.
      const last = isLast && i === actions.length - 1 && this.actionSet.length === 0;
      if (held !== null) for (const line of held[i]) this.report('action', line);
      switch (a.kind) {
        case 'output':
          this.outputAction(a.port, a.maxLen, last);
          break;
        case 'output_reg': {
          const port = getBits(flow, a.src.field, a.src.ofs, a.src.nbits);
          this.unwildcardField(a.src.field, a.src.ofs, a.src.nbits);
          if (port <= 0xffffn) this.outputAction(Number(port), a.maxLen, last);
          else this.report('warn', `output port ${port} is out of range`);
          break;
        }
        case 'controller':
          this.controller(a.reason, a.maxLen, a.controllerId);
          break;
        case 'resubmit': {
          const inPort = a.inPort === undefined || a.inPort === OfpPort.IN_PORT ? flow[W.IN_PORT] : a.inPort;
          this.tableAction(inPort, a.table ?? this.tableId, a.withCtOrig, last);
          break;
        }
        case 'goto_table':
          this.tableAction(flow[W.IN_PORT], a.table, false, last);
          break;
        case 'write_actions':
          this.actsetOutput = actsetOutputAfter(this.actsetOutput, a.actions);
          for (const w of a.actions) this.actionSet.push(w);
          this.reportActionSet('is');
          break;
        case 'clear_actions':
          this.reportActionSet('was');
          this.actionSet = [];
          this.actsetOutput = undefined;
          break;
        case 'write_metadata': {
          const md = getBits(flow, F_METADATA);
          setBits(flow, F_METADATA, (md & ~a.mask) | (a.value & a.mask));
          break;
        }
        case 'set_vlan_vid': {
          this.wc[W.DL_TYPE_VLAN] |= 0x0fff | VLAN_CFI;
          const tci = flow[W.DL_TYPE_VLAN] & 0xffff;
          if (tci & VLAN_CFI || a.pushIfNone) this.setTci((tci & ~0x0fff) | (a.vid & 0x0fff) | VLAN_CFI);
          break;
        }
        case 'set_vlan_pcp': {
          this.wc[W.DL_TYPE_VLAN] |= 0xe000 | VLAN_CFI;
          const tci = flow[W.DL_TYPE_VLAN] & 0xffff;
          if (tci & VLAN_CFI || a.pushIfNone) this.setTci((tci & ~0xe000) | ((a.pcp & 7) << 13) | VLAN_CFI);
          break;
        }
        case 'strip_vlan':
          this.wc[W.DL_TYPE_VLAN] |= 0xffff;
          this.popVlan();
          break;
        case 'push_vlan':
          this.pushVlan(a.ethertype);
          break;
        case 'set_field':
          this.setFieldMasked(a.field, a.value, a.mask);
          break;
        case 'load':
          if (prereqsOk(flow, a.dst.field, this.wc)) {
            this.unwildcardL3Prereqs(a.dst.field);
            this.unwildcardField(a.dst.field, a.dst.ofs, a.dst.nbits);
            if (a.dst.nbits <= 32 && a.value <= 0xffffffffn) setNum(flow, a.dst.field, Number(a.value), a.dst.ofs, a.dst.nbits);
            else setBits(flow, a.dst.field, a.value, a.dst.ofs, a.dst.nbits);
          }
          break;
        case 'move':
          if (prereqsOk(flow, a.dst.field, this.wc) && prereqsOk(flow, a.src.field, this.wc)) {
            this.unwildcardField(a.src.field, a.src.ofs, a.src.nbits);
            this.unwildcardField(a.dst.field, a.dst.ofs, a.dst.nbits);
            copyBits(flow, a.src, flow, a.dst);
          }
          // OVS reports the destination whether or not the prerequisites let the move happen.
          if (this.trace) this.report('detail', traceSubfieldIsNow(a.dst.field, a.dst.ofs, a.dst.nbits, flow));
          break;
        case 'set_eth_src':
        case 'set_eth_dst': {
          const f = fieldNamed(a.kind === 'set_eth_src' ? 'dl_src' : 'dl_dst');
          this.unwildcardField(f);
          setBits(flow, f, a.mac);
          break;
        }
        case 'set_ipv4_src':
        case 'set_ipv4_dst':
          if (this.dlType === ETH_TYPE_IP) {
            const w = a.kind === 'set_ipv4_src' ? W.NW_SRC : W.NW_DST;
            this.wc[w] = 0xffffffff;
            this.wc[W.NW] |= NW_PROTO_MASK;
            flow[w] = a.addr >>> 0;
          }
          break;
        case 'set_ip_dscp':
          if (this.isIpAny()) {
            // Added with OpenFlow 1.2+ the switch holds set_field ip_dscp, which leaves nw_proto alone (see
            // unwildcardL3Prereqs); OpenFlow 1.0's mod_nw_tos does not.
            const heldAsSetField = this.inActionSet || this.bridge.flowVersion === 'OpenFlow13';
            this.wc[W.NW] |= (heldAsSetField ? 0 : NW_PROTO_MASK) | (0xfc << 16);
            flow[W.NW] = ((flow[W.NW] & ~(0xfc << 16)) | ((a.tos & 0xfc) << 16)) >>> 0;
          }
          break;
        case 'set_ip_ecn':
          if (this.isIpAny()) {
            this.wc[W.NW] |= NW_PROTO_MASK | (0x03 << 16);
            flow[W.NW] = ((flow[W.NW] & ~(0x03 << 16)) | ((a.ecn & 3) << 16)) >>> 0;
          }
          break;
        case 'set_ip_ttl':
          if (this.isIpAny()) {
            this.wc[W.NW] |= NW_PROTO_MASK | (0xff << 8);
            flow[W.NW] = ((flow[W.NW] & ~(0xff << 8)) | ((a.ttl & 0xff) << 8)) >>> 0;
          }
          break;
        case 'set_l4_src':
        case 'set_l4_dst':
          if (this.isIpAny() && (flow[W.NW] & FRAG_LATER) === 0) {
            this.wc[W.NW] |= 0xff000000;
            const m = a.kind === 'set_l4_src' ? 0xffff0000 : 0x0000ffff;
            const v = a.kind === 'set_l4_src' ? (a.port & 0xffff) << 16 : a.port & 0xffff;
            this.wc[W.TP] |= m;
            flow[W.TP] = ((flow[W.TP] & ~m) | v) >>> 0;
          } else {
            // Added with OpenFlow 1.2+ on a TCP/UDP/SCTP match, the switch holds a set_field, whose skip OVS reports.
            const field = held !== null ? heldSetFieldName(held[i][0]) : undefined;
            if (field !== undefined) this.report('warn', `unmet prerequisites for ${field}, set_field ignored`);
          }
          break;
        case 'dec_ttl':
          if (this.decTtl(a)) return;
          break;
        case 'note':
          break;
        case 'conjunction':
          this.report('error', 'executing no-op conjunction action');
          break;
        case 'learn':
          this.learn(a);
          break;
        case 'clone':
          this.cloneActions(a.actions, last);
          break;
        case 'ct':
          this.ct(a);
          break;
        case 'ct_clear':
          if (this.conntracked) {
            this.out.push({ kind: 'ct_clear' });
            this.clearConntrack();
          }
          break;
        case 'set_tunnel':
          setBits(flow, F_TUN_ID, a.tunId);
          break;
        case 'exit':
          this.exit = true;
          break;
        case 'fin_timeout':
          this.wc[W.NW] |= 0xff000000;
          if (this.rule) {
            this.se.finTimeouts.push({
              bridge: this.bridge,
              rule: this.rule,
              idleTimeout: a.idleTimeout,
              hardTimeout: a.hardTimeout,
            });
          }
          break;
        case 'unsupported':
          this.report('error', `unsupported action ${a.text}`);
          break;
      }
    }
  }

  /** xlate_action_set: runs the action set as OpenFlow orders it, once; the set is emptied before it runs. */
  runActionSet(): void {
    const list = actionSetToList(this.actionSet);
    this.actionSet = [];
    if (list.length === 0) return;
    const outer = this.trace;
    this.trace = this.report('table', '--. Executing action set:');
    this.inActionSet = true;
    this.doActions(list, true);
    this.inActionSet = false;
    this.trace = outer;
  }

  /** xlate_report_action_set: "action set is: …" after write_actions, "action set was: …" before clear_actions. */
  private reportActionSet(verb: 'is' | 'was'): void {
    if (!this.trace) return;
    const list = actionSetToList(this.actionSet);
    this.report('detail', list.length === 0 ? `action set ${verb} empty` : `action set ${verb}: ${traceActionSet(list)}`);
  }

  setTci(tci: number): void {
    this.flow[W.DL_TYPE_VLAN] = ((this.flow[W.DL_TYPE_VLAN] & 0xffff0000) | (tci & 0xffff)) >>> 0;
  }

  /**
   * flow_push_vlan_uninit + a new empty outer tag: the outer tag (if any) moves to the inner slot, and the tags moved
   * become part of the megaflow (the datapath must push onto exactly them).
   */
  private pushVlan(tpid: number): void {
    const flow = this.flow;
    const tci = flow[W.DL_TYPE_VLAN] & 0xffff;
    if (tci & VLAN_CFI) {
      this.wc[W.DL_TYPE_VLAN] |= 0xffff;
      if (flow[W.VLAN_TCI1] & VLAN_CFI) this.wc[W.VLAN_TCI1] = 0xffffffff;
      flow[W.VLAN_TCI1] = ((this.tpids.flow << 16) | tci) >>> 0;
    } else {
      flow[W.VLAN_TCI1] = 0;
    }
    this.tpids.flow = tpid;
    this.setTci(VLAN_CFI);
  }

  /** flow_pop_vlan: the inner tag, if any, becomes the outer one. */
  private popVlan(): void {
    const flow = this.flow;
    const inner = flow[W.VLAN_TCI1];
    if (flow[W.DL_TYPE_VLAN] & VLAN_CFI && inner & VLAN_CFI) {
      this.wc[W.VLAN_TCI1] = 0xffffffff;
      this.tpids.flow = inner >>> 16;
      this.setTci(inner & 0xffff);
    } else {
      // OVS zeroes the slot's TPID; a later implicit push (mod_vlan_vid) then uses 802.1Q.
      this.tpids.flow = ETH_TYPE_VLAN_8021Q;
      this.setTci(0);
    }
    flow[W.VLAN_TCI1] = 0;
  }

  private setFieldMasked(field: FieldDef, value: bigint, mask: bigint): void {
    const flow = this.flow;
    if (!prereqsOk(flow, field, this.wc)) {
      this.report('warn', `unmet prerequisites for ${field.name}, set_field ignored`);
      return;
    }
    this.unwildcardL3Prereqs(field);
    if (field.nbits <= 32 && value <= 0xffffffffn && mask <= 0xffffffffn) {
      this.setSmallFieldMasked(field, Number(value), Number(mask));
      return;
    }
    const width = (1n << BigInt(field.nbits)) - 1n;
    const m = mask & width;
    const wcOld = getBits(this.wc, field);
    setBits(this.wc, field, wcOld | m);
    const old = getBits(flow, field);
    setBits(flow, field, (old & ~m) | (value & m));
    if (m === width) {
      for (const imp of field.implied ?? []) {
        flow[imp.word] = ((flow[imp.word] & ~imp.mask) | imp.value) >>> 0;
        this.wc[imp.word] |= imp.mask;
      }
    }
  }

  /** setFieldMasked's arithmetic for a field of at most 32 bits, in numbers (no bigint, nothing allocated). */
  private setSmallFieldMasked(field: FieldDef, value: number, mask: number): void {
    const flow = this.flow;
    const width = field.nbits === 32 ? 0xffffffff : 2 ** field.nbits - 1;
    const m = (mask & width) >>> 0;
    setNum(this.wc, field, getNum(this.wc, field) | m);
    setNum(flow, field, (getNum(flow, field) & ~m) | (value & m));
    if (m === width && field.implied !== undefined) {
      for (const imp of field.implied) {
        flow[imp.word] = ((flow[imp.word] & ~imp.mask) | imp.value) >>> 0;
        this.wc[imp.word] |= imp.mask;
      }
    }
  }

  /**
   * mf_set_mask_l3_prereqs (OVS 3.1 as Debian ships it, with "Always mask ip proto field"): writing an IP address,
   * flow label, nw_tos, ECN or TTL of an IP packet, or any ARP field of an ARP packet, makes nw_proto part of the
   * megaflow. OpenFlow 1.2+'s ip_dscp (OVS's MFF_IP_DSCP_SHIFTED) is not in OVS's list, so it does not.
   */
  private unwildcardL3Prereqs(field: FieldDef): void {
    const dlType = this.dlType;
    if ((dlType === ETH_TYPE_IP || dlType === ETH_TYPE_IPV6) && L3_PROTO_MASKING_IP.has(field.name)) this.wc[W.NW] |= NW_PROTO_MASK;
    else if (dlType === ETH_TYPE_ARP && L3_PROTO_MASKING_ARP.has(field.name)) this.wc[W.NW] |= NW_PROTO_MASK;
  }

  /** dec_ttl; true when TTL ran out (packet-in sent, the rest of this action list is skipped). */
  private decTtl(a: DecTtlAction): boolean {
    // OVS un-wildcards both before it knows the packet is IP (for ARP, nw_proto is the opcode).
    this.wc[W.NW] |= NW_PROTO_MASK | (0xff << 8);
    if (!this.isIpAny()) return false;
    const flow = this.flow;
    const ttl = (flow[W.NW] >>> 8) & 0xff;
    if (ttl > 1) {
      flow[W.NW] = ((flow[W.NW] & ~(0xff << 8)) | ((ttl - 1) << 8)) >>> 0;
      return false;
    }
    const ids = a.controllerIds.length ? a.controllerIds : [0];
    for (const id of ids) this.controller('invalid_ttl', 0xffff, id);
    this.report('warn', `IPv${this.dlType === ETH_TYPE_IPV6 ? 6 : 4} decrement TTL exception`);
    return true;
  }

  controller(reason: string, maxLen: number, controllerId: number): void {
    this.commit();
    this.out.push({
      kind: 'userspace',
      reason: 'controller',
      detail: reason,
      controllerId,
      maxLen,
      bridge: this.bridge.name,
      table: this.tableId,
      cookie: this.rule?.cookie ?? 0n,
    });
  }

  private learn(a: LearnAction): void {
    learnMask(a, this.wc);
    const spec = learnedFlow(a, this.flow);
    this.se.learns.push({ bridge: this.bridge, flow: spec, limit: a.limit });
    if (this.trace) {
      let s = `table=${spec.table} ${traceRuleMatch(spec.match, undefined)}`.trimEnd();
      s += ` priority=${spec.priority}`;
      if (spec.cookie !== 0n) s += ` cookie=0x${spec.cookie.toString(16)}`;
      if (spec.idleTimeout) s += ` idle=${spec.idleTimeout}`;
      if (spec.hardTimeout) s += ` hard=${spec.hardTimeout}`;
      if (spec.flags.includes('send_flow_rem')) s += ' send_flow_rem';
      s += ` actions=${spec.actions.map((x) => traceAction(x, undefined)).join(',') || 'drop'}`;
      this.report('detail', s);
    }
  }

  /** clone_xlate_actions: run `actions` on a copy of the flow; a datapath clone() only if they are irreversible. */
  cloneActions(actions: readonly Action[], isLast: boolean): void {
    // The flow, and the base when a datapath clone is needed.
    const save = saves.push();
    save.flow.set(this.flow);
    const savedTpid = this.tpids.flow;
    // The clone runs a copy of the action set when its actions end (OVS clone_xlate_actions).
    const savedSet = this.actionSet;
    const savedActsetOutput = this.actsetOutput;
    this.actionSet = savedSet.slice();
    if (isLast || reversible(actions)) {
      this.doActions(actions, isLast);
      this.runActionSet();
    } else {
      this.commit();
      save.other.set(this.base);
      const savedBaseTpid = this.tpids.base;
      const savedConntracked = this.conntracked;
      const outer = this.out;
      const inner: DpAction[] = [];
      this.out = inner;
      this.doActions(actions, true);
      this.runActionSet();
      this.out = outer;
      if (inner.length > 0) outer.push({ kind: 'clone', actions: inner });
      this.conntracked = savedConntracked;
      this.base.set(save.other);
      this.tpids.base = savedBaseTpid;
    }
    this.actionSet = savedSet;
    this.actsetOutput = savedActsetOutput;
    this.flow.set(save.flow);
    this.tpids.flow = savedTpid;
    saves.pop();
  }

  private ct(a: CtAction): void {
    const flow = this.flow;
    this.commit();
    const oldMark = flow[W.CT_MARK];
    const oldLabel = flow.slice(W.CT_LABEL, W.CT_LABEL + 4);
    const oldMarkMask = this.wc[W.CT_MARK];
    const oldLabelMask = this.wc.slice(W.CT_LABEL, W.CT_LABEL + 4);
    this.wc[W.CT_MARK] = 0;
    this.wc.fill(0, W.CT_LABEL, W.CT_LABEL + 4);
    this.doActions(a.exec, false);
    const zone = typeof a.zone === 'number' ? a.zone : Number(getBits(flow, a.zone.field, a.zone.ofs, a.zone.nbits));
    const markMask = this.wc[W.CT_MARK];
    const labelMask = getBits(this.wc, F_CT_LABEL);
    this.out.push({
      kind: 'ct',
      zone,
      commit: a.commit,
      force: a.force,
      mark: markMask ? { value: flow[W.CT_MARK] & markMask, mask: markMask } : undefined,
      label: labelMask ? { value: getBits(flow, F_CT_LABEL) & labelMask, mask: labelMask } : undefined,
      alg: a.alg,
      nat: a.nat,
    });
    this.wc[W.CT_MARK] = oldMarkMask;
    this.wc.set(oldLabelMask, W.CT_LABEL);
    // ct_mark/ct_label written by exec() are only visible after recirculation.
    flow[W.CT_MARK] = oldMark;
    flow.set(oldLabel, W.CT_LABEL);
    if (a.table !== undefined) {
      this.conntracked = true;
      this.recirculateAndFork(a.table);
    }
    this.clearConntrack();
    this.report('detail', 'Sets the packet to an untracked state, and clears all the conntrack fields.');
  }

  private recirculateAndFork(table: number): void {
    const id = this.sw.recirc.idFor({
      bridge: this.bridge.name,
      table,
      inPort: this.flow[W.IN_PORT],
      metadata: this.flow.slice(FROZEN_WORDS_START, FROZEN_WORDS_END),
      conntracked: true,
    });
    this.out.push({ kind: 'recirc', id });
    this.report(
      'detail',
      `A clone of the packet is forked to recirculate. The forked pipeline will be resumed at table ${table}.`,
    );
  }

  /** clear_conntrack: the packet becomes untracked (ct_state, zone, mark, label, original tuple all zero). */
  private clearConntrack(): void {
    const flow = this.flow;
    for (let w = W.CT_STATE_ZONE; w <= W.CT_TP; w++) flow[w] = 0;
    this.conntracked = false;
  }

  // --- output ----------------------------------------------------------------------------------------------------

  /** xlate_output_action. */
  outputAction(port: number, maxLen: number, isLast: boolean): void {
    const flow = this.flow;
    switch (port) {
      case OfpPort.IN_PORT:
        this.composeOutput(flow[W.IN_PORT], isLast);
        break;
      case OfpPort.TABLE:
        this.tableAction(flow[W.IN_PORT], 0, false, false);
        break;
      case OfpPort.NORMAL:
        xlateNormal(this);
        break;
      case OfpPort.FLOOD:
        this.flood(false, isLast);
        break;
      case OfpPort.ALL:
        this.flood(true, isLast);
        break;
      case OfpPort.CONTROLLER:
        this.controller(this.inActionSet ? 'action_set' : 'action', maxLen, 0);
        break;
      case OfpPort.NONE:
        break;
      default:
        if (port !== flow[W.IN_PORT]) {
          this.composeOutput(port, isLast);
        } else {
          this.report('warn', 'skipping output to input port');
          this.noteDrop('output_to_input_port', 'output to the input port skipped');
        }
    }
  }

  /** flood_packets: every port but the input port (FLOOD skips no-flood ports; ALL does not). */
  private flood(all: boolean, isLast: boolean): void {
    const inPort = this.flow[W.IN_PORT];
    for (const p of this.bridge.portList) {
      if (p.ofport === inPort) continue;
      if (all || !p.noFlood) this.composeOutput(p.ofport, isLast);
    }
  }

  /** compose_output_action: to a patch peer's bridge, a tunnel, or a datapath port. */
  composeOutput(ofport: number, isLast: boolean): void {
    const port = this.bridge.port(ofport);
    if (!port) {
      this.report('warn', 'Nonexistent output port');
      this.noteDrop('nonexistent_port', `output to nonexistent port ${ofport}`);
      return;
    }
    if (port.isPatch) {
      const peer = this.sw.patchPeer(port);
      if (!peer) {
        this.report('warn', `patch port ${port.name} has no peer`);
        return;
      }
      this.patchOutput(peer, isLast);
      return;
    }
    const tunnels = this.sw.tunnels;
    if (tunnels !== null && port.isTunnel) {
      tunnelOutput(this, port, tunnels, isLast);
      return;
    }
    this.commit();
    if (tunnels !== null && terminateNativeTunnel(this, port, tunnels)) return;
    if (port.isTunnel) this.tunnelHeader(port);
    this.out.push(outputTo(port.dpPort));
  }

  /**
   * Output to a tunnel port: the tunnel's outer fields as a `tunnel` set before the output (kernel-datapath style;
   * the datapath's tunnel code turns it into the encapsulation). Key and remote come from the port's options, or from
   * the flow where the option says `flow`.
   */
  private tunnelHeader(port: Port): void {
    const key = new Uint32Array(KEY_WORDS);
    const mask = new Uint32Array(KEY_WORDS);
    const outKey = port.options.out_key ?? port.options.key;
    const tunId = outKey === 'flow' ? getBits(this.flow, F_TUN_ID) : outKey ? BigInt(outKey) : 0n;
    setBits(key, F_TUN_ID, tunId);
    setBits(mask, F_TUN_ID, (1n << 64n) - 1n);
    const remote = port.options.remote_ip;
    key[W.TUN_DST] = remote === 'flow' || remote === undefined ? this.flow[W.TUN_DST] : ipv4ToNumber(remote);
    mask[W.TUN_DST] = 0xffffffff;
    const local = port.options.local_ip;
    if (local && local !== 'flow') {
      key[W.TUN_SRC] = ipv4ToNumber(local);
      mask[W.TUN_SRC] = 0xffffffff;
    }
    this.out.push({ kind: 'set_masked', header: 'tunnel', key, mask });
    this.report('detail', 'output to native tunnel');
  }

  /** patch_port_output: continue in the peer's bridge with a fresh in_port, registers, metadata and conntrack. */
  patchOutput(peer: Port, isLast: boolean): void {
    const peerBridge = this.sw.bridge(peer.bridgeName);
    if (!peerBridge) return;
    const flow = this.flow;
    // The flow, and the wildcards' tunnel words at their places in `other`.
    const save = saves.push();
    const wc = this.wc;
    const savedWc = save.other;
    save.flow.set(flow);
    for (let w = W.TUN_ID; w <= W.TUN_FLAGS_TOS_TTL; w++) savedWc[w] = wc[w];
    const savedTpid = this.tpids.flow;
    const savedConntracked = this.conntracked;
    const savedBridge = this.bridge;
    const savedTrace = this.trace;
    // The peer's pipeline has an action set of its own, run when that pipeline ends (by cloneActions below).
    const savedSet = this.actionSet;
    const savedActsetOutput = this.actsetOutput;
    this.actionSet = [];
    this.actsetOutput = undefined;

    // Plain loops, not fill(): for a few words each, the builtin's call costs more than the stores.
    flow[W.IN_PORT] = peer.ofport;
    for (let w = W.METADATA; w < W.METADATA + 2; w++) flow[w] = 0;
    for (let w = W.TUN_ID; w <= W.TUN_FLAGS_TOS_TTL; w++) flow[w] = wc[w] = 0;
    for (let w = W.REGS; w < W.REGS + 16; w++) flow[w] = 0;
    this.clearConntrack();
    // The text is built only when tracing (this runs for every patch port a flood crosses).
    if (this.trace) this.trace = this.report('bridge', `bridge("${peerBridge.name}")`);
    this.bridge = peerBridge;

    this.tableAction(peer.ofport, 0, false, isLast, true);

    this.trace = savedTrace;
    this.actionSet = savedSet;
    this.actsetOutput = savedActsetOutput;
    flow.set(save.flow);
    this.tpids.flow = savedTpid;
    this.bridge = savedBridge;
    for (let w = W.TUN_ID; w <= W.TUN_FLAGS_TOS_TTL; w++) wc[w] = savedWc[w];
    saves.pop();
    this.conntracked = savedConntracked;
    this.exit = false;
    // Out bridge errors do not propagate back (as in OVS).
    this.error = null;
  }

  // --- entry -----------------------------------------------------------------------------------------------------

  run(): void {
    const flow = this.flow;
    if (this.trace) this.trace = this.report('bridge', `bridge("${this.bridge.name}")`);
    const recircId = flow[W.RECIRC_ID];
    let table = 0;
    if (recircId !== 0) {
      const state = this.sw.recirc.get(recircId);
      const bridge = state ? this.sw.bridge(state.bridge) : undefined;
      const outer = this.trace;
      this.trace = this.report('thaw', 'thaw');
      if (!state || !bridge) {
        this.report('error', 'Recirculation context not found');
        this.error = 'Recirculation context not found';
        this.noteDrop('recirc_not_found', `unknown recirc_id ${recircId}`);
        return;
      }
      this.bridge = bridge;
      table = state.table;
      this.report('thaw', `Resuming from table ${table}`);
      this.trace = outer;
      flow.set(state.metadata, FROZEN_WORDS_START);
      this.base.set(state.metadata, FROZEN_WORDS_START);
      flow[W.IN_PORT] = this.base[W.IN_PORT] = state.inPort;
      this.conntracked = state.conntracked;
    }
    this.tableId = table;
    const rule = this.lookup(table, flow[W.IN_PORT]);
    this.reportTable(rule, table);
    if (rule) this.se.ruleHits.push(ruleHit(this.bridge, rule));
    // A decapsulated packet: tunnel wildcards, ECN (OVS checks it after the lookup, so the rule still counts it).
    if (!tunnelReceive(this)) return;
    this.rule = rule;
    if (!rule) {
      this.report('action', 'drop');
      this.noteNoMatch(table);
      return;
    }
    if (rule.actions.length === 0) {
      this.noteDropRule(rule);
    }
    this.doActions(rule.actions, true);
    if (this.error === null) this.runActionSet();
  }

  /** xlate_wc_finish, plus the fields xlate_wc_init always examines. */
  finishWildcards(original: Uint32Array): void {
    const wc = this.wc;
    wc[W.IN_PORT] = 0xffffffff;
    wc[W.RECIRC_ID] = 0xffffffff;
    wc[W.DL_TYPE_VLAN] |= 0xffff0000 | VLAN_CFI;
    const dlType = original[W.DL_TYPE_VLAN] >>> 16;
    const ip = dlType === ETH_TYPE_IP || dlType === ETH_TYPE_IPV6;
    if (ip) wc[W.NW] |= FRAG_ANY | FRAG_LATER;
    wc.fill(0, W.METADATA, W.REGS + 16);
    wc[W.CONJ_ID] = 0;
    // Extract never fills the inner VLAN slot, so every packet agrees on it: not worth a megaflow word.
    wc[W.VLAN_TCI1] = 0;
    if ((wc[W.DL_TYPE_VLAN] & 0xefff) !== 0) wc[W.DL_TYPE_VLAN] |= VLAN_CFI;
    // An untagged packet has VID/PCP 0 in every key, so only "no tag" matters (OVS: no vlan in the datapath key).
    if (!(original[W.DL_TYPE_VLAN] & VLAN_CFI)) wc[W.DL_TYPE_VLAN] = ((wc[W.DL_TYPE_VLAN] & 0xffff0000) | VLAN_CFI) >>> 0;
    const proto = original[W.NW] >>> 24;
    if (ip && (proto === IPPROTO_ICMP || proto === IPPROTO_ICMPV6)) wc[W.TP] &= 0x00ff00ff;
    if (ip && original[W.NW] & FRAG_LATER) wc[W.TP] = 0;
    const tunneled =
      (original[W.TUN_DST] | original[W.TUN_IPV6_DST] | original[W.TUN_IPV6_DST + 1] | original[W.TUN_IPV6_DST + 2] | original[W.TUN_IPV6_DST + 3]) !== 0;
    // A decapsulated packet keeps what tnl_wc_init (tunnelReceiveWildcards) and the lookups un-wildcarded: tun_id,
    // the outer addresses of its family, flags and TOS, never the outer TTL (OVS: `ttl=64/0` in dpctl/dump-flows -m).
    if (!tunneled) {
      wc.fill(0, W.TUN_ID, W.TUN_FLAGS_TOS_TTL + 1);
      wc[W.TUN_DST] = 0xffffffff;
    }
  }
}

/**
 * One shared (read-only) record per rule for "this rule was hit": every megaflow keeps its rule hits while it lives,
 * and a translation hits several rules, so sharing them spares the garbage collector several objects per megaflow.
 */
const ruleHits = new WeakMap<Rule, RuleHit>();

function ruleHit(bridge: Bridge, rule: Rule): RuleHit {
  const hit = ruleHits.get(rule);
  if (hit !== undefined && hit.bridge === bridge) return hit;
  const fresh: RuleHit = { bridge, rule };
  ruleHits.set(rule, fresh);
  return fresh;
}

/** Two key-sized arrays: what patchOutput and cloneActions save and restore, and a context's base. */
class SaveArea {
  readonly flow = new Uint32Array(KEY_WORDS);
  readonly other = new Uint32Array(KEY_WORDS);
}

/**
 * Save areas reused in stack order instead of allocated per call (they nest as the translation recurses, and as
 * translations nest). xlate() puts the stack back where it found it, even if a translation throws.
 */
class SaveStack {
  private readonly areas: SaveArea[] = [];
  top = 0;

  push(): SaveArea {
    if (this.top === this.areas.length) this.areas.push(new SaveArea());
    return this.areas[this.top++];
  }

  pop(): void {
    this.top--;
  }
}

const saves = new SaveStack();

/** The contexts' flow and wildcards (what the result keeps): 64 contexts' worth per slab. */
const contextWords = new WordSlab(64 * 2 * KEY_WORDS);

function swapWhole(f: Uint32Array, w: Uint32Array, a: number, b: number): void {
  let t = f[a];
  f[a] = f[b];
  f[b] = t;
  t = w[a];
  w[a] = w[b];
  w[b] = t;
}

/** Swaps an 8-bit field at different positions: bits `ma` of word a (top byte) and `mb` of word b (low byte). */
function swapWords(f: Uint32Array, w: Uint32Array, a: number, b: number, ma: number, mb: number): void {
  for (const arr of [f, w]) {
    const va = (arr[a] & ma) >>> 24;
    const vb = arr[b] & mb;
    arr[a] = ((arr[a] & ~ma) | (vb << 24)) >>> 0;
    arr[b] = ((arr[b] & ~mb) | va) >>> 0;
  }
}

/** reversible_actions: actions a datapath clone is not needed for. */
function reversible(actions: readonly Action[]): boolean {
  for (const a of actions) if (a.kind === 'ct') return false;
  return true;
}

function ipv4ToNumber(s: string): number {
  const p = s.split('.').map(Number);
  return (((p[0] << 24) | (p[1] << 16) | (p[2] << 8) | p[3]) >>> 0) as number;
}

/**
 * Translates `key` (a packet's flow key, as extracted on `bridge`'s input port) through the OpenFlow pipeline.
 * A key with a nonzero recirc_id resumes the frozen translation it names instead.
 */
export function xlate(sw: Switch, bridge: Bridge, key: Uint32Array, opts: XlateOptions): XlateResult {
  const savesTop = saves.top;
  const ctx = new XlateContext(
    sw,
    bridge,
    key,
    opts.nowMs,
    opts.trace ?? false,
    opts.traceNames ?? false,
    opts.vlanTpid ?? 0x8100,
  );
  ctx.mayLearn = opts.mayLearn ?? false;
  const root = ctx.trace;
  try {
    ctx.run();
  } finally {
    saves.top = savesTop;
  }
  const startBridge = ctx.bridge.name;
  ctx.finishWildcards(key);
  const dpActions = ctx.error !== null ? [] : ctx.out;
  // xlate_optimize_odp_actions: a trailing clone() needs no copy of the packet, so its actions are inlined.
  const tail = dpActions[dpActions.length - 1];
  if (tail !== undefined && tail.kind === 'clone') dpActions.splice(dpActions.length - 1, 1, ...tail.actions);
  let drop: XlateDrop | null = null;
  // Every translation error notes its own drop cause; what is left is actions that never output.
  if (!hasEffect(dpActions)) drop = ctx.drop ?? { kind: 'no_output', bridge: startBridge, text: 'no output action' };
  return {
    dpActions,
    drop,
    error: ctx.error,
    wc: ctx.wc,
    sideEffects: ctx.se,
    slowPath: ctx.slow,
    finalFlow: ctx.flow,
    actsetOutput: ctx.actsetOutput,
    bridge: startBridge,
    trace: root,
    neighbours: ctx.neighbours ?? undefined,
  };
}

function hasEffect(actions: readonly DpAction[]): boolean {
  for (const a of actions) {
    if (a.kind === 'output' || a.kind === 'userspace' || a.kind === 'recirc') return true;
    if (a.kind === 'clone' && hasEffect(a.actions)) return true;
  }
  return false;
}
