/**
 * `flowlab bench`: the datapath cache benchmark (bench/cache-bench.ts): the standard set (the three speed targets,
 * each ruleset, and a flow-count sweep with its plot), or one case given by its parameters.
 */

import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { type CacheCase, type CacheMode, markdownTable, runCacheBench } from '../../bench/cache-bench.js';
import { RULESETS, type RulesetName } from '../../bench/cache-rulesets.js';
import { UsageError, type CliIo } from './cli-io.js';
import type { Command } from './commands.js';

const MODES: readonly CacheMode[] = ['emc', 'megaflow', 'default', 'upcall'];

function oneOf<T extends string>(value: string | undefined, allowed: readonly T[], fallback: T, what: string): T {
  if (value === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(value)) throw new UsageError(`--${what} expects one of ${allowed.join(', ')}`, 'bench');
  return value as T;
}

function count(value: string | undefined, fallback: number, what: string): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 10_000_000) throw new UsageError(`--${what} expects a whole number from 1 to 10000000`, 'bench');
  return n;
}

export const benchCommand: Command = {
  name: 'bench',
  summary: 'benchmark the datapath caches (EMC, megaflows, upcalls) against the bare JS floor',
  help: `usage: flowlab bench [--quick] [--out DIR]
       flowlab bench --ruleset R --mode M [--flows N] [--packets N] [--popularity uniform|zipf] [--size 64|imix]

Runs generated traffic held in memory through extract, the caches and datapath actions to per-port buffers, on one
core, and prints Mpps, ns/packet, EMC/megaflow/upcall rates, masks per packet, megaflows and cache memory, each beside
the bare JS floor measured in the same run. Without --ruleset it runs the standard set and writes
cache-latest.{json,md,svg} (cache-quick.* with --quick) to DIR (default bench/results).

  --ruleset R     ${RULESETS.join(', ')}
  --mode M        emc (EMC always inserts), megaflow (EMC off), default (OVS defaults), upcall (every packet a new megaflow)

examples:
  flowlab bench --quick
  flowlab bench --ruleset masks8 --mode megaflow --flows 1000
`,
  run(args: string[], io: CliIo): number {
    let parsed;
    try {
      parsed = parseArgs({
        args,
        strict: true,
        options: {
          help: { type: 'boolean', short: 'h' },
          quick: { type: 'boolean' },
          out: { type: 'string' },
          ruleset: { type: 'string' },
          mode: { type: 'string' },
          flows: { type: 'string' },
          packets: { type: 'string' },
          popularity: { type: 'string' },
          size: { type: 'string' },
        },
      });
    } catch (e) {
      throw new UsageError((e as Error).message, 'bench');
    }
    const v = parsed.values;
    if (v.help) {
      io.out(this.help);
      return 0;
    }
    const outDir = path.resolve(io.cwd, v.out ?? path.join('bench', 'results'));
    let cases: CacheCase[] | undefined;
    if (v.ruleset !== undefined || v.mode !== undefined) {
      const flows = count(v.flows, 1000, 'flows');
      cases = [
        {
          ruleset: oneOf<RulesetName>(v.ruleset, RULESETS, 'seed', 'ruleset'),
          mode: oneOf<CacheMode>(v.mode, MODES, 'default', 'mode'),
          flows,
          packets: count(v.packets, Math.max(flows, 500_000), 'packets'),
          popularity: oneOf(v.popularity, ['uniform', 'zipf'] as const, 'uniform', 'popularity'),
          sizes: oneOf(v.size, ['64', 'imix'] as const, '64', 'size'),
        },
      ];
    }
    const rec = runCacheBench({
      quick: v.quick === true || cases !== undefined,
      outDir,
      cases,
      onResult: (r) => io.err(`${r.rulesetName} ${r.mode} ${r.flows} flows ${r.popularity} ${r.sizes}: ${r.mpps.toFixed(2)} Mpps\n`),
    });
    const m = rec.machine;
    io.out(`${m.cpu}, ${m.cores} cores, Node ${m.node}, ${m.date}\n\n${markdownTable(rec.results)}`);
    return 0;
  },
};
