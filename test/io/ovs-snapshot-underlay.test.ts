// underlay.json next to a snapshot's `ovs-vsctl show`: the tunnel underlay OVS's texts do not show.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { TopologyError } from '../../src/base/index.js';
import { loadOvsSnapshot } from '../../src/io/ovs-snapshot.js';

const VSCTL =
  '0b5a9e1e-1c44-4b1a-9b52-111111111111\n    Bridge br-tun\n        Port vx\n            Interface vx\n' +
  '                type: vxlan\n                options: {local_ip="172.16.0.31", remote_ip="172.16.0.11"}\n';

function snapshot(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flowlab-underlay-'));
  for (const [n, t] of Object.entries({ 'vsctl-show.txt': VSCTL, 'br-tun.flows': '', ...files })) fs.writeFileSync(path.join(dir, n), t);
  return dir;
}

const PHY = { name: 'br-phy', hwaddr: '00:15:5d:bf:ba:50', flows: 'br-phy.flows', ports: [{ name: 'eth0', ofport: 1 }] };
const UNDERLAY = {
  addresses: [{ dev: 'br-phy', addr: '172.16.0.31/24' }],
  routes: [{ prefix: '172.16.0.0/24', dev: 'br-phy', gw: null }],
  neighbours: [{ dev: 'br-phy', ip: '172.16.0.11', mac: '00:15:5d:bf:ba:4f' }],
};

function errorOf(fn: () => unknown): TopologyError {
  try {
    fn();
  } catch (e) {
    if (e instanceof TopologyError) return e;
    throw e;
  }
  throw new Error('expected a TopologyError');
}

describe('a snapshot with underlay.json', () => {
  it('has no underlay without the file', () => {
    const spec = loadOvsSnapshot(snapshot({}));
    expect(spec.bridges.map((b) => b.name)).toEqual(['br-tun']);
    expect(spec.underlay).toBeUndefined();
  });

  it('appends the bridges it adds after the snapshot’s, with their ports, flows and MAC', () => {
    const dir = snapshot({ 'underlay.json': JSON.stringify({ bridges: [PHY], underlay: UNDERLAY }), 'br-phy.flows': 'priority=0 actions=NORMAL\n' });
    const spec = loadOvsSnapshot(dir);
    expect(spec.bridges.map((b) => b.name)).toEqual(['br-tun', 'br-phy']);
    const phy = spec.bridges[1];
    expect(phy).toMatchObject({ hwaddr: '00:15:5d:bf:ba:50', flowFiles: [path.join(dir, 'br-phy.flows')] });
    expect(phy.ports).toMatchObject([{ name: 'eth0', type: 'dummy', ofport: 1 }]);
  });

  it('takes addresses, routes and neighbours as topology.json writes them, a null gateway meaning none', () => {
    const spec = loadOvsSnapshot(snapshot({ 'underlay.json': JSON.stringify({ bridges: [PHY], underlay: UNDERLAY }), 'br-phy.flows': '' }));
    expect(spec.underlay).toEqual({
      addresses: [{ dev: 'br-phy', addr: '172.16.0.31/24' }],
      routes: [{ prefix: '172.16.0.0/24', dev: 'br-phy', gw: undefined }],
      neighbours: [{ dev: 'br-phy', ip: '172.16.0.11', mac: '00:15:5d:bf:ba:4f' }],
    });
  });

  it('may give only the underlay, for a snapshot that already has its underlay bridge', () => {
    const spec = loadOvsSnapshot(snapshot({ 'underlay.json': JSON.stringify({ underlay: { addresses: [{ dev: 'br-tun', addr: '10.0.0.1/8' }] } }) }));
    expect(spec.bridges.map((b) => b.name)).toEqual(['br-tun']);
    expect(spec.underlay).toEqual({ addresses: [{ dev: 'br-tun', addr: '10.0.0.1/8' }], routes: [], neighbours: [] });
  });

  it('keeps the tunnel port’s local_ip from ovs-vsctl show', () => {
    const spec = loadOvsSnapshot(snapshot({ 'underlay.json': JSON.stringify({ bridges: [PHY], underlay: UNDERLAY }), 'br-phy.flows': '' }));
    expect(spec.bridges[0].ports[0].options).toMatchObject({ local_ip: '172.16.0.31', remote_ip: '172.16.0.11' });
  });

  it('refuses a bridge or port name the snapshot already uses', () => {
    const clash = { ...PHY, ports: [{ name: 'vx', ofport: 1 }] };
    const e = errorOf(() => loadOvsSnapshot(snapshot({ 'underlay.json': JSON.stringify({ bridges: [clash] }), 'br-phy.flows': '' })));
    expect(e.detail).toMatch(/name "vx" is already used by the snapshot/);
    expect(e.location.file).toMatch(/underlay\.json$/);
  });

  it('refuses an unknown key, at its line and column', () => {
    const e = errorOf(() => loadOvsSnapshot(snapshot({ 'underlay.json': '{\n  "underlays": {}\n}\n' })));
    expect(e.detail).toMatch(/"underlays": not an underlay\.json key/);
    expect(e.location).toMatchObject({ line: 2, column: 16 });
  });

  it('refuses a neighbour without a MAC, naming the entry', () => {
    const bad = { neighbours: [{ dev: 'br-tun', ip: '172.16.0.11' }] };
    const e = errorOf(() => loadOvsSnapshot(snapshot({ 'underlay.json': JSON.stringify({ underlay: bad }) })));
    expect(e.detail).toBe('underlay.neighbours[0]: missing "mac"');
  });
});
