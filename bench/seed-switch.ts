/**
 * The seed's switch (pcaps/seed-003: an OpenStack compute node, four bridges), built for the classifier and xlate
 * benches from the ofproto layer directly.
 *
 * Why by hand and not through src/io/ovs-snapshot.ts + src/control/build-switch.ts: those sit above ofproto and were
 * still changing when this was written; the bench should measure the classifier and xlate, and break only when they
 * change. The topology below is pcaps/seed-003/vsctl-show.txt transcribed: bridges and ports in the order that text
 * lists them, OpenFlow numbers 1, 2, 3... in that order (the snapshot loader's rule when there is no `ovs-ofctl show`;
 * the flow files name ports, so the numbers do not change what matches). Flows come from the <bridge>.flows dumps,
 * parsed by src/ofproto/flow-syntax.ts with the bridge's port names, OpenFlow 1.0 syntax as the dumps are.
 */

import * as fs from 'node:fs';
import * as path from 'node:path';
import type { PortConfig } from '../src/ofproto/port.js';
import { parseFlowFile } from '../src/ofproto/flow-syntax.js';
import { Switch } from '../src/ofproto/switch.js';
import { repoRoot } from './paths.js';

export const SEED_DIR = (): string => path.join(repoRoot(), 'pcaps', 'seed-003');

/** The VM behind tap648437e1-0d (tag 3 on br-int): the one port the seed's security-group flows are written for. */
export const VM = {
  port: 'tap648437e1-0d',
  mac: 'fa:16:3e:61:21:c6',
  ipv4: '192.168.101.85',
  ipv6: 'fe80::f816:3eff:fe61:21c6',
  /** What table 60 loads for this port: reg5 = its ofport in OVS, reg6 = its ct zone. */
  reg5: 4,
  reg6: 3,
} as const;

const TOPOLOGY: readonly { readonly bridge: string; readonly ports: readonly PortConfig[] }[] = [
  {
    bridge: 'br-mgmt',
    ports: [
      { name: 'phy-br-mgmt', type: 'patch', peer: 'int-br-mgmt' },
      { name: 'eth3', type: 'dummy' },
    ],
  },
  {
    bridge: 'br-int',
    ports: [
      { name: 'patch-tun', type: 'patch', peer: 'patch-int' },
      { name: 'tap648437e1-0d', type: 'dummy', tag: 3 },
      { name: 'tap0ab9a23c-99', type: 'dummy', tag: 1 },
      { name: 'int-br-mgmt', type: 'patch', peer: 'phy-br-mgmt' },
      { name: 'tap635485ff-6c', type: 'dummy', tag: 2 },
      { name: 'int-br-provider', type: 'patch', peer: 'phy-br-provider' },
    ],
  },
  {
    bridge: 'br-tun',
    ports: [
      { name: 'patch-int', type: 'patch', peer: 'patch-tun' },
      {
        name: 'vxlan-ac10000b',
        type: 'vxlan',
        options: { df_default: 'true', egress_pkt_mark: '0', in_key: 'flow', local_ip: '172.16.0.31', out_key: 'flow', remote_ip: '172.16.0.11' },
      },
    ],
  },
  {
    bridge: 'br-provider',
    ports: [
      { name: 'eth2', type: 'dummy' },
      { name: 'phy-br-provider', type: 'patch', peer: 'int-br-provider' },
    ],
  },
];

/** The seed switch with every bridge's flows loaded (added at time 0). */
export function seedSwitch(dir = SEED_DIR()): Switch {
  const sw = new Switch();
  for (const { bridge, ports } of TOPOLOGY) {
    sw.addBridge({ name: bridge, failMode: 'secure' });
    for (const p of ports) sw.addPort(bridge, p);
  }
  for (const { bridge } of TOPOLOGY) {
    const br = sw.bridge(bridge)!;
    const file = path.join(dir, `${bridge}.flows`);
    for (const spec of parseFlowFile(fs.readFileSync(file, 'utf8'), file, { namer: br.namer, command: 'add' })) br.flows.add(spec, 0);
  }
  return sw;
}

/** OpenFlow port number of a port of the seed switch. */
export function ofportOf(sw: Switch, name: string): number {
  const p = sw.portByName(name);
  if (!p) throw new Error(`seed switch has no port ${name}`);
  return p.ofport;
}
