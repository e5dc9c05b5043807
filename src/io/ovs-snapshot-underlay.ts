/**
 * underlay.json: what a snapshot needs, besides OVS's own texts, to send and receive tunnel traffic.
 *
 * A kernel-datapath node such as the seed's encapsulates in the Linux stack: eth0 holds the tunnel address, and the
 * kernel routes to the remote and resolves its MAC. `ovs-vsctl show` says none of that. flowlab models OVS's
 * userspace tunnelling, where the underlay is an OVS bridge (br-phy) whose LOCAL port holds the address and whose
 * port is the NIC: the conversion a DPDK deployment makes. underlay.json supplies that part, in the schema of
 * topology.json (shared/tools/ovs-reference/README.md), so the same text serves a conformance scenario run through
 * real OVS:
 *
 *   {
 *     "bridges":  [ bridges to add, e.g. br-phy with the NIC eth0 and "flows": "br-phy.flows" ],
 *     "underlay": { "addresses": [...], "routes": [...], "neighbours": [...] }
 *   }
 *
 * Both keys are optional (a userspace node's snapshot already lists its br-phy; then only the addresses, routes and
 * neighbours are missing). Added bridges come after the snapshot's; their names must not clash with the snapshot's
 * bridges or ports, and their patch ports pair among themselves. A tunnel port's `local_ip` from the snapshot is kept:
 * flowlab counts every underlay address as local, as the host's routing table would.
 */

import * as fs from 'node:fs';
import * as path from 'node:path';
import { TopologyError } from '../base/index.js';
import { parseTopologyJson, type BridgeSpec, type UnderlaySpec } from './topology.js';
import { parseLocatedJson, type JsonNode, type JsonObjectNode } from './topology-json.js';

export const UNDERLAY_FILE = 'underlay.json';

export interface SnapshotUnderlay {
  readonly file: string;
  readonly bridges: readonly BridgeSpec[];
  readonly underlay?: UnderlaySpec;
}

const KEYS = ['bridges', 'underlay', 'description', 'comment'];

/** Reads `dir/underlay.json`, or returns undefined when the snapshot has none. */
export function loadSnapshotUnderlay(dir: string): SnapshotUnderlay | undefined {
  const file = path.resolve(dir, UNDERLAY_FILE);
  if (!fs.existsSync(file)) return undefined;
  const text = fs.readFileSync(file, 'utf8');
  const root = parseLocatedJson(text, file);
  const fail = (node: JsonNode, msg: string): never => {
    throw new TopologyError(msg, { file, line: node.line, column: node.column });
  };
  if (root.kind !== 'object') return fail(root, '(top level): must be an object with "bridges" and/or "underlay"');
  for (const [key, node] of root.members) {
    if (!KEYS.includes(key)) fail(node, `"${key}": not an underlay.json key (${KEYS.join(', ')})`);
  }
  // topology.json's reader checks bridges (flow files relative to this folder) and the underlay section, with
  // positions in this file; it needs a bridge, which an underlay-only file does not have.
  const bridges = root.members.has('bridges') ? parseTopologyJson(text, file).bridges : [];
  const underlayNode = root.members.get('underlay');
  return { file, bridges, underlay: underlayNode === undefined ? undefined : readUnderlay(underlayNode, fail) };
}

/** The `underlay` section, as topology.json has it. */
function readUnderlay(node: JsonNode, fail: (n: JsonNode, msg: string) => never): UnderlaySpec {
  const obj = asObject(node, 'underlay', fail);
  const list = <T>(key: string, item: (o: JsonObjectNode, where: string) => T): T[] => {
    const n = obj.members.get(key);
    if (n === undefined) return [];
    if (n.kind !== 'array') return fail(n, `underlay.${key}: must be a list`);
    return n.items.map((it, i) => item(asObject(it, `underlay.${key}[${i}]`, fail), `underlay.${key}[${i}]`));
  };
  const str = (o: JsonObjectNode, key: string, where: string, optional = false): string | undefined => {
    const n = o.members.get(key);
    if (n === undefined || (optional && n.kind === 'null')) return optional ? undefined : fail(o, `${where}: missing "${key}"`);
    if (n.kind !== 'string') return fail(n, `${where}.${key}: must be a string`);
    return n.value;
  };
  return {
    addresses: list('addresses', (o, w) => ({ dev: str(o, 'dev', w)!, addr: str(o, 'addr', w)! })),
    routes: list('routes', (o, w) => ({ prefix: str(o, 'prefix', w)!, dev: str(o, 'dev', w)!, gw: str(o, 'gw', w, true) })),
    neighbours: list('neighbours', (o, w) => ({ dev: str(o, 'dev', w)!, ip: str(o, 'ip', w)!, mac: str(o, 'mac', w)! })),
  };
}

function asObject(node: JsonNode, where: string, fail: (n: JsonNode, msg: string) => never): JsonObjectNode {
  return node.kind === 'object' ? node : fail(node, `${where}: must be an object`);
}
