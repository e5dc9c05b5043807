/**
 * `ovs-vsctl show` and `ovs-ofctl show` text, parsed as OVS prints them.
 *
 * `ovs-vsctl show` is an indented tree (four spaces per level): the Open_vSwitch UUID, then Manager, Bridge (with
 * Controller, fail_mode, datapath_type, Port), Port (tag, trunks, vlan_mode, Interface), Interface (type, options,
 * error, ...), and ovs_version. Names and values that are not plain identifiers come in double quotes with C-style
 * escapes (ovsdb's string syntax); maps print as `{key=value, key="quoted value"}` and sets as `[1, 2]`. Lines we do
 * not need (is_connected, bfd_status, link_state, ...) are skipped, but every line must sit at a sensible depth, so
 * a mangled paste is reported at its line rather than silently misread.
 *
 * `ovs-ofctl show BRIDGE` lists the OpenFlow ports as ` 1(patch-tun): addr:9e:...` and ` LOCAL(br-int): addr:...`;
 * only those lines matter here (the port numbers, and the LOCAL port's MAC, which is the bridge's hwaddr).
 */

import { TopologyError } from '../base/index.js';

export interface VsctlInterface {
  readonly name: string;
  readonly line: number;
  type?: string;
  options: Record<string, string>;
  error?: string;
}

export interface VsctlPort {
  readonly name: string;
  readonly line: number;
  tag?: number;
  trunks?: number[];
  vlanMode?: string;
  interfaces: VsctlInterface[];
}

export interface VsctlBridge {
  readonly name: string;
  readonly line: number;
  controllers: string[];
  failMode?: string;
  datapathType?: string;
  ports: VsctlPort[];
}

export interface VsctlShow {
  uuid?: string;
  managers: string[];
  bridges: VsctlBridge[];
  ovsVersion?: string;
}

const INDENT = 4;

/** Parses `ovs-vsctl show` output. */
export function parseVsctlShow(text: string, file: string): VsctlShow {
  const show: VsctlShow = { managers: [], bridges: [] };
  let bridge: VsctlBridge | undefined;
  let port: VsctlPort | undefined;
  let iface: VsctlInterface | undefined;
  /** Depth of the last block opener (Manager/Bridge/Controller/Port/Interface), whose children we skip or read. */
  let context: 'top' | 'manager' | 'bridge' | 'controller' | 'port' | 'interface' = 'top';

  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i].replace(/\r$/, '');
    if (raw.trim() === '') continue;
    const lineNo = i + 1;
    const spaces = raw.length - raw.trimStart().length;
    const fail: (message: string, column?: number) => never = (message, column = spaces + 1) => {
      throw new TopologyError(message, { file, line: lineNo, column });
    };
    if (raw.slice(0, spaces).includes('\t')) fail('tab in indentation (ovs-vsctl show indents with spaces)');
    if (spaces % INDENT !== 0) fail(`indentation of ${spaces} spaces is not a multiple of ${INDENT}`);
    const depth = spaces / INDENT;
    const body = raw.slice(spaces);
    const { head, rest } = splitHead(body);

    if (depth === 0) {
      if (show.uuid !== undefined || show.bridges.length > 0) fail('unexpected unindented line (one `ovs-vsctl show` output per file)');
      if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(body.trim())) {
        fail('expected the Open_vSwitch UUID on the first line of `ovs-vsctl show` output');
      }
      show.uuid = body.trim();
      context = 'top';
      continue;
    }
    if (depth === 1) {
      bridge = port = iface = undefined;
      if (head === 'Bridge') {
        bridge = { name: unquote(rest, fail, spaces + 8), line: lineNo, controllers: [], ports: [] };
        show.bridges.push(bridge);
        context = 'bridge';
      } else if (head === 'Manager') {
        show.managers.push(unquote(rest, fail, spaces + 9));
        context = 'manager';
      } else if (head === 'ovs_version:') {
        show.ovsVersion = unquote(rest, fail, spaces + 14);
        context = 'top';
      } else {
        fail(`unexpected "${head}" at the top level (expected Bridge, Manager or ovs_version)`);
      }
      continue;
    }
    if (depth === 2) {
      if (context === 'manager') continue; // is_connected, status, ...
      if (bridge === undefined) fail(`"${head}" is not inside a Bridge`);
      port = iface = undefined;
      switch (head) {
        case 'Controller':
          bridge.controllers.push(unquote(rest, fail, spaces + 12));
          context = 'controller';
          break;
        case 'fail_mode:':
          bridge.failMode = rest.trim();
          context = 'bridge';
          break;
        case 'datapath_type:':
          bridge.datapathType = rest.trim();
          context = 'bridge';
          break;
        case 'Port':
          port = { name: unquote(rest, fail, spaces + 6), line: lineNo, interfaces: [] };
          bridge.ports.push(port);
          context = 'port';
          break;
        default:
          context = 'bridge'; // other Bridge columns we do not use (datapath_id, ...)
      }
      continue;
    }
    if (depth === 3) {
      if (context === 'controller' || context === 'bridge') continue;
      if (port === undefined) fail(`"${head}" is not inside a Port`);
      iface = undefined;
      switch (head) {
        case 'tag:':
          port.tag = parseVlan(rest.trim(), fail, spaces + 6);
          break;
        case 'trunks:':
          port.trunks = parseIntSet(rest.trim(), fail, spaces + 9);
          break;
        case 'vlan_mode:':
          port.vlanMode = rest.trim();
          break;
        case 'Interface':
          iface = { name: unquote(rest, fail, spaces + 11), line: lineNo, options: {} };
          port.interfaces.push(iface);
          context = 'interface';
          break;
        default:
          break; // bond_mode, lacp, ...
      }
      continue;
    }
    if (depth === 4) {
      if (context !== 'interface' || iface === undefined) continue;
      switch (head) {
        case 'type:':
          iface.type = rest.trim();
          break;
        case 'options:':
          iface.options = parseMap(rest.trim(), fail, spaces + 10);
          break;
        case 'error:':
          iface.error = unquote(rest, fail, spaces + 8);
          break;
        default:
          break; // bfd_status, link_state, mac_in_use, ...
      }
      continue;
    }
    // Deeper lines (nested status maps) carry nothing we use.
  }
  if (show.uuid === undefined && show.bridges.length === 0) {
    throw new TopologyError('no bridges: this does not look like `ovs-vsctl show` output', { file, line: 1, column: 1 });
  }
  return show;
}

