/**
 * Replay: run captured traffic through a switch built from a topology, and write what came out.
 *
 * What? Given a `TopologySpec` (topology.json or an OVS snapshot) and input captures per ingress port, replay builds
 * the switch and its flows, merges the inputs into one time-ordered sequence (replay-inputs.ts), and for each packet
 * moves the clock to the packet's timestamp, ages rules and MAC entries, and hands the packet to the datapath (extract
 * -> xlate -> side effects -> execute). Frames that come out are written per port; at the end it writes the OpenFlow
 * tables with their counters, a per-packet record of fates and a summary, in the layout of the OVS reference runner's
 * expected/ folder (replay-outputs.ts), so the two can be compared file by file.
 *
 * Time. The clock is a ManualClock driven by packet timestamps, so a replay is deterministic and a 300 s hard timeout
 * expires 300 s of capture time after it was set. The flows are added at the first packet's time. With `settleMs`
 * (the reference runner's per-packet 100 ms revalidation "settle") the clock instead follows run_ovs.py's virtual
 * time: between two packets it advances by the capture gap in whole milliseconds, but at least `settleMs`, and by
 * two more settles before the final dump; that is what real OVS saw in a reference run.
 *
 * Damage. A capture cut short ends that input where the damage starts; the replay goes on with the rest and still
 * writes every output, and the result lists the damage so the caller can say what was wrong.
 */

import * as fs from 'node:fs';
import * as path from 'node:path';
import { CaptureError, InputError, ManualClock } from '../base/index.js';
import { Datapath, type PacketFate, type PortTransmit } from '../dpif/datapath.js';
import type { DpPacket } from '../dpif/packet.js';
import { capturedPorts, findPort, isInjectable, type TopologySpec } from '../io/topology.js';
import type { Port } from '../ofproto/port.js';
import { buildSwitch } from './build-switch.js';
import { dumpFlows } from './flow-files.js';
import { formatPmdStats } from '../dpif/dp-stats.js';
import { MergedInputs, type ReplayInput } from './replay-inputs.js';
import { Conntrack } from '../conntrack/index.js';
import type { DatapathCacheConfig } from '../dpif/caches.js';
import {
  formatConntrackFile,
  formatDpctlFlowsFile,
  formatDpctlShowFile,
  normalizeDumpFlows,
  PortCaptures,
  prepareOutputDir,
  writeText,
} from './replay-outputs.js';

/** Seed of conntrack's hash in replays (see where it is used). */
const REPLAY_CONNTRACK_HASH_BASIS = 0x5eed;

export interface ReplayOptions {
  readonly outDir: string;
  /**
   * Inputs given on the command line (`--in PORT=FILE`): each replaces the topology's input for the same port, or
   * adds one. Relative paths are taken as given (relative to the working directory).
   */
  readonly extraInputs?: readonly ReplayInput[];
  /** Emulate the reference runner's per-packet settle (ms); 0 = pure capture time (default). */
  readonly settleMs?: number;
  /** Datapath cache settings (EMC, SMC, flow limit, max-idle); OVS's defaults when absent. */
  readonly caches?: DatapathCacheConfig;
  /** The connection tracker to use (limits set beforehand, read afterwards); a fresh one when absent. */
  readonly conntrack?: Conntrack;
  /** Called every `progressEvery` packets. */
  readonly onProgress?: (done: number) => void;
  readonly progressEvery?: number;
}

export interface ReplaySummary {
  readonly input_packets: number;
  readonly input_packets_per_port: Record<string, number>;
  readonly inputs_with_no_output: number;
  readonly output_packets_per_port: Record<string, number>;
  readonly dropped: number;
  readonly drop_reasons: Record<string, number>;
  readonly malformed: Record<string, number>;
  readonly packet_ins: number;
  readonly capture_errors: readonly string[];
  readonly conntrack_entries: number;
  /** Megaflows at the end, distinct masks (in_port ignored) and (in_port, mask) subtables, as OVS's summary.json. */
  readonly megaflows: number;
  readonly megaflow_masks: number;
  readonly dpcls_subtables: number;
  readonly dp_lookups: { readonly hit: number; readonly missed: number; readonly lost: number };
}

export interface ReplayResult {
  readonly summary: ReplaySummary;
  /** Damage in input captures (the replay went on without the damaged rest). */
  readonly captureErrors: readonly CaptureError[];
  /** The replay clock at the end (the last packet's time, plus settles): what a dump of the end state uses. */
  readonly endMs: number;
}

