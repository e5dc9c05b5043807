/**
 * Runs every bench suite and reports: `npm run build && npm run bench [-- --quick] [-- --filter TEXT]`.
 *
 *   --quick        smoke run (~10 s): 0.2 s per case instead of 2 s; numbers are indicative only.
 *   --filter TEXT  only cases whose "suite: name" contains TEXT.
 *
 * Prints a line per case as it finishes (stderr), then the Markdown table (stdout), and writes the JSON record to
 * bench/results/latest.json (a --quick or --filter run writes bench/results/quick.json instead, so a smoke run never
 * replaces the numbers of a full one). Every case's `verify` runs before any timing, so a bench that would measure
 * the wrong thing fails loudly instead of printing a flattering number.
 */

import * as fs from 'node:fs';
import * as path from 'node:path';
import { allCases } from './cases.js';
import { runCases, type TimingOptions } from './harness.js';
import { formatRate, machineInfo, markdownReport, type BenchReport } from './report.js';
import { repoRoot } from './paths.js';

const FULL: TimingOptions = { maxTime: 2, minSamples: 5 };
const QUICK: TimingOptions = { maxTime: 0.2, minSamples: 2 };

interface Args {
  readonly quick: boolean;
  readonly filter: string | undefined;
}

function parseArgs(argv: readonly string[]): Args {
  let quick = false;
  let filter: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--quick') quick = true;
    else if (a === '--filter' && i + 1 < argv.length) filter = argv[++i];
    else throw new Error(`bench: unknown argument ${a} (use --quick, --filter TEXT)`);
  }
  return { quick, filter };
}

function main(): void {
  const args = parseArgs(process.argv.slice(2));
  const timing = args.quick ? QUICK : FULL;
  const machine = machineInfo();
  const started = process.hrtime.bigint();

  const cases = allCases().filter((c) => args.filter === undefined || `${c.suite}: ${c.name}`.includes(args.filter));
  for (const c of cases) c.verify?.();

  const results = runCases(cases, timing, (r) => {
    process.stderr.write(`  ${r.suite}: ${r.name}: ${formatRate(r)} ${r.unit} ±${r.rmePct.toFixed(1)}% (${r.samples} samples)\n`);
  });
  const report: BenchReport = {
    machine,
    mode: args.quick ? 'quick' : 'full',
    maxTimeS: timing.maxTime,
    wallS: Number(process.hrtime.bigint() - started) / 1e9,
    results,
  };
  process.stdout.write(markdownReport(report));

  const dir = path.join(repoRoot(), 'bench', 'results');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, args.quick || args.filter !== undefined ? 'quick.json' : 'latest.json');
  fs.writeFileSync(file, JSON.stringify(report, null, 2) + '\n');
  process.stderr.write(`wrote ${path.relative(process.cwd(), file)}\n`);
}

main();
