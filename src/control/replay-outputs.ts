/**
 * What a replay writes, in the layout of the reference runner's expected/ folder, so compare.py and the conformance
 * harness read flowlab's output exactly as they read OVS's.
 *
 *   <port>.pcap         every dummy/internal port, each bridge's LOCAL port included (named like the bridge):
 *                       classic little-endian µs pcap, byte-compatible with pcapio.py; timestamps = the input
 *                       packet's that caused the frame
 *   conntrack.txt       the conntrack table at the end, normalised as run_ovs.py does (sorted, no timeout=/id=)
 *   flows-<bridge>.txt  dump-flows with counters, normalised as run_ovs.py's norm_ofctl_flows
 *   fates.jsonl         one line per input packet: where it went, or where and why it was dropped
 *   dpctl-show.txt      datapath lookups (hit/missed/lost), megaflow count, ports numbered as OVS's dummy
 *                       datapath numbers them (dpctl/show)
 *   dpctl-flows.txt     the megaflows left at the end (dpctl/dump-flows --names, `used:` removed, sorted)
 *   summary.json        counts
 *
 * The port captures are opened before the first packet and written as packets go (buffered by PcapWriter), so a
 * long replay does not hold its output in memory.
 */

import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Conntrack } from '../conntrack/index.js';
import type { DatapathCaches } from '../dpif/caches.js';
import { type DpShowPort, formatDpctlShow } from '../dpif/dp-stats.js';
import { formatMegaflow } from '../dpif/megaflow-format.js';
import { PcapWriter } from '../io/pcap-writer.js';
import type { Port } from '../ofproto/port.js';
import type { Switch } from '../ofproto/switch.js';
import type { TopologySpec } from '../io/topology.js';
import { ovsDummyDpPorts } from './dpctl-port-numbers.js';

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

/** OVS's netdev type names as dpctl/show prints them for our port types (dummy datapath). */
function dpPortType(p: Port): string {
  if (p.type === 'internal') return 'dummy-internal';
  if (p.type === 'dummy' || p.type === 'system' || p.type === 'tap' || p.type === undefined) return 'dummy';
  return p.type;
}

/**
 * dpctl-show.txt: lookups, flows and the datapath's ports, as `ovs-appctl dpctl/show`. Given the topology, ports are
 * numbered as OVS's dummy datapath numbers them (dpctl-port-numbers.ts) and tunnel interfaces appear as their shared
 * vport (`vxlan_sys_4789`); without it, with flowlab's own numbers.
 */
export function formatDpctlShowFile(sw: Switch, caches: DatapathCaches, spec?: TopologySpec): string {
  const ports: DpShowPort[] = spec !== undefined ? ovsDummyDpPorts(spec) : flowlabDpPorts(sw);
  return formatDpctlShow(caches.stats, caches.table.count, ports);
}

/** Tunnel interfaces are no datapath ports: their shared vport is. */
const TUNNEL_PORT_TYPES: ReadonlySet<string> = new Set(['vxlan', 'geneve', 'gre', 'stt']);

function flowlabDpPorts(sw: Switch): DpShowPort[] {
  const ports: DpShowPort[] = [];
  for (const br of sw.bridges) {
    for (const p of br.portList) {
      if (!p.isPatch && p.dpPort >= 0 && !TUNNEL_PORT_TYPES.has(p.type)) ports.push({ dpPort: p.dpPort, name: p.name, type: dpPortType(p) });
    }
  }
  if (sw.tunnels !== null) {
    for (const v of sw.tunnels.vports) {
      const dst = v.udpPort === 4789 ? '' : `dst_port=${v.udpPort}, `;
      ports.push({ dpPort: v.dpPort, name: v.name, type: `vxlan: ${dst}packet_type=ptap` });
    }
  }
  return ports;
}

/** dpctl-flows.txt: every megaflow as `dpctl/dump-flows --names`, `used:` left out and lines sorted (run_ovs.py). */
export function formatDpctlFlowsFile(sw: Switch, caches: DatapathCaches): string {
  const portName = (dp: number): string | undefined => sw.dpPortName(dp);
  const lines = caches.table.all().map((mf) => formatMegaflow(mf, { portName }));
  lines.sort();
  return lines.map((l) => l + '\n').join('');
}

/**
 * conntrack.txt: `dpctl/dump-conntrack` lines as run_ovs.py's norm_conntrack leaves them: sorted, with `,timeout=N`
 * and `,id=N` removed (which also drops ICMP tuples' id, as it does for OVS's output).
 */
export function formatConntrackFile(ct: Conntrack, nowMs: number): string {
  const lines = ct.dump(nowMs).map((l) => l.replace(/,timeout=\d+/g, '').replace(/,id=\d+/g, ''));
  return lines.sort().map((l) => l + '\n').join('');
}
