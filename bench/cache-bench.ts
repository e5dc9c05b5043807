/**
 * The cache benchmark: packets from a capture held in memory through the datapath's fast path to per-port buffers,
 * one core, beside the bare JS floor measured in the same run.
 *
 * The timed loop is the datapath's batch path, as OVS's PMD runs it: frames go to `Datapath.receiveBatch` 32 at a
 * time (each is copied into the datapath's packet as 32-bit words, extracted, looked up EMC -> dpcls -> upcall and
 * executed; an output copies the frame into its port's transmit ring as 32-bit words, like the floor), and
 * `Datapath.maintain` runs every 500 ms of the monotonic clock and once at the end, inside the timing, as OVS's
 * revalidator does: it pushes the hits' pending stats through their side effects (rule stats, MAC refresh),
 * ages rules and MAC entries, revalidates and expires megaflows.
 *
 * Modes:
 *   emc       EMC inserts always (emc-insert-inv-prob=1): steady state is the EMC-hit path when the flows fit;
 *   megaflow  EMC off: every packet is a dpcls lookup (the megaflow-hit path);
 *   default   OVS's defaults (EMC 8192 entries, 1% insertion, SMC off);
 *   upcall    empty caches, every packet a new megaflow: upcalls (xlate + install) per second.
 * Each case runs the sequence once to warm up (caches filled, code optimised) and once timed.
 *
 *   node dist/bench/cache-bench.js [--quick] [--targets] [--out DIR]
 *     the standard table, the plot and a JSON record; --quick: fewer packets and a shorter sweep; --targets: only
 *     the three cases the targets name (EMC hit, megaflow hit with 8 subtables, upcall on the seed's br-int)
 */

import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Clock } from '../src/base/clock.js';
import type { DatapathCaches, DatapathCacheConfig } from '../src/dpif/caches.js';
import { BATCH_SIZE, Datapath, rxBatch, type PortTransmit } from '../src/dpif/datapath.js';
import type { DpPacket } from '../src/dpif/packet.js';
import type { Port } from '../src/ofproto/port.js';
import { buildFrame } from '../src/packet/build.js';
import { BareFloor } from './bare-floor.js';
import { ruleset, type Ruleset, type RulesetName } from './cache-rulesets.js';
import type { FrameBatch } from './frames.js';
import { repoRoot } from './paths.js';
import { machineInfo, type MachineInfo } from './report.js';
import { makeTraffic, type Popularity, type SizeMix, type Traffic } from './traffic.js';

export type CacheMode = 'emc' | 'megaflow' | 'default' | 'upcall';

export interface CacheCase {
  readonly ruleset: RulesetName;
  readonly mode: CacheMode;
  readonly flows: number;
  readonly packets: number;
  readonly popularity: Popularity;
  readonly sizes: SizeMix;
}

export interface CacheResult extends CacheCase {
  readonly rulesetName: string;
  readonly mpps: number;
  readonly nsPerPacket: number;
  readonly gbps: number;
  /** Fractions of the timed passes served by each level. */
  readonly emcRate: number;
  readonly megaflowRate: number;
  readonly upcallRate: number;
  /** dpcls subtables probed per pass. */
  readonly masksPerPacket: number;
  readonly megaflows: number;
  readonly subtables: number;
  readonly cacheMiB: number;
  /** For upcall mode: megaflows installed per second. */
  readonly installsPerSec: number;
  readonly floorMpps: number;
  readonly ratioToFloor: number;
  readonly outputs: number;
}

const MODE_CONFIG: Record<CacheMode, DatapathCacheConfig> = {
  emc: { emcInsertInvProb: 1 },
  megaflow: { emcInsertInvProb: 0 },
  default: {},
  upcall: { emcInsertInvProb: 1 },
};

/** Per-port transmit buffers: a frame's first 64 bytes copied as 16 words into a ring per port. */
class PortBuffers implements PortTransmit {
  private readonly rings = new Map<number, Int32Array>();
  private readonly pos = new Map<number, number>();
  outputs = 0;
  private ring: Int32Array = new Int32Array(16 * 1024);
  private ringPort = -1;
  private at = 0;
  private words: Int32Array = new Int32Array(0);
  private wordsOf: Uint8Array | null = null;