/** `Bridge br-int` -> head "Bridge", rest "br-int"; `tag: 3` -> "tag:", "3". */
function splitHead(body: string): { head: string; rest: string } {
  const sp = body.indexOf(' ');
  return sp < 0 ? { head: body, rest: '' } : { head: body.slice(0, sp), rest: body.slice(sp + 1) };
}

/** A possibly quoted ovsdb string: `br-int`, `"tcp:127.0.0.1:6633"`, `"a \"b\""`. */
function unquote(text: string, fail: (m: string, c?: number) => never, column: number): string {
  const t = text.trim();
  if (t === '') fail('missing name', column);
  if (!t.startsWith('"')) return t;
  const parsed = readQuoted(t, 0);
  if (parsed === undefined || parsed.end !== t.length) fail(`bad quoted string ${t}`, column);
  return parsed.value;
}

function readQuoted(t: string, start: number): { value: string; end: number } | undefined {
  let out = '';
  for (let i = start + 1; i < t.length; i++) {
    const c = t[i];
    if (c === '"') return { value: out, end: i + 1 };
    if (c === '\\') {
      const e = t[++i];
      if (e === undefined) return undefined;
      out += e === 'n' ? '\n' : e === 't' ? '\t' : e;
    } else {
      out += c;
    }
  }
  return undefined;
}

/** `{df_default="true", in_key=flow, remote_ip="172.16.0.11"}` */
function parseMap(text: string, fail: (m: string, c?: number) => never, column: number): Record<string, string> {
  if (!text.startsWith('{') || !text.endsWith('}')) fail(`expected {key=value, ...}, got ${text}`, column);
  const out: Record<string, string> = {};
  const inner = text.slice(1, -1);
  let i = 0;
  while (i < inner.length) {
    while (inner[i] === ' ' || inner[i] === ',') i++;
    if (i >= inner.length) break;
    let key: string;
    if (inner[i] === '"') {
      const q = readQuoted(inner, i);
      if (q === undefined) fail('bad quoted key in map', column + 1 + i);
      key = q.value;
      i = q.end;
    } else {
      const eq = inner.indexOf('=', i);
      if (eq < 0) fail(`expected key=value in map at "${inner.slice(i)}"`, column + 1 + i);
      key = inner.slice(i, eq);
      i = eq;
    }
    if (inner[i] !== '=') fail('expected "=" in map', column + 1 + i);
    i++;
    let value: string;
    if (inner[i] === '"') {
      const q = readQuoted(inner, i);
      if (q === undefined) fail('bad quoted value in map', column + 1 + i);
      value = q.value;
      i = q.end;
    } else {
      let end = inner.indexOf(',', i);
      if (end < 0) end = inner.length;
      value = inner.slice(i, end).trim();
      i = end;
    }
    out[key] = value;
  }
  return out;
}

function parseVlan(text: string, fail: (m: string, c?: number) => never, column: number): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n > 4095) fail(`"${text}" is not a VLAN (0..4095)`, column);
  return n;
}

/** `[1, 2]` or a single `3`. */
function parseIntSet(text: string, fail: (m: string, c?: number) => never, column: number): number[] {
  const inner = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  if (inner.trim() === '') return [];
  return inner.split(',').map((s) => parseVlan(s.trim(), fail, column));
}

// ---------------------------------------------------------------------------------------------------------------
// ovs-ofctl show
// ---------------------------------------------------------------------------------------------------------------

export interface OfctlShowPort {
  /** OpenFlow port number; LOCAL is 0xfffe. */
  readonly ofport: number;
  readonly name: string;
  readonly addr?: string;
  readonly line: number;
}

const OFCTL_PORT_LINE = /^ (\d+|LOCAL)\((.+)\): addr:([0-9a-fA-F:]{17})\s*$/;

/** The port lines of `ovs-ofctl show BRIDGE`. */
export function parseOfctlShow(text: string, file: string): OfctlShowPort[] {
  const ports: OfctlShowPort[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = OFCTL_PORT_LINE.exec(lines[i].replace(/\r$/, ''));
    if (m === null) continue;
    ports.push({ ofport: m[1] === 'LOCAL' ? 0xfffe : Number(m[1]), name: m[2], addr: m[3].toLowerCase(), line: i + 1 });
  }
  if (ports.length === 0) {
    throw new TopologyError('no port lines (" 1(name): addr:...") : this does not look like `ovs-ofctl show` output', {
      file,
      line: 1,
      column: 1,
    });
  }
  return ports;
}
