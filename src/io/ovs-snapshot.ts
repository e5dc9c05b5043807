/**
 * OVS snapshots: a switch described by what OVS itself prints, turned into a `TopologySpec`.
 *
 * A snapshot folder holds the texts a person can copy off a running host:
 *
 *   vsctl-show.txt                            `ovs-vsctl show` (also accepted: ovs-vsctl-show.txt)
 *   <bridge>.flows or dump-flows-<bridge>.txt `ovs-ofctl dump-flows <bridge>`, one per bridge (may be empty)
 *   ofctl-show-<bridge>.txt or <bridge>.show  `ovs-ofctl show <bridge>`, optional
 *   input/<port>.pcap (or .pcapng)            optional captures to replay, one per ingress port
 *   underlay.json                             optional: the tunnel underlay OVS's texts do not show (extra bridges
 *                                             such as br-phy with the NIC, addresses, routes, neighbours; see
 *                                             ovs-snapshot-underlay.ts)
 *
 * Port types. `system` ports and ports without a type (NICs, taps) become dummies: in a replay they are where
 * packets enter and leave. `internal`, `patch` and tunnel types stay what they are. The Port named like its bridge is
 * the bridge's LOCAL port and is not listed among the ports. Interfaces OVS reported an error for ("could not open
 * network device") are kept, with the error, so a replay can still use them.
 *
 * OpenFlow port numbers. `ovs-vsctl show` does not print them, and OVS hands them out in interface creation order
 * (lowest unused number first), which the text does not reveal either: its ports come in database order. So:
 * with `ovs-ofctl show <bridge>` the numbers are OVS's; without it, ports are numbered 1, 2, 3, ... in the order
 * `ovs-vsctl show` lists them (ports ofctl show does not list, such as those with an error, take the lowest free
 * numbers after). dump-flows normally names ports (`in_port="tap648437e1-0d"`), which resolves by name whatever the
 * numbers; a flow file that uses a number (`in_port=3`, `output:3`) on a bridge without ofctl show is refused, since
 * the number would silently mean a guessed port.
 *
 * Inputs. Captures in `input/` named after a port (a dummy or internal port, or a bridge for its LOCAL port) are the
 * snapshot's inputs, ordered as the ports are (bridges in `ovs-vsctl show` order, then ports), which decides ties
 * between equal timestamps. A capture named after no such port is refused rather than silently skipped.
 *
 * OpenFlow version. A dump's reply header (`OFPST_FLOW reply (OF1.3)`) says which version printed it; without one
 * (the seed's dumps have none) it is OpenFlow 1.0, ovs-ofctl's default.
 */

import * as fs from 'node:fs';
import * as path from 'node:path';
import { TopologyError } from '../base/index.js';
import {
  assignOfports,
  findPort,
  isInjectable,
  OFPP_LOCAL,
  VLAN_MODES,
  type BridgeSpec,
  type InputSpec,
  type OpenFlowVersion,
  type PortSpec,
  type TopologySpec,
  type VlanMode,
} from './topology.js';
import { loadSnapshotUnderlay, type SnapshotUnderlay } from './ovs-snapshot-underlay.js';
import { parseOfctlShow, parseVsctlShow, type OfctlShowPort, type VsctlBridge } from './ovs-snapshot-vsctl.js';

export const VSCTL_SHOW_NAMES = ['vsctl-show.txt', 'ovs-vsctl-show.txt'];
export const flowFileNames = (bridge: string): string[] => [`${bridge}.flows`, `dump-flows-${bridge}.txt`];
export const ofctlShowNames = (bridge: string): string[] => [`ofctl-show-${bridge}.txt`, `${bridge}.show`];

/** Whether a folder looks like a snapshot (has an `ovs-vsctl show` text). */
export function isOvsSnapshot(dir: string): boolean {
  return VSCTL_SHOW_NAMES.some((n) => fs.existsSync(path.join(dir, n)));
}

