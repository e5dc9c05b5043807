import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FlowSyntaxError } from '../../src/base/index.js';
import { replay } from '../../src/control/replay.js';
import { loadTopologyJson } from '../../src/io/topology.js';
import { buildFrame } from '../../src/packet/build.js';
import { framesOf, MAC, normalSwitch, readJsonLines, tmpDir, udp, writePcap, writeScenario } from './scenario-helper.js';

const NORMAL = 'priority=0 actions=NORMAL\n';

/** p1 floods to an unknown MAC, p2 answers (p1 learned), p1 sends to p2 again (p2 learned). */
function learningScenario(): string {
  return writeScenario({
    topology: normalSwitch(),
    flows: { 'br0.flows': NORMAL },
    inputs: {
      p1: [
        { t: 100, frame: udp(MAC.h1, MAC.h2, 'first') },
        { t: 102, frame: udp(MAC.h1, MAC.h2, 'third') },
      ],
      p2: [{ t: 101, frame: udp(MAC.h2, MAC.h1, 'second') }],
    },
  });
}

function run(dir: string, extra: Parameters<typeof replay>[1] extends infer O ? Partial<O> : never = {}) {
  const out = tmpDir('flowlab-out-');
  const result = replay(loadTopologyJson(dir), { outDir: out, ...extra });
  return { out, result };
}

describe('replay on a NORMAL switch with three ports', () => {
  it('floods an unknown destination to every other port including LOCAL, then forwards learned ones', () => {
    const dir = learningScenario();
    const { out } = run(dir);
    const first = buildFrame(udp(MAC.h1, MAC.h2, 'first'));
    expect(framesOf(path.join(out, 'p2.pcap'))).toEqual([first, buildFrame(udp(MAC.h1, MAC.h2, 'third'))]);
    expect(framesOf(path.join(out, 'p3.pcap'))).toEqual([first]);
    expect(framesOf(path.join(out, 'br0.pcap'))).toEqual([first]);
    expect(framesOf(path.join(out, 'p1.pcap'))).toEqual([buildFrame(udp(MAC.h2, MAC.h1, 'second'))]);
  });

  it('writes one fate per input packet with port#n references, in merged order', () => {
    const { out } = run(learningScenario());
    const fates = readJsonLines(path.join(out, 'fates.jsonl'));
    expect(fates.map((f) => [f.index, f.port, f.outputs])).toEqual([
      [1, 'p1', ['br0#1', 'p2#1', 'p3#1']],
      [2, 'p2', ['p1#1']],
      [3, 'p1', ['p2#2']],
    ]);
  });

  it('stamps every output frame with the timestamp of the input packet that caused it', () => {
    const { out } = run(learningScenario());
    const bytes = fs.readFileSync(path.join(out, 'p2.pcap'));
    // classic little-endian microsecond pcap, like pcapio.py writes
    expect(bytes.readUInt32LE(0)).toBe(0xa1b2c3d4);
    expect(bytes.readUInt32LE(24)).toBe(100);
    const second = 24 + 16 + bytes.readUInt32LE(24 + 8);
    expect(bytes.readUInt32LE(second)).toBe(102);
  });

  it('writes the flow table with counters, normalised like run_ovs.py', () => {
    const { out } = run(learningScenario());
    const bytes = ['first', 'second', 'third'].reduce((n, p) => n + buildFrame(udp(MAC.h1, MAC.h2, p)).length, 0);
    expect(fs.readFileSync(path.join(out, 'flows-br0.txt'), 'utf8')).toBe(
      `cookie=0x0, table=0, n_packets=3, n_bytes=${bytes}, priority=0 actions=NORMAL\n`,
    );
  });

  it('writes a summary and an empty conntrack table', () => {
    const { out, result } = run(learningScenario());
    const summary = JSON.parse(fs.readFileSync(path.join(out, 'summary.json'), 'utf8'));
    expect(summary).toEqual(result.summary);
    expect(summary).toMatchObject({
      input_packets: 3,
      input_packets_per_port: { p1: 2, p2: 1 },
      inputs_with_no_output: 0,
      output_packets_per_port: { br0: 1, p1: 1, p2: 2, p3: 1 },
      dropped: 0,
    });
    expect(fs.readFileSync(path.join(out, 'conntrack.txt'), 'utf8')).toBe('');
  });

  it('is deterministic: two runs write identical files', () => {
    const dir = learningScenario();
    const a = run(dir).out;
    const b = run(dir).out;
    const names = fs.readdirSync(a).sort();
    expect(fs.readdirSync(b).sort()).toEqual(names);
    for (const n of names) expect(fs.readFileSync(path.join(b, n))).toEqual(fs.readFileSync(path.join(a, n)));
  });

  it('replaces files left in the output folder by an earlier run', () => {
    const out = tmpDir('flowlab-out-');
    fs.writeFileSync(path.join(out, 'stale.pcap'), 'old');
    replay(loadTopologyJson(learningScenario()), { outDir: out });
    expect(fs.existsSync(path.join(out, 'stale.pcap'))).toBe(false);
  });
});

