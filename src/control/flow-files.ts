/**
 * Flow files in and dump-flows out, for one bridge: the seam between the commands and the flow syntax
 * (src/ofproto/flow-syntax.ts).
 *
 * Loading is all or nothing, as `ovs-ofctl add-flows` is: every line of every file of the bridge is parsed first, and
 * only if all parse are the flows added, so a bad line aborts with its file:line:column and leaves the bridge as it
 * was. Lines are added in order, with add-flows semantics (a later identical match and priority replaces an earlier
 * one).
 */

import * as fs from 'node:fs';
import { InputError } from '../base/index.js';
import type { OpenFlowVersion as SyntaxVersion } from '../flow/match-syntax.js';
import type { OpenFlowVersion } from '../io/topology.js';
import type { FlowSpec } from '../ofproto/actions/types.js';
import type { Bridge } from '../ofproto/bridge.js';
import { formatFlow, parseFlowFile } from '../ofproto/flow-syntax.js';
import type { Rule } from '../ofproto/rule.js';

export type { SyntaxVersion };

/** The flow syntax knows the OpenFlow 1.0 and 1.3 spellings; 1.1 and later use the 1.3 ones. */
export function syntaxVersion(v: OpenFlowVersion): SyntaxVersion {
  return v === 'OpenFlow10' ? 'OpenFlow10' : 'OpenFlow13';
}

/** Reads and parses a bridge's flow files; throws the first error (file:line:column) before anything is added. */
export function readFlowFiles(bridge: Bridge, files: readonly string[], version: OpenFlowVersion): FlowSpec[] {
  const specs: FlowSpec[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (e) {
      throw new InputError(`cannot read flow file: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { file });
    }
    specs.push(...parseFlowFile(text, file, { namer: bridge.namer, version: syntaxVersion(version), command: 'add' }));
  }
  return specs;
}

/** Loads the files into the bridge (see readFlowFiles); returns how many flow lines were added. */
export function loadFlowFiles(bridge: Bridge, files: readonly string[], version: OpenFlowVersion, nowMs: number): number {
  const specs = readFlowFiles(bridge, files, version);
  for (const s of specs) bridge.flows.add(s, nowMs);
  return specs.length;
}

/** A rule as the FlowSpec the printer takes. */
function specOf(r: Rule): FlowSpec {
  return {
    table: r.table,
    priority: r.priority,
    cookie: r.cookie,
    cookieMask: 0n,
    match: r.match,
    idleTimeout: r.idleTimeout,
    hardTimeout: r.hardTimeout,
    importance: r.importance,
    flags: r.flags,
    actions: r.actions,
  };
}

/**
 * `ovs-ofctl --names dump-flows BRIDGE` (flow lines only, no reply header), in the bridge's OpenFlow version, rules
 * by table then priority. Ages are whole seconds at `nowMs`, as OVS computes them.
 */
export function dumpFlows(bridge: Bridge, version: OpenFlowVersion, nowMs: number): string {
  const v = syntaxVersion(version);
  let out = '';
  for (const r of bridge.flows.allRules()) {
    const line = formatFlow(
      specOf(r),
      {
        durationSec: Math.max(0, Math.floor(nowMs - r.createdMs)) / 1000,
        nPackets: r.nPackets,
        nBytes: r.nBytes,
      },
      { version: v, namer: bridge.namer },
    );
    out += line + '\n';
  }
  return out;
}