export function loadOvsSnapshot(dir: string): TopologySpec {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new TopologyError('no such snapshot folder', { file: dir });
  const vsctlName = VSCTL_SHOW_NAMES.find((n) => fs.existsSync(path.join(dir, n)));
  if (vsctlName === undefined) {
    throw new TopologyError(`no \`ovs-vsctl show\` text in the snapshot (expected ${VSCTL_SHOW_NAMES.join(' or ')})`, { file: dir });
  }
  const vsctlFile = path.join(dir, vsctlName);
  const show = parseVsctlShow(fs.readFileSync(vsctlFile, 'utf8'), vsctlFile);
  const bridges = show.bridges.map((b) => snapshotBridge(dir, vsctlFile, b));
  checkPatchPeers(vsctlFile, show.bridges, bridges);
  const extra = loadSnapshotUnderlay(dir);
  if (extra !== undefined) checkAddedNames(extra, bridges);
  const spec: TopologySpec = {
    source: path.resolve(vsctlFile),
    dir: path.resolve(dir),
    description: `OVS snapshot${show.ovsVersion !== undefined ? ` (ovs_version ${show.ovsVersion})` : ''}`,
    bridges: extra === undefined ? bridges : [...bridges, ...extra.bridges],
    underlay: extra?.underlay,
    inputs: [],
    ovsOtherConfig: {},
    rxBufferSize: 2048,
  };
  return { ...spec, inputs: snapshotInputs(spec) };
}

const CAPTURE_EXT = /\.(pcap|pcapng)$/;

/** input/<port>.pcap(ng) files, in port order. */
function snapshotInputs(spec: TopologySpec): InputSpec[] {
  const inputDir = path.join(spec.dir, 'input');
  if (!fs.existsSync(inputDir) || !fs.statSync(inputDir).isDirectory()) return [];
  const files = new Map<string, string>();
  for (const f of fs.readdirSync(inputDir).sort()) {
    if (!CAPTURE_EXT.test(f)) continue;
    const port = f.replace(CAPTURE_EXT, '');
    const file = path.join(inputDir, f);
    if (!isInjectable(spec, port)) {
      const why = findPort(spec, port) === undefined ? 'no port of that name' : 'packets can only enter dummy or internal ports';
      throw new TopologyError(`input capture for "${port}": ${why}`, { file });
    }
    if (files.has(port)) throw new TopologyError(`two input captures for port "${port}"`, { file });
    files.set(port, file);
  }
  const order: string[] = [];
  for (const br of spec.bridges) {
    order.push(br.name);
    for (const p of br.ports) order.push(p.name);
  }
  return order.filter((p) => files.has(p)).map((port) => ({ port, pcap: files.get(port)! }));
}

function snapshotBridge(dir: string, vsctlFile: string, b: VsctlBridge): BridgeSpec {
  const where = { file: vsctlFile, line: b.line, column: 5 };
  const flowsName = flowFileNames(b.name).find((n) => fs.existsSync(path.join(dir, n)));
  if (flowsName === undefined) {
    throw new TopologyError(`bridge ${b.name}: no dump-flows text (expected ${flowFileNames(b.name).join(' or ')} in ${dir})`, where);
  }
  const flowsFile = path.resolve(dir, flowsName);
  const flowsText = fs.readFileSync(flowsFile, 'utf8');
  const showName = ofctlShowNames(b.name).find((n) => fs.existsSync(path.join(dir, n)));
  let ofctl: OfctlShowPort[] | undefined;
  if (showName !== undefined) ofctl = parseOfctlShow(fs.readFileSync(path.join(dir, showName), 'utf8'), path.join(dir, showName));
  else refuseNumericPorts(flowsFile, flowsText, b.name);

  const failMode = b.failMode ?? 'standalone'; // OVS's default when the column is empty
  if (failMode !== 'secure' && failMode !== 'standalone') {
    throw new TopologyError(`bridge ${b.name}: unknown fail_mode "${failMode}"`, where);
  }

  const portsOut: Omit<PortSpec, 'ofport' | 'ofportRequested'>[] = [];
  const requested: (number | undefined)[] = [];
  for (const p of b.ports) {
    if (p.interfaces.length !== 1) {
      throw new TopologyError(
        `port ${p.name}: ${p.interfaces.length === 0 ? 'no Interface' : 'bonds (several interfaces) are not supported'}`,
        { file: vsctlFile, line: p.line, column: 9 },
      );
    }
    const iface = p.interfaces[0];
    if (p.name === b.name) continue; // the LOCAL port
    if (p.vlanMode !== undefined && !VLAN_MODES.includes(p.vlanMode as VlanMode)) {
      throw new TopologyError(`port ${p.name}: unknown vlan_mode "${p.vlanMode}"`, { file: vsctlFile, line: p.line, column: 9 });
    }
    const declared = iface.type ?? '';
    const type = declared === '' || declared === 'system' || declared === 'tap' ? 'dummy' : declared;
    const peer = type === 'patch' ? iface.options.peer : undefined;
    if (type === 'patch' && peer === undefined) {
      throw new TopologyError(`patch port ${p.name} has no options:peer`, { file: vsctlFile, line: iface.line, column: 13 });
    }
    portsOut.push({
      name: p.name,
      type,
      declaredType: declared !== type ? declared : undefined,
      tag: p.tag,
      trunks: p.trunks !== undefined && p.trunks.length > 0 ? p.trunks : undefined,
      vlanMode: p.vlanMode as VlanMode | undefined,
      peer,
      options: iface.options,
      otherConfig: {},
      capture: type === 'dummy' || type === 'internal',
      error: iface.error,
    });
    requested.push(ofctl?.find((o) => o.name === p.name)?.ofport);
  }
  if (ofctl !== undefined) {
    for (const o of ofctl) {
      if (o.ofport !== OFPP_LOCAL && !portsOut.some((p) => p.name === o.name)) {
        throw new TopologyError(`ovs-ofctl show lists port "${o.name}", which ovs-vsctl show does not have on ${b.name}`, {
          file: path.join(dir, showName!),
          line: o.line,
          column: 2,
        });
      }
    }
  }
  // Ports ofctl show does not list (interfaces with errors) number after the listed ones; without ofctl show,
  // every port is numbered in listing order.
  const numbers = assignOfports(requested);
  const ports: PortSpec[] = portsOut.map((p, i) => ({ ...p, ofport: numbers[i], ofportRequested: requested[i] !== undefined }));
  const local = ofctl?.find((o) => o.ofport === OFPP_LOCAL);

  return {
    name: b.name,
    failMode,
    hwaddr: local?.addr,
    otherConfig: {},
    flowFiles: [flowsFile],
    ofctlOptions: [],
    openflowVersion: dumpVersion(flowsText),
    captureLocal: true,
    ports,
    datapathType: b.datapathType,
    controllers: b.controllers,
  };
}

