import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { TopologyError } from '../../src/base/index.js';
import {
  assignOfports,
  capturedPorts,
  loadTopologyJson,
  openflowVersionOf,
  parseTopologyJson,
  type TopologySpec,
} from '../../src/io/topology.js';

const SCENARIOS = path.resolve(__dirname, '../conformance/scenarios');

/** A scenario folder with the given topology (object or raw text) and empty files for the names listed. */
function scenario(topology: unknown, files: string[] = []): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flowlab-topo-'));
  for (const f of files) {
    fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    fs.writeFileSync(path.join(dir, f), '');
  }
  fs.writeFileSync(path.join(dir, 'topology.json'), typeof topology === 'string' ? topology : JSON.stringify(topology, null, 2));
  return dir;
}

function errorOf(fn: () => unknown): TopologyError {
  try {
    fn();
  } catch (e) {
    if (e instanceof TopologyError) return e;
    throw e;
  }
  throw new Error('expected a TopologyError');
}

const oneBridge = (ports: unknown[], extra: Record<string, unknown> = {}) => ({ bridges: [{ name: 'br0', ports, ...extra }] });

describe('loadTopologyJson', () => {
  it('loads every conformance scenario in the tree', () => {
    const dirs = fs.readdirSync(SCENARIOS).filter((d) => fs.existsSync(path.join(SCENARIOS, d, 'topology.json')));
    expect(dirs.length).toBeGreaterThan(0);
    for (const d of dirs) {
      const spec = loadTopologyJson(path.join(SCENARIOS, d));
      expect(spec.bridges.length).toBeGreaterThan(0);
      for (const inp of spec.inputs) expect(fs.existsSync(inp.pcap)).toBe(true);
    }
  });

  it('reads ports with their VLAN configuration as written', () => {
    const spec = loadTopologyJson(path.join(SCENARIOS, 'normal-access-trunk'));
    const br = spec.bridges[0];
    expect(br.name).toBe('br0');
    expect(br.hwaddr).toBe('02:00:00:00:00:fe');
    expect(br.failMode).toBe('secure');
    const byName = Object.fromEntries(br.ports.map((p) => [p.name, p]));
    expect(byName.p1).toMatchObject({ type: 'dummy', ofport: 1, tag: 10, ofportRequested: true });
    expect(byName.t1).toMatchObject({ ofport: 4, trunks: [10, 20], vlanMode: 'trunk' });
    expect(byName.t2.trunks).toBeUndefined();
    expect(byName.n1).toMatchObject({ tag: 10, trunks: [20], vlanMode: 'native-untagged' });
  });

  it('resolves flow files and input captures against the scenario folder', () => {
    const dir = scenario({ ...oneBridge([{ name: 'p1' }], { flows: ['a.flows', 'sub/b.flows'] }), inputs: [{ port: 'p1', pcap: 'in/p1.pcap' }] }, [
      'a.flows',
      'sub/b.flows',
      'in/p1.pcap',
    ]);
    const spec = loadTopologyJson(dir);
    expect(spec.bridges[0].flowFiles).toEqual([path.join(dir, 'a.flows'), path.join(dir, 'sub/b.flows')]);
    expect(spec.inputs).toEqual([{ port: 'p1', pcap: path.join(dir, 'in/p1.pcap') }]);
  });

  it('accepts a single flow file given as a string', () => {
    const dir = scenario(oneBridge([], { flows: 'br0.flows' }), ['br0.flows']);
    expect(loadTopologyJson(dir).bridges[0].flowFiles).toEqual([path.join(dir, 'br0.flows')]);
  });

  it('takes the OpenFlow version for dumps from ofctl_options', () => {
    const spec = loadTopologyJson(path.join(SCENARIOS, 'resubmit-chains'));
    expect(spec.bridges[0].openflowVersion).toBe('OpenFlow13');
    expect(spec.bridges[0].ofctlOptions).toEqual(['-O', 'OpenFlow13']);
    expect(spec.bridges[0].protocols).toEqual(['OpenFlow10', 'OpenFlow13']);
  });

  it('applies the defaults of run_ovs.py', () => {
    const spec = loadTopologyJson(scenario(oneBridge([{ name: 'p1' }])));
    const br = spec.bridges[0];
    expect(br).toMatchObject({ failMode: 'secure', captureLocal: true, openflowVersion: 'OpenFlow10', flowFiles: [] });
    expect(br.ports[0]).toMatchObject({ type: 'dummy', capture: true, ofport: 1, ofportRequested: false });
    expect(spec.rxBufferSize).toBe(2048);
    expect(spec.inputs).toEqual([]);
  });

  it('numbers unrequested ports after the requested ones, lowest free first', () => {
    const spec = loadTopologyJson(scenario(oneBridge([{ name: 'a' }, { name: 'b', ofport: 1 }, { name: 'c' }, { name: 'd', ofport: 3 }])));
    expect(spec.bridges[0].ports.map((p) => [p.name, p.ofport])).toEqual([
      ['a', 2],
      ['b', 1],
      ['c', 4],
      ['d', 3],
    ]);
  });

  it('ignores unknown keys such as comment', () => {
    const spec = loadTopologyJson(scenario(oneBridge([{ name: 'p1', comment: 'hello' }], { comment: 'x' })));
    expect(spec.bridges[0].ports[0].name).toBe('p1');
  });

  it('keeps patch peers and stores them as the peer option', () => {
    const spec = loadTopologyJson(
      scenario({
        bridges: [
          { name: 'br-a', ports: [{ name: 'pa', type: 'patch', peer: 'pb' }] },
          { name: 'br-b', ports: [{ name: 'pb', type: 'patch', peer: 'pa' }] },
        ],
      }),
    );
    expect(spec.bridges[0].ports[0]).toMatchObject({ peer: 'pb', options: { peer: 'pb' }, capture: false });
  });

  it('writes option values as strings, the way OVS stores them', () => {
    const spec = loadTopologyJson(scenario(oneBridge([{ name: 'v', type: 'vxlan', options: { remote_ip: '10.0.0.1', key: 5, csum: true } }])));
    expect(spec.bridges[0].ports[0].options).toEqual({ remote_ip: '10.0.0.1', key: '5', csum: 'true' });
  });
});