describe('replay ordering and time', () => {
  it('orders equal timestamps by input order, then file order', () => {
    const dir = writeScenario({
      topology: normalSwitch(),
      flows: { 'br0.flows': 'priority=0 actions=output:p3\n' },
      inputs: {
        p2: [
          { t: 5, frame: udp(MAC.h2, MAC.h3, 'b1') },
          { t: 5, frame: udp(MAC.h2, MAC.h3, 'b2') },
        ],
        p1: [{ t: 5, frame: udp(MAC.h1, MAC.h3, 'a1') }],
      },
    });
    const { out } = run(dir);
    expect(readJsonLines(path.join(out, 'fates.jsonl')).map((f) => f.port)).toEqual(['p2', 'p2', 'p1']);
  });

  it('sorts a capture that is out of time order, as the reference runner does', () => {
    const dir = writeScenario({
      topology: normalSwitch(),
      flows: { 'br0.flows': 'priority=0 actions=output:p3\n' },
      inputs: {
        p1: [
          { t: 7, frame: udp(MAC.h1, MAC.h3, 'late') },
          { t: 3, frame: udp(MAC.h1, MAC.h3, 'early') },
        ],
        p2: [{ t: 5, frame: udp(MAC.h2, MAC.h3, 'middle') }],
      },
    });
    const { out } = run(dir);
    expect(framesOf(path.join(out, 'p3.pcap'))).toEqual(['early', 'middle', 'late'].map((p, i) => buildFrame(udp(i === 1 ? MAC.h2 : MAC.h1, MAC.h3, p))));
  });

  it('expires a hard timeout on the capture clock, not the wall clock', () => {
    const dir = writeScenario({
      topology: normalSwitch(),
      flows: { 'br0.flows': 'priority=10,hard_timeout=10,in_port=p1 actions=output:p2\npriority=0 actions=output:p3\n' },
      inputs: {
        p1: [
          { t: 1000, frame: udp(MAC.h1, MAC.h2, 'a') },
          { t: 1009.5, frame: udp(MAC.h1, MAC.h2, 'b') },
          { t: 1010.5, frame: udp(MAC.h1, MAC.h2, 'c') },
        ],
      },
    });
    const { out } = run(dir);
    expect(readJsonLines(path.join(out, 'fates.jsonl')).map((f) => f.outputs)).toEqual([['p2#1'], ['p2#2'], ['p3#1']]);
    expect(fs.readFileSync(path.join(out, 'flows-br0.txt'), 'utf8')).not.toContain('hard_timeout');
  });

  it('with settleMs advances the clock at least that much per packet (run_ovs.py virtual time)', () => {
    // 12 packets 1 ms apart: 11 settles of 1 s push the last past the 10 s hard timeout.
    const frames = Array.from({ length: 12 }, (_, i) => ({ t: 2000 + i / 1000, frame: udp(MAC.h1, MAC.h2, `n${i}`) }));
    const dir = writeScenario({
      topology: normalSwitch(),
      flows: { 'br0.flows': 'priority=10,hard_timeout=10,in_port=p1 actions=output:p2\npriority=0 actions=output:p3\n' },
      inputs: { p1: frames },
    });
    const plain = run(dir).out;
    expect(framesOf(path.join(plain, 'p3.pcap'))).toHaveLength(0);
    const settled = run(dir, { settleMs: 1000 }).out;
    expect(framesOf(path.join(settled, 'p3.pcap'))).toHaveLength(1);
  });
});