  transmit(port: Port, pkt: DpPacket): number {
    if (port.dpPort !== this.ringPort) this.switchRing(port.dpPort);
    const ring = this.ring;
    const b = pkt.buf;
    let at = this.at;
    const n = pkt.len < 64 ? pkt.len >> 2 : 16;
    if ((pkt.start & 3) === 0) {
      if (this.wordsOf !== b) {
        this.words = new Int32Array(b.buffer, b.byteOffset, b.byteLength >> 2);
        this.wordsOf = b;
      }
      const w = this.words;
      const s = pkt.start >> 2;
      for (let i = 0; i < n; i++) ring[at + i] = w[s + i];
    } else {
      let o = pkt.start;
      for (let i = 0; i < n; i++, o += 4) ring[at + i] = b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24);
    }
    at += 16;
    this.at = at === ring.length ? 0 : at;
    this.outputs++;
    return 0;
  }

  private switchRing(port: number): void {
    if (this.ringPort >= 0) {
      this.rings.set(this.ringPort, this.ring);
      this.pos.set(this.ringPort, this.at);
    }
    let r = this.rings.get(port);
    if (r === undefined) this.rings.set(port, (r = new Int32Array(16 * 1024)));
    this.ring = r;
    this.at = this.pos.get(port) ?? 0;
    this.ringPort = port;
  }
}

/**
 * Milliseconds since the rig was built. The rulesets' flows are added at time 0, so this keeps their timeouts (the
 * seed's learned br-tun flows have hard_timeout=300) running from then, as they would in a switch started with them.
 */
class ElapsedClock implements Clock {
  private readonly t0 = performance.now();
  nowMs(): number {
    return performance.now() - this.t0;
  }
}

/** How often the timed loop runs Datapath.maintain (OVS's max-revalidator default). */
const MAINTAIN_INTERVAL_MS = 500;

interface Rig {
  readonly rs: Ruleset;
  readonly caches: DatapathCaches;
  readonly run: (t: Traffic) => number;
  readonly sink: PortBuffers;
}

function makeRig(rs: Ruleset, config: DatapathCacheConfig): Rig {
  const clock = new ElapsedClock();
  const sink = new PortBuffers();
  const dp = new Datapath(rs.sw, clock, sink, 2048, config);
  const port = rs.sw.portByName(rs.ingress)!;
  for (const [p, spec] of rs.prime) {
    const f = buildFrame(spec);
    dp.receive(rs.sw.portByName(p)!, f);
  }
  let batch = rxBatch(new Uint8Array(0));
  const run = (t: Traffic): number => {
    const { offs, lens, seq } = t;
    if (batch.buf !== t.buf) batch = rxBatch(t.buf);
    let lastMaintain = clock.nowMs();
    for (let i = 0; i < seq.length; i += BATCH_SIZE) {
      const n = Math.min(BATCH_SIZE, seq.length - i);
      for (let k = 0; k < n; k++) {
        const f = seq[i + k];
        batch.offs[k] = offs[f];
        batch.lens[k] = lens[f];
      }
      batch.count = n;
      dp.receiveBatch(port, batch);
      if ((i & 1023) === 0) {
        const now = clock.nowMs();
        if (now - lastMaintain >= MAINTAIN_INTERVAL_MS) {
          lastMaintain = now;
          dp.maintain(now);
        }
      }
    }
    dp.maintain(clock.nowMs());
    return seq.length;
  };
  return { rs, caches: dp.caches, run, sink };
}

