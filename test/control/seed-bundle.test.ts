// The README's main command replays pcaps/seed-003, a snapshot (the seed's texts plus underlay.json) whose traffic is
// the story of the conformance scenario seed-neutron-e2e, which real OVS runs with the same flows. These tests tie
// the two together, so what the newcomer sees is what OVS does: the same input, and flowlab doing the same with it
// whether the switch comes from the snapshot or from the scenario's topology.json.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { replay } from '../../src/control/replay.js';
import { loadOvsSnapshot } from '../../src/io/ovs-snapshot.js';
import { loadTopologyJson } from '../../src/io/topology.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const BUNDLE = path.resolve(HERE, '../../pcaps/seed-003');
const SCENARIO = path.resolve(HERE, '../conformance/scenarios/seed-neutron-e2e');

function files(dir: string, ext: string): string[] {
  return fs.readdirSync(dir).filter((f) => f.endsWith(ext)).sort();
}

describe('the bundled seed node (pcaps/seed-003)', () => {
  it('replays exactly the input of the seed-neutron-e2e scenario (pcaps/gen-seed-003.py writes both)', () => {
    const mine = path.join(BUNDLE, 'input');
    const theirs = path.join(SCENARIO, 'input');
    expect(fs.readdirSync(mine).sort()).toEqual(fs.readdirSync(theirs).sort());
    for (const f of fs.readdirSync(theirs)) expect(fs.readFileSync(path.join(mine, f)), f).toEqual(fs.readFileSync(path.join(theirs, f)));
  });

  it('gives the same frames on every port and the same flow tables as the scenario', () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'flowlab-seed-bundle-'));
    const fromSnapshot = path.join(tmp, 'snapshot');
    const fromScenario = path.join(tmp, 'scenario');
    replay(loadOvsSnapshot(BUNDLE), { outDir: fromSnapshot });
    replay(loadTopologyJson(SCENARIO), { outDir: fromScenario });
    const outputs = files(fromScenario, '.pcap');
    expect(files(fromSnapshot, '.pcap')).toEqual(outputs);
    // pcap records carry the input timestamps, identical on both sides; the bytes must be too.
    for (const f of [...outputs, ...files(fromScenario, '.txt').filter((t) => t.startsWith('flows-'))]) {
      expect(fs.readFileSync(path.join(fromSnapshot, f)), f).toEqual(fs.readFileSync(path.join(fromScenario, f)));
    }
    // What OVS transmits for this traffic (the scenario's expected/summary.json).
    const summary = JSON.parse(fs.readFileSync(path.join(fromSnapshot, 'summary.json'), 'utf8')) as { output_packets_per_port: Record<string, number> };
    expect(summary.output_packets_per_port).toMatchObject({ 'tap648437e1-0d': 14, eth0: 15, 'br-int': 7 });
    fs.rmSync(tmp, { recursive: true, force: true });
  });
});
