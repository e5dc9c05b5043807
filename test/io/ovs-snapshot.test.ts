import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { TopologyError } from '../../src/base/index.js';
import { extractSnapshotFromMarkdown, fencedBlocks } from '../../src/io/ovs-snapshot-markdown.js';
import { parseOfctlShow, parseVsctlShow } from '../../src/io/ovs-snapshot-vsctl.js';
import { isOvsSnapshot, loadOvsSnapshot } from '../../src/io/ovs-snapshot.js';
import { capturedPorts } from '../../src/io/topology.js';

const SEED = '/work/shared/seeds/003_d2caf40f7e273ad1.txt';
const SEED_SNAPSHOT = path.resolve(__dirname, '../../pcaps/seed-003');

function snapshot(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flowlab-snap-'));
  for (const [n, t] of Object.entries(files)) fs.writeFileSync(path.join(dir, n), t);
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

const SHOW = `0b5a9e1e-1c44-4b1a-9b52-111111111111
    Bridge br0
        fail_mode: secure
        datapath_type: netdev
        Port br0
            Interface br0
                type: internal
        Port "p 1"
            tag: 10
            Interface "p 1"
        Port t1
            trunks: [10, 20]
            vlan_mode: native-untagged
            tag: 5
            Interface t1
                type: system
        Port vx
            Interface vx
                type: vxlan
                options: {key=flow, remote_ip="10.0.0.2", "weird key"="a, b"}
    ovs_version: "3.1.0"
`;

describe('parseVsctlShow', () => {
  it('reads bridges, ports, VLAN columns, types, options and the version', () => {
    const show = parseVsctlShow(SHOW, 'show.txt');
    expect(show.uuid).toBe('0b5a9e1e-1c44-4b1a-9b52-111111111111');
    expect(show.ovsVersion).toBe('3.1.0');
    const br = show.bridges[0];
    expect(br).toMatchObject({ name: 'br0', failMode: 'secure', datapathType: 'netdev' });
    expect(br.ports.map((p) => p.name)).toEqual(['br0', 'p 1', 't1', 'vx']);
    expect(br.ports[1].tag).toBe(10);
    expect(br.ports[2]).toMatchObject({ trunks: [10, 20], vlanMode: 'native-untagged', tag: 5 });
    expect(br.ports[3].interfaces[0]).toMatchObject({ type: 'vxlan', options: { key: 'flow', remote_ip: '10.0.0.2', 'weird key': 'a, b' } });
  });

  it('reads quoted managers and controllers, and interface errors', () => {
    const text = `698493db-95ef-4c31-b419-56b3d4096f2b
    Manager "ptcp:6640:127.0.0.1"
        is_connected: true
    Bridge br-int
        Controller "tcp:127.0.0.1:6633"
            is_connected: true
        Port tap1
            Interface tap1
                error: "could not open network device tap1 (No such device)"
`;
    const show = parseVsctlShow(text, 's');
    expect(show.managers).toEqual(['ptcp:6640:127.0.0.1']);
    expect(show.bridges[0].controllers).toEqual(['tcp:127.0.0.1:6633']);
    expect(show.bridges[0].ports[0].interfaces[0].error).toBe('could not open network device tap1 (No such device)');
  });

  it('locates indentation that is not OVS', () => {
    const e = errorOf(() => parseVsctlShow('0b5a9e1e-1c44-4b1a-9b52-111111111111\n    Bridge br0\n      Port p1\n', 'show.txt'));
    expect(e.message).toBe('show.txt:3:7: indentation of 6 spaces is not a multiple of 4');
  });

  it('locates a bad tag', () => {
    const e = errorOf(() => parseVsctlShow('0b5a9e1e-1c44-4b1a-9b52-111111111111\n    Bridge br0\n        Port p1\n            tag: 5000\n', 's'));
    expect(e.message).toBe('s:4:18: "5000" is not a VLAN (0..4095)');
  });

  it('refuses text that is not ovs-vsctl show output', () => {
    expect(errorOf(() => parseVsctlShow('hello world\n', 's')).detail).toMatch(/expected the Open_vSwitch UUID/);
  });
});

describe('parseOfctlShow', () => {
  it('reads port numbers, names and addresses, LOCAL included', () => {
    const text = `OFPT_FEATURES_REPLY (xid=0x2): dpid:0000ce7ba4b2a94a
n_tables:254, n_buffers:0
capabilities: FLOW_STATS TABLE_STATS PORT_STATS QUEUE_STATS ARP_MATCH_IP
actions: output enqueue set_vlan_vid set_vlan_pcp strip_vlan mod_dl_src mod_dl_dst
 1(p1): addr:aa:55:aa:55:00:01
     config:     0
     state:      0
 7(tap-x): addr:AA:55:aa:55:00:02
 LOCAL(br0): addr:ce:7b:a4:b2:a9:4a
     config:     PORT_DOWN
OFPT_GET_CONFIG_REPLY (xid=0x4): frags=normal miss_send_len=0
`;
    expect(parseOfctlShow(text, 'f').map((p) => [p.ofport, p.name, p.addr])).toEqual([
      [1, 'p1', 'aa:55:aa:55:00:01'],
      [7, 'tap-x', 'aa:55:aa:55:00:02'],
      [0xfffe, 'br0', 'ce:7b:a4:b2:a9:4a'],
    ]);
  });
});

describe('loadOvsSnapshot', () => {
  it('loads the committed seed-003 snapshot: four bridges, patches paired, vxlan options kept, underlay.json after them', () => {
    expect(isOvsSnapshot(SEED_SNAPSHOT)).toBe(true);
    const spec = loadOvsSnapshot(SEED_SNAPSHOT);
    expect(spec.bridges.map((b) => b.name)).toEqual(['br-mgmt', 'br-int', 'br-tun', 'br-provider', 'br-phy']);
    expect(spec.underlay?.addresses).toEqual([{ dev: 'br-phy', addr: '172.16.0.31/24' }]);
    const brInt = spec.bridges.find((b) => b.name === 'br-int')!;
    expect(brInt.ports.map((p) => p.name)).toEqual([
      'patch-tun',
      'tap648437e1-0d',
      'tap0ab9a23c-99',
      'int-br-mgmt',
      'tap635485ff-6c',
      'int-br-provider',
    ]);
    expect(brInt.ports.find((p) => p.name === 'tap648437e1-0d')).toMatchObject({ type: 'dummy', tag: 3 });
    expect(brInt.ports.find((p) => p.name === 'tap0ab9a23c-99')!.error).toMatch(/No such device/);
    expect(brInt.failMode).toBe('secure');
    expect(brInt.flowFiles).toEqual([path.join(SEED_SNAPSHOT, 'br-int.flows')]);
    const vx = spec.bridges.find((b) => b.name === 'br-tun')!.ports.find((p) => p.name === 'vxlan-ac10000b')!;
    expect(vx).toMatchObject({ type: 'vxlan', options: { remote_ip: '172.16.0.11', local_ip: '172.16.0.31', in_key: 'flow', out_key: 'flow' } });
    const eth2 = spec.bridges.find((b) => b.name === 'br-provider')!.ports.find((p) => p.name === 'eth2')!;
    expect(eth2).toMatchObject({ type: 'dummy', declaredType: 'system' });
    expect(capturedPorts(spec).map((c) => c.name)).toContain('tap648437e1-0d');
  });

  it('extracts exactly the committed seed-003 files from the seed markdown', () => {
    const files = extractSnapshotFromMarkdown(fs.readFileSync(SEED, 'utf8'), SEED);
    expect([...files.keys()].sort()).toEqual(['br-int.flows', 'br-mgmt.flows', 'br-provider.flows', 'br-tun.flows', 'vsctl-show.txt']);
    for (const [name, text] of files) expect(fs.readFileSync(path.join(SEED_SNAPSHOT, name), 'utf8')).toBe(text);
  });

  it('uses ovs-ofctl show numbers when given, numbering the others after them', () => {
    const dir = snapshot({
      'vsctl-show.txt': '0b5a9e1e-1c44-4b1a-9b52-111111111111\n    Bridge br0\n        Port a\n            Interface a\n        Port b\n            Interface b\n',
      'br0.flows': ' cookie=0x0, duration=1.0s, table=0, n_packets=0, n_bytes=0, in_port=7 actions=output:1\n',
      'ofctl-show-br0.txt': ' 7(b): addr:aa:55:aa:55:00:01\n LOCAL(br0): addr:02:00:00:00:00:01\n',
    });
    const br = loadOvsSnapshot(dir).bridges[0];
    expect(br.ports.map((p) => [p.name, p.ofport, p.ofportRequested])).toEqual([
      ['a', 1, false],
      ['b', 7, true],
    ]);
    expect(br.hwaddr).toBe('02:00:00:00:00:01');
  });

  it('refuses numeric ports in flows when there is no ovs-ofctl show', () => {
    const dir = snapshot({
      'vsctl-show.txt': '0b5a9e1e-1c44-4b1a-9b52-111111111111\n    Bridge br0\n        Port a\n            Interface a\n',
      'br0.flows': '# comment in_port=9\n priority=1,in_port=3 actions=NORMAL\n',
    });
    const e = errorOf(() => loadOvsSnapshot(dir));
    expect(e.location).toEqual({ file: path.join(dir, 'br0.flows'), line: 2, column: 21 });
    expect(e.detail).toMatch(/^port number 3 in a snapshot without `ovs-ofctl show br0`/);
  });

  it('names the files it looked for when a bridge has no flows', () => {
    const dir = snapshot({ 'vsctl-show.txt': '0b5a9e1e-1c44-4b1a-9b52-111111111111\n    Bridge br0\n' });
    expect(errorOf(() => loadOvsSnapshot(dir)).detail).toBe(`bridge br0: no dump-flows text (expected br0.flows or dump-flows-br0.txt in ${dir})`);
  });

  it('takes the OpenFlow version from the dump header', () => {
    const dir = snapshot({
      'vsctl-show.txt': '0b5a9e1e-1c44-4b1a-9b52-111111111111\n    Bridge br0\n',
      'dump-flows-br0.txt': 'OFPST_FLOW reply (OF1.3) (xid=0x2):\n cookie=0x0, table=0, priority=0 actions=NORMAL\n',
    });
    expect(loadOvsSnapshot(dir).bridges[0].openflowVersion).toBe('OpenFlow13');
  });
});

describe('snapshot inputs', () => {
  const SHOW2 = '0b5a9e1e-1c44-4b1a-9b52-111111111111\n    Bridge br0\n        Port b\n            Interface b\n        Port a\n            Interface a\n';

  it('takes input/<port>.pcap files as inputs, in port order', () => {
    const dir = snapshot({ 'vsctl-show.txt': SHOW2, 'br0.flows': '' });
    fs.mkdirSync(path.join(dir, 'input'));
    for (const f of ['a.pcap', 'b.pcapng', 'br0.pcap', 'notes.txt']) fs.writeFileSync(path.join(dir, 'input', f), '');
    expect(loadOvsSnapshot(dir).inputs).toEqual([
      { port: 'br0', pcap: path.join(dir, 'input', 'br0.pcap') },
      { port: 'b', pcap: path.join(dir, 'input', 'b.pcapng') },
      { port: 'a', pcap: path.join(dir, 'input', 'a.pcap') },
    ]);
  });

  it('refuses a capture named after no port', () => {
    const dir = snapshot({ 'vsctl-show.txt': SHOW2, 'br0.flows': '' });
    fs.mkdirSync(path.join(dir, 'input'));
    fs.writeFileSync(path.join(dir, 'input', 'c.pcap'), '');
    const e = errorOf(() => loadOvsSnapshot(dir));
    expect(e.message).toBe(`${path.join(dir, 'input', 'c.pcap')}: input capture for "c": no port of that name`);
  });
});

describe('markdown extraction', () => {
  it('finds fenced blocks with their info strings and lines', () => {
    const blocks = fencedBlocks('text\n```sh\nls\n```\n\n~~~~\na\n~~~\nb\n~~~~\n');
    expect(blocks).toEqual([
      { info: 'sh', body: 'ls', line: 2 },
      { info: '', body: 'a\n~~~\nb', line: 6 },
    ]);
  });

  it('refuses a document without ovs-vsctl show output', () => {
    expect(errorOf(() => extractSnapshotFromMarkdown('```sh\novs-ofctl dump-flows br0\n```\n```\nx\n```\n', 'doc.md')).message).toMatch(
      /^doc\.md: no `ovs-vsctl show` output found/,
    );
  });
});
