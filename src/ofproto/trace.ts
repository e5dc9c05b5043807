/**
 * Translation traces: the tree xlate records when asked (`trace: true`), and its text in the layout of OVS 3.1's
 * `ovs-appctl ofproto/trace` (ofproto/ofproto-dpif-trace.c).
 *
 * Nodes nest the way the translation did: a bridge holds the tables visited from it, a table holds the actions its
 * rule ran (and the details they reported), a resubmit's table sits inside the table that resubmitted, a patch port's
 * bridge inside the table whose action output to it. Printing reproduces OVS's indentation rule exactly: a node is
 * indented one step further than its list's level unless it is the last of its list and not terminal (an action or
 * a detail is terminal; a bridge, table or thaw is not), and its children print at the level plus two such steps.
 * That is why a chain of resubmits stays flush left and why the last patch bridge of a flood is printed unindented.
 */

export type TraceNodeType = 'bridge' | 'table' | 'thaw' | 'action' | 'detail' | 'warn' | 'error';

export interface TraceNode {
  readonly type: TraceNodeType;
  readonly text: string;
  readonly subs: TraceNode[];
}

function isTerminal(t: TraceNodeType): boolean {
  return t === 'action' || t === 'detail' || t === 'warn' || t === 'error';
}

/** oftrace_node_print_details(). */
export function formatTraceNodes(nodes: readonly TraceNode[], level = 0): string {
  let out = '';
  for (let i = 0; i < nodes.length; i++) {
    const n = nodes[i];
    if (n.type === 'bridge') out += '\n';
    const more = i + 1 < nodes.length || isTerminal(n.type) ? 1 : 0;
    const indent = ' '.repeat((level + more) * 4);
    switch (n.type) {
      case 'detail':
        out += `${indent} -> ${n.text}\n`;
        break;
      case 'warn':
        out += `${indent} >> ${n.text}\n`;
        break;
      case 'error':
        out += `${indent} >>>> ${n.text} <<<<\n`;
        break;
      case 'bridge':
        out += `${indent}${n.text}\n${indent}${'-'.repeat(n.text.length)}\n`;
        break;
      default:
        out += `${indent}${n.text}\n`;
    }
    out += formatTraceNodes(n.subs, level + 2 * more);
  }
  return out;
}

/** What ofproto/trace prints around the node tree. */
export interface TraceText {
  /** `Flow: …` text (flow_format of the initial flow). */
  readonly flow: string;
  readonly nodes: readonly TraceNode[];
  /** null when the final flow equals the initial one ("unchanged"). */
  readonly finalFlow: string | null;
  readonly megaflow: string;
  readonly datapathActions: string;
  /** Translation error, e.g. "Recursion too deep". */
  readonly error: string | null;
  /** Why the flow is slow-pathed (xlate's slow path reason), or null/absent when the datapath handles it. */
  readonly slowPath?: SlowPathReason | null;
}

export type SlowPathReason = 'action';

/** slow_path_reason_to_explanation (lib/odp-util.c), for the reasons xlate can give. */
const SLOW_PATH_EXPLANATIONS: Readonly<Record<SlowPathReason, string>> = {
  action: 'Uses action(s) not supported by datapath.',
};

/** The whole ofproto/trace report for one pass of translation. */
export function formatTrace(t: TraceText): string {
  let out = `Flow: ${t.flow}\n`;
  out += formatTraceNodes(t.nodes, 0);
  out += `\nFinal flow: ${t.finalFlow ?? 'unchanged'}\n`;
  out += `Megaflow: ${t.megaflow}\n`;
  out += `Datapath actions: ${t.datapathActions}\n`;
  // A failed translation says so instead of explaining a slow path (it has no datapath flow).
  if (t.error !== null) out += `Translation failed (${t.error}), packet is dropped.\n`;
  else if (t.slowPath) {
    out += `This flow is handled by the userspace slow path because it:\n  - ${SLOW_PATH_EXPLANATIONS[t.slowPath]}\n`;
  }
  return out;
}
