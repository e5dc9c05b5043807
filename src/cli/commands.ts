/**
 * The subcommands: each parses its own arguments (node:util parseArgs, strict), loads what it needs and prints.
 * User mistakes throw (UsageError for the command line, InputError and its kin for files), and main.ts turns them
 * into `flowlab: <file>:<line>:<col>: message` and exit status 2.
 */

import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { buildSwitch } from '../control/build-switch.js';
import { dumpFlows } from '../control/flow-files.js';
import { formatReplaySummary, replay } from '../control/replay.js';
import { formatOfctlShow, formatVsctlShow } from '../control/show.js';
import { parseHexPacket, traceTopology, type TraceInput } from '../control/trace.js';
import { extractSnapshotFromMarkdown } from '../io/ovs-snapshot-markdown.js';
import { loadOvsSnapshot } from '../io/ovs-snapshot.js';
import { benchCommand } from './bench-command.js';
import { conntrackCommand } from './conntrack-command.js';
import { tunnelsCommand } from './tunnels-command.js';
import { UsageError, type CliIo } from './cli-io.js';
import { loadSpec, specName } from './load-spec.js';

export interface Command {
  readonly name: string;
  readonly summary: string;
  readonly help: string;
  run(args: string[], io: CliIo): number;
}

/** Runs parseArgs, turning its complaints (unknown option, missing value) into usage errors of `command`. */
function parseOr<T>(command: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw new UsageError((e as Error).message.replace(/\. To specify a positional argument.*$/s, ''), command);
  }
}

const HELP = { type: 'boolean', short: 'h' } as const;

function positionals(command: string, list: string[], max: number): string[] {
  if (list.length > max) throw new UsageError(`unexpected argument "${list[max]}"`, command);
  return list;
}

// ---------------------------------------------------------------------------------------------------------------

