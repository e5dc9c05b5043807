/** What xlate takes and returns (see xlate.ts for the semantics). */

import type { DpAction } from './dp-actions.js';
import type { SideEffects } from './side-effects.js';
import type { TraceNode } from './trace.js';
import type { NeighbourSighting } from '../tunnel/underlay.js';

export interface XlateOptions {
  /** Current time: NORMAL's MAC table ages against it. */
  readonly nowMs: number;
  /** Record a trace (ofproto/trace). */
  readonly trace?: boolean;
  /** In the trace, print ports by name (ofproto/trace --names). */
  readonly traceNames?: boolean;
  /** TPID of the packet's VLAN tag when it has one (the key does not carry it); default 0x8100. */
  readonly vlanTpid?: number;
  /**
   * The key comes from a real packet (OVS xin->may_learn), so NORMAL learns its source MAC and a trace says so
   * ("learned that … is on port …"). A trace of a bare flow spec learns nothing. Default false.
   */
  readonly mayLearn?: boolean;
}

/** Why a translation failed as a whole (xlate_strerror's words). */
export type XlateError = 'Recursion too deep' | 'Too many resubmits' | 'Recirculation context not found';

/** What kind of decision dropped a packet. */
export type XlateDropKind =
  /** No rule matched in a table (no controller to send the miss to). */
  | 'no_match'
  /** The matching rule has no actions. */
  | 'drop_rule'
  /** An explicit output to the input port was skipped. */
  | 'output_to_input_port'
  | 'nonexistent_port'
  /** NORMAL decided not to forward; `text` says why. */
  | 'normal'
  | 'resubmit_depth'
  | 'too_many_resubmits'
  | 'recirc_not_found'
  /** Actions ran, none of them output. */
  | 'no_output'
  /** Native tunnelling failed: no route, unknown neighbour, an ECN-incapable packet marked CE (`text` says which). */
  | 'tunnel';

/** Why a packet is dropped, as data: the datapath counts `text` and reports the rest per packet. */
export interface XlateDrop {
  readonly kind: XlateDropKind;
  /** Bridge where it was decided (a patch peer's bridge when the packet got that far). */
  readonly bridge: string;
  /** The table, for no_match and drop_rule. */
  readonly table?: number;
  /** The rule's priority, for drop_rule. */
  readonly priority?: number;
  /** The reason in words ("no match in table 0 of br0"): the drop counter's name. */
  readonly text: string;
}

export interface XlateResult {
  /** What the datapath should do with the packet; empty = drop. */
  readonly dpActions: DpAction[];
  /** Set when the packet is dropped (no output, packet-in or recirculation): the last reason seen. */
  readonly drop: XlateDrop | null;
  /** Set when the whole translation failed; dpActions is then empty. */
  readonly error: XlateError | null;
  /** Megaflow mask: every key bit the translation depended on (flow-key layout). */
  readonly wc: Uint32Array;
  /** OpenFlow state changes to apply with commitSideEffects (once now, again per cache hit). */
  readonly sideEffects: SideEffects;
  /** The flow must be handled in the slow path (OVS slow_path reason), e.g. 'action' for ARP rewrites. */
  readonly slowPath: 'action' | null;
  /** The flow as the pipeline left it (ofproto/trace's "Final flow"). */
  readonly finalFlow: Uint32Array;
  /**
   * OVS's actset_output, the one part of the final flow our key does not hold: the output port left in the action set
   * (undefined when none). ofproto/trace prints the final flow whenever it differs from the initial one, this included.
   */
  readonly actsetOutput?: number;
  /** The bridge the translation started in (after thawing, the frozen bridge). */
  readonly bridge: string;
  /** Trace tree when requested. */
  readonly trace: TraceNode[] | null;
  /**
   * Tunnel neighbours this packet revealed (a decapsulated packet's outer source, a snooped ARP reply or gratuitous
   * ARP): OVS updates its neighbour table during the upcall only, so the datapath applies these for upcalls, never
   * for cache hits or revalidation. Absent when none.
   */
  readonly neighbours?: readonly NeighbourSighting[];
}