describe('replay inputs, drops and damage', () => {
  it('takes --in inputs: replacing the topology input of the same port, or adding one', () => {
    const dir = learningScenario();
    const extra = path.join(tmpDir(), 'p3.pcap');
    writePcap(extra, [{ t: 50, frame: udp(MAC.h3, MAC.bcast, 'from-p3') }]);
    const { out } = run(dir, { extraInputs: [{ port: 'p3', file: extra }] });
    const fates = readJsonLines(path.join(out, 'fates.jsonl'));
    expect(fates[0]).toMatchObject({ port: 'p3', outputs: ['br0#1', 'p1#1', 'p2#1'] });
    expect(fates).toHaveLength(4);
    const replaced = run(dir, { extraInputs: [{ port: 'p1', file: extra }] }).out;
    expect(readJsonLines(path.join(replaced, 'fates.jsonl')).map((f) => f.port)).toEqual(['p1', 'p2']);
  });

  it('records where and why a packet was dropped', () => {
    const dir = writeScenario({
      topology: normalSwitch(),
      flows: { 'br0.flows': 'priority=5,udp actions=drop\n' },
      inputs: { p1: [{ t: 1, frame: udp(MAC.h1, MAC.h2) }, { t: 2, frame: { eth: { src: MAC.h1, dst: MAC.h2 }, arp: { spa: '10.0.0.1', tpa: '10.0.0.2' } } }] },
    });
    const { out, result } = run(dir);
    const fates = readJsonLines(path.join(out, 'fates.jsonl'));
    expect(fates[0]).toMatchObject({ outputs: [], drop: { kind: 'drop_rule', bridge: 'br0', table: 0, rule: 'priority=5' } });
    expect(fates[1]).toMatchObject({ outputs: [], drop: { kind: 'no_match', bridge: 'br0', table: 0 } });
    expect(result.summary).toMatchObject({ dropped: 2, inputs_with_no_output: 2 });
  });

  it('counts a malformed packet and still forwards it with what was extracted', () => {
    const bad = buildFrame({ eth: { src: MAC.h1, dst: MAC.h2 }, ipv4: { src: '1.1.1.1', dst: '2.2.2.2', totalLength: 999 }, udp: { srcPort: 1, dstPort: 2 } });
    const dir = writeScenario({ topology: normalSwitch(), flows: { 'br0.flows': 'priority=0 actions=output:p2\n' }, inputs: { p1: [{ t: 1, frame: bad }] } });
    const { out, result } = run(dir);
    expect(framesOf(path.join(out, 'p2.pcap'))).toEqual([bad]);
    expect(readJsonLines(path.join(out, 'fates.jsonl'))[0]).toMatchObject({ malformed: 'bad_ipv4_length', outputs: ['p2#1'] });
    expect(result.summary.malformed).toEqual({ bad_ipv4_length: 1 });
  });

  it('replays what comes before damage in a truncated capture, writes all outputs, and reports the damage', () => {
    const dir = learningScenario();
    const p1 = path.join(dir, 'input', 'p1.pcap');
    const bytes = fs.readFileSync(p1);
    fs.writeFileSync(p1, bytes.subarray(0, bytes.length - 5));
    const { out, result } = run(dir);
    expect(result.captureErrors).toHaveLength(1);
    expect(result.captureErrors[0].message).toContain(p1);
    expect(result.summary.input_packets).toBe(2);
    expect(fs.existsSync(path.join(out, 'flows-br0.txt'))).toBe(true);
    expect(result.summary.capture_errors).toHaveLength(1);
  });

  it('refuses a bad flow line before touching the output folder', () => {
    const dir = writeScenario({ topology: normalSwitch(), flows: { 'br0.flows': NORMAL + 'priority=1,nw_srcc=1.2.3.4 actions=drop\n' } });
    const out = tmpDir('flowlab-out-');
    fs.writeFileSync(path.join(out, 'keep.txt'), 'x');
    let err: unknown;
    try {
      replay(loadTopologyJson(dir), { outDir: out });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(FlowSyntaxError);
    expect((err as FlowSyntaxError).location).toMatchObject({ file: path.join(dir, 'br0.flows'), line: 2, column: 12 });
    expect(fs.readdirSync(out)).toEqual(['keep.txt']);
  });
});

const PCAPIO = '/work/shared/tools/ovs-reference/pcapio.py';
const HAVE_PY = fs.existsSync(PCAPIO) && (() => {
  try {
    execFileSync('/usr/bin/python3', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe.skipIf(!HAVE_PY && process.env.CI !== 'true')('byte compatibility with pcapio.py', () => {
  it('writes port captures byte for byte as pcapio.write_pcap does for the same records', () => {
    const { out } = run(learningScenario());
    const file = path.join(out, 'p2.pcap');
    const rewritten = path.join(tmpDir(), 'again.pcap');
    execFileSync('/usr/bin/python3', [
      '-c',
      `import sys; sys.path.insert(0, ${JSON.stringify(path.dirname(PCAPIO))}); import pcapio; lt, recs = pcapio.read_pcap(sys.argv[1]); pcapio.write_pcap(sys.argv[2], recs, lt)`,
      file,
      rewritten,
    ]);
    expect(fs.readFileSync(file)).toEqual(fs.readFileSync(rewritten));
  });
});

describe("replay's datapath dumps under the reference runner's conditions", () => {
  /** Two flows 20 s apart: the first one's megaflow idles longer than OVS's default max-idle (10 s). */
  function twoFlows(): string {
    return writeScenario({
      topology: normalSwitch(),
      // Matching dl_src makes the two packets' megaflows differ.
      flows: { 'br0.flows': `priority=10,dl_src=${MAC.h1} actions=output:p2\npriority=0 actions=output:p3\n` },
      inputs: {
        p1: [
          { t: 100, frame: udp(MAC.h1, MAC.h2, 'first') },
          { t: 120, frame: udp(MAC.h3, MAC.h2, 'second') },
        ],
      },
    });
  }

  const megaflows = (out: string): string[] => fs.readFileSync(path.join(out, 'dpctl-flows.txt'), 'utf8').split('\n').filter(Boolean);

  it('expires megaflows idle for longer than the default max-idle of 10 s', () => {
    expect(megaflows(run(twoFlows()).out)).toHaveLength(1);
  });

  it('keeps them with max-idle 600000, as run_ovs.py configures OVS', () => {
    expect(megaflows(run(twoFlows(), { caches: { maxIdleMs: 600_000 }, settleMs: 100 }).out)).toHaveLength(2);
  });

  it('writes dpctl-show.txt without a masks: line and with the ports numbered as OVS numbers them', () => {
    const { out } = run(learningScenario(), { caches: { maxIdleMs: 600_000 }, settleMs: 100 });
    const show = fs.readFileSync(path.join(out, 'dpctl-show.txt'), 'utf8');
    expect(show).not.toContain('masks:');
    expect(show).toMatch(/^dummy@ovs-dummy:\n  lookups: hit:\d+ missed:\d+ lost:0\n  flows: \d+\n  port 0: ovs-dummy \(dummy-internal\)\n/);
    expect(show).toContain('  port 100: br0 (dummy-internal)\n');
  });
});
