/**
 * Conformance suite: every folder under test/conformance/scenarios/ is run
 * through REAL Open vSwitch 3.1 (shared/tools/ovs-reference/run_ovs.py,
 * userspace datapath with dummy netdevs) and through flowlab's
 * `replay` CLI; the outputs must agree:
 *
 *   - every frame on every port (compare.py, packet by packet),
 *   - the conntrack table (compare.py; empty for these stateless scenarios),
 *   - flows-<bridge>.txt byte for byte after run_ovs.py's normalisation
 *     (rules, n_packets/n_bytes, timeouts, learned and expired flows),
 *   - per input packet, where it went: flowlab's fates.jsonl against OVS's
 *     io-map.json (the set of `port#n` outputs; see fateDifferences for
 *     tunnel ports),
 *   - the datapath at the end: dpctl-flows.txt (every megaflow: match,
 *     packets, bytes, flags, actions; recirculation ids and output order
 *     normalised as dpctl-compare.ts explains) and dpctl-show.txt (the
 *     lookups: and flows: lines exactly, the ports by name and type);
 *     differences that remain for a known reason are listed in DPCTL_GAPS.
 *
 * flowlab replays with `--max-idle 600000 --settle-ms 100`, the reference
 * runner's conditions (other_config:max-idle=600000, a 100 ms clock warp and
 * revalidator round after every packet).
 *
 * OVS's output is cached in scenarios/<name>/expected/ (gitignored) and
 * re-generated when any scenario file or run_ovs.py is newer than it, or when
 * FLOWLAB_REGEN_EXPECTED=1.  Input pcaps are committed; they are regenerated
 * with the scenario's gen.py (needs scapy) only when missing.
 *
 * Missing prerequisites (OVS binaries, python3, scapy when inputs must be
 * generated): with CI=true the tests FAIL with a message naming what is
 * missing; otherwise they are skipped with that message.
 *
 * Environment:
 *   OVS_REFERENCE_DIR             ovs-reference tools (default <repo>/../shared/tools/ovs-reference)
 *   FLOWLAB_PYTHON                python with the stdlib (default /usr/bin/python3, else python3)
 *   FLOWLAB_REGEN_EXPECTED=1      ignore the expected/ cache
 *   FLOWLAB_CONFORMANCE_OVS_ONLY=1  only the OVS half (reference runs + packets.tsv claims)
 *   FLOWLAB_KEEP_OUTPUT=1         keep flowlab's output folders (paths are printed)
 *   FLOWLAB_CONFORMANCE_SCENARIOS=a,b  run only these scenarios
 *   FLOWLAB_CLI                   CLI script to run instead of dist/src/cli/main.js
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { compareDpFlows, dpctlShowCounters, dpctlShowPortNames } from './dpctl-compare.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '..', '..');
const SCEN_ROOT = path.join(HERE, 'scenarios');
const OVS_REF = path.resolve(
  process.env.OVS_REFERENCE_DIR ?? path.join(REPO, '..', 'shared', 'tools', 'ovs-reference'),
);
/** FLOWLAB_CLI overrides the CLI script (e.g. a stub, to test the harness itself). */
const CLI = path.resolve(process.env.FLOWLAB_CLI ?? path.join(REPO, 'dist', 'src', 'cli', 'main.js'));
const IN_CI = process.env.CI === 'true';
const REGEN = process.env.FLOWLAB_REGEN_EXPECTED === '1';
const OVS_ONLY = process.env.FLOWLAB_CONFORMANCE_OVS_ONLY === '1';
const KEEP = process.env.FLOWLAB_KEEP_OUTPUT === '1';
const STAMP = '.complete';
/** OVS binaries live in sbin, which a non-root PATH often lacks. */
const ENV_PATH = [process.env.PATH ?? '', '/usr/local/sbin', '/usr/sbin', '/sbin'].join(path.delimiter);
const CHILD_ENV = { ...process.env, PATH: ENV_PATH };