const replayCommand: Command = {
  name: 'replay',
  summary: 'run captures through a scenario or snapshot; write per-port pcaps, flows, fates, summary',
  help: `usage: flowlab replay (SCENARIO | --snapshot DIR) --out DIR [--in PORT=FILE]... [--progress] [--settle-ms N]
                     [--max-idle MS]

Builds the switch of SCENARIO (a folder with topology.json; see the OVS reference README for the schema) or of an
OVS snapshot folder (ovs-vsctl show + dump-flows texts), loads its flows, and replays the input captures (pcap or
pcapng) in timestamp order. Writes to DIR, in the layout of the reference runner's expected/ folder:
  <port>.pcap          frames each dummy/internal port (and each bridge's LOCAL port) transmitted
  flows-<bridge>.txt   dump-flows with counters, normalised like run_ovs.py
  fates.jsonl          per input packet: outputs (port#n) or where and why it was dropped
  summary.json         counts;  conntrack.txt: the conntrack table at the end (dpctl/dump-conntrack, sorted)
  dpctl-show.txt       datapath lookups, megaflow count and ports (dpctl/show)
  dpctl-flows.txt      the megaflows left at the end (dpctl/dump-flows --names, used: removed, sorted)

options:
  --out DIR            output folder (created; plain files in it are replaced)
  --in PORT=FILE       capture to inject on PORT; replaces the topology's input for PORT or adds one (repeatable)
  --snapshot DIR       use an OVS snapshot folder instead of a scenario
  --progress           report progress on stderr (default: only when stderr is a terminal)
  --settle-ms N        advance the clock at least N ms per packet, as run_ovs.py's settle does (default 0)
  --max-idle MS        megaflows unused this long are deleted (other_config:max-idle; OVS default 10000)

  --max-idle 600000 --settle-ms 100 reproduces the OVS reference runner (run_ovs.py) conditions: it sets max-idle
  to 600000 and advances OVS's clock 100 ms after every packet; its dpctl-show.txt and dpctl-flows.txt are then
  comparable with flowlab's.

examples:
  flowlab replay test/conformance/scenarios/normal-access-trunk --out /tmp/out
  flowlab replay --snapshot pcaps/seed-003 --in tap648437e1-0d=vm.pcap --out /tmp/seed
`,
  run(args, io) {
    const { values, positionals: pos } = parseOr('replay', () =>
      parseArgs({
        args,
        allowPositionals: true,
        strict: true,
        options: {
          help: HELP,
          out: { type: 'string', short: 'o' },
          in: { type: 'string', multiple: true },
          snapshot: { type: 'string' },
          progress: { type: 'boolean' },
          'settle-ms': { type: 'string' },
          'max-idle': { type: 'string' },
        },
      }),
    );
    if (values.help) return help(io, this);
    const [scenario] = positionals('replay', pos, 1);
    if (values.out === undefined) throw new UsageError('missing --out DIR', 'replay');
    const spec = loadSpec('replay', io.cwd, scenario, values.snapshot);
    const extraInputs = (values.in ?? []).map((s) => {
      const eq = s.indexOf('=');
      if (eq <= 0 || eq === s.length - 1) throw new UsageError(`--in expects PORT=FILE, got "${s}"`, 'replay');
      return { port: s.slice(0, eq), file: path.resolve(io.cwd, s.slice(eq + 1)) };
    });
    let settleMs = 0;
    if (values['settle-ms'] !== undefined) {
      settleMs = Number(values['settle-ms']);
      if (!Number.isInteger(settleMs) || settleMs < 0) throw new UsageError('--settle-ms expects a whole number of milliseconds', 'replay');
    }
    let maxIdleMs: number | undefined;
    if (values['max-idle'] !== undefined) {
      maxIdleMs = Number(values['max-idle']);
      if (!Number.isInteger(maxIdleMs) || maxIdleMs <= 0) throw new UsageError('--max-idle expects a positive whole number of milliseconds', 'replay');
    }
    const outDir = path.resolve(io.cwd, values.out);
    const showProgress = values.progress === true || io.stderrIsTTY;
    const started = Date.now();
    let lastPrint = started;
    const result = replay(spec, {
      outDir,
      extraInputs,
      settleMs,
      caches: maxIdleMs === undefined ? undefined : { maxIdleMs },
      progressEvery: 10_000,
      onProgress: showProgress
        ? (done) => {
            const now = Date.now();
            if (now - lastPrint < 1000 && values.progress !== true) return;
            lastPrint = now;
            const rate = Math.round(done / Math.max(0.001, (now - started) / 1000));
            io.err(`replay: ${done} packets (${rate}/s)${io.stderrIsTTY ? '\r' : '\n'}`);
          }
        : undefined,
    });
    if (showProgress && io.stderrIsTTY) io.err('\x1b[K');
    io.out(formatReplaySummary(specName(spec), result.summary, path.relative(io.cwd, outDir) || '.'));
    for (const e of result.captureErrors) io.err(`flowlab: ${e.message} (the packets before it were replayed)\n`);
    return result.captureErrors.length > 0 ? 1 : 0;
  },
};

