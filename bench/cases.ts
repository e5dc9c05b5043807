/**
 * Every bench case of every suite, in report order. One list shared by the runner and the smoke test, so a suite
 * added here is both timed and kept honest.
 */

import { classifierCases } from './classifier.bench.js';
import { conntrackCases } from './conntrack.bench.js';
import { extractCases } from './extract.bench.js';
import type { BenchCase } from './harness.js';
import { xlateCases } from './xlate.bench.js';

export const SUITES: readonly { readonly name: string; readonly cases: () => BenchCase[] }[] = [
  { name: 'extract', cases: extractCases },
  { name: 'classifier', cases: classifierCases },
  { name: 'xlate', cases: xlateCases },
  { name: 'conntrack', cases: conntrackCases },
];

export function allCases(): BenchCase[] {
  return SUITES.flatMap((s) => s.cases());
}
