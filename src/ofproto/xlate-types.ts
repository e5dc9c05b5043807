/** What xlate takes and returns (see xlate.ts for the semantics). */

import type { DpAction } from './dp-actions.js';
import type { SideEffects } from './side-effects.js';
import type { TraceNode } from './trace.js';

export interface XlateOptions {
  /** Current time: NORMAL's MAC table ages against it. */
  readonly nowMs: number;
  /** Record a trace (ofproto/trace). */
  readonly trace?: boolean;
  /** In the trace, print ports by name (ofproto/trace --names). */
  readonly traceNames?: boolean;
  /** TPID of the packet's VLAN tag when it has one (the key does not carry it); default 0x8100. */
  readonly vlanTpid?: number;
}

/** Why a translation failed as a whole (xlate_strerror's words). */
export type XlateError = 'Recursion too deep' | 'Too many resubmits' | 'Recirculation context not found';

export interface XlateResult {
  /** What the datapath should do with the packet; empty = drop. */
  readonly dpActions: DpAction[];
  /** Set when the packet is dropped (no output, packet-in or recirculation): the last reason seen. */
  readonly dropReason: string | null;
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
  /** The bridge the translation started in (after thawing, the frozen bridge). */
  readonly bridge: string;
  /** Trace tree when requested. */
  readonly trace: TraceNode[] | null;
}