/** The bare floor over 256 frames of the same traffic, in Mpps. */
function floorMpps(t: Traffic): number {
  const count = 256;
  const SLOT = 2048;
  const buf = new Uint8Array(count * SLOT);
  const offs = new Int32Array(count);
  const lens = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const f = t.seq[i % t.seq.length];
    offs[i] = i * SLOT;
    lens[i] = t.lens[f];
    buf.set(t.buf.subarray(t.offs[f], t.offs[f] + t.lens[f]), offs[i]);
  }
  const batch: FrameBatch = {
    name: 'traffic',
    buf,
    u16: new Uint16Array(buf.buffer),
    i32: new Int32Array(buf.buffer),
    offs,
    lens,
    count,
  };
  const floor = new BareFloor(batch);
  for (let i = 0; i < 2000; i++) floor.run();
  const rounds = 20000;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < rounds; i++) floor.run();
  const ns = Number(process.hrtime.bigint() - t0);
  return (rounds * count) / ns * 1e3;
}

const trafficCache = new Map<string, Traffic>();

function trafficFor(rs: Ruleset, c: CacheCase, upcall: boolean): Traffic {
  const k = `${c.ruleset}|${c.flows}|${c.packets}|${c.popularity}|${c.sizes}|${upcall}`;
  let t = trafficCache.get(k);
  if (t === undefined) {
    trafficCache.clear();
    t = makeTraffic({ flows: c.flows, packets: c.packets, popularity: c.popularity, sizes: c.sizes }, upcall ? rs.upcallFrameOf : rs.frameOf);
    trafficCache.set(k, t);
  }
  return t;
}

export function runCase(c: CacheCase): CacheResult {
  const rs = ruleset(c.ruleset);
  const upcall = c.mode === 'upcall';
  const traffic = trafficFor(rs, c, upcall);
  let rig = makeRig(rs, MODE_CONFIG[c.mode]);
  if (upcall) {
    // Warm up the slow path on a throwaway rig, then time a fresh one: every packet is a new megaflow.
    rig.run(traffic);
    rig = makeRig(ruleset(c.ruleset), MODE_CONFIG[c.mode]);
  } else {
    rig.run(traffic);
  }
  const s = rig.caches.stats;
  const before = { passes: s.passes, emc: s.emcHits + s.smcHits, mf: s.megaflowHits, up: s.upcalls + s.lost, probes: s.subtableProbes, installed: s.installed };
  const outBefore = rig.sink.outputs;
  const t0 = process.hrtime.bigint();
  const n = rig.run(traffic);
  const ns = Number(process.hrtime.bigint() - t0);
  const passes = s.passes - before.passes;
  const floor = floorMpps(traffic);
  const mpps = (n / ns) * 1e3;
  const counts = rig.caches.table.maskCounts();
  return {
    ...c,
    rulesetName: rs.name,
    mpps,
    nsPerPacket: ns / n,
    gbps: (traffic.bytes * 8) / ns,
    emcRate: (s.emcHits + s.smcHits - before.emc) / passes,
    megaflowRate: (s.megaflowHits - before.mf) / passes,
    upcallRate: (s.upcalls + s.lost - before.up) / passes,
    masksPerPacket: (s.subtableProbes - before.probes) / passes,
    megaflows: rig.caches.table.count,
    subtables: counts.subtables,
    cacheMiB: rig.caches.memoryBytes / 2 ** 20,
    installsPerSec: ((s.installed - before.installed) / ns) * 1e9,
    floorMpps: floor,
    ratioToFloor: mpps / floor,
    outputs: rig.sink.outputs - outBefore,
  };
}

