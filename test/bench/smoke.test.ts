/**
 * The benches must keep running against the current code: every case builds, passes its own `verify` (it measures
 * what its name says: frames parse, lookups hit several rules, translations output) and runs a few operations.
 * Nothing is timed here; `npm run bench` does that.
 */

import { describe, expect, test } from 'vitest';
import { SUITES } from '../../bench/cases.js';
import { markdownReport, machineInfo } from '../../bench/report.js';
import type { BenchResult } from '../../bench/harness.js';

const OPS = 3;

for (const suite of SUITES) {
  describe(`bench suite ${suite.name}`, () => {
    const cases = suite.cases();

    test('has cases', () => {
      expect(cases.length).toBeGreaterThan(0);
    });

    for (const c of cases) {
      test(`${c.name} verifies and runs`, () => {
        c.verify?.();
        for (let i = 0; i < OPS; i++) c.op();
      });
    }

    test('every relativeTo names a case of the same suite', () => {
      const names = new Set(cases.map((c) => c.name));
      for (const c of cases) if (c.relativeTo !== undefined) expect(names, c.name).toContain(c.relativeTo);
    });
  });
}

test('the report table has one row per result, rates in their unit', () => {
  const results: BenchResult[] = [
    { suite: 'extract', name: 'extract x', unit: 'Mpps', itemsPerSec: 12_345_678, rate: 12.345678, rmePct: 1.234, samples: 9, perOp: 256, ratio: 0.5, relativeTo: 'floor x' },
    { suite: 'xlate', name: 'y', unit: 'ops/s', itemsPerSec: 54321.4, rate: 54321.4, rmePct: 0.5, samples: 7, perOp: 16 },
  ];
  const text = markdownReport({ machine: machineInfo(), mode: 'quick', maxTimeS: 0.2, wallS: 1, results });
  expect(text).toContain('| extract | extract x | 12.35 | Mpps | 1.2 | 9 | 0.50× floor x |');
  expect(text).toContain('| xlate | y | 54,321 | translations/s | 0.5 | 7 |  |');
});
