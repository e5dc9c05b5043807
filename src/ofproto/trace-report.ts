/**
 * ofproto/trace for one translation: the text OVS 3.1 prints for `ovs-appctl ofproto/trace BRIDGE FLOW`
 * (one pass; following a recirculation is a second xlate of the recirculated key, printed the same way).
 */

import { KEY_WORDS } from '../flow/key-layout.js';
import type { Bridge } from './bridge.js';
import { formatDpActions } from './dp-actions-format.js';
import type { Switch } from './switch.js';
import { formatTrace } from './trace.js';
import { traceFlow, traceMegaflow } from './trace-syntax.js';
import { xlate } from './xlate.js';
import type { XlateResult } from './xlate-types.js';

export interface TraceReportOptions {
  readonly nowMs: number;
  /** Print ports by name (ofproto/trace --names). */
  readonly names?: boolean;
}

/** Formats a traced translation result of `key` (xlate with `trace: true`). */
export function formatXlateTrace(sw: Switch, bridge: Bridge, key: Uint32Array, r: XlateResult, names = false): string {
  const namer = names ? bridge.namer : undefined;
  let same = true;
  for (let i = 0; i < KEY_WORDS; i++) if (key[i] !== r.finalFlow[i]) same = false;
  // A packet arrives with no action set, so an output left in it is a change to the flow (OVS: actset_output).
  if (r.actsetOutput !== undefined) same = false;
  return formatTrace({
    flow: traceFlow(key, namer),
    nodes: r.trace ?? [],
    finalFlow: same ? null : traceFlow(r.finalFlow, namer),
    megaflow: traceMegaflow(key, r.wc, namer),
    datapathActions: formatDpActions(r.dpActions, names ? (n) => sw.dpPortName(n) : undefined),
    error: r.error,
    slowPath: r.slowPath,
  });
}

/** Translates `key` with tracing on and returns the report text. Side effects are not committed (as in OVS). */
export function traceText(sw: Switch, bridge: Bridge, key: Uint32Array, opts: TraceReportOptions): string {
  const r = xlate(sw, bridge, key, { nowMs: opts.nowMs, trace: true, traceNames: opts.names ?? false });
  return formatXlateTrace(sw, bridge, key, r, opts.names ?? false);
}