// ---------------------------------------------------------------------------
// scenarios

interface Topology {
  description?: string;
  bridges: { name: string }[];
  inputs?: { port: string; pcap: string }[];
}

interface Scenario {
  name: string;
  dir: string;
  topo: Topology;
  expectedDir: string;
}

function listScenarios(): Scenario[] {
  const only = process.env.FLOWLAB_CONFORMANCE_SCENARIOS?.split(',').map((s) => s.trim()).filter(Boolean);
  if (!fs.existsSync(SCEN_ROOT)) return [];
  return fs
    .readdirSync(SCEN_ROOT, { withFileTypes: true })
    .filter((d) => d.isDirectory() && fs.existsSync(path.join(SCEN_ROOT, d.name, 'topology.json')))
    .map((d) => d.name)
    .filter((n) => !only || only.includes(n))
    .sort()
    .map((name) => {
      const dir = path.join(SCEN_ROOT, name);
      const topo = JSON.parse(fs.readFileSync(path.join(dir, 'topology.json'), 'utf8')) as Topology;
      return { name, dir, topo, expectedDir: path.join(dir, 'expected') };
    });
}

function inputsPresent(s: Scenario): boolean {
  return (s.topo.inputs ?? []).every((i) => fs.existsSync(path.join(s.dir, i.pcap)));
}

// ---------------------------------------------------------------------------
// prerequisites

function which(cmd: string): string | null {
  if (path.isAbsolute(cmd)) return fs.existsSync(cmd) ? cmd : null;
  for (const d of ENV_PATH.split(path.delimiter)) {
    if (!d) continue;
    const p = path.join(d, cmd);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return p;
    } catch {
      /* next */
    }
  }
  return null;
}

function run(cmd: string, args: string[], opts: { cwd?: string; timeoutMs?: number } = {}): SpawnSyncReturns<string> {
  return spawnSync(cmd, args, {
    cwd: opts.cwd ?? REPO,
    env: CHILD_ENV,
    encoding: 'utf8',
    timeout: opts.timeoutMs ?? 300_000,
    maxBuffer: 64 * 1024 * 1024,
  });
}

function output(r: SpawnSyncReturns<string>): string {
  const err = r.error ? `\n[spawn error: ${r.error.message}]` : '';
  const sig = r.signal ? `\n[killed by ${r.signal}]` : '';
  return `${r.stdout ?? ''}${r.stderr ?? ''}${err}${sig}`;
}

const PYTHON = process.env.FLOWLAB_PYTHON ?? (fs.existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');

const OVS_TOOLS = ['ovs-vswitchd', 'ovsdb-server', 'ovsdb-tool', 'ovs-vsctl', 'ovs-appctl', 'ovs-ofctl'];

/** What is missing to (re)produce OVS's expected output, or null. */
function missingForOvs(needScapy: boolean): string | null {
  const missing: string[] = [];
  const absentTools = OVS_TOOLS.filter((t) => !which(t));
  if (absentTools.length)
    missing.push(`Open vSwitch (${absentTools.join(', ')} not found; Debian: apt-get install openvswitch-switch)`);
  if (!fs.existsSync(path.join(OVS_REF, 'run_ovs.py')))
    missing.push(`the ovs-reference tools (no run_ovs.py in ${OVS_REF}; set OVS_REFERENCE_DIR)`);
  const py = run(PYTHON, ['-c', 'import sys; print(sys.version_info[0])'], { timeoutMs: 30_000 });
  if (py.status !== 0 || py.stdout.trim() !== '3') {
    missing.push(`python3 (${PYTHON} not usable; set FLOWLAB_PYTHON)`);
  } else if (needScapy) {
    const sc = run(PYTHON, ['-c', 'import scapy.all'], { timeoutMs: 60_000 });
    if (sc.status !== 0)
      missing.push(`scapy for ${PYTHON} (input pcaps must be generated; Debian: apt-get install python3-scapy)`);
  }
  return missing.length ? `missing ${missing.join('; ')}` : null;
}

// ---------------------------------------------------------------------------
// OVS reference output (cached in scenarios/<name>/expected/)

function newestMtime(dir: string, skip: (rel: string) => boolean, rel = ''): number {
  let newest = 0;
  for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    const r = path.join(rel, e.name);
    if (skip(r)) continue;
    if (e.isDirectory()) newest = Math.max(newest, newestMtime(dir, skip, r));
    else if (e.isFile()) newest = Math.max(newest, fs.statSync(path.join(dir, r)).mtimeMs);
  }
  return newest;
}