/** The targets' cases, then the flow-count sweep behind the plot. */
export function standardCases(quick: boolean, targetsOnly = false): CacheCase[] {
  const P = quick ? 200_000 : 1_000_000;
  const cases: CacheCase[] = [
    { ruleset: 'seed', mode: 'emc', flows: 1000, packets: P, popularity: 'uniform', sizes: '64' },
    { ruleset: 'masks8', mode: 'megaflow', flows: 1000, packets: P, popularity: 'uniform', sizes: '64' },
    { ruleset: 'seed', mode: 'upcall', flows: quick ? 20_000 : 100_000, packets: quick ? 20_000 : 100_000, popularity: 'uniform', sizes: '64' },
    { ruleset: 'acl10k', mode: 'default', flows: 10_000, packets: P, popularity: 'zipf', sizes: '64' },
    { ruleset: 'acl10k', mode: 'upcall', flows: quick ? 5_000 : 20_000, packets: quick ? 5_000 : 20_000, popularity: 'uniform', sizes: '64' },
    { ruleset: 'pipeline40', mode: 'default', flows: 10_000, packets: P, popularity: 'zipf', sizes: '64' },
    { ruleset: 'pipeline40', mode: 'upcall', flows: quick ? 2_000 : 10_000, packets: quick ? 2_000 : 10_000, popularity: 'uniform', sizes: '64' },
    { ruleset: 'seed', mode: 'default', flows: 10_000, packets: P, popularity: 'zipf', sizes: 'imix' },
  ];
  if (targetsOnly) return cases.slice(0, 3);
  const counts = quick ? [1, 100, 10_000, 100_000] : [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000];
  for (const rsName of ['seed', 'acl10k'] as const) {
    for (const pop of ['uniform', 'zipf'] as const) {
      for (const n of counts) cases.push({ ruleset: rsName, mode: 'default', flows: n, packets: Math.max(P, 2 * n), popularity: pop, sizes: '64' });
    }
  }
  return cases;
}

const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;

export function markdownTable(results: readonly CacheResult[]): string {
  let t = '| ruleset | mode | flows | popularity | size | Mpps | ns/pkt | floor Mpps | ratio | EMC | megaflow | upcall | masks/pkt | megaflows | subtables | cache MiB | installs/s |\n';
  t += '| --- | --- | ---: | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n';
  for (const r of results) {
    t += `| ${r.rulesetName} | ${r.mode} | ${r.flows} | ${r.popularity} | ${r.sizes} | ${r.mpps.toFixed(2)} | ${r.nsPerPacket.toFixed(0)} | ${r.floorMpps.toFixed(1)} | ${r.ratioToFloor.toFixed(3)} | ${pct(r.emcRate)} | ${pct(r.megaflowRate)} | ${pct(r.upcallRate)} | ${r.masksPerPacket.toFixed(2)} | ${r.megaflows} | ${r.subtables} | ${r.cacheMiB.toFixed(1)} | ${r.mode === 'upcall' ? Math.round(r.installsPerSec) : '-'} |\n`;
  }
  return t;
}