/** The inputs a replay reads: the topology's, with command-line ones replacing or adding per port. */
export function replayInputs(spec: TopologySpec, extra: readonly ReplayInput[] = []): ReplayInput[] {
  const inputs: ReplayInput[] = spec.inputs.map((i) => ({ port: i.port, file: i.pcap }));
  for (const e of extra) {
    if (findPort(spec, e.port) === undefined) throw new InputError(`--in ${e.port}=${e.file}: no port named "${e.port}"`);
    if (!isInjectable(spec, e.port)) throw new InputError(`--in ${e.port}=${e.file}: packets can only enter dummy or internal ports`);
    if (!fs.existsSync(e.file)) throw new CaptureError('no such capture file', { file: e.file });
    const at = inputs.findIndex((i) => i.port === e.port);
    if (at >= 0) inputs[at] = e;
    else inputs.push(e);
  }
  return inputs;
}

/** Writes frames into per-port captures at the current input packet's timestamp. */
class CaptureTransmit implements PortTransmit {
  tsSec = 0;
  tsNsec = 0;
  constructor(private readonly captures: PortCaptures) {}

  transmit(port: Port, pkt: DpPacket): number {
    if (!this.captures.has(port.name)) return 0;
    return this.captures.write(port.name, this.tsSec, this.tsNsec, pkt.buf.subarray(pkt.start, pkt.start + pkt.len));
  }
}

export function replay(spec: TopologySpec, opts: ReplayOptions): ReplayResult {
  const inputs = replayInputs(spec, opts.extraInputs);
  const merged = new MergedInputs(inputs);
  const first = merged.next();
  const clock = new ManualClock(first === null ? 0 : first.tsMs);
  // Build (and parse every flow file) before touching the output folder: a bad flow line must change nothing.
  const sw = buildSwitch(spec, { nowMs: clock.nowMs() });

  const outDir = opts.outDir;
  prepareOutputDir(outDir);
  const captured = capturedPorts(spec);
  const captures = new PortCaptures(
    outDir,
    captured.map((c) => c.name),
  );
  const tx = new CaptureTransmit(captures);
  // OVS seeds conntrack's hash (and so its choice of NAT ports) randomly per process; a replay must give the same
  // output every time, so it uses a fixed seed. Any port in a NAT range is as right as another.
  const conntrack = opts.conntrack ?? new Conntrack({ hashBasis: REPLAY_CONNTRACK_HASH_BASIS });
  const dp = new Datapath(sw, clock, tx, undefined, opts.caches, conntrack);
  const fates = new LineWriter(path.join(outDir, 'fates.jsonl'));

  const perPortIn: Record<string, number> = {};
  let noOutput = 0;
  let count = 0;
  const settle = opts.settleMs ?? 0;
  const every = opts.progressEvery ?? 100_000;
  let prevSec = 0;
  let prevNsec = 0;
  try {
    for (let p = first; p !== null; p = merged.next()) {
      count++;
      if (settle > 0 && count > 1) {
        // run_ovs.py: warp by the gap in whole ms minus the settle already done, after a settle of settleMs.
        const gapMs = Math.floor(((p.tsSec - prevSec) * 1e9 + (p.tsNsec - prevNsec)) / 1e6);
        clock.advance(settle + Math.max(0, gapMs - settle));
      } else if (settle === 0) {
        clock.set(p.tsMs);
      }
      prevSec = p.tsSec;
      prevNsec = p.tsNsec;
      dp.expire(clock.nowMs());
      perPortIn[p.port] = (perPortIn[p.port] ?? 0) + 1;
      tx.tsSec = p.tsSec;
      tx.tsNsec = p.tsNsec;
      const port = sw.portByName(p.port)!;
      const fate = dp.receive(port, p.data);
      if (fate.outputs.length === 0) noOutput++;
      fates.write(fateLine(p.index, p.port, p.data.length, fate));
      if (opts.onProgress !== undefined && count % every === 0) opts.onProgress(count);
    }
  } finally {
    merged.close();
    captures.close();
    fates.close();
  }
  if (settle > 0 && count > 0) {
    clock.advance(2 * settle);
    dp.expire(clock.nowMs());
  }

  for (const br of spec.bridges) {
    const bridge = sw.bridge(br.name)!;
    writeText(outDir, `flows-${br.name}.txt`, normalizeDumpFlows(dumpFlows(bridge, br.openflowVersion, clock.nowMs())));
  }
  writeText(outDir, 'conntrack.txt', formatConntrackFile(dp.conntrack, clock.nowMs()));
  // The tunnel neighbour table (configured, learned from decapsulated packets, snooped), as run_ovs.py records it.
  if (sw.tunnels !== null) writeText(outDir, 'tnl-neigh.txt', sw.tunnels.underlay.showNeighbours(clock.nowMs()));
  // The reference runner's last settles let the revalidators run once more; so does ours.
  dp.caches.revalidator.run(clock.nowMs());
  writeText(outDir, 'dpctl-show.txt', formatDpctlShowFile(sw, dp.caches, spec));
  writeText(outDir, 'dpctl-flows.txt', formatDpctlFlowsFile(sw, dp.caches));
  writeText(outDir, 'pmd-stats.txt', formatPmdStats(dp.caches.stats));

  const c = dp.counters;
  const masks = dp.caches.table.maskCounts();
  const summary: ReplaySummary = {
    input_packets: count,
    input_packets_per_port: sortKeys(perPortIn),
    inputs_with_no_output: noOutput,
    output_packets_per_port: sortKeys(captures.counts()),
    dropped: c.dropped,
    drop_reasons: sortKeys(Object.fromEntries(c.dropReasons)),
    malformed: sortKeys(Object.fromEntries(c.malformed)),
    packet_ins: c.packetIns,
    capture_errors: merged.errors.map((e) => e.message),
    conntrack_entries: dp.conntrack.entries(clock.nowMs()).length,
    megaflows: dp.caches.table.count,
    megaflow_masks: masks.masks,
    dpcls_subtables: masks.subtables,
    dp_lookups: { hit: dp.caches.stats.hits, missed: dp.caches.stats.upcalls, lost: dp.caches.stats.lost },
  };
  writeText(outDir, 'summary.json', JSON.stringify(summary, null, 1) + '\n');
  return { summary, captureErrors: merged.errors, endMs: clock.nowMs() };
}

