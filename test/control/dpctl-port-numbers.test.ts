/**
 * Datapath port numbers as OVS's dummy datapath gives them, checked against the reference runner's dpctl-show.txt
 * for the conformance topologies whose numbering does not depend on OVSDB's UUID order.
 */
import { describe, expect, it } from 'vitest';
import { choosePort, hashString, ovsDummyDpPorts, shashOrder } from '../../src/control/dpctl-port-numbers.js';
import { parseTopologyJson } from '../../src/io/topology.js';

function numbers(topology: unknown): Record<string, string> {
  const spec = parseTopologyJson(JSON.stringify(topology), '/tmp/topology.json');
  return Object.fromEntries(ovsDummyDpPorts(spec).map((p) => [p.name, `${p.dpPort} ${p.type}`]));
}

describe('choose_port (dpif-netdev, dummy datapath)', () => {
  it('takes the number in the name when it is free', () => {
    expect(choosePort('tap635485ff-6c', new Set([0]))).toBe(635485);
  });

  it('adds 100 to the number of a name starting with "br"', () => {
    expect(choosePort('br10', new Set([0]))).toBe(110);
  });

  it('falls back to the lowest free number when the named one is taken', () => {
    expect(choosePort('p1', new Set([0, 1, 2]))).toBe(3);
  });

  it('falls back to the lowest free number when the number in the name is 0', () => {
    expect(choosePort('tap0ab9a23c-99', new Set([0, 1]))).toBe(2);
  });
});

describe('shash iteration order', () => {
  it('walks buckets in index order, as the port creation order OVS used for ct-firewall (p2, mon, then p1) shows', () => {
    expect(shashOrder(['br0', 'p1', 'p2', 'mon'])).toEqual(['p2', 'br0', 'mon', 'p1']);
  });

  it('puts the later inserted of two names sharing a bucket first', () => {
    // learn's tun-a and tun-b share bucket 2 of 4 (the table has 4 buckets once it holds 2 names): the order OVSDB
    // inserts them in, that of random row UUIDs, decides which comes first.
    expect(shashOrder(['x', 'y', 'tun-a', 'tun-b']).filter((n) => n.startsWith('tun'))).toEqual(['tun-b', 'tun-a']);
    expect(shashOrder(['x', 'y', 'tun-b', 'tun-a']).filter((n) => n.startsWith('tun'))).toEqual(['tun-a', 'tun-b']);
  });

  it('hashes names with hash_string(name, 0) of OVS built without SSE4.2', () => {
    expect(hashString('br0').toString(16)).toBe('4587983d');
  });
});

describe('OVS dummy datapath numbering of a topology', () => {
  it('numbers requested-ofport interfaces first in hash order, then the LOCAL port', () => {
    const t = {
      bridges: [
        {
          name: 'br0',
          ports: [
            { name: 'p1', ofport: 1 },
            { name: 'p2', ofport: 2 },
            { name: 'mon', ofport: 9 },
          ],
        },
      ],
    };
    expect(numbers(t)).toEqual({ mon: '1 dummy', p2: '2 dummy', p1: '3 dummy', br0: '100 dummy-internal' });
  });

  it('gives tunnel interfaces one shared vport per UDP port and leaves patch ports out', () => {
    const t = {
      bridges: [
        { name: 'br-int', ports: [{ name: 'vm1', ofport: 1 }, { name: 'patch-tun', type: 'patch', peer: 'patch-int', ofport: 2 }] },
        {
          name: 'br-tun',
          ports: [
            { name: 'patch-int', type: 'patch', peer: 'patch-tun', ofport: 1 },
            { name: 'vxlan-a', type: 'vxlan', ofport: 2, options: { remote_ip: '172.16.0.11', key: 'flow' } },
            { name: 'vxlan-b', type: 'vxlan', ofport: 3, options: { remote_ip: '172.16.0.12', key: 'flow' } },
            { name: 'vxlan-f', type: 'vxlan', ofport: 4, options: { remote_ip: '172.16.0.14', key: 'flow', dst_port: '4790' } },
          ],
        },
      ],
    };
    expect(numbers(t)).toEqual({
      vm1: '1 dummy',
      'br-int': '2 dummy-internal',
      'br-tun': '3 dummy-internal',
      vxlan_sys_4789: '4789 vxlan: packet_type=ptap',
      vxlan_sys_4790: '4790 vxlan: dst_port=4790, packet_type=ptap',
    });
  });

  it('reproduces the seed compute node numbering bridge by bridge', () => {
    const patch = (name: string, peer: string, ofport: number): Record<string, unknown> => ({ name, type: 'patch', peer, ofport });
    const t = {
      bridges: [
        { name: 'br-provider', ports: [{ name: 'eth2', ofport: 1 }, patch('phy-br-provider', 'int-br-provider', 2)] },
        { name: 'br-mgmt', ports: [{ name: 'eth3', ofport: 1 }, patch('phy-br-mgmt', 'int-br-mgmt', 2)] },
        {
          name: 'br-int',
          ports: [
            patch('int-br-provider', 'phy-br-provider', 1),
            patch('int-br-mgmt', 'phy-br-mgmt', 2),
            { name: 'tap0ab9a23c-99', ofport: 4 },
            { name: 'tap635485ff-6c', ofport: 5 },
            { name: 'tap648437e1-0d', ofport: 6 },
          ],
        },
      ],
    };
    expect(numbers(t)).toEqual({
      'br-provider': '1 dummy-internal',
      eth2: '2 dummy',
      eth3: '3 dummy',
      'br-mgmt': '4 dummy-internal',
      'tap0ab9a23c-99': '5 dummy',
      'br-int': '6 dummy-internal',
      'tap635485ff-6c': '635485 dummy',
      'tap648437e1-0d': '648437 dummy',
    });
  });
});