function scenarioMtime(s: Scenario): number {
  const own = newestMtime(s.dir, (r) => r === 'expected' || r.startsWith('expected' + path.sep) || r === '__pycache__');
  const tool = fs.existsSync(path.join(OVS_REF, 'run_ovs.py')) ? fs.statSync(path.join(OVS_REF, 'run_ovs.py')).mtimeMs : 0;
  return Math.max(own, tool);
}

function expectedIsFresh(s: Scenario): boolean {
  const stamp = path.join(s.expectedDir, STAMP);
  if (REGEN || !fs.existsSync(stamp)) return false;
  return fs.statSync(stamp).mtimeMs >= scenarioMtime(s);
}

interface OvsResult {
  ok: boolean;
  /** set when prerequisites are missing (test skipped or, in CI, failed) */
  missing?: string;
  log: string;
  seconds?: number;
  cached?: boolean;
}

const ovsResults = new Map<string, OvsResult>();

function ensureExpected(s: Scenario): OvsResult {
  const memo = ovsResults.get(s.name);
  if (memo) return memo;
  let res: OvsResult;
  if (inputsPresent(s) && expectedIsFresh(s)) {
    res = { ok: true, cached: true, log: `using cached ${path.relative(REPO, s.expectedDir)}` };
  } else {
    const needScapy = !inputsPresent(s);
    const missing = missingForOvs(needScapy);
    if (missing) {
      res = { ok: false, missing, log: missing };
    } else {
      res = produceExpected(s, needScapy);
    }
  }
  ovsResults.set(s.name, res);
  return res;
}

function produceExpected(s: Scenario, generate: boolean): OvsResult {
  let log = '';
  if (generate) {
    const g = run(PYTHON, [path.join(s.dir, 'gen.py')], { cwd: s.dir, timeoutMs: 120_000 });
    log += `$ ${PYTHON} gen.py\n${output(g)}`;
    if (g.status !== 0 || !inputsPresent(s)) return { ok: false, log: log + '\ngen.py failed' };
  }
  // Run into a private temp folder, then move into place, so that an
  // interrupted run never leaves a half-written expected/ that looks valid.
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), `ovs-expected-${s.name}-`));
  const out = path.join(tmp, 'expected');
  const t0 = Date.now();
  const r = run(PYTHON, [path.join(OVS_REF, 'run_ovs.py'), s.dir, '--out', out], { timeoutMs: 300_000 });
  const seconds = (Date.now() - t0) / 1000;
  log += `$ run_ovs.py ${path.relative(REPO, s.dir)} --out ${out}  (${seconds.toFixed(1)} s)\n${output(r)}`;
  if (r.status !== 0) {
    fs.rmSync(tmp, { recursive: true, force: true });
    return { ok: false, log, seconds };
  }
  fs.writeFileSync(path.join(out, STAMP), `run_ovs.py finished ${new Date(t0).toISOString()}\n`);
  fs.rmSync(s.expectedDir, { recursive: true, force: true });
  fs.cpSync(out, s.expectedDir, { recursive: true });
  // the stamp must be the newest file of expected/ (cpSync sets new mtimes)
  const now = new Date();
  fs.utimesSync(path.join(s.expectedDir, STAMP), now, now);
  fs.rmSync(tmp, { recursive: true, force: true });
  return { ok: true, log, seconds };
}