/** Hit rates and throughput against flow count (log scale), one line per ruleset x popularity: an SVG document. */
export function sweepSvg(results: readonly CacheResult[]): string {
  const sweep = results.filter((r) => r.mode === 'default' && r.sizes === '64' && (r.ruleset === 'seed' || r.ruleset === 'acl10k'));
  const series = new Map<string, CacheResult[]>();
  for (const r of sweep) {
    const k = `${r.rulesetName}, ${r.popularity}`;
    if (!series.has(k)) series.set(k, []);
    series.get(k)!.push(r);
  }
  for (const l of series.values()) l.sort((a, b) => a.flows - b.flows);
  const W0 = 460;
  const H0 = 300;
  const pad = { l: 55, r: 15, t: 30, b: 45 };
  const colors = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728'];
  const maxFlows = Math.max(10, ...sweep.map((r) => r.flows));
  const xOf = (n: number): number => pad.l + (Math.log10(Math.max(1, n)) / Math.log10(maxFlows)) * (W0 - pad.l - pad.r);
  const panel = (dx: number, title: string, yMax: number, yLabel: string, val: (r: CacheResult) => number, dash?: (r: CacheResult) => number): string => {
    const yOf = (v: number): number => H0 - pad.b - (v / yMax) * (H0 - pad.t - pad.b);
    let s = `<g transform="translate(${dx},0)"><text x="${W0 / 2}" y="18" text-anchor="middle" font-weight="bold">${title}</text>`;
    s += `<line x1="${pad.l}" y1="${H0 - pad.b}" x2="${W0 - pad.r}" y2="${H0 - pad.b}" stroke="#000"/><line x1="${pad.l}" y1="${pad.t}" x2="${pad.l}" y2="${H0 - pad.b}" stroke="#000"/>`;
    for (let e = 0; 10 ** e <= maxFlows; e++) s += `<text x="${xOf(10 ** e)}" y="${H0 - pad.b + 15}" text-anchor="middle" font-size="10">1e${e}</text>`;
    for (let k = 0; k <= 4; k++) s += `<text x="${pad.l - 5}" y="${yOf((yMax * k) / 4) + 3}" text-anchor="end" font-size="10">${((yMax * k) / 4).toFixed(yMax < 5 ? 1 : 0)}</text>`;
    s += `<text x="${W0 / 2}" y="${H0 - 8}" text-anchor="middle" font-size="11">flows</text><text x="12" y="${H0 / 2}" transform="rotate(-90 12 ${H0 / 2})" text-anchor="middle" font-size="11">${yLabel}</text>`;
    let i = 0;
    for (const [name, list] of series) {
      const c = colors[i++ % colors.length];
      s += `<polyline fill="none" stroke="${c}" stroke-width="2" points="${list.map((r) => `${xOf(r.flows).toFixed(1)},${yOf(val(r)).toFixed(1)}`).join(' ')}"/>`;
      if (dash) s += `<polyline fill="none" stroke="${c}" stroke-width="1.5" stroke-dasharray="4 3" points="${list.map((r) => `${xOf(r.flows).toFixed(1)},${yOf(dash(r)).toFixed(1)}`).join(' ')}"/>`;
      s += `<text x="${W0 - pad.r - 150}" y="${pad.t + 12 * i}" font-size="10" fill="${c}">${name}</text>`;
    }
    return s + '</g>';
  };
  const maxMpps = Math.ceil(Math.max(1, ...sweep.map((r) => r.mpps)));
  let svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${3 * W0}" height="${H0}" font-family="sans-serif">`;
  svg += panel(0, 'EMC hit rate (solid) / megaflow (dashed)', 100, '% of packets', (r) => r.emcRate * 100, (r) => r.megaflowRate * 100);
  svg += panel(W0, 'upcall rate', 100, '% of packets', (r) => r.upcallRate * 100);
  svg += panel(2 * W0, 'throughput (OVS defaults, 64 B)', maxMpps, 'Mpps', (r) => r.mpps);
  return svg + '</svg>\n';
}

export interface CacheBenchRecord {
  readonly machine: MachineInfo;
  readonly results: readonly CacheResult[];
}

export function runCacheBench(opts: { quick: boolean; outDir: string; onResult?: (r: CacheResult) => void; cases?: CacheCase[] }): CacheBenchRecord {
  const machine = machineInfo();
  const results: CacheResult[] = [];
  for (const c of opts.cases ?? standardCases(opts.quick)) {
    const r = runCase(c);
    results.push(r);
    opts.onResult?.(r);
  }
  fs.mkdirSync(opts.outDir, { recursive: true });
  const rec = { machine, results };
  const base = opts.quick ? 'cache-quick' : 'cache-latest';
  fs.writeFileSync(path.join(opts.outDir, `${base}.json`), JSON.stringify(rec, null, 1) + '\n');
  fs.writeFileSync(path.join(opts.outDir, `${base}.svg`), sweepSvg(results));
  fs.writeFileSync(path.join(opts.outDir, `${base}.md`), `Machine: ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}, ${machine.date} (load ${machine.loadAvg.join(' ')})\n\n${markdownTable(results)}`);
  return rec;
}

function main(argv: string[]): void {
  const quick = argv.includes('--quick');
  const targets = argv.includes('--targets');
  const oi = argv.indexOf('--out');
  const outDir = oi >= 0 ? argv[oi + 1] : path.join(repoRoot(), 'bench', 'results');
  const rec = runCacheBench({
    quick,
    outDir,
    cases: standardCases(quick, targets),
    onResult: (r) => process.stderr.write(`${r.rulesetName} ${r.mode} ${r.flows} ${r.popularity} ${r.sizes}: ${r.mpps.toFixed(2)} Mpps (floor ${r.floorMpps.toFixed(1)})\n`),
  });
  process.stdout.write(markdownTable(rec.results));
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main(process.argv.slice(2));
