/**
 * The bench report: machine information, a Markdown table of results, and the JSON record written beside it.
 * Numbers from a shared 2-core machine are noisy, so the machine's load average is recorded with them.
 */

import * as os from 'node:os';
import type { BenchResult } from './harness.js';

export interface MachineInfo {
  readonly cpu: string;
  readonly cores: number;
  readonly node: string;
  readonly v8: string;
  readonly platform: string;
  readonly totalMemGiB: number;
  /** 1, 5 and 15-minute load averages when the run started: other work on the machine skews the numbers. */
  readonly loadAvg: readonly number[];
  readonly date: string;
}

export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    node: process.version,
    v8: process.versions.v8,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    totalMemGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    loadAvg: os.loadavg().map((l) => Math.round(l * 100) / 100),
    date: new Date().toISOString(),
  };
}

export interface BenchReport {
  readonly machine: MachineInfo;
  readonly mode: 'full' | 'quick';
  readonly maxTimeS: number;
  readonly wallS: number;
  readonly results: readonly BenchResult[];
}

export function formatRate(r: BenchResult): string {
  if (r.unit === 'Mpps') return r.rate.toFixed(2);
  return Math.round(r.rate).toLocaleString('en-US');
}

function formatRatio(r: BenchResult): string {
  if (r.ratio === undefined || r.relativeTo === undefined) return '';
  return `${r.ratio.toFixed(2)}× ${r.relativeTo}`;
}

export function markdownReport(rep: BenchReport): string {
  const m = rep.machine;
  const lines = [
    `## flowlab bench (${rep.mode}, maxTime ${rep.maxTimeS} s per case, ${rep.wallS.toFixed(0)} s total)`,
    '',
    `- CPU: ${m.cpu}, ${m.cores} cores; ${m.totalMemGiB} GiB; ${m.platform}`,
    `- Node ${m.node} (V8 ${m.v8}); ${m.date}; load average at start ${m.loadAvg.join(' / ')}`,
    '',
    '| suite | case | rate | unit | ± % | samples | ratio |',
    '| --- | --- | ---: | --- | ---: | ---: | --- |',
  ];
  for (const r of rep.results) {
    const unit = r.unit === 'Mpps' ? 'Mpps' : r.suite === 'xlate' ? 'translations/s' : 'lookups/s';
    lines.push(`| ${r.suite} | ${r.name} | ${formatRate(r)} | ${unit} | ${r.rmePct.toFixed(1)} | ${r.samples} | ${formatRatio(r)} |`);
  }
  return lines.join('\n') + '\n';
}
