/**
 * `flowlab trace`: what the OpenFlow pipeline does with one flow or packet, as `ovs-appctl ofproto/trace` shows it.
 *
 * The flow to trace comes one of three ways:
 *   - a flow spec in ovs-ofctl match syntax (`in_port=tap1,dl_src=…,ip,nw_src=…,tcp,tp_dst=22`): fields not given are
 *     zero, as in ofproto/trace's flow argument; port names resolve on the bridge;
 *   - packet bytes (hex) received on a port: the key is extracted from them, as the datapath would;
 *   - a packet of a capture file, by its 1-based index, received on a port.
 * The trace runs on a freshly built switch (flows loaded, nothing learned), translates once and reports the tree of
 * tables and actions, the final flow, the megaflow and the datapath actions. Nothing is executed and no state
 * changes: side effects are not committed.
 */

import { InputError } from '../base/index.js';
import { extractPacket } from '../dpif/layers.js';
import { DpPacket } from '../dpif/packet.js';
import { KEY_WORDS, W } from '../flow/key-layout.js';
import { parseMatch } from '../flow/match-syntax.js';
import { openCapture, toEthernetFrame } from '../io/capture.js';
import type { TopologySpec } from '../io/topology.js';
import type { Bridge } from '../ofproto/bridge.js';
import { formatDpActions } from '../ofproto/dp-actions-format.js';
import type { Switch } from '../ofproto/switch.js';
import { formatTrace, type TraceNode } from '../ofproto/trace.js';
import { traceFlow, traceMegaflow } from '../ofproto/trace-syntax.js';
import { xlate } from '../ofproto/xlate.js';
import { buildSwitch } from './build-switch.js';

export type TraceInput =
  | { readonly kind: 'flow'; readonly bridge: string; readonly spec: string }
  | { readonly kind: 'packet'; readonly inPort: string; readonly bytes: Uint8Array }
  | { readonly kind: 'pcap'; readonly inPort: string; readonly file: string; readonly index: number };

export interface TraceReport {
  readonly bridge: string;
  readonly flow: string;
  readonly finalFlow: string | null;
  readonly megaflow: string;
  readonly datapathActions: string;
  readonly dropReason: string | null;
  readonly error: string | null;
  /** Why the datapath would hand this flow to the slow path ('action'), or null. */
  readonly slowPath: 'action' | null;
  readonly nodes: readonly TraceNode[];
  /** The whole report in ofproto/trace's text layout. */
  readonly text: string;
}

/** Builds the switch for `spec` and traces `input` through it. */
export function traceTopology(spec: TopologySpec, input: TraceInput, nowMs = 0): TraceReport {
  return traceOn(buildSwitch(spec, { nowMs }), input, nowMs);
}

export function traceOn(sw: Switch, input: TraceInput, nowMs = 0): TraceReport {
  const key = new Uint32Array(KEY_WORDS);
  let bridge: Bridge;
  let vlanTpid = 0x8100;
  if (input.kind === 'flow') {
    const br = sw.bridge(input.bridge);
    if (br === undefined) throw new InputError(`no bridge named "${input.bridge}"`);
    bridge = br;
    key.set(parseMatch(input.spec, { portNamer: br.namer }).match.key);
  } else {
    const port = sw.portByName(input.inPort);
    if (port === undefined) throw new InputError(`no port named "${input.inPort}"`);
    if (port.isPatch) throw new InputError(`"${input.inPort}" is a patch port: packets cannot be received on it`);
    bridge = sw.bridge(port.bridgeName)!;
    const bytes = input.kind === 'packet' ? input.bytes : packetFromCapture(input.file, input.index);
    const pkt = new DpPacket(Math.max(bytes.length, 64));
    pkt.load(bytes, 0, bytes.length);
    pkt.md[W.IN_PORT] = port.ofport;
    extractPacket(pkt, key);
    if (pkt.len >= 18 && pkt.buf[pkt.start + 12] === 0x88 && pkt.buf[pkt.start + 13] === 0xa8) vlanTpid = 0x88a8;
  }
  const mayLearn = input.kind !== 'flow';
  const res = xlate(sw, bridge, key, { nowMs, trace: true, traceNames: true, vlanTpid, mayLearn });
  const namer = bridge.namer;
  const flow = traceFlow(key, namer);
  const final = traceFlow(res.finalFlow, namer);
  const report = {
    bridge: bridge.name,
    flow,
    finalFlow: final === flow ? null : final,
    megaflow: traceMegaflow(key, res.wc, namer),
    datapathActions: formatDpActions(res.dpActions, (dp) => sw.dpPortName(dp)),
    dropReason: res.drop?.text ?? null,
    error: res.error,
    slowPath: res.slowPath,
    nodes: res.trace ?? [],
  };
  return { ...report, text: formatTrace({ ...report, nodes: report.nodes }) };
}

/** The `index`-th (1-based) packet of a capture, as an Ethernet frame. */
export function packetFromCapture(file: string, index: number): Uint8Array {
  const r = openCapture(file);
  try {
    for (let rec = r.next(); rec !== null; rec = r.next()) {
      if (rec.index !== index) continue;
      const frame = toEthernetFrame(rec.linktype, rec.data);
      if (frame === null) throw new InputError(`packet ${index}: link type ${rec.linktype} is not Ethernet`, { file });
      return frame.slice();
    }
    if (r.error !== undefined) throw r.error;
    throw new InputError(`no packet ${index} (the capture has ${r.count})`, { file });
  } finally {
    r.close();
  }
}

/** `0a1b…` or with spaces/colons: the bytes of a packet given on the command line. */
export function parseHexPacket(text: string): Uint8Array {
  const clean = text.replace(/[\s:]/g, '');
  if (clean.length === 0 || clean.length % 2 !== 0 || !/^[0-9a-fA-F]+$/.test(clean)) {
    throw new InputError('--packet: expected an even number of hex digits');
  }
  return Uint8Array.from(Buffer.from(clean, 'hex'));
}