describe('topology errors', () => {
  it('locates a wrongly typed value by file, line, column and JSON path', () => {
    const text = '{\n  "bridges": [\n    {"name": "br0", "ports": [\n      {"name": "p1", "ofport": "one"}\n    ]}\n  ]\n}\n';
    const e = errorOf(() => parseTopologyJson(text, '/s/topology.json'));
    expect(e.message).toBe('/s/topology.json:4:32: bridges[0].ports[0].ofport: must be an integer, not the string "one"');
  });

  it('reports JSON syntax errors at their position', () => {
    const e = errorOf(() => parseTopologyJson('{"bridges": [\n  {"name": "br0",}\n]}', 't.json'));
    expect(e.location).toMatchObject({ file: 't.json', line: 2, column: 18 });
    expect(e.detail).toMatch(/^invalid JSON: /);
  });

  it('refuses duplicate keys', () => {
    expect(errorOf(() => parseTopologyJson('{"bridges": [], "bridges": []}', 't.json')).detail).toBe('invalid JSON: duplicate member "bridges"');
  });

  it('requires at least one bridge', () => {
    expect(errorOf(() => parseTopologyJson('{"bridges": []}', 't.json')).detail).toBe('bridges: needs at least one bridge');
  });

  it('refuses an ofport outside 1..65279', () => {
    expect(errorOf(() => loadTopologyJson(scenario(oneBridge([{ name: 'p', ofport: 65534 }])))).detail).toBe(
      'bridges[0].ports[0].ofport: 65534 is out of range 1..65279',
    );
  });

  it('refuses two ports requesting the same ofport', () => {
    expect(errorOf(() => loadTopologyJson(scenario(oneBridge([{ name: 'a', ofport: 2 }, { name: 'b', ofport: 2 }])))).detail).toBe(
      "bridges[0].ports[1].ofport: 2 is already ports[0]'s number",
    );
  });

  it('refuses a name used twice in the switch', () => {
    const e = errorOf(() => loadTopologyJson(scenario({ bridges: [{ name: 'br0', ports: [{ name: 'p' }] }, { name: 'br1', ports: [{ name: 'p' }] }] })));
    expect(e.detail).toBe('bridges[1].ports[0].name: name "p" is already used by bridges[0].ports[0].name');
  });

  it('refuses a port named like its bridge (that is the LOCAL port)', () => {
    expect(errorOf(() => loadTopologyJson(scenario(oneBridge([{ name: 'br0' }])))).detail).toMatch(/name "br0" is already used/);
  });

  it('refuses a patch port without a peer, or with a peer that does not point back', () => {
    expect(errorOf(() => loadTopologyJson(scenario(oneBridge([{ name: 'pa', type: 'patch' }])))).detail).toBe(
      'bridges[0].ports[0]: a patch port needs "peer"',
    );
    const e = errorOf(() =>
      loadTopologyJson(
        scenario(oneBridge([{ name: 'pa', type: 'patch', peer: 'pb' }, { name: 'pb', type: 'patch', peer: 'pc' }, { name: 'pc', type: 'patch', peer: 'pb' }])),
      ),
    );
    expect(e.detail).toBe('bridges[0].ports[0].peer: "pb" is peered with "pc", not with "pa"');
  });

  it('refuses unknown VLAN modes and out-of-range tags', () => {
    expect(errorOf(() => loadTopologyJson(scenario(oneBridge([{ name: 'p', vlan_mode: 'hybrid' }])))).detail).toMatch(
      /^bridges\[0\]\.ports\[0\]\.vlan_mode: must be one of access, trunk/,
    );
    expect(errorOf(() => loadTopologyJson(scenario(oneBridge([{ name: 'p', trunks: [1, 4096] }])))).detail).toBe(
      'bridges[0].ports[0].trunks[1]: 4096 is out of range 0..4095',
    );
  });

  it('names a missing flow file and where it looked', () => {
    const dir = scenario(oneBridge([], { flows: ['missing.flows'] }));
    const e = errorOf(() => loadTopologyJson(dir));
    expect(e.detail).toBe(`bridges[0].flows: flow file "missing.flows" not found (looked for ${path.join(dir, 'missing.flows')})`);
    expect(e.location.file).toBe(path.join(dir, 'topology.json'));
  });

  it('refuses inputs on unknown ports and on ports that cannot receive', () => {
    expect(errorOf(() => loadTopologyJson(scenario({ ...oneBridge([]), inputs: [{ port: 'nope', pcap: 'x.pcap' }] }, ['x.pcap']))).detail).toBe(
      'inputs[0].port: no port named "nope"',
    );
    const patch = {
      bridges: [
        { name: 'br0', ports: [{ name: 'pa', type: 'patch', peer: 'pb' }] },
        { name: 'br1', ports: [{ name: 'pb', type: 'patch', peer: 'pa' }] },
      ],
      inputs: [{ port: 'pa', pcap: 'x.pcap' }],
    };
    expect(errorOf(() => loadTopologyJson(scenario(patch, ['x.pcap']))).detail).toBe(
      'inputs[0].port: "pa" is a patch port: packets can only enter dummy or internal ports',
    );
  });

  it('accepts an input on the LOCAL port (named like the bridge)', () => {
    const spec = loadTopologyJson(scenario({ ...oneBridge([]), inputs: [{ port: 'br0', pcap: 'x.pcap' }] }, ['x.pcap']));
    expect(spec.inputs[0].port).toBe('br0');
  });

  it('refuses ofctl options it does not understand and versions the bridge does not allow', () => {
    expect(errorOf(() => loadTopologyJson(scenario(oneBridge([], { ofctl_options: ['--strict'] })))).detail).toBe(
      'bridges[0].ofctl_options: unsupported ovs-ofctl option "--strict" (only -O/--protocols are understood)',
    );
    expect(
      errorOf(() => loadTopologyJson(scenario(oneBridge([], { protocols: 'OpenFlow10', ofctl_options: ['-O', 'OpenFlow13'] })))).detail,
    ).toMatch(/would speak OpenFlow13, which the bridge's protocols \(OpenFlow10\) do not allow/);
  });

  it('says so when the scenario folder does not exist', () => {
    expect(errorOf(() => loadTopologyJson('/nonexistent/scenario')).message).toBe('/nonexistent/scenario: no such scenario folder or file');
  });
});

describe('topology helpers', () => {
  it('lists captured ports per bridge, LOCAL first, skipping patch/tunnel and capture:false', () => {
    const spec: TopologySpec = loadTopologyJson(
      scenario({
        bridges: [
          {
            name: 'br0',
            ports: [{ name: 'p1' }, { name: 'p2', capture: false }, { name: 'i1', type: 'internal' }, { name: 'v', type: 'vxlan' }],
          },
          { name: 'br1', capture_local: false, ports: [{ name: 'q1' }] },
        ],
      }),
    );
    expect(capturedPorts(spec).map((c) => `${c.bridge}/${c.name}/${c.type}`)).toEqual([
      'br0/br0/internal',
      'br0/p1/dummy',
      'br0/i1/internal',
      'br1/q1/dummy',
    ]);
  });

  it('picks the highest version listed after -O', () => {
    expect(openflowVersionOf([])).toBe('OpenFlow10');
    expect(openflowVersionOf(['-O', 'OpenFlow10,OpenFlow13'])).toBe('OpenFlow13');
    expect(openflowVersionOf(['--protocols=OpenFlow11'])).toBe('OpenFlow11');
    expect(openflowVersionOf(['-OOpenFlow14'])).toBe('OpenFlow14');
  });

  it('assigns ofports like a fresh OVS bridge', () => {
    expect(assignOfports([undefined, undefined, 2, undefined])).toEqual([1, 3, 2, 4]);
  });
});