/** One fates.jsonl line. */
export function fateLine(index: number, port: string, len: number, fate: PacketFate): string {
  // Sorted by port name, as run_ovs.py's io-map lists them, so the two can be compared line by line.
  // A port whose output is not recorded (a tunnel, or capture: false) is listed by name alone.
  const outputs = fate.outputs.map((o) => (o.n > 0 ? `${o.port}#${o.n}` : o.port)).sort(byPortThenNumber);
  const rec: Record<string, unknown> = { index, port, len, outputs };
  if (fate.drop !== null) rec.drop = fate.drop;
  if (fate.packetIns > 0) rec.packet_ins = fate.packetIns;
  if (fate.malformed !== null) rec.malformed = fate.malformed;
  if (fate.error !== null) rec.error = fate.error;
  return JSON.stringify(rec);
}

function byPortThenNumber(a: string, b: string): number {
  const [pa, na] = splitRef(a);
  const [pb, nb] = splitRef(b);
  return pa < pb ? -1 : pa > pb ? 1 : na - nb;
}

function splitRef(ref: string): [string, number] {
  const at = ref.lastIndexOf('#');
  return at < 0 ? [ref, 0] : [ref.slice(0, at), Number(ref.slice(at + 1))];
}

/** The human summary line, in the spirit of run_ovs.py's. */
export function formatReplaySummary(name: string, s: ReplaySummary, outDir: string): string {
  const outs = Object.entries(s.output_packets_per_port)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
  let text = `${name}: ${s.input_packets} packets in, ${outs || 'nothing'} out, ${s.inputs_with_no_output} with no output -> ${outDir}\n`;
  const reasons = Object.entries(s.drop_reasons);
  if (reasons.length > 0) text += `  drops: ${reasons.map(([k, v]) => `${v} × ${k}`).join('; ')}\n`;
  const mal = Object.entries(s.malformed);
  if (mal.length > 0) text += `  malformed (forwarded as extracted): ${mal.map(([k, v]) => `${v} × ${k}`).join('; ')}\n`;
  if (s.packet_ins > 0) text += `  packet-ins: ${s.packet_ins}\n`;
  return text;
}

function sortKeys<T>(o: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Appends lines to a file through a 64 KiB buffer. */
class LineWriter {
  private readonly fd: number;
  private buf: string[] = [];
  private size = 0;

  constructor(file: string) {
    this.fd = fs.openSync(file, 'w');
  }

  write(line: string): void {
    this.buf.push(line);
    this.size += line.length + 1;
    if (this.size >= 65536) this.flush();
  }

  private flush(): void {
    if (this.buf.length === 0) return;
    fs.writeSync(this.fd, this.buf.join('\n') + '\n');
    this.buf = [];
    this.size = 0;
  }

  close(): void {
    this.flush();
    fs.closeSync(this.fd);
  }
}
