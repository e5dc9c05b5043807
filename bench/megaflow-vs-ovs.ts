/**
 * Megaflow quality against OVS 3.1: for every conformance scenario with a reference run (test/conformance/scenarios/
 * <name>/expected/summary.json), replays the scenario the way run_ovs.py drives OVS (100 ms settle per packet, max-idle
 * 600 s so megaflows live for the whole run) and compares what is left in the caches: megaflows, distinct masks
 * (in_port ignored) and dpcls subtables ((in_port, mask) pairs), and the datapath's lookups (hit / missed).
 * flowlab should have as many or fewer of each than OVS; lines that have more are marked. The last column counts
 * flowlab's megaflows whose match (key and mask, as `dpctl/dump-flows` prints it; recirculation ids aside, since the
 * two number them differently) is one of OVS's: a megaflow equal to OVS's in count but not in mask would hide there.
 * The mask counts are each side's own: OVS's summary tells masks apart by field name (a tcp and a udp port mask
 * differ), flowlab's by key words (both are the TP word), so flowlab's can be lower for the same megaflows.
 *
 *   node dist/bench/megaflow-vs-ovs.js [--out DIR] [scenario ...]       prints a Markdown table
 */

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { replay } from '../src/control/replay.js';
import { loadTopologyJson } from '../src/io/topology.js';

interface OvsSummary {
  megaflows: number;
  megaflow_masks: number;
  dpcls_subtables: number;
  dp_lookups: { hit: number; missed: number; lost: number };
}

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = fs.existsSync(path.join(HERE, '..', 'package.json')) ? path.join(HERE, '..') : path.join(HERE, '..', '..');
const SCEN = path.join(REPO, 'test', 'conformance', 'scenarios');

export interface MegaflowComparison {
  readonly scenario: string;
  readonly ovs: OvsSummary;
  readonly flowlab: OvsSummary;
  /** flowlab megaflows whose printed match is also one of OVS's (see the file comment). */
  readonly sameMatch: number;
}

/** The match part of every dump-flows line, recirculation ids blurred. */
function megaflowMatches(file: string): string[] {
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.includes(', packets:'))
    .map((l) => l.slice(0, l.indexOf(', packets:')).replace(/recirc_id\(0x[0-9a-f]+\)/g, 'recirc_id(N)'));
}

function countSameMatches(ovsFile: string, flowlabFile: string): number {
  const ovs = new Set(megaflowMatches(ovsFile));
  return megaflowMatches(flowlabFile).filter((m) => ovs.has(m)).length;
}

export function compareScenario(name: string, outRoot: string): MegaflowComparison | null {
  const dir = path.join(SCEN, name);
  const expected = path.join(dir, 'expected', 'summary.json');
  if (!fs.existsSync(expected)) return null;
  const ovs = JSON.parse(fs.readFileSync(expected, 'utf8')) as OvsSummary;
  const spec = loadTopologyJson(dir);
  const outDir = path.join(outRoot, name);
  const r = replay(spec, { outDir, settleMs: 100, caches: { maxIdleMs: 600_000 } });
  const s = r.summary;
  return {
    scenario: name,
    ovs,
    flowlab: { megaflows: s.megaflows, megaflow_masks: s.megaflow_masks, dpcls_subtables: s.dpcls_subtables, dp_lookups: s.dp_lookups },
    sameMatch: countSameMatches(path.join(dir, 'expected', 'dpctl-flows.txt'), path.join(outDir, 'dpctl-flows.txt')),
  };
}

export function formatComparison(rows: readonly MegaflowComparison[]): string {
  const mark = (a: number, b: number): string => (a > b ? `**${a}** ▲` : String(a));
  let t = '| scenario | megaflows OVS | megaflows flowlab | masks OVS | masks flowlab | subtables OVS | subtables flowlab | hit/missed OVS | hit/missed flowlab | same match as OVS |\n';
  t += '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n';
  for (const r of rows) {
    const o = r.ovs;
    const f = r.flowlab;
    t += `| ${r.scenario} | ${o.megaflows} | ${mark(f.megaflows, o.megaflows)} | ${o.megaflow_masks} | ${mark(f.megaflow_masks, o.megaflow_masks)} | ${o.dpcls_subtables} | ${mark(f.dpcls_subtables, o.dpcls_subtables)} | ${o.dp_lookups.hit}/${o.dp_lookups.missed} | ${f.dp_lookups.hit}/${f.dp_lookups.missed} | ${r.sameMatch}/${f.megaflows} |\n`;
  }
  return t;
}

function main(argv: string[]): void {
  let outRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'flowlab-megaflows-'));
  const names: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--out') outRoot = argv[++i];
    else names.push(argv[i]);
  }
  const all = names.length > 0 ? names : fs.readdirSync(SCEN).filter((n) => fs.existsSync(path.join(SCEN, n, 'topology.json'))).sort();
  const rows: MegaflowComparison[] = [];
  for (const n of all) {
    try {
      const c = compareScenario(n, outRoot);
      if (c) rows.push(c);
    } catch (e) {
      process.stderr.write(`${n}: ${(e as Error).message}\n`);
    }
  }
  process.stdout.write(formatComparison(rows));
  process.stderr.write(`flowlab outputs in ${outRoot}\n`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main(process.argv.slice(2));
