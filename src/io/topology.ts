/**
 * Topology: which bridges and ports a scenario has, where its flows and input captures are.
 *
 * What? A `TopologySpec` is the plain, validated description of a switch that replay, trace, dump-flows and show
 * build from. Two sources produce it: a scenario folder's `topology.json` (the schema of the OVS reference runner,
 * shared/tools/ovs-reference/README.md, so one scenario runs through real OVS and through flowlab unchanged) and an
 * OVS snapshot folder (`ovs-vsctl show` + `ovs-ofctl dump-flows` texts, see ovs-snapshot.ts). Nothing here knows
 * about OpenFlow tables or packets: this is configuration, checked once, with every mistake reported as a
 * TopologyError naming the file, the line and column, and the JSON path (`bridges[0].ports[2].ofport`).
 *
 * OpenFlow port numbers. A port may request one (`ofport`, OVS's ofport_request); the others get numbers the way
 * OVS's bridge.c/ofproto.c hand them out on a fresh bridge: first every interface with a request takes it, then the
 * rest take 1, 2, 3, ... skipping numbers already in use, in creation order. In a scenario, creation order is the
 * order of the `ports` list (run_ovs.py creates a bridge's ports in one transaction; OVS itself walks them in hash
 * order, so a scenario that cares must request numbers, as all of ours do).
 *
 * The LOCAL port. Every bridge has an internal port named like the bridge, OpenFlow port LOCAL (0xfffe). It is not in
 * `ports`; `capturedPorts()` lists it (when `captureLocal`) first for each bridge, as run_ovs.py records it.
 */

import * as fs from 'node:fs';
import * as path from 'node:path';
import { TopologyError } from '../base/index.js';
import { parseLocatedJson, type JsonArrayNode, type JsonNode, type JsonObjectNode } from './topology-json.js';

// ---------------------------------------------------------------------------------------------------------------
// Types
// ---------------------------------------------------------------------------------------------------------------

export type VlanMode = 'access' | 'trunk' | 'native-tagged' | 'native-untagged' | 'dot1q-tunnel';
export const VLAN_MODES: readonly VlanMode[] = ['access', 'trunk', 'native-tagged', 'native-untagged', 'dot1q-tunnel'];

export type FailMode = 'secure' | 'standalone';

/** OpenFlow versions by their ovs-ofctl names; replay prints dump-flows in the version a bridge's flows were added. */
export type OpenFlowVersion = 'OpenFlow10' | 'OpenFlow11' | 'OpenFlow12' | 'OpenFlow13' | 'OpenFlow14' | 'OpenFlow15';
export const OPENFLOW_VERSIONS: readonly OpenFlowVersion[] = [
  'OpenFlow10',
  'OpenFlow11',
  'OpenFlow12',
  'OpenFlow13',
  'OpenFlow14',
  'OpenFlow15',
];

/** OpenFlow port number of every bridge's LOCAL port (OpenFlow 1.0 numbering, as OVS uses internally). */
export const OFPP_LOCAL = 0xfffe;
/** Largest number a physical/logical port may have (OFPP_MAX is 0xff00 and is itself reserved). */
export const OFPORT_MAX = 0xfeff;

export interface PortSpec {
  readonly name: string;
  /**
   * `dummy` (a NIC or tap: packets come in and go out through captures), `internal`, `patch`, or a tunnel type
   * (`vxlan`, `geneve`, `gre`, ...). Snapshot ports of type `system` (or no type) are dummies here.
   */
  readonly type: string;
  /** The type as the source wrote it (`system`, `""`), when it differs from `type`. */
  readonly declaredType?: string;
  readonly ofport: number;
  /** Whether `ofport` was requested (topology `ofport`, snapshot `ovs-ofctl show`) rather than assigned. */
  readonly ofportRequested: boolean;
  /** Access VLAN (Port tag). */
  readonly tag?: number;
  /** Trunk VLANs; undefined = all (an empty list in OVS means the same). */
  readonly trunks?: readonly number[];
  readonly vlanMode?: VlanMode;
  /** Patch ports: the name of the patch port on the other side. */
  readonly peer?: string;
  /** Interface options (tunnel remote_ip, key, ...). Values are strings, as OVS stores them. */
  readonly options: Readonly<Record<string, string>>;
  readonly otherConfig: Readonly<Record<string, string>>;
  /** Record what this port transmits (dummy and internal ports; topology `capture`, default true). */
  readonly capture: boolean;
  /** An Interface error OVS reported (snapshots only), e.g. "could not open network device ...". */
  readonly error?: string;
}

