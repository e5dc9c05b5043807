import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CliIo } from '../../src/cli/cli-io.js';
import { COMMANDS } from '../../src/cli/commands.js';
import { EXIT_USAGE, main } from '../../src/cli/main.js';
import { buildFrame } from '../../src/packet/build.js';
import { framesOf, MAC, normalSwitch, tmpDir, udp, writePcap, writeScenario } from '../control/scenario-helper.js';

const SEED = path.resolve(__dirname, '../../pcaps/seed-003');

function cli(args: string[], cwd = process.cwd()): { code: number; out: string; err: string } {
  let out = '';
  let err = '';
  const io: CliIo = { out: (t) => (out += t), err: (t) => (err += t), stderrIsTTY: false, cwd };
  const code = main(args, io);
  return { code, out, err };
}

function scenario(flows = 'priority=0 actions=NORMAL\n'): string {
  return writeScenario({
    topology: normalSwitch(),
    flows: { 'br0.flows': flows },
    inputs: { p1: [{ t: 1, frame: udp(MAC.h1, MAC.h2) }] },
  });
}

describe('flowlab errors', () => {
  it('reports a bad flow line as flowlab: file:line:col: message, exit 2, no stack trace', () => {
    const dir = scenario('priority=0 actions=NORMAL\n\npriority=1,ip,nw_dstt=10.0.0.3 actions=drop\n');
    const r = cli(['replay', dir, '--out', tmpDir()]);
    expect(r.code).toBe(EXIT_USAGE);
    expect(r.err).toMatch(new RegExp(`^flowlab: ${path.join(dir, 'br0.flows').replace(/[.]/g, '\\.')}:3:\\d+: .+\\n$`));
    expect(r.err).not.toMatch(/\n\s+at /);
  });

  it('reports a topology mistake with its location and JSON path', () => {
    const dir = tmpDir();
    fs.writeFileSync(path.join(dir, 'topology.json'), '{"bridges": [{"name": "br0", "fail_mode": "open"}]}');
    const r = cli(['dump-flows', dir]);
    expect(r.code).toBe(EXIT_USAGE);
    expect(r.err).toBe(`flowlab: ${path.join(dir, 'topology.json')}:1:43: bridges[0].fail_mode: must be "secure" or "standalone", not "open"\n`);
  });

  it('names the command and points at --help for command-line mistakes', () => {
    expect(cli(['replay', scenario()])).toMatchObject({ code: 2, err: 'flowlab: replay: missing --out DIR (see flowlab replay --help)\n' });
    const r = cli(['replay', scenario(), '--out', tmpDir(), '--bogus']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^flowlab: replay: Unknown option '--bogus'.*\(see flowlab replay --help\)\n$/);
    expect(cli(['trace', scenario(), 'in_port=p1'])).toMatchObject({ code: 2, err: expect.stringContaining('FLOW_SPEC needs --bridge BR') });
    expect(cli(['replay', scenario(), '--out', tmpDir(), '--in', 'p1'])).toMatchObject({ code: 2, err: expect.stringContaining('--in expects PORT=FILE') });
  });

  it('refuses an unknown command', () => {
    const r = cli(['frobnicate']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^flowlab: unknown command "frobnicate"/);
  });

  it('reports an --in port that does not exist', () => {
    const pcap = path.join(tmpDir(), 'x.pcap');
    writePcap(pcap, [{ t: 1, frame: udp(MAC.h1, MAC.h2) }]);
    const r = cli(['replay', scenario(), '--out', tmpDir(), '--in', `nope=${pcap}`]);
    expect(r).toMatchObject({ code: 2, err: `flowlab: --in nope=${pcap}: no port named "nope"\n` });
  });

  it('exits 1, after writing the outputs, when an input capture is damaged', () => {
    const dir = scenario();
    const p1 = path.join(dir, 'input', 'p1.pcap');
    fs.writeFileSync(p1, fs.readFileSync(p1).subarray(0, 30));
    const out = tmpDir();
    const r = cli(['replay', dir, '--out', out]);
    expect(r.code).toBe(1);
    expect(r.err).toContain(p1);
    expect(fs.existsSync(path.join(out, 'summary.json'))).toBe(true);
  });
});

