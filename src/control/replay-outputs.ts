/**
 * What a replay writes, in the layout of the reference runner's expected/ folder, so compare.py and the conformance
 * harness read flowlab's output exactly as they read OVS's.
 *
 *   <port>.pcap         every dummy/internal port, each bridge's LOCAL port included (named like the bridge):
 *                       classic little-endian µs pcap, byte-compatible with pcapio.py; timestamps = the input
 *                       packet's that caused the frame
 *   conntrack.txt       the conntrack table (empty: no conntrack yet)
 *   flows-<bridge>.txt  dump-flows with counters, normalised as run_ovs.py's norm_ofctl_flows
 *   fates.jsonl         one line per input packet: where it went, or where and why it was dropped
 *   summary.json        counts
 *
 * The port captures are opened before the first packet and written as packets go (buffered by PcapWriter), so a
 * long replay does not hold its output in memory.
 */

import * as fs from 'node:fs';
import * as path from 'node:path';
import { PcapWriter } from '../io/pcap-writer.js';

/** One pcap per captured port, indexed by name; counts frames for `port#n` references. */
export class PortCaptures {
  private readonly writers = new Map<string, PcapWriter>();

  constructor(dir: string, ports: readonly string[]) {
    for (const name of ports) this.writers.set(name, PcapWriter.toFile(path.join(dir, `${name}.pcap`)));
  }

  has(port: string): boolean {
    return this.writers.has(port);
  }

  /** Writes a frame; returns its 1-based number in the port's file, or 0 if the port is not captured. */
  write(port: string, tsSec: number, tsNsec: number, frame: Uint8Array): number {
    const w = this.writers.get(port);
    if (w === undefined) return 0;
    w.write(tsSec, tsNsec, frame);
    return w.count;
  }

  counts(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [name, w] of this.writers) out[name] = w.count;
    return out;
  }

  close(): void {
    for (const w of this.writers.values()) w.close();
  }
}

const FLOW_STRIP = /\s*\b(duration=[0-9.]+s|idle_age=\d+|hard_age=\d+),/g;

/**
 * run_ovs.py's norm_ofctl_flows: keep the flow lines (they start with a space and have `actions=`), drop duration,
 * idle_age and hard_age, sort by table, then priority (highest first; none = 32768), then the text itself.
 */
export function normalizeDumpFlows(text: string): string {
  const rows: { table: number; prio: number; line: string }[] = [];
  for (const raw of text.split('\n')) {
    if (!raw.startsWith(' ') || !raw.includes('actions=')) continue;
    const line = raw.replace(FLOW_STRIP, '').trim();
    const t = /\btable=(\d+)/.exec(line);
    const p = /\bpriority=(\d+)/.exec(line);
    rows.push({ table: t ? Number(t[1]) : 0, prio: -(p ? Number(p[1]) : 32768), line });
  }
  rows.sort((a, b) => a.table - b.table || a.prio - b.prio || (a.line < b.line ? -1 : a.line > b.line ? 1 : 0));
  return rows.map((r) => r.line + '\n').join('');
}

/** Writes a small text file, creating the folder if needed. */
export function writeText(dir: string, name: string, text: string): void {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, name), text);
}

/**
 * Empties an output folder of plain files left by an earlier run (as run_ovs.py does), so a port that transmits
 * nothing this time does not keep last run's capture. Sub-folders are left alone.
 */
export function prepareOutputDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true });
  for (const f of fs.readdirSync(dir, { withFileTypes: true })) {
    if (f.isFile()) fs.unlinkSync(path.join(dir, f.name));
  }
}