export interface BridgeSpec {
  readonly name: string;
  readonly failMode: FailMode;
  /** Bridge other_config:hwaddr, the LOCAL port's MAC, as written (`42:f0:8b:66:da:47`). */
  readonly hwaddr?: string;
  /** Bridge `protocols` column, split (`["OpenFlow10", "OpenFlow13"]`); undefined = OVS's default. */
  readonly protocols?: readonly OpenFlowVersion[];
  readonly otherConfig: Readonly<Record<string, string>>;
  /** Flow files (absolute paths), loaded in order. */
  readonly flowFiles: readonly string[];
  /** Extra ovs-ofctl arguments given for add-flows (`["-O", "OpenFlow13"]`). */
  readonly ofctlOptions: readonly string[];
  /** The OpenFlow version those options select: the highest listed after -O, else OpenFlow10. */
  readonly openflowVersion: OpenFlowVersion;
  readonly captureLocal: boolean;
  readonly ports: readonly PortSpec[];
  /** Snapshot extras, for `show`. */
  readonly datapathType?: string;
  readonly controllers?: readonly string[];
}

export interface UnderlaySpec {
  readonly addresses: readonly { readonly dev: string; readonly addr: string }[];
  readonly routes: readonly { readonly prefix: string; readonly dev: string; readonly gw?: string }[];
  readonly neighbours: readonly { readonly dev: string; readonly ip: string; readonly mac: string }[];
}

export interface InputSpec {
  readonly port: string;
  /** Capture file, absolute path. */
  readonly pcap: string;
}

export interface TopologySpec {
  /** The file the spec came from (topology.json, or the snapshot's vsctl-show text). */
  readonly source: string;
  /** The scenario/snapshot folder; relative paths in it resolve here. */
  readonly dir: string;
  readonly description?: string;
  readonly bridges: readonly BridgeSpec[];
  readonly underlay?: UnderlaySpec;
  readonly inputs: readonly InputSpec[];
  readonly ovsOtherConfig: Readonly<Record<string, string>>;
  /** Buffer size run_ovs.py gives injected packets (0 = exact size). */
  readonly rxBufferSize: number;
}

/** A port that records what it transmits, as run_ovs.py lists them: per bridge, LOCAL first, then its ports. */
export interface CapturedPort {
  readonly name: string;
  readonly bridge: string;
  readonly type: 'dummy' | 'internal';
}

// ---------------------------------------------------------------------------------------------------------------
// Queries
// ---------------------------------------------------------------------------------------------------------------

export function capturedPorts(spec: TopologySpec): CapturedPort[] {
  const out: CapturedPort[] = [];
  for (const br of spec.bridges) {
    if (br.captureLocal) out.push({ name: br.name, bridge: br.name, type: 'internal' });
    for (const p of br.ports) {
      if ((p.type === 'dummy' || p.type === 'internal') && p.capture) out.push({ name: p.name, bridge: br.name, type: p.type });
    }
  }
  return out;
}

/** The bridge owning a port (a bridge's own name is its LOCAL port). */
export function findPort(spec: TopologySpec, name: string): { bridge: BridgeSpec; port?: PortSpec } | undefined {
  for (const br of spec.bridges) {
    if (br.name === name) return { bridge: br };
    const port = br.ports.find((p) => p.name === name);
    if (port !== undefined) return { bridge: br, port };
  }
  return undefined;
}

/** Whether packets can be injected on a port: dummies, internal ports, LOCAL. */
export function isInjectable(spec: TopologySpec, name: string): boolean {
  const found = findPort(spec, name);
  if (found === undefined) return false;
  return found.port === undefined || found.port.type === 'dummy' || found.port.type === 'internal';
}