// ---------------------------------------------------------------------------
// flowlab

interface FlowlabResult {
  ok: boolean;
  outDir: string;
  log: string;
}

const flowlabResults = new Map<string, FlowlabResult>();
/** run_ovs.py's conditions: other_config:max-idle=600000 and a 100 ms settle after every packet. */
const RUNNER_CONDITIONS = ['--max-idle', '600000', '--settle-ms', '100'];
const tmpDirs: string[] = [];

function runFlowlab(s: Scenario): FlowlabResult {
  const memo = flowlabResults.get(s.name);
  if (memo) return memo;
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), `flowlab-conformance-${s.name}-`));
  tmpDirs.push(outDir);
  let res: FlowlabResult;
  if (!fs.existsSync(CLI)) {
    res = { ok: false, outDir, log: `flowlab CLI not built: ${path.relative(REPO, CLI)} is missing (run \`npm run build\`)` };
  } else {
    const r = run(process.execPath, [CLI, 'replay', s.dir, '--out', outDir, ...RUNNER_CONDITIONS], { timeoutMs: 300_000 });
    res = {
      ok: r.status === 0,
      outDir,
      log: `$ node ${path.relative(REPO, CLI)} replay ${path.relative(REPO, s.dir)} --out ${outDir} ${RUNNER_CONDITIONS.join(' ')}\nexit ${r.status}\n${output(r)}`,
    };
  }
  flowlabResults.set(s.name, res);
  return res;
}