const traceCommand: Command = {
  name: 'trace',
  summary: 'show how the pipeline handles one flow or packet (ofproto/trace)',
  help: `usage: flowlab trace (SCENARIO | --snapshot DIR) --bridge BR FLOW_SPEC
       flowlab trace (SCENARIO | --snapshot DIR) --in-port PORT --packet HEX
       flowlab trace (SCENARIO | --snapshot DIR) --in-port PORT --pcap FILE --index N
options:
  --bridge BR          bridge whose table 0 the flow enters (FLOW_SPEC mode)
  --in-port PORT       port the packet is received on (its bridge is implied)
  --packet HEX         the packet's bytes in hex (spaces and colons allowed)
  --pcap FILE --index N  the N-th (1-based) packet of a capture
  --json               print the trace as JSON instead of ofproto/trace text
  --snapshot DIR       use an OVS snapshot folder instead of a scenario

FLOW_SPEC is ovs-ofctl match syntax; fields not given are zero. Ports may be named.

examples:
  flowlab trace --snapshot pcaps/seed-003 --bridge br-int \\
      in_port=tap648437e1-0d,dl_src=fa:16:3e:61:21:c6,dl_dst=fa:16:3e:e9:26:5b,ip,nw_src=192.168.101.85,nw_dst=192.168.101.1,tcp,tp_dst=22
  flowlab trace test/conformance/scenarios/normal-access-trunk --in-port p1 --pcap in.pcap --index 3
`,
  run(args, io) {
    const { values, positionals: pos } = parseOr('trace', () =>
      parseArgs({
        args,
        allowPositionals: true,
        strict: true,
        options: {
          help: HELP,
          bridge: { type: 'string' },
          'in-port': { type: 'string' },
          packet: { type: 'string' },
          pcap: { type: 'string' },
          index: { type: 'string' },
          json: { type: 'boolean' },
          snapshot: { type: 'string' },
        },
      }),
    );
    if (values.help) return help(io, this);
    const wantPositionals = values.snapshot === undefined ? 1 : 0;
    const list = [...pos];
    const scenario = wantPositionals === 1 ? list.shift() : undefined;
    let input: TraceInput;
    if (values.packet !== undefined || values.pcap !== undefined) {
      positionals('trace', list, 0);
      if (values['in-port'] === undefined) throw new UsageError('--packet and --pcap need --in-port PORT', 'trace');
      if (values.packet !== undefined && values.pcap !== undefined) throw new UsageError('give --packet or --pcap, not both', 'trace');
      if (values.packet !== undefined) {
        input = { kind: 'packet', inPort: values['in-port'], bytes: parseHexPacket(values.packet) };
      } else {
        const index = Number(values.index);
        if (values.index === undefined || !Number.isInteger(index) || index < 1) throw new UsageError('--pcap needs --index N (1-based)', 'trace');
        input = { kind: 'pcap', inPort: values['in-port'], file: path.resolve(io.cwd, values.pcap!), index };
      }
    } else {
      if (list.length === 0) throw new UsageError('missing FLOW_SPEC (or --packet HEX / --pcap FILE --index N)', 'trace');
      positionals('trace', list, 1);
      if (values.bridge === undefined) throw new UsageError('FLOW_SPEC needs --bridge BR', 'trace');
      input = { kind: 'flow', bridge: values.bridge, spec: list[0] };
    }
    const spec = loadSpec('trace', io.cwd, scenario, values.snapshot);
    const report = traceTopology(spec, input);
    if (values.json) {
      const { text: _text, ...rest } = report;
      io.out(JSON.stringify(rest, null, 1) + '\n');
    } else {
      io.out(report.text);
    }
    return 0;
  },
};

const dumpFlowsCommand: Command = {
  name: 'dump-flows',
  summary: 'print the flows a scenario or snapshot loads, as ovs-ofctl dump-flows would',
  help: `usage: flowlab dump-flows (SCENARIO | --snapshot DIR) [--bridge BR]

Loads the topology and its flow files (a bad line is reported with file:line:column) and prints each bridge's
flow table as \`ovs-ofctl --names dump-flows\` would right after add-flows, in the bridge's OpenFlow version.

example:
  flowlab dump-flows --snapshot pcaps/seed-003 --bridge br-tun
`,
  run(args, io) {
    const { values, positionals: pos } = parseOr('dump-flows', () =>
      parseArgs({
        args,
        allowPositionals: true,
        strict: true,
        options: {
          help: HELP,
          bridge: { type: 'string' },
          snapshot: { type: 'string' },
        },
      }),
    );
    if (values.help) return help(io, this);
    const [scenario] = positionals('dump-flows', pos, 1);
    const spec = loadSpec('dump-flows', io.cwd, scenario, values.snapshot);
    const bridges = values.bridge === undefined ? spec.bridges : spec.bridges.filter((b) => b.name === values.bridge);
    if (bridges.length === 0) throw new UsageError(`no bridge named "${values.bridge}"`, 'dump-flows');
    const sw = buildSwitch(spec);
    for (const br of bridges) {
      // OVS 3.1's ovs-ofctl dump-flows prints neither the reply header nor idle_age/hard_age.
      if (bridges.length > 1) io.out(`# ${br.name}\n`);
      io.out(dumpFlows(sw.bridge(br.name)!, br.openflowVersion, 0));
    }
    return 0;
  },
};