/** The OpenFlow version selected by ovs-ofctl arguments (`-O OpenFlow13`, `--protocols=OpenFlow10,OpenFlow13`). */
export function openflowVersionOf(options: readonly string[]): OpenFlowVersion | string {
  let list: string | undefined;
  for (let i = 0; i < options.length; i++) {
    const a = options[i];
    if (a === '-O' || a === '--protocols') list = options[++i];
    else if (a.startsWith('--protocols=')) list = a.slice('--protocols='.length);
    else if (a.startsWith('-O')) list = a.slice(2);
    else return `unsupported ovs-ofctl option "${a}" (only -O/--protocols are understood)`;
    if (list === undefined) return `"${a}" needs a protocol list`;
  }
  if (list === undefined) return 'OpenFlow10';
  let best = -1;
  for (const name of list.split(',')) {
    const idx = OPENFLOW_VERSIONS.indexOf(name.trim() as OpenFlowVersion);
    if (idx < 0) return `unknown OpenFlow version "${name.trim()}" (one of ${OPENFLOW_VERSIONS.join(', ')})`;
    best = Math.max(best, idx);
  }
  return OPENFLOW_VERSIONS[best];
}

/**
 * Gives every port without a requested number one, the way OVS does on a fresh bridge: requests first, then the
 * lowest unused numbers from 1 in list order. Returns the numbers in list order.
 */
