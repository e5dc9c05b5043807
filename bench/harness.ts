/**
 * The bench harness: what a benchmark case is, and how a list of them is timed with benchmark.js.
 *
 * A case is plain data plus one function, `op`, that does a fixed amount of work (`perOp` items: frames, lookups,
 * translations). Everything `op` touches is built before it is timed (frames, keys, masks, rules), so the timed loop
 * measures the code under test and not its setup or the garbage collector. `perOp` is usually 256: benchmark.js
 * calls `op` through a function call and a loop of its own, and doing a batch per call makes that overhead
 * negligible, as a datapath amortises its own per-batch work.
 *
 * The same case objects serve the smoke test (test/bench/smoke.test.ts), which calls `op` a few times untimed, so a
 * bench that no longer compiles or throws against the current API fails the test suite instead of rotting.
 */

import Benchmark from 'benchmark';

/** Mpps for packet cases (perOp frames), ops/s for everything else (perOp lookups or translations). */
export type RateUnit = 'Mpps' | 'ops/s';

export interface BenchCase {
  readonly suite: string;
  readonly name: string;
  readonly unit: RateUnit;
  /** Items processed by one call of `op`. */
  readonly perOp: number;
  /** One timed operation. Must not allocate; its result is sunk by the case itself. */
  readonly op: () => void;
  /** Name of a case of the same suite to compare against (the result gets `ratio` = this rate / that rate). */
  readonly relativeTo?: string;
  /** A short note for the report (what the case stands for). */
  readonly note?: string;
  /**
   * Throws if the case would not measure what its name says (a frame that does not parse, a lookup that finds
   * nothing, a translation that drops). Untimed; run before timing and by the smoke test.
   */
  readonly verify?: () => void;
}

export interface BenchResult {
  readonly suite: string;
  readonly name: string;
  readonly unit: RateUnit;
  /** Items per second (frames, lookups, translations), not benchmark.js operations. */
  readonly itemsPerSec: number;
  /** In `unit`: Mpps = itemsPerSec / 1e6, ops/s = itemsPerSec. */
  readonly rate: number;
  /** benchmark.js relative margin of error, in percent. */
  readonly rmePct: number;
  readonly samples: number;
  readonly perOp: number;
  /** rate / rate of `relativeTo`, when the case names one. */
  ratio?: number;
  readonly relativeTo?: string;
  readonly note?: string;
}

export interface TimingOptions {
  /** Seconds benchmark.js samples each case for (its `maxTime`). */
  readonly maxTime: number;
  /** At least this many samples even when maxTime has passed. */
  readonly minSamples: number;
}

/** Times `cases` one after the other (synchronously: benchmark.js' `async: false`). */
export function runCases(cases: readonly BenchCase[], timing: TimingOptions, onResult?: (r: BenchResult) => void): BenchResult[] {
  const results: BenchResult[] = [];
  for (const c of cases) {
    // One Benchmark per case, not one Suite: a failing case then reports its own error and the others still run.
    const bench = new Benchmark(`${c.suite}: ${c.name}`, c.op, { maxTime: timing.maxTime, minSamples: timing.minSamples });
    bench.run({ async: false });
    if (bench.error) throw new Error(`bench ${c.suite}: ${c.name} failed: ${String(bench.error)}`);
    const itemsPerSec = bench.hz * c.perOp;
    const r: BenchResult = {
      suite: c.suite,
      name: c.name,
      unit: c.unit,
      itemsPerSec,
      rate: c.unit === 'Mpps' ? itemsPerSec / 1e6 : itemsPerSec,
      rmePct: bench.stats.rme,
      samples: bench.stats.sample.length,
      perOp: c.perOp,
      relativeTo: c.relativeTo,
      note: c.note,
    };
    results.push(r);
    onResult?.(r);
  }
  for (const r of results) {
    if (r.relativeTo === undefined) continue;
    const base = results.find((o) => o.suite === r.suite && o.name === r.relativeTo);
    if (base) r.ratio = r.itemsPerSec / base.itemsPerSec;
  }
  return results;
}

/** Keeps results of timed loops observable so the JIT cannot drop the work that produced them. */
export const sink = new Int32Array(4);
