/**
 * From a `TopologySpec` to a running `Switch`: bridges, ports, flows. Shared by replay, trace, dump-flows and show.
 *
 * Bridges are created in the spec's order and each one's ports in list order, so datapath port numbers (handed out
 * by the Switch in creation order) are stable from run to run. Flow files are loaded after every bridge and port
 * exists, since a flow may name any port of its bridge, and all or nothing: every line of every bridge's files is
 * parsed before the first flow is added.
 */

import { TopologyError } from '../base/index.js';
import type { BridgeSpec, PortSpec, TopologySpec } from '../io/topology.js';
import type { Bridge } from '../ofproto/bridge.js';
import type { PortType } from '../ofproto/port.js';
import { Switch } from '../ofproto/switch.js';
import { buildTunnels } from './build-tunnels.js';
import { readFlowFiles, syntaxVersion } from './flow-files.js';

const PORT_TYPES: ReadonlySet<string> = new Set<PortType>(['dummy', 'system', 'internal', 'patch', 'tap', 'vxlan', 'geneve', 'gre', 'stt']);

export interface BuildOptions {
  /** Load the bridges' flow files (default true). */
  readonly flows?: boolean;
  /** Time the flows are added at (their `duration` starts here). */
  readonly nowMs?: number;
}

export function buildSwitch(spec: TopologySpec, opts: BuildOptions = {}): Switch {
  const sw = new Switch();
  for (const br of spec.bridges) {
    const bridge = sw.addBridge({
      name: br.name,
      failMode: br.failMode,
      hwaddr: br.hwaddr !== undefined ? macToNumber(br.hwaddr) : undefined,
      macAgingTime: intOption(br, 'mac-aging-time', spec),
      macTableSize: intOption(br, 'mac-table-size', spec),
      forwardBpdu: br.otherConfig['forward-bpdu'] === 'true',
      flowVersion: syntaxVersion(br.openflowVersion),
    });
    for (const p of br.ports) addPort(sw, bridge, p, spec);
  }
  buildTunnels(sw, spec, opts.nowMs ?? 0);
  if (opts.flows ?? true) {
    // Every file of every bridge parses before any flow is added: one bad line leaves all tables empty.
    const parsed = spec.bridges.map((br) => readFlowFiles(sw.bridge(br.name)!, br.flowFiles, br.openflowVersion));
    spec.bridges.forEach((br, i) => {
      const bridge = sw.bridge(br.name)!;
      for (const f of parsed[i]) bridge.flows.add(f, opts.nowMs ?? 0);
    });
  }
  return sw;
}

function addPort(sw: Switch, bridge: Bridge, p: PortSpec, spec: TopologySpec): void {
  if (!PORT_TYPES.has(p.type)) {
    throw new TopologyError(`port ${p.name}: type "${p.type}" is not supported (${[...PORT_TYPES].join(', ')})`, { file: spec.source });
  }
  sw.addPort(bridge.name, {
    name: p.name,
    type: p.type as PortType,
    ofport: p.ofport,
    tag: p.tag,
    trunks: p.trunks,
    vlanMode: p.vlanMode,
    peer: p.peer,
    options: p.options,
    qinqEthertype: p.otherConfig['qinq-ethtype'] === '802.1q' ? 0x8100 : undefined,
    cvlans: p.otherConfig.cvlans?.split(',').map(Number),
  });
}

function intOption(br: BridgeSpec, key: string, spec: TopologySpec): number | undefined {
  const v = br.otherConfig[key];
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) {
    throw new TopologyError(`bridge ${br.name}: other_config:${key} "${v}" is not a non-negative integer`, { file: spec.source });
  }
  return n;
}

/** `42:f0:8b:66:da:47` -> 48-bit number (the topology loader has validated the text). */
export function macToNumber(mac: string): number {
  return parseInt(mac.replace(/:/g, ''), 16);
}
