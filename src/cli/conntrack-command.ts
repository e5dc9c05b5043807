/**
 * `flowlab conntrack dump|stats|flush|limits`: the conntrack table a replay leaves behind, in the syntax of
 * `ovs-appctl dpctl/dump-conntrack`, `dpctl/ct-stats-show`, `dpctl/flush-conntrack` and `dpctl/ct-get-limits`.
 *
 * flowlab has no long-running daemon to ask, so each subcommand replays the scenario (its outputs go to a temporary
 * folder, removed afterwards) and then acts on the table at the replay's end time: `flush` flushes and prints what
 * is left, `limits` sets limits before the replay (as `dpctl/ct-set-limits` would on a running switch) and prints
 * them with their counts after it.
 */

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { Conntrack, emptyTupleMatch, parseTupleMatch } from '../conntrack/index.js';
import { replay } from '../control/replay.js';
import { UsageError } from './cli-io.js';
import type { Command } from './commands.js';
import { loadSpec } from './load-spec.js';

const SUBCOMMANDS = ['dump', 'stats', 'flush', 'limits'] as const;
type Sub = (typeof SUBCOMMANDS)[number];

function zoneArg(v: string, what: string): number {
  const m = /^zone=(\d+)$/.exec(v);
  if (m === null || Number(m[1]) > 65535) throw new UsageError(`${what}: expected zone=N (0-65535), got "${v}"`, 'conntrack');
  return Number(m[1]);
}

function limitArg(v: string): { zone: number | 'default'; limit: number } {
  let m = /^default=(\d+)$/.exec(v);
  if (m !== null) return { zone: 'default', limit: Number(m[1]) };
  m = /^zone=(\d+),limit=(\d+)$/.exec(v);
  if (m === null || Number(m[1]) > 65535 || Number(m[2]) > 0xffffffff) {
    throw new UsageError(`--set expects default=N or zone=Z,limit=L, got "${v}"`, 'conntrack');
  }
  return { zone: Number(m[1]), limit: Number(m[2]) };
}