/** The version in a dump's reply header: `OFPST_FLOW reply (OF1.3) (xid=0x2):`; none (or NXST_FLOW) = 1.0. */
function dumpVersion(text: string): OpenFlowVersion {
  const m = /^\S+ reply \(OF1\.([0-5])\)/m.exec(text);
  return m === null ? 'OpenFlow10' : (`OpenFlow1${m[1]}` as OpenFlowVersion);
}

const NUMERIC_PORT = /\b(in_port=|output:|resubmit\()(\d+)\b/g;

function refuseNumericPorts(file: string, text: string, bridge: string): void {
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].trimStart().startsWith('#')) continue;
    NUMERIC_PORT.lastIndex = 0;
    const m = NUMERIC_PORT.exec(lines[i]);
    if (m !== null) {
      throw new TopologyError(
        `port number ${m[2]} in a snapshot without \`ovs-ofctl show ${bridge}\`: OVS's port numbers cannot be known from ` +
          `\`ovs-vsctl show\`; add ${ofctlShowNames(bridge)[0]} (or dump the flows with --names)`,
        { file, line: i + 1, column: m.index + m[1].length + 1 },
      );
    }
  }
}

/** Bridges underlay.json adds must not take a name the snapshot uses (OVS's bridge and port names share one space). */
function checkAddedNames(extra: SnapshotUnderlay, bridges: readonly BridgeSpec[]): void {
  const taken = new Set<string>();
  for (const br of bridges) {
    taken.add(br.name);
    for (const p of br.ports) taken.add(p.name);
  }
  for (const br of extra.bridges) {
    for (const name of [br.name, ...br.ports.map((p) => p.name)]) {
      if (taken.has(name)) throw new TopologyError(`bridge ${br.name}: name "${name}" is already used by the snapshot`, { file: extra.file });
    }
  }
}

function checkPatchPeers(file: string, raw: readonly VsctlBridge[], bridges: readonly BridgeSpec[]): void {
  const patches = new Map<string, PortSpec>();
  for (const br of bridges) for (const p of br.ports) if (p.type === 'patch') patches.set(p.name, p);
  bridges.forEach((br, bi) => {
    for (const p of br.ports) {
      if (p.type !== 'patch') continue;
      const line = raw[bi].ports.find((r) => r.name === p.name)!.interfaces[0].line;
      const other = patches.get(p.peer!);
      if (other === undefined) throw new TopologyError(`patch port ${p.name}: peer "${p.peer}" is not a patch port here`, { file, line, column: 13 });
      if (other.peer !== p.name) {
        throw new TopologyError(`patch port ${p.name}: peer "${p.peer}" is peered with "${other.peer}"`, { file, line, column: 13 });
      }
    }
  });
}