afterAll(() => {
  if (KEEP) return;
  for (const d of tmpDirs) fs.rmSync(d, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------
// flows-<bridge>.txt normalisation: run_ovs.py's norm_ofctl_flows, also
// accepting lines that are already normalised (no leading space).

const FLOW_STRIP = /\s*\b(duration=[0-9.]+s|idle_age=\d+|hard_age=\d+),/g;

function normOfctlFlows(text: string): string {
  const rows: { table: number; prio: number; line: string }[] = [];
  for (const raw of text.split(/\r?\n/)) {
    if (!raw.includes('actions=')) continue;
    if (/^\S*ST_FLOW reply/.test(raw.trim())) continue;
    const line = raw.replace(FLOW_STRIP, '').trim();
    const t = /\btable=(\d+)/.exec(line);
    const p = /\bpriority=(\d+)/.exec(line);
    rows.push({ table: t ? Number(t[1]) : 0, prio: -(p ? Number(p[1]) : 32768), line });
  }
  rows.sort((a, b) => a.table - b.table || a.prio - b.prio || (a.line < b.line ? -1 : a.line > b.line ? 1 : 0));
  return rows.map((r) => r.line + '\n').join('');
}

function lineDiff(expected: string, actual: string): string {
  const e = expected.split('\n').filter(Boolean);
  const a = actual.split('\n').filter(Boolean);
  const aCount = new Map<string, number>();
  for (const l of a) aCount.set(l, (aCount.get(l) ?? 0) + 1);
  const eCount = new Map<string, number>();
  for (const l of e) eCount.set(l, (eCount.get(l) ?? 0) + 1);
  const out: string[] = [];
  for (const l of e) {
    const n = aCount.get(l) ?? 0;
    if (n > 0) aCount.set(l, n - 1);
    else out.push(`- ${l}`);
  }
  for (const l of a) {
    const n = eCount.get(l) ?? 0;
    if (n > 0) eCount.set(l, n - 1);
    else out.push(`+ ${l}`);
  }
  if (!out.length) out.push('(same lines, different order)');
  return `--- OVS (expected)\n+++ flowlab\n${out.join('\n')}`;
}

// ---------------------------------------------------------------------------
// fates.jsonl (flowlab) vs io-map.json (run_ovs.py)

interface IoMapEntry {
  /** 1-based input packet number in global order; 0 and -1 hold spontaneous and late output. */
  in: number;
  port?: string;
  /** [port, n]: the n-th frame (1-based) of <port>.pcap. */
  outputs: [string, number][];
}

interface FateRecord {
  index: number;
  port: string;
  /** `port#n` as io-map writes it, or a bare port name for an output flowlab does not record (see below). */
  outputs: string[];
}

interface TopologyPorts {
  bridges: { name: string; ports?: { name: string }[] }[];
  underlay?: { addresses?: { dev: string }[] };
}

/**
 * Ports on which encapsulated tunnel traffic leaves: every port (the LOCAL one included) of the bridges that hold
 * an underlay address.
 */
function underlayPorts(topo: TopologyPorts): Set<string> {
  const devs = new Set((topo.underlay?.addresses ?? []).map((a) => a.dev));
  const ports = new Set<string>();
  for (const b of topo.bridges) {
    if (!devs.has(b.name)) continue;
    ports.add(b.name);
    for (const p of b.ports ?? []) ports.add(p.name);
  }
  return ports;
}

/**
 * Where each input packet went, flowlab against OVS; one line per disagreement. Outputs are compared as sets of
 * `port#n`, n counting that port's frames, so they pin the frame as well as the port.
 *
 * The rule for tunnel ports: flowlab lists an output to a tunnel port (VXLAN) by name alone, since the frame leaves
 * encapsulated and is recorded on the underlay, while OVS's io-map lists that encapsulated frame on the underlay
 * port (`eth0#n`). So each bare name in flowlab's list stands for one OVS output on an underlay port
 * (underlayPorts) that flowlab's recorded outputs do not already account for; the counts must agree. Bare names on
 * a packet with no tunnel output (a port with `capture: false`) likewise stand for nothing OVS records.
 */
function fateDifferences(s: Scenario, outDir: string): string[] {
  const iomap = JSON.parse(fs.readFileSync(path.join(s.expectedDir, 'io-map.json'), 'utf8')) as IoMapEntry[];
  const fatesPath = path.join(outDir, 'fates.jsonl');
  if (!fs.existsSync(fatesPath)) return ['flowlab wrote no fates.jsonl'];
  const fates = new Map<number, FateRecord>();
  for (const line of fs.readFileSync(fatesPath, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    const rec = JSON.parse(line) as FateRecord;
    fates.set(rec.index, rec);
  }
  const underlay = underlayPorts(s.topo as TopologyPorts);
  const out: string[] = [];
  for (const e of iomap) {
    if (e.in <= 0) continue;
    const fate = fates.get(e.in);
    if (fate === undefined) {
      out.push(`#${e.in} (${e.port}): no fates.jsonl line`);
      continue;
    }
    if (fate.port !== e.port) out.push(`#${e.in}: received on ${e.port} in OVS, on ${fate.port} in flowlab`);
    const ovs = new Set(e.outputs.map(([p, n]) => `${p}#${n}`));
    const recorded = fate.outputs.filter((o) => o.includes('#'));
    const bare = fate.outputs.filter((o) => !o.includes('#'));
    const extra = recorded.filter((o) => !ovs.has(o));
    const missing = [...ovs].filter((o) => !recorded.includes(o));
    const encapsulated = missing.filter((o) => underlay.has(o.slice(0, o.lastIndexOf('#'))));
    const unexplained = missing.filter((o) => !encapsulated.includes(o));
    const tunnelsOk = encapsulated.length === 0 || encapsulated.length === bare.length;
    if (extra.length > 0 || unexplained.length > 0 || !tunnelsOk) {
      out.push(
        `#${e.in} (${e.port}): OVS [${[...ovs].join(' ')}], flowlab [${fate.outputs.join(' ')}]` +
          (tunnelsOk ? '' : ` (${bare.length} tunnel outputs for ${encapsulated.length} underlay frames)`),
      );
    }
  }
  return out;
}

// ---------------------------------------------------------------------------
// tests

function requireExpected(s: Scenario): void {
  const r = ensureExpected(s);
  if (r.missing)
    throw new Error(
      `conformance prerequisites missing${IN_CI ? ' (CI=true, so this fails instead of skipping)' : ''}: ${r.missing}`,
    );
  if (!r.ok) throw new Error(`OVS reference run failed for ${s.name}:\n${r.log}`);
}

function flowlabOrThrow(s: Scenario): FlowlabResult {
  const f = runFlowlab(s);
  if (!f.ok) throw new Error(`flowlab replay failed for ${s.name}:\n${f.log}`);
  return f;
}

function keepHint(dir: string): string {
  return KEEP ? `flowlab output kept in ${dir}` : 'set FLOWLAB_KEEP_OUTPUT=1 to keep flowlab output';
}

const scenarios = listScenarios();

/** Decided up front so that skips are visible with their reason. */
/**
 * Scenarios whose flowlab half is known not to pass yet, with the reason (test/conformance/known-gaps.json). Kept
 * to capabilities that are not built yet; a divergence in something flowlab claims to do is a failing test instead.
 */
const KNOWN_GAPS: Record<string, string> = JSON.parse(
  fs.readFileSync(path.join(HERE, 'known-gaps.json'), 'utf8'),
) as Record<string, string>;

/** Whether flowlab's replay matches OVS's output on every compared artefact (pcaps, conntrack, flow tables). */
function flowlabMatchesOvs(s: Scenario): boolean {
  let f: FlowlabResult;
  try {
    f = flowlabOrThrow(s);
  } catch {
    return false;
  }
  const r = run(PYTHON, [path.join(OVS_REF, 'compare.py'), s.expectedDir, f.outDir], { timeoutMs: 120_000 });
  if (r.status !== 0) return false;
  for (const b of s.topo.bridges) {
    const file = `flows-${b.name}.txt`;
    const gotPath = path.join(f.outDir, file);
    if (!fs.existsSync(gotPath)) return false;
    const want = normOfctlFlows(fs.readFileSync(path.join(s.expectedDir, file), 'utf8'));
    if (normOfctlFlows(fs.readFileSync(gotPath, 'utf8')) !== want) return false;
  }
  return fateDifferences(s, f.outDir).length === 0;
}

/**
 * Scenarios whose datapath dumps still differ from OVS's for a known reason, per file. Each entry's test asserts
 * that the difference is still there, so an entry cannot outlive its reason.
 */
// None at the moment: every scenario's megaflows and datapath counters equal OVS's.
const DPCTL_GAPS: Record<string, { readonly flows?: string; readonly counters?: string }> = {};

function readOutput(dir: string, file: string): string {
  const p = path.join(dir, file);
  if (!fs.existsSync(p)) throw new Error(`flowlab wrote no ${file}`);
  return fs.readFileSync(p, 'utf8');
}

/** Megaflow lines only in one of the two dumps, or null when they agree (dpctl-compare.ts). */
function dpFlowsDifference(s: Scenario, outDir: string): string | null {
  const c = compareDpFlows(fs.readFileSync(path.join(s.expectedDir, 'dpctl-flows.txt'), 'utf8'), readOutput(outDir, 'dpctl-flows.txt'));
  if (c.onlyOvs.length === 0 && c.onlyFlowlab.length === 0) return null;
  return `--- OVS (expected)\n+++ flowlab\n${[...c.onlyOvs.map((l) => `- ${l}`), ...c.onlyFlowlab.map((l) => `+ ${l}`)].join('\n')}`;
}

function dpctlCountersDifference(s: Scenario, outDir: string): string | null {
  const want = dpctlShowCounters(fs.readFileSync(path.join(s.expectedDir, 'dpctl-show.txt'), 'utf8'));
  const got = dpctlShowCounters(readOutput(outDir, 'dpctl-show.txt'));
  return want === got ? null : `OVS:\n${want}\nflowlab:\n${got}`;
}

function skipReason(s: Scenario): string | null {
  if (IN_CI) return null; // never skip in CI: missing prerequisites fail
  if (inputsPresent(s) && expectedIsFresh(s)) return null;
  return missingForOvs(!inputsPresent(s));
}

describe('conformance scenarios exist', () => {
  it('finds the scenario folders under test/conformance/scenarios', () => {
    expect(scenarios.length).toBeGreaterThan(0);
  });
});

for (const s of scenarios) {
  const reason = skipReason(s);
  if (reason) {
    console.warn(`[conformance] skipping ${s.name}: ${reason} (set CI=true to make this a failure)`);
    describe.skip(`${s.name} (skipped: ${reason})`, () => {
      it('needs the OVS reference output', () => {});
    });
    continue;
  }
  const ovsTimeout = 330_000;
  const nIn = (s.topo.inputs ?? []).length;

  describe(s.name, () => {
    it(`real OVS 3.1 accepts the topology and flows and processes every input packet (${nIn} input pcaps)`, { timeout: ovsTimeout }, () => {
      requireExpected(s);
      const summary = JSON.parse(fs.readFileSync(path.join(s.expectedDir, 'summary.json'), 'utf8')) as {
        input_packets: number;
      };
      const iomap = JSON.parse(fs.readFileSync(path.join(s.expectedDir, 'io-map.json'), 'utf8')) as { in: number }[];
      expect(summary.input_packets).toBeGreaterThan(0);
      expect(iomap.filter((e) => e.in > 0).length).toBe(summary.input_packets);
      for (const b of s.topo.bridges) expect(fs.existsSync(path.join(s.expectedDir, `flows-${b.name}.txt`))).toBe(true);
    });

    if (fs.existsSync(path.join(s.dir, 'input', 'packets.tsv'))) {
      it('OVS sends every input packet where input/packets.tsv claims it goes', { timeout: ovsTimeout }, () => {
        requireExpected(s);
        const r = run(PYTHON, [path.join(OVS_REF, 'check_expectations.py'), s.dir, '--outdir', s.expectedDir], {
          timeoutMs: 60_000,
        });
        if (r.status !== 0) throw new Error(`packets.tsv claims disagree with OVS:\n${output(r)}`);
      });
    }

    if (OVS_ONLY) return;

    const gap = KNOWN_GAPS[s.name];
    if (gap !== undefined) {
      // A capability flowlab does not have yet: the scenario's OVS half still runs above, and this test fails as
      // soon as flowlab matches OVS everywhere, so the entry cannot outlive the gap.
      it(`flowlab does not match OVS here yet (known gap: ${gap})`, { timeout: ovsTimeout }, () => {
        requireExpected(s);
        expect(flowlabMatchesOvs(s), 'flowlab now matches OVS: remove the entry from known-gaps.json').toBe(false);
      });
      return;
    }

    it('flowlab replay completes on the scenario', { timeout: ovsTimeout }, () => {
      requireExpected(s);
      flowlabOrThrow(s);
    });

    it('flowlab transmits the same frames as OVS on every port (compare.py)', { timeout: ovsTimeout }, () => {
      requireExpected(s);
      const f = flowlabOrThrow(s);
      const r = run(PYTHON, [path.join(OVS_REF, 'compare.py'), s.expectedDir, f.outDir, '--no-conntrack'], {
        timeoutMs: 120_000,
      });
      if (r.status !== 0) throw new Error(`compare.py (packets) failed; ${keepHint(f.outDir)}\n${output(r)}`);
    });

    it('flowlab leaves the same conntrack table as OVS', { timeout: ovsTimeout }, () => {
      requireExpected(s);
      const f = flowlabOrThrow(s);
      const r = run(PYTHON, [path.join(OVS_REF, 'compare.py'), s.expectedDir, f.outDir, '--no-pcap'], {
        timeoutMs: 120_000,
      });
      if (r.status !== 0) throw new Error(`compare.py (conntrack) failed; ${keepHint(f.outDir)}\n${output(r)}`);
    });

    it('flowlab sends every input packet where OVS sent it (fates.jsonl vs io-map.json)', { timeout: ovsTimeout }, () => {
      requireExpected(s);
      const f = flowlabOrThrow(s);
      const diffs = fateDifferences(s, f.outDir);
      if (diffs.length > 0) {
        const shown = diffs.slice(0, 20).join('\n');
        throw new Error(`${diffs.length} input packets went elsewhere than in OVS; ${keepHint(f.outDir)}\n${shown}`);
      }
    });

    for (const b of s.topo.bridges) {
      it(`flowlab's OpenFlow table of ${b.name} (rules, counters, timeouts, learned/expired flows) matches OVS byte for byte`, { timeout: ovsTimeout }, () => {
        requireExpected(s);
        const f = flowlabOrThrow(s);
        const file = `flows-${b.name}.txt`;
        const want = normOfctlFlows(fs.readFileSync(path.join(s.expectedDir, file), 'utf8'));
        const gotPath = path.join(f.outDir, file);
        if (!fs.existsSync(gotPath)) throw new Error(`flowlab wrote no ${file}; ${keepHint(f.outDir)}`);
        const got = normOfctlFlows(fs.readFileSync(gotPath, 'utf8'));
        if (got !== want) throw new Error(`${file} differs from OVS; ${keepHint(f.outDir)}\n${lineDiff(want, got)}`);
      });
    }

    const dpGap = DPCTL_GAPS[s.name] ?? {};
    if (dpGap.flows === undefined) {
      it("flowlab's megaflows (dpctl-flows.txt: match, counters, flags, actions) match OVS's", { timeout: ovsTimeout }, () => {
        requireExpected(s);
        const f = flowlabOrThrow(s);
        const diff = dpFlowsDifference(s, f.outDir);
        if (diff !== null) throw new Error(`dpctl-flows.txt differs from OVS; ${keepHint(f.outDir)}\n${diff}`);
      });
    } else {
      it(`flowlab's megaflows still differ from OVS's (known: ${dpGap.flows})`, { timeout: ovsTimeout }, () => {
        requireExpected(s);
        const f = flowlabOrThrow(s);
        expect(dpFlowsDifference(s, f.outDir), 'dpctl-flows.txt now matches OVS: remove the DPCTL_GAPS entry').not.toBeNull();
      });
    }

    if (dpGap.counters === undefined) {
      it('flowlab counts the same datapath lookups and megaflows as OVS (dpctl/show lookups: and flows:)', { timeout: ovsTimeout }, () => {
        requireExpected(s);
        const f = flowlabOrThrow(s);
        const diff = dpctlCountersDifference(s, f.outDir);
        if (diff !== null) throw new Error(`dpctl-show.txt counters differ from OVS; ${keepHint(f.outDir)}\n${diff}`);
      });
    } else {
      it(`flowlab's datapath lookups still differ from OVS's (known: ${dpGap.counters})`, { timeout: ovsTimeout }, () => {
        requireExpected(s);
        const f = flowlabOrThrow(s);
        expect(dpctlCountersDifference(s, f.outDir), 'dpctl/show counters now match OVS: remove the DPCTL_GAPS entry').not.toBeNull();
      });
    }

    it('flowlab lists the same datapath ports as OVS (dpctl/show, by name and type: numbers follow OVSDB UUID order)', { timeout: ovsTimeout }, () => {
      requireExpected(s);
      const f = flowlabOrThrow(s);
      const want = dpctlShowPortNames(fs.readFileSync(path.join(s.expectedDir, 'dpctl-show.txt'), 'utf8'));
      expect(dpctlShowPortNames(readOutput(f.outDir, 'dpctl-show.txt'))).toEqual(want);
    });
  });
}