export const conntrackCommand: Command = {
  name: 'conntrack',
  summary: 'the conntrack table after a replay: dump, stats, flush, limits (dpctl syntax)',
  help: `usage: flowlab conntrack dump   (SCENARIO | --snapshot DIR) [--in PORT=FILE]... [zone=N] [-s]
       flowlab conntrack stats  (SCENARIO | --snapshot DIR) [--in PORT=FILE]... [zone=N] [--verbose]
       flowlab conntrack flush  (SCENARIO | --snapshot DIR) [--in PORT=FILE]... [zone=N] [ORIG [REPLY]]
       flowlab conntrack limits (SCENARIO | --snapshot DIR) [--in PORT=FILE]... [--set default=N|zone=Z,limit=L]...
                                [zone=Z[,Z]...]

Replays the scenario's captures (outputs to a temporary folder) and then, on the conntrack table at the end:
  dump     prints it as ovs-appctl dpctl/dump-conntrack [zone=N] does (-s adds timeout=)
  stats    prints dpctl/ct-stats-show
  flush    flushes all, one zone, or the connections matching tuples given in dpctl/flush-conntrack syntax
           (e.g. ct_nw_src=10.0.0.1,ct_nw_dst=10.0.0.2,ct_nw_proto=6,ct_tp_src=4000,ct_tp_dst=80), then dumps
  limits   sets zone limits before the replay (as dpctl/ct-set-limits), prints dpctl/ct-get-limits after it

examples:
  flowlab conntrack dump test/conformance/scenarios/ct-nat zone=5
  flowlab conntrack limits test/conformance/scenarios/ct-zones-marks --set default=10 --set zone=1,limit=2
`,
  run(args, io) {
    let values: { help?: boolean; in?: string[]; snapshot?: string; s?: boolean; verbose?: boolean; set?: string[] };
    let pos: string[];
    try {
      ({ values, positionals: pos } = parseArgs({
        args,
        allowPositionals: true,
        strict: true,
        options: {
          help: { type: 'boolean', short: 'h' },
          in: { type: 'string', multiple: true },
          snapshot: { type: 'string' },
          s: { type: 'boolean', short: 's' },
          verbose: { type: 'boolean' },
          set: { type: 'string', multiple: true },
        },
      }));
    } catch (e) {
      throw new UsageError((e as Error).message.replace(/\. To specify a positional argument.*$/s, ''), 'conntrack');
    }
    if (values.help) {
      io.out(this.help);
      return 0;
    }
    const sub = pos[0] as Sub | undefined;
    if (sub === undefined || !SUBCOMMANDS.includes(sub)) {
      throw new UsageError(`expected one of ${SUBCOMMANDS.join(', ')}${sub === undefined ? '' : `, got "${sub}"`}`, 'conntrack');
    }
    // The scenario is the first positional after the subcommand unless --snapshot names the switch.
    const rest = pos.slice(1);
    const scenario = values.snapshot === undefined ? rest.shift() : undefined;
    const spec = loadSpec('conntrack', io.cwd, scenario, values.snapshot);

    const ct = new Conntrack({ capacity: 1 << 16 });
    if (sub === 'limits') {
      const zones: { zone: number; limit: number }[] = [];
      let def: number | undefined;
      for (const v of values.set ?? []) {
        const l = limitArg(v);
        if (l.zone === 'default') def = l.limit;
        else zones.push({ zone: l.zone, limit: l.limit });
      }
      ct.setLimits(def, zones);
    } else if (values.set !== undefined) {
      throw new UsageError('--set belongs to "conntrack limits"', 'conntrack');
    }

    const extraInputs = (values.in ?? []).map((s) => {
      const eq = s.indexOf('=');
      if (eq <= 0 || eq === s.length - 1) throw new UsageError(`--in expects PORT=FILE, got "${s}"`, 'conntrack');
      return { port: s.slice(0, eq), file: path.resolve(io.cwd, s.slice(eq + 1)) };
    });
    const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'flowlab-ct-'));
    let endMs: number;
    try {
      const r = replay(spec, { outDir, extraInputs, conntrack: ct });
      for (const e of r.captureErrors) io.err(`flowlab: ${e.message} (the packets before it were replayed)\n`);
      endMs = r.endMs;
    } finally {
      fs.rmSync(outDir, { recursive: true, force: true });
    }

    switch (sub) {
      case 'dump': {
        const zone = rest.length > 0 ? zoneArg(rest[0], 'dump') : undefined;
        if (rest.length > 1) throw new UsageError(`unexpected argument "${rest[1]}"`, 'conntrack');
        for (const l of ct.dump(endMs, zone, { stats: values.s === true })) io.out(l + '\n');
        return 0;
      }
      case 'stats': {
        const zone = rest.length > 0 ? zoneArg(rest[0], 'stats') : undefined;
        io.out(ct.stats(endMs, zone, values.verbose === true));
        return 0;
      }
      case 'flush': {
        let zone: number | undefined;
        if (rest.length > 0 && rest[0].startsWith('zone=')) zone = zoneArg(rest.shift()!, 'flush');
        if (rest.length > 2) throw new UsageError('invalid arguments', 'conntrack');
        if (rest.length === 0) {
          ct.flush(zone);
        } else {
          const m = emptyTupleMatch();
          const orig = parseTupleMatch(rest[0], m);
          const reply = rest.length > 1 ? parseTupleMatch(rest[1], m) : null;
          const r = ct.flushTuple(zone, orig, reply, endMs);
          if (r.error !== undefined) {
            io.err(`flowlab: ${r.error}\n`);
            return 1;
          }
        }
        for (const l of ct.dump(endMs)) io.out(l + '\n');
        return 0;
      }
      case 'limits': {
        let zones: number[] | undefined;
        if (rest.length > 0) {
          const m = /^zone=([\d,]+)$/.exec(rest[0]);
          if (m === null) throw new UsageError(`invalid argument ${rest[0]}`, 'conntrack');
          zones = m[1].split(',').filter((z) => z !== '').map(Number);
        }
        io.out(ct.getLimits(zones) + '\n');
        return 0;
      }
    }
  },
};
