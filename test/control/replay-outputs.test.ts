import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { replay } from '../../src/control/replay.js';
import { normalizeDumpFlows } from '../../src/control/replay-outputs.js';
import { loadTopologyJson } from '../../src/io/topology.js';
import { buildFrame } from '../../src/packet/build.js';
import { pcapFile, PcapngBuilder } from '../io/helpers.js';
import { framesOf, MAC, normalSwitch, readJsonLines, tmpDir, udp, writeScenario } from './scenario-helper.js';

const DUMP = `NXST_FLOW reply (xid=0x4):
 cookie=0x0, duration=12.345s, table=1, n_packets=0, n_bytes=0, idle_age=12, priority=5 actions=drop
 cookie=0x0, duration=1.5s, table=0, n_packets=3, n_bytes=180, idle_timeout=10, idle_age=1, hard_age=0, in_port=p1 actions=output:p2
 cookie=0x0, duration=1.5s, table=0, n_packets=1, n_bytes=60, idle_age=1, priority=40000,ip actions=NORMAL
 cookie=0x0, duration=1.5s, table=0, n_packets=1, n_bytes=60, idle_age=1, priority=40000,arp actions=NORMAL
 cookie=0x0, duration=1.5s, table=0, n_packets=9, n_bytes=9, idle_age=1, priority=0 actions=drop
`;

describe('normalizeDumpFlows', () => {
  it('drops duration/idle_age/hard_age and sorts by table, priority (default 32768) and text', () => {
    expect(normalizeDumpFlows(DUMP)).toBe(
      [
        'cookie=0x0, table=0, n_packets=1, n_bytes=60, priority=40000,arp actions=NORMAL',
        'cookie=0x0, table=0, n_packets=1, n_bytes=60, priority=40000,ip actions=NORMAL',
        'cookie=0x0, table=0, n_packets=3, n_bytes=180, idle_timeout=10, in_port=p1 actions=output:p2',
        'cookie=0x0, table=0, n_packets=9, n_bytes=9, priority=0 actions=drop',
        'cookie=0x0, table=1, n_packets=0, n_bytes=0, priority=5 actions=drop',
        '',
      ].join('\n'),
    );
  });

  const RUN_OVS = '/work/shared/tools/ovs-reference/run_ovs.py';
  it.skipIf(!fs.existsSync(RUN_OVS) && process.env.CI !== 'true')('agrees with run_ovs.py norm_ofctl_flows', () => {
    const py = execFileSync(
      '/usr/bin/python3',
      ['-c', `import sys; sys.path.insert(0, ${JSON.stringify(path.dirname(RUN_OVS))}); import run_ovs; sys.stdout.write(run_ovs.norm_ofctl_flows(sys.stdin.read()))`],
      { input: DUMP, encoding: 'utf8' },
    );
    expect(normalizeDumpFlows(DUMP)).toBe(py);
  });
});

describe('capture formats replay reads', () => {
  function scenarioWithRawInput(bytes: Uint8Array, name: string): string {
    const dir = writeScenario({ topology: normalSwitch(), flows: { 'br0.flows': 'priority=0 actions=output:p2\n' } });
    fs.mkdirSync(path.join(dir, 'input'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'input', name), bytes);
    const topo = JSON.parse(fs.readFileSync(path.join(dir, 'topology.json'), 'utf8'));
    topo.inputs = [{ port: 'p1', pcap: `input/${name}` }];
    fs.writeFileSync(path.join(dir, 'topology.json'), JSON.stringify(topo));
    return dir;
  }

  const frame = buildFrame(udp(MAC.h1, MAC.h2, 'capture'));

  it('reads big-endian nanosecond pcap and keeps the timestamp (to the µs the output holds)', () => {
    const bytes = pcapFile({ littleEndian: false, nanosecond: true }, [{ sec: 1234, frac: 567_891_234, data: frame }]);
    const out = tmpDir();
    replay(loadTopologyJson(scenarioWithRawInput(bytes, 'p1.pcap')), { outDir: out });
    const p2 = fs.readFileSync(path.join(out, 'p2.pcap'));
    expect([p2.readUInt32LE(24), p2.readUInt32LE(28)]).toEqual([1234, 567_891]);
    expect(framesOf(path.join(out, 'p2.pcap'))).toEqual([frame]);
  });

  it('reads pcapng', () => {
    const bytes = new PcapngBuilder().shb().idb(1).epb(0, 5_000_000n, frame).epb(0, 6_000_000n, frame).bytes();
    const out = tmpDir();
    replay(loadTopologyJson(scenarioWithRawInput(bytes, 'p1.pcapng')), { outDir: out });
    expect(readJsonLines(path.join(out, 'fates.jsonl')).map((f) => f.outputs)).toEqual([['p2#1'], ['p2#2']]);
  });
});