describe('flowlab commands', () => {
  it('has help with an example for every command', () => {
    for (const c of COMMANDS) {
      const r = cli([c.name, '--help']);
      expect(r.code).toBe(0);
      expect(r.out).toMatch(/^usage: flowlab /);
      expect(r.out).toMatch(/example/);
    }
    expect(cli(['help']).out).toMatch(/commands:/);
    expect(cli(['help', 'trace']).out).toMatch(/^usage: flowlab trace/);
  });

  it('replays a scenario and prints a one-line summary', () => {
    const out = tmpDir();
    const r = cli(['replay', scenario(), '--out', out]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/: 1 packets in, br0=1, p1=0, p2=1, p3=1 out, 0 with no output -> /);
    expect(framesOf(path.join(out, 'p2.pcap'))).toHaveLength(1);
  });

  it('resolves --out and --in relative to the working directory', () => {
    const cwd = tmpDir();
    writePcap(path.join(cwd, 'extra.pcap'), [{ t: 0.5, frame: udp(MAC.h3, MAC.bcast) }]);
    const r = cli(['replay', scenario(), '--out', 'out', '--in', 'p3=extra.pcap'], cwd);
    expect(r.code).toBe(0);
    expect(framesOf(path.join(cwd, 'out', 'p1.pcap'))).toHaveLength(1);
  });

  it('prints flows as ovs-ofctl dump-flows does', () => {
    const r = cli(['dump-flows', scenario('priority=7,in_port=p1 actions=output:p2\n')]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^ cookie=0x0, duration=0s, table=0, n_packets=0, n_bytes=0, priority=7,in_port=p1 actions=output:p2\n$/);
  });

  it('traces a flow spec through the pipeline', () => {
    const r = cli(['trace', scenario('priority=7,in_port=p1 actions=output:p2\n'), '--bridge', 'br0', 'in_port=p1,dl_dst=02:00:00:00:00:02']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^Flow: in_port=p1,/);
    expect(r.out).toMatch(/\nDatapath actions: p2\n/);
  });

  it('traces a packet given in hex, as JSON', () => {
    const hex = Buffer.from(buildFrame(udp(MAC.h1, MAC.h2))).toString('hex');
    const r = cli(['trace', scenario('priority=7,udp actions=output:p3\n'), '--in-port', 'p1', '--packet', hex, '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ bridge: 'br0', datapathActions: 'p3', dropReason: null });
  });

  it('traces a packet of a capture by index', () => {
    const dir = scenario('priority=7,udp actions=output:p3\n');
    const r = cli(['trace', dir, '--in-port', 'p1', '--pcap', path.join(dir, 'input', 'p1.pcap'), '--index', '1']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/Datapath actions: p3\n/);
    const missing = cli(['trace', dir, '--in-port', 'p1', '--pcap', path.join(dir, 'input', 'p1.pcap'), '--index', '2']);
    expect(missing).toMatchObject({ code: 2, err: expect.stringContaining('no packet 2 (the capture has 1)') });
  });

  it('shows the seed snapshot like ovs-vsctl show, and its OpenFlow ports', () => {
    const r = cli(['show', '--snapshot', SEED]);
    expect(r.code).toBe(0);
    expect(r.out).toContain('    Bridge br-int\n        Controller "tcp:127.0.0.1:6633"\n        fail_mode: secure\n');
    expect(r.out).toContain('        Port tap648437e1-0d\n            tag: 3\n            Interface tap648437e1-0d\n');
    expect(cli(['show', '--snapshot', SEED, '--ofctl']).out).toContain(' 2(vxlan-ac10000b): vxlan\n');
  });

  it('extracts a snapshot from Markdown', () => {
    const out = tmpDir();
    const r = cli(['snapshot-from-markdown', '/work/shared/seeds/003_d2caf40f7e273ad1.txt', '--out', out]);
    expect(r.code).toBe(0);
    // underlay.json and br-phy.flows are flowlab's addition to the seed's texts (the tunnel underlay).
    const added = ['underlay.json', 'br-phy.flows'];
    const snapshotFiles = fs.readdirSync(SEED).filter((f) => fs.statSync(path.join(SEED, f)).isFile() && !added.includes(f));
    expect(fs.readdirSync(out).sort()).toEqual(snapshotFiles.sort());
    for (const f of snapshotFiles) expect(fs.readFileSync(path.join(out, f))).toEqual(fs.readFileSync(path.join(SEED, f)));
  });

  it('replays on the seed snapshot with --in', () => {
    const vm = path.join(tmpDir(), 'vm.pcap');
    writePcap(vm, [{ t: 1, frame: { eth: { src: 'fa:16:3e:61:21:c6', dst: MAC.bcast }, arp: { spa: '192.168.101.85', tpa: '192.168.101.1', sha: 'fa:16:3e:61:21:c6' } } }]);
    // The snapshot files alone (no input/ folder), so --in is the only input.
    const snap = path.join(tmpDir(), 'seed-003');
    fs.mkdirSync(snap);
    for (const f of fs.readdirSync(SEED)) if (fs.statSync(path.join(SEED, f)).isFile()) fs.copyFileSync(path.join(SEED, f), path.join(snap, f));
    const out = tmpDir();
    const r = cli(['replay', '--snapshot', snap, '--in', `tap648437e1-0d=${vm}`, '--out', out]);
    expect(r.code).toBe(0);
    expect(fs.readdirSync(out)).toContain('flows-br-int.txt');
    expect(r.out).toMatch(/^seed-003: 1 packets in, /);
  });
});

describe('the bin script', () => {
  it('starts with a node shebang', () => {
    const src = fs.readFileSync(path.resolve(__dirname, '../../src/cli/main.ts'), 'utf8');
    expect(src.startsWith('#!/usr/bin/env node\n')).toBe(true);
  });
});