export function assignOfports(requested: readonly (number | undefined)[]): number[] {
  const used = new Set<number>();
  for (const r of requested) if (r !== undefined) used.add(r);
  let next = 1;
  return requested.map((r) => {
    if (r !== undefined) return r;
    while (used.has(next)) next++;
    used.add(next);
    return next;
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Loading topology.json
// ---------------------------------------------------------------------------------------------------------------

/** Reads `dir/topology.json` (or the file itself if `dirOrFile` is a file). */
export function loadTopologyJson(dirOrFile: string): TopologySpec {
  let file = dirOrFile;
  try {
    if (fs.statSync(dirOrFile).isDirectory()) file = path.join(dirOrFile, 'topology.json');
  } catch {
    throw new TopologyError('no such scenario folder or file', { file: dirOrFile });
  }
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new TopologyError(`cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { file });
  }
  return parseTopologyJson(text, file);
}

/** Parses topology.json text; `file` locates errors and anchors relative paths. */
export function parseTopologyJson(text: string, file: string): TopologySpec {
  const root = parseLocatedJson(text, file);
  return new TopologyReader(file).read(root);
}

/** Walks the JSON tree with a path, so every complaint says where. */
class TopologyReader {
  private readonly dir: string;

  constructor(private readonly file: string) {
    this.dir = path.dirname(path.resolve(file));
  }

  fail(node: JsonNode, where: string, message: string): never {
    throw new TopologyError(`${where}: ${message}`, { file: this.file, line: node.line, column: node.column });
  }

  read(root: JsonNode): TopologySpec {
    const obj = this.object(root, '(top level)');
    const bridgesNode = obj.members.get('bridges');
    if (bridgesNode === undefined) this.fail(root, '(top level)', 'missing "bridges"');
    const bridgeList = this.array(bridgesNode, 'bridges');
    if (bridgeList.items.length === 0) this.fail(bridgesNode, 'bridges', 'needs at least one bridge');
    const bridges = bridgeList.items.map((b, i) => this.bridge(b, `bridges[${i}]`));
    this.checkNames(bridgeList, bridges);

    const spec: TopologySpec = {
      source: path.resolve(this.file),
      dir: this.dir,
      description: this.optString(obj, 'description', ''),
      bridges,
      underlay: obj.members.has('underlay') ? this.underlay(obj.members.get('underlay')!, 'underlay') : undefined,
      inputs: [],
      ovsOtherConfig: this.stringMap(obj, 'ovs_other_config', ''),
      rxBufferSize: this.optInt(obj, 'rx_buffer_size', '', 0, 65535) ?? 2048,
    };
    const inputs = obj.members.has('inputs') ? this.inputs(obj.members.get('inputs')!, spec) : [];
    return { ...spec, inputs };
  }

  private bridge(node: JsonNode, where: string): BridgeSpec {
    const obj = this.object(node, where);
    const name = this.reqString(obj, 'name', where);
    if (name === '') this.fail(obj.members.get('name')!, `${where}.name`, 'must not be empty');
    const failMode = this.optString(obj, 'fail_mode', where) ?? 'secure';
    if (failMode !== 'secure' && failMode !== 'standalone') {
      this.fail(obj.members.get('fail_mode')!, `${where}.fail_mode`, `must be "secure" or "standalone", not "${failMode}"`);
    }
    const hwaddr = this.optString(obj, 'hwaddr', where);
    if (hwaddr !== undefined && !/^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/.test(hwaddr)) {
      this.fail(obj.members.get('hwaddr')!, `${where}.hwaddr`, `"${hwaddr}" is not a MAC address (xx:xx:xx:xx:xx:xx)`);
    }
    const protocolsText = this.optString(obj, 'protocols', where);
    let protocols: OpenFlowVersion[] | undefined;
    if (protocolsText !== undefined) {
      protocols = [];
      for (const p of protocolsText.split(',')) {
        const v = p.trim() as OpenFlowVersion;
        if (!OPENFLOW_VERSIONS.includes(v)) {
          this.fail(obj.members.get('protocols')!, `${where}.protocols`, `unknown OpenFlow version "${p.trim()}"`);
        }
        protocols.push(v);
      }
    }
    const ofctlOptions = this.stringList(obj, 'ofctl_options', where) ?? [];
    const version = openflowVersionOf(ofctlOptions);
    if (!OPENFLOW_VERSIONS.includes(version as OpenFlowVersion)) {
      this.fail(obj.members.get('ofctl_options')!, `${where}.ofctl_options`, version);
    }
    const openflowVersion = version as OpenFlowVersion;
    if (protocols !== undefined && !protocols.includes(openflowVersion)) {
      this.fail(
        obj.members.get('ofctl_options') ?? obj.members.get('protocols')!,
        `${where}.ofctl_options`,
        `ovs-ofctl would speak ${openflowVersion}, which the bridge's protocols (${protocolsText}) do not allow`,
      );
    }

    const flowsNode = obj.members.get('flows');
    let flowNames: string[] = [];
    if (flowsNode !== undefined) {
      if (flowsNode.kind === 'string') flowNames = [flowsNode.value];
      else flowNames = this.stringList(obj, 'flows', where) ?? [];
    }
    const flowFiles = flowNames.map((f, i) => {
      const abs = path.resolve(this.dir, f);
      if (!fs.existsSync(abs)) {
        const at = flowsNode!.kind === 'array' ? flowsNode!.items[i] : flowsNode!;
        this.fail(at, `${where}.flows`, `flow file "${f}" not found (looked for ${abs})`);
      }
      return abs;
    });

    const portsNode = obj.members.get('ports');
    const portNodes = portsNode === undefined ? [] : this.array(portsNode, `${where}.ports`).items;
    const drafts = portNodes.map((p, i) => this.port(p, `${where}.ports[${i}]`));
    const numbers = assignOfports(drafts.map((d) => d.requested));
    const seen = new Map<number, number>();
    drafts.forEach((d, i) => {
      if (d.requested === undefined) return;
      const prev = seen.get(d.requested);
      if (prev !== undefined) {
        this.fail(d.ofportNode!, `${where}.ports[${i}].ofport`, `${d.requested} is already ports[${prev}]'s number`);
      }
      seen.set(d.requested, i);
    });
    const ports: PortSpec[] = drafts.map((d, i) => ({ ...d.port, ofport: numbers[i], ofportRequested: d.requested !== undefined }));

    return {
      name,
      failMode,
      hwaddr: hwaddr?.toLowerCase(),
      protocols,
      otherConfig: this.stringMap(obj, 'other_config', where),
      flowFiles,
      ofctlOptions,
      openflowVersion,
      captureLocal: this.optBool(obj, 'capture_local', where) ?? true,
      ports,
    };
  }

  private port(
    node: JsonNode,
    where: string,
  ): { port: Omit<PortSpec, 'ofport' | 'ofportRequested'>; requested?: number; ofportNode?: JsonNode } {
    const obj = this.object(node, where);
    const name = this.reqString(obj, 'name', where);
    if (name === '') this.fail(obj.members.get('name')!, `${where}.name`, 'must not be empty');
    const type = this.optString(obj, 'type', where) ?? 'dummy';
    if (type === '') this.fail(obj.members.get('type')!, `${where}.type`, 'must not be empty');
    const requested = this.optInt(obj, 'ofport', where, 1, OFPORT_MAX);
    const tag = this.optInt(obj, 'tag', where, 0, 4095);
    let trunks: number[] | undefined;
    const trunksNode = obj.members.get('trunks');
    if (trunksNode !== undefined) {
      trunks = this.array(trunksNode, `${where}.trunks`).items.map((t, i) => this.int(t, `${where}.trunks[${i}]`, 0, 4095));
    }
    const vlanModeText = this.optString(obj, 'vlan_mode', where);
    if (vlanModeText !== undefined && !VLAN_MODES.includes(vlanModeText as VlanMode)) {
      this.fail(obj.members.get('vlan_mode')!, `${where}.vlan_mode`, `must be one of ${VLAN_MODES.join(', ')}`);
    }
    const peer = this.optString(obj, 'peer', where);
    if (type === 'patch' && peer === undefined) this.fail(node, where, 'a patch port needs "peer"');
    if (type !== 'patch' && peer !== undefined) this.fail(obj.members.get('peer')!, `${where}.peer`, 'only patch ports have a peer');
    const options = this.stringMap(obj, 'options', where);
    return {
      port: {
        name,
        type,
        tag,
        trunks: trunks !== undefined && trunks.length > 0 ? trunks : undefined,
        vlanMode: vlanModeText as VlanMode | undefined,
        peer,
        options: peer !== undefined ? { ...options, peer } : options,
        otherConfig: this.stringMap(obj, 'other_config', where),
        capture: (type === 'dummy' || type === 'internal') && (this.optBool(obj, 'capture', where) ?? true),
      },
      requested,
      ofportNode: obj.members.get('ofport'),
    };
  }

  /** Names are unique across the whole switch (OVS's port and interface names are), and patch peers exist. */
  private checkNames(list: JsonArrayNode, bridges: BridgeSpec[]): void {
    const owner = new Map<string, string>();
    bridges.forEach((br, bi) => {
      const brNode = list.items[bi] as JsonObjectNode;
      const claim = (name: string, where: string, node: JsonNode): void => {
        const prev = owner.get(name);
        if (prev !== undefined) this.fail(node, where, `name "${name}" is already used by ${prev}`);
        owner.set(name, where);
      };
      claim(br.name, `bridges[${bi}].name`, brNode.members.get('name')!);
      const portNodes = (brNode.members.get('ports') as JsonArrayNode | undefined)?.items ?? [];
      br.ports.forEach((p, pi) => claim(p.name, `bridges[${bi}].ports[${pi}].name`, (portNodes[pi] as JsonObjectNode).members.get('name')!));
    });
    const patches = new Map<string, PortSpec>();
    for (const br of bridges) for (const p of br.ports) if (p.type === 'patch') patches.set(p.name, p);
    bridges.forEach((br, bi) => {
      const portNodes = ((list.items[bi] as JsonObjectNode).members.get('ports') as JsonArrayNode | undefined)?.items ?? [];
      br.ports.forEach((p, pi) => {
        if (p.type !== 'patch') return;
        const other = patches.get(p.peer!);
        const at = (portNodes[pi] as JsonObjectNode).members.get('peer')!;
        if (other === undefined) this.fail(at, `bridges[${bi}].ports[${pi}].peer`, `no patch port named "${p.peer}"`);
        if (other.peer !== p.name) {
          this.fail(at, `bridges[${bi}].ports[${pi}].peer`, `"${p.peer}" is peered with "${other.peer}", not with "${p.name}"`);
        }
      });
    });
  }

  private underlay(node: JsonNode, where: string): UnderlaySpec {
    const obj = this.object(node, where);
    const list = <T>(key: string, item: (o: JsonObjectNode, w: string) => T): T[] => {
      const n = obj.members.get(key);
      if (n === undefined) return [];
      return this.array(n, `${where}.${key}`).items.map((it, i) => item(this.object(it, `${where}.${key}[${i}]`), `${where}.${key}[${i}]`));
    };
    return {
      addresses: list('addresses', (o, w) => ({ dev: this.reqString(o, 'dev', w), addr: this.reqString(o, 'addr', w) })),
      routes: list('routes', (o, w) => {
        const gwNode = o.members.get('gw');
        const gw = gwNode === undefined || gwNode.kind === 'null' ? undefined : this.optString(o, 'gw', w);
        return { prefix: this.reqString(o, 'prefix', w), dev: this.reqString(o, 'dev', w), gw };
      }),
      neighbours: list('neighbours', (o, w) => ({
        dev: this.reqString(o, 'dev', w),
        ip: this.reqString(o, 'ip', w),
        mac: this.reqString(o, 'mac', w),
      })),
    };
  }

  private inputs(node: JsonNode, spec: TopologySpec): InputSpec[] {
    return this.array(node, 'inputs').items.map((it, i) => {
      const where = `inputs[${i}]`;
      const o = this.object(it, where);
      const port = this.reqString(o, 'port', where);
      const found = findPort(spec, port);
      if (found === undefined) this.fail(o.members.get('port')!, `${where}.port`, `no port named "${port}"`);
      if (!isInjectable(spec, port)) {
        this.fail(o.members.get('port')!, `${where}.port`, `"${port}" is a ${found.port?.type} port: packets can only enter dummy or internal ports`);
      }
      const pcap = this.reqString(o, 'pcap', where);
      const abs = path.resolve(this.dir, pcap);
      if (!fs.existsSync(abs)) this.fail(o.members.get('pcap')!, `${where}.pcap`, `capture "${pcap}" not found (looked for ${abs})`);
      return { port, pcap: abs };
    });
  }

  // -- typed accessors ------------------------------------------------------------------------------------------

  private object(node: JsonNode, where: string): JsonObjectNode {
    if (node.kind !== 'object') this.fail(node, where, `must be an object, not ${describe(node)}`);
    return node;
  }

  private array(node: JsonNode, where: string): JsonArrayNode {
    if (node.kind !== 'array') this.fail(node, where, `must be a list, not ${describe(node)}`);
    return node;
  }

  private int(node: JsonNode, where: string, min: number, max: number): number {
    if (node.kind !== 'number' || !Number.isInteger(node.value)) this.fail(node, where, `must be an integer, not ${describe(node)}`);
    if (node.value < min || node.value > max) this.fail(node, where, `${node.value} is out of range ${min}..${max}`);
    return node.value;
  }

  private key(where: string, key: string): string {
    return where === '' ? key : `${where}.${key}`;
  }

  private reqString(obj: JsonObjectNode, key: string, where: string): string {
    const v = this.optString(obj, key, where);
    if (v === undefined) this.fail(obj, where === '' ? '(top level)' : where, `missing "${key}"`);
    return v;
  }

  private optString(obj: JsonObjectNode, key: string, where: string): string | undefined {
    const n = obj.members.get(key);
    if (n === undefined) return undefined;
    if (n.kind !== 'string') this.fail(n, this.key(where, key), `must be a string, not ${describe(n)}`);
    return n.value;
  }

  private optInt(obj: JsonObjectNode, key: string, where: string, min: number, max: number): number | undefined {
    const n = obj.members.get(key);
    return n === undefined ? undefined : this.int(n, this.key(where, key), min, max);
  }

  private optBool(obj: JsonObjectNode, key: string, where: string): boolean | undefined {
    const n = obj.members.get(key);
    if (n === undefined) return undefined;
    if (n.kind !== 'boolean') this.fail(n, this.key(where, key), `must be true or false, not ${describe(n)}`);
    return n.value;
  }

  private stringList(obj: JsonObjectNode, key: string, where: string): string[] | undefined {
    const n = obj.members.get(key);
    if (n === undefined) return undefined;
    return this.array(n, this.key(where, key)).items.map((it, i) => {
      if (it.kind !== 'string') this.fail(it, `${this.key(where, key)}[${i}]`, `must be a string, not ${describe(it)}`);
      return it.value;
    });
  }

  /** An object of scalar values, stored as OVS stores them: strings (numbers and booleans are written out). */
  private stringMap(obj: JsonObjectNode, key: string, where: string): Record<string, string> {
    const n = obj.members.get(key);
    if (n === undefined) return {};
    const o = this.object(n, this.key(where, key));
    const out: Record<string, string> = {};
    for (const [k, v] of o.members) {
      if (v.kind === 'string') out[k] = v.value;
      else if (v.kind === 'number' || v.kind === 'boolean') out[k] = String(v.value);
      else this.fail(v, `${this.key(where, key)}.${k}`, `must be a string, number or boolean, not ${describe(v)}`);
    }
    return out;
  }
}

function describe(node: JsonNode): string {
  switch (node.kind) {
    case 'string':
      return `the string ${JSON.stringify(node.value)}`;
    case 'number':
      return `the number ${node.value}`;
    case 'boolean':
      return String(node.value);
    case 'null':
      return 'null';
    case 'array':
      return 'a list';
    case 'object':
      return 'an object';
  }
}