const showCommand: Command = {
  name: 'show',
  summary: 'print bridges and ports (ovs-vsctl show; --ofctl: OpenFlow port numbers)',
  help: `usage: flowlab show (SCENARIO | --snapshot DIR) [--ofctl]

Prints the bridges and ports like \`ovs-vsctl show\` (without the UUID line); with --ofctl, each bridge's OpenFlow
port numbers like \`ovs-ofctl show\` lists them (N(name)), with type and VLAN settings.

example:
  flowlab show --snapshot pcaps/seed-003 --ofctl
`,
  run(args, io) {
    const { values, positionals: pos } = parseOr('show', () =>
      parseArgs({
        args,
        allowPositionals: true,
        strict: true,
        options: {
          help: HELP,
          ofctl: { type: 'boolean' },
          snapshot: { type: 'string' },
        },
      }),
    );
    if (values.help) return help(io, this);
    const [scenario] = positionals('show', pos, 1);
    const spec = loadSpec('show', io.cwd, scenario, values.snapshot);
    buildSwitch(spec); // checks that the flows load too
    io.out(values.ofctl ? spec.bridges.map(formatOfctlShow).join('') : formatVsctlShow(spec));
    return 0;
  },
};

const snapshotCommand: Command = {
  name: 'snapshot-from-markdown',
  summary: 'extract ovs-vsctl show / ovs-ofctl outputs from a Markdown document into a snapshot folder',
  help: `usage: flowlab snapshot-from-markdown FILE.md --out DIR

Finds fenced code blocks holding \`ovs-vsctl show\`, \`ovs-ofctl dump-flows BR\` or \`ovs-ofctl show BR\`, each
followed by a block with its output, and writes them as vsctl-show.txt, BR.flows and ofctl-show-BR.txt in DIR.
The result is checked by loading it as a snapshot.

example:
  flowlab snapshot-from-markdown notes/compute-node.md --out pcaps/compute-node
`,
  run(args, io) {
    const { values, positionals: pos } = parseOr('snapshot-from-markdown', () =>
      parseArgs({
        args,
        allowPositionals: true,
        strict: true,
        options: {
          help: HELP,
          out: { type: 'string', short: 'o' },
        },
      }),
    );
    if (values.help) return help(io, this);
    const [file] = positionals('snapshot-from-markdown', pos, 1);
    if (file === undefined) throw new UsageError('missing the Markdown file', 'snapshot-from-markdown');
    if (values.out === undefined) throw new UsageError('missing --out DIR', 'snapshot-from-markdown');
    const src = path.resolve(io.cwd, file);
    let text: string;
    try {
      text = fs.readFileSync(src, 'utf8');
    } catch (e) {
      throw new UsageError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, 'snapshot-from-markdown');
    }
    const files = extractSnapshotFromMarkdown(text, src);
    const out = path.resolve(io.cwd, values.out);
    fs.mkdirSync(out, { recursive: true });
    for (const [name, body] of files) fs.writeFileSync(path.join(out, name), body);
    const spec = loadOvsSnapshot(out);
    io.out(`${[...files.keys()].join(', ')} -> ${values.out} (${spec.bridges.length} bridges)\n`);
    return 0;
  },
};

export const COMMANDS: readonly Command[] = [replayCommand, traceCommand, dumpFlowsCommand, showCommand, snapshotCommand, benchCommand, conntrackCommand, tunnelsCommand];

function help(io: CliIo, c: Command): number {
  io.out(c.help);
  return 0;
}

export function mainHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return `usage: flowlab COMMAND [options]     (flowlab COMMAND --help for details)

A userspace packet datapath modelled on Open vSwitch 3.1.

commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n')}
  ${'help'.padEnd(width)}  this text, or \`flowlab help COMMAND\`

example:
  flowlab replay --snapshot pcaps/seed-003 --in tap648437e1-0d=vm.pcap --out /tmp/seed
`;
}
