/**
 * Field values in ovs-ofctl syntax: parsing `VALUE[/MASK]` for one field and printing values the way OVS does.
 *
 * What? Every field in the table (fields.ts) has a `FieldFormat`; this module turns the text after `field=` into a
 * (value, mask) pair of bigints in field units, and back. It follows OVS 3.1's lib/meta-flow.c (mf_parse), which
 * matters in the odd corners users hit: integers are C `strtoull(…, 0)` numbers (so `010` is octal 8) or `0x` hex
 * limited by the field's width *in bytes* (OVS checks bytes, not bits: `dl_vlan=5000` is accepted and later cut to
 * 12 bits); IPv4 octets wrap like `%hhu` (`300.1.1.1` is `44.1.1.1`); IPv4/IPv6 masks are either a prefix length or
 * an address; flag fields (`tcp_flags`, `ct_state`, `tun_flags`) take `+syn-ack`, `syn|ack` or `0x12/0xff`.
 *
 * Printing follows lib/match.c and lib/packets.c: CIDR masks print as `/N`, other masks as addresses, IPv6 as glibc's
 * inet_ntop writes it (RFC 5952 plus the `::a.b.c.d` and `::ffff:a.b.c.d` forms), port names quoted when they are
 * not a letter followed by letters and digits.
 *
 * Errors are `FlowSyntaxError`s whose column is where the value starts (the caller passes it), and whose text
 * follows OVS's message where there is one.
 */

import { FlowSyntaxError } from '../base/errors.js';
import { CT_STATE_NAMES, TCP_FLAG_NAMES, TUN_FLAG_NAMES, type FieldDef } from './fields.js';
import { OfpPort } from './key-layout.js';

/** Resolves port names for `in_port=NAME` and prints port numbers as names (`ovs-ofctl --names`). */
export interface PortNamer {
  portNumber(name: string): number | undefined;
  portName(port: number): string | undefined;
}

export interface ValueMask {
  readonly value: bigint;
  readonly mask: bigint;
}

export interface ValueSyntaxOptions {
  readonly portNamer?: PortNamer;
  /** 1-based column of the value's first character, for error locations. */
  readonly column?: number;
}

/** The names OVS uses for fields in its messages, where they differ from the name ovs-ofctl prints. */
const OVS_MESSAGE_NAMES: Readonly<Record<string, string>> = {
  dl_src: 'eth_src',
  dl_dst: 'eth_dst',
  dl_type: 'eth_type',
  nw_src: 'ip_src',
  nw_dst: 'ip_dst',
  nw_frag: 'ip_frag',
};

export function ovsFieldName(field: FieldDef): string {
  return OVS_MESSAGE_NAMES[field.name] ?? field.name;
}

/**
 * The field's width in bytes as OVS stores it (mf_field.n_bytes). Integer values are range-checked against this,
 * not against the bit width.
 */
export function ovsFieldBytes(field: FieldDef): number {
  switch (field.name) {
    case 'ct_state':
    case 'ipv6_label':
      return 4;
    default:
      return Math.ceil(field.nbits / 8);
  }
}

function allOnes(bits: number): bigint {
  return (1n << BigInt(bits)) - 1n;
}

function fail(detail: string, column: number | undefined): never {
  throw new FlowSyntaxError(detail, column === undefined ? {} : { column });
}

/** Parses `text` (the part after `field=`) for `field`. `*` wildcards the field; the result's mask is in OVS bytes. */
export function parseFieldValue(field: FieldDef, text: string, opts: ValueSyntaxOptions = {}): ValueMask {
  const col = opts.column;
  const widthBits = ovsFieldBytes(field) * 8;
  if (text === '*') return { value: 0n, mask: 0n };
  let vm: ValueMask;
  switch (field.format) {
    case 'decimal':
    case 'hex':
      vm = parseIntegerMasked(field, text, col);
      break;
    case 'ethernet':
      vm = parseEthernetMasked(text, col);
      break;
    case 'ipv4':
      vm = parseIpv4Masked(text, col);
      break;
    case 'ipv6':
      vm = parseIpv6Masked(text, col);
      break;
    case 'ofp-port':
      vm = { value: BigInt(parsePort(field, text, opts)), mask: allOnes(widthBits) };
      break;
    case 'frag':
      vm = parseFrag(text, col);
      break;
    case 'tcp-flags':
      vm = parseFlags(text, TCP_FLAG_NAMES, 'TCP', 0x0fff, col);
      break;
    case 'ct-state':
      vm = parseFlags(text, CT_STATE_NAMES, 'ct_state', 0xff, col);
      break;
    case 'tun-flags':
      vm = parseFlags(text, TUN_FLAG_NAMES, 'tunnel', 0x1, col);
      break;
  }
  // Flags parse to 32-bit masks ("all ones" when unmasked); fit them to the field's bytes.
  vm = { value: vm.value & allOnes(widthBits), mask: vm.mask & allOnes(widthBits) };
  if (!field.maskable && vm.mask !== 0n && vm.mask !== allOnes(widthBits)) {
    fail(`${text}: invalid mask for field ${ovsFieldName(field)}`, col);
  }
  return vm;
}

// ---------------------------------------------------------------------------------------------------------------
// Integers (parse_int_string).

type IntResult = { value: bigint; rest: string } | 'range' | 'syntax';

/**
 * One integer the way OVS's parse_int_string reads it: `0x` hex limited to `bytes` bytes of significant hexits,
 * otherwise C strtoull with base 0 (decimal, `0` octal, optional sign, wrapping negatives), then the byte range.
 */
export function parseIntPrefix(s: string, bytes: number): IntResult {
  if (/^0[xX]/.test(s)) {
    const m = /^[0-9a-fA-F]*/.exec(s.slice(2));
    const digits = (m?.[0] ?? '').replace(/^0+/, '');
    if (Math.ceil(digits.length / 2) > bytes) return 'range';
    return { value: digits === '' ? 0n : BigInt('0x' + digits), rest: s.slice(2 + (m?.[0].length ?? 0)) };
  }
  const m = /^\s*([+-]?)(0[0-7]*|[1-9][0-9]*)/.exec(s);
  if (m === null) return 'syntax';
  const body = m[2];
  let v = body.length > 1 && body.startsWith('0') ? BigInt('0o' + body.slice(1)) : BigInt(body);
  const max = (1n << 64n) - 1n;
  if (v > max) return 'range';
  if (m[1] === '-' && v !== 0n) v = (1n << 64n) - v;
  if (v >> BigInt(bytes * 8) !== 0n) return 'range';
  return { value: v, rest: s.slice(m[0].length) };
}

function parseIntegerMasked(field: FieldDef, s: string, col: number | undefined): ValueMask {
  const bytes = ovsFieldBytes(field);
  const name = ovsFieldName(field);
  const v = parseIntPrefix(s, bytes);
  if (v === 'range') fail(`${s}: value too large for ${bytes}-byte field ${name}`, col);
  if (v === 'syntax' || (v.rest !== '' && !v.rest.startsWith('/'))) fail(`${s}: bad syntax for ${name} value`, col);
  if (v.rest === '') return { value: v.value, mask: allOnes(bytes * 8) };
  const m = parseIntPrefix(v.rest.slice(1), bytes);
  if (m === 'range') fail(`${s}: mask too large for ${bytes}-byte field ${name}`, col);
  if (m === 'syntax' || m.rest !== '') fail(`${s}: bad syntax for ${name} mask`, col);
  return { value: v.value, mask: m.value };
}

// ---------------------------------------------------------------------------------------------------------------
// Ethernet addresses.

const MAC = '([0-9a-fA-F]{1,2}(?::[0-9a-fA-F]{1,2}){5})';
const MAC_RE = new RegExp(`^${MAC}$`);
const MAC_MASKED_RE = new RegExp(`^${MAC}/${MAC}$`);

function macToBigint(text: string): bigint {
  return text.split(':').reduce((acc, part) => (acc << 8n) | BigInt(parseInt(part, 16)), 0n);
}

function parseEthernetMasked(s: string, col: number | undefined): ValueMask {
  let m = MAC_RE.exec(s);
  if (m !== null) return { value: macToBigint(m[1]), mask: allOnes(48) };
  m = MAC_MASKED_RE.exec(s);
  if (m !== null) return { value: macToBigint(m[1]), mask: macToBigint(m[2]) };
  return fail(`${s}: invalid Ethernet address`, col);
}

export function formatEthernet(value: bigint): string {
  const parts: string[] = [];
  for (let i = 5; i >= 0; i--) parts.push(Number((value >> BigInt(i * 8)) & 0xffn).toString(16).padStart(2, '0'));
  return parts.join(':');
}

/** `eth_format_masked`: the address, then `/mask` unless the mask is exact. */
export function formatEthernetMasked(value: bigint, mask: bigint): string {
  return mask === allOnes(48) ? formatEthernet(value) : `${formatEthernet(value)}/${formatEthernet(mask)}`;
}

// ---------------------------------------------------------------------------------------------------------------
// IPv4.

// Octets wrap modulo 256 like sscanf's %hhu.
const IPV4 = '(\\d+)\\.(\\d+)\\.(\\d+)\\.(\\d+)';
const IPV4_MASKED_RE = new RegExp(`^${IPV4}/${IPV4}`);
const IPV4_PREFIX_RE = new RegExp(`^${IPV4}/([+-]?\\d+)`);
const IPV4_RE = new RegExp(`^${IPV4}`);

function octets(m: RegExpExecArray, from: number): bigint {
  let v = 0n;
  for (let i = 0; i < 4; i++) v = (v << 8n) | BigInt(Number(BigInt(m[from + i]) & 0xffn));
  return v;
}

function prefixMask(bits: number, width: number): bigint {
  return bits === 0 ? 0n : (allOnes(bits) << BigInt(width - bits)) & allOnes(width);
}

function parseIpv4Masked(s: string, col: number | undefined): ValueMask {
  let vm: ValueMask | undefined;
  let used = 0;
  let m = IPV4_MASKED_RE.exec(s);
  if (m !== null) {
    vm = { value: octets(m, 1), mask: octets(m, 5) };
    used = m[0].length;
  } else if ((m = IPV4_PREFIX_RE.exec(s)) !== null) {
    const bits = Number(m[5]);
    if (bits < 0 || bits > 32) fail(`${s}: IPv4 network prefix bits not between 0 and 32, inclusive`, col);
    vm = { value: octets(m, 1), mask: prefixMask(bits, 32) };
    used = m[0].length;
  } else if ((m = IPV4_RE.exec(s)) !== null) {
    vm = { value: octets(m, 1), mask: allOnes(32) };
    used = m[0].length;
  }
  if (vm === undefined || used !== s.length) fail(`${s}: invalid IP address`, col);
  return vm;
}

export function formatIpv4(value: bigint): string {
  return [24n, 16n, 8n, 0n].map((sh) => String((value >> sh) & 0xffn)).join('.');
}

/** Leading ones count if `mask` is a CIDR mask of `width` bits, else -1. */
function cidrBits(mask: bigint, width: number): number {
  for (let bits = 0; bits <= width; bits++) if (prefixMask(bits, width) === mask) return bits;
  return -1;
}

/** `ip_format_masked`: `a.b.c.d`, `a.b.c.d/N` for CIDR masks, `a.b.c.d/m.m.m.m` otherwise. */
export function formatIpv4Masked(value: bigint, mask: bigint): string {
  if (mask === allOnes(32)) return formatIpv4(value);
  const bits = cidrBits(mask, 32);
  return `${formatIpv4(value)}/${bits >= 0 ? bits : formatIpv4(mask)}`;
}

// ---------------------------------------------------------------------------------------------------------------
// IPv6.

/** inet_pton(AF_INET6): groups of 1-4 hexits, one `::`, an optional dotted IPv4 tail. */
export function parseIpv6(text: string): bigint | undefined {
  let head = text;
  let v4: bigint | undefined;
  const dotted = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted !== null) {
    const parts = dotted[2].split('.');
    if (parts.some((p) => p.length > 3 || (p.length > 1 && p.startsWith('0')) || Number(p) > 255)) return undefined;
    v4 = parts.reduce((acc, p) => (acc << 8n) | BigInt(Number(p)), 0n);
    head = dotted[1].endsWith('::') ? dotted[1] : dotted[1].slice(0, -1);
  }
  const groupsWanted = v4 === undefined ? 8 : 6;
  const halves = head.split('::');
  if (halves.length > 2) return undefined;
  const parse = (part: string): number[] | undefined => {
    if (part === '') return [];
    const out: number[] = [];
    for (const g of part.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const left = parse(halves[0]);
  const right = halves.length === 2 ? parse(halves[1]) : [];
  if (left === undefined || right === undefined) return undefined;
  let groups: number[];
  if (halves.length === 2) {
    const missing = groupsWanted - left.length - right.length;
    if (missing < 1) return undefined;
    groups = [...left, ...new Array<number>(missing).fill(0), ...right];
  } else {
    groups = left;
  }
  if (groups.length !== groupsWanted) return undefined;
  let value = groups.reduce((acc, g) => (acc << 16n) | BigInt(g), 0n);
  if (v4 !== undefined) value = (value << 32n) | v4;
  return value;
}

const IPV6_CHARS_RE = /^\s*([0-9a-fA-F:.]{1,46})/;

function parseIpv6Masked(s: string, col: number | undefined): ValueMask {
  const m = IPV6_CHARS_RE.exec(s);
  const addr = m === null ? undefined : parseIpv6(m[1]);
  if (m === null || addr === undefined) fail(`${s}: invalid IPv6 address`, col);
  const rest = s.slice(m[0].length);
  if (rest === '') return { value: addr, mask: allOnes(128) };
  const prefix = /^\/([+-]?\d+)$/.exec(rest);
  if (prefix !== null) {
    const bits = Number(prefix[1]);
    if (bits < 0 || bits > 128) fail(`${s}: IPv6 network prefix bits not between 0 and 128, inclusive`, col);
    return { value: addr, mask: prefixMask(bits, 128) };
  }
  const maskText = /^\/([0-9a-fA-F:.]{1,46})$/.exec(rest);
  if (maskText !== null) {
    const mask = parseIpv6(maskText[1]);
    if (mask === undefined) fail(`${s}: Invalid IPv6 mask`, col);
    return { value: addr, mask };
  }
  return fail(`${s}: invalid IPv6 address`, col);
}

/** inet_ntop(AF_INET6) as glibc writes it, which is what OVS prints. */
export function formatIpv6(value: bigint): string {
  const words: number[] = [];
  for (let i = 7; i >= 0; i--) words.push(Number((value >> BigInt(i * 16)) & 0xffffn));
  // Longest run of zero words (first one wins a tie); runs of one are not compressed.
  let bestBase = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen) {
      bestBase = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (bestLen < 2) bestBase = -1;
  let out = '';
  for (let i = 0; i < 8; i++) {
    if (bestBase !== -1 && i >= bestBase && i < bestBase + bestLen) {
      if (i === bestBase) out += ':';
      continue;
    }
    if (i !== 0) out += ':';
    // An IPv4-compatible or IPv4-mapped address ends in dotted form.
    if (i === 6 && bestBase === 0 && (bestLen === 6 || (bestLen === 5 && words[5] === 0xffff))) {
      out += formatIpv4(value & 0xffffffffn);
      return out;
    }
    out += words[i].toString(16);
  }
  if (bestBase !== -1 && bestBase + bestLen === 8) out += ':';
  return out;
}

/** `ipv6_format_masked`: the address, then `/N` for CIDR masks or `/mask` otherwise, nothing when exact. */
export function formatIpv6Masked(value: bigint, mask: bigint): string {
  if (mask === allOnes(128)) return formatIpv6(value);
  const bits = cidrBits(mask, 128);
  return `${formatIpv6(value)}/${bits >= 0 ? bits : formatIpv6(mask)}`;
}

// ---------------------------------------------------------------------------------------------------------------
// OpenFlow ports.

/** Reserved ports by their OVS names (ofputil_port_from_string accepts them case-insensitively). */
const RESERVED_PORTS: readonly (readonly [string, number])[] = [
  ['IN_PORT', OfpPort.IN_PORT],
  ['TABLE', OfpPort.TABLE],
  ['NORMAL', OfpPort.NORMAL],
  ['FLOOD', OfpPort.FLOOD],
  ['ALL', OfpPort.ALL],
  ['CONTROLLER', OfpPort.CONTROLLER],
  ['LOCAL', OfpPort.LOCAL],
  ['ANY', OfpPort.NONE],
  ['UNSET', 0xfff7],
];

const OFPP11_OFFSET = 0xffff0000;
const OFPP11_MAX = 0xffffff00;

/**
 * A port number from its text (ofputil_port_from_string): a decimal OpenFlow 1.0 number, an OpenFlow 1.1 reserved
 * number (0xffffff00 and up, mapped down), a reserved name, or a bridge port name, bare or JSON-quoted.
 */
export function parsePortNumber(text: string, namer?: PortNamer): number | undefined {
  if (text.startsWith('-')) return undefined;
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    if (n <= 0xffff) return n;
    if (n < OFPP11_MAX || n > 0xffffffff) return undefined;
    return n - OFPP11_OFFSET;
  }
  const upper = text.toUpperCase();
  if (upper === 'NONE') return OfpPort.NONE;
  for (const [name, port] of RESERVED_PORTS) if (name === upper) return port;
  if (namer === undefined) return undefined;
  if (text.startsWith('"')) {
    if (text.length < 2 || !text.endsWith('"')) return undefined;
    let name: unknown;
    try {
      name = JSON.parse(text);
    } catch {
      return undefined;
    }
    return typeof name === 'string' ? namer.portNumber(name) : undefined;
  }
  return namer.portNumber(text);
}

function parsePort(field: FieldDef, text: string, opts: ValueSyntaxOptions): number {
  const port = parsePortNumber(text, opts.portNamer);
  if (port === undefined) fail(`${text}: invalid or unknown port for ${field.name}`, opts.column);
  return port;
}

/** A name needs quotes unless it is a letter followed by letters and digits (lib/namemap.c). */
export function quotePortName(name: string): string {
  return /^[A-Za-z][A-Za-z0-9]*$/.test(name) ? name : JSON.stringify(name);
}

/** ofputil_format_port: reserved names, then the bridge's name for the port (quoted as needed), then the number. */
export function formatPort(port: number, namer?: PortNamer): string {
  for (const [name, p] of RESERVED_PORTS) if (p === port) return name;
  const name = namer?.portName(port);
  return name === undefined ? String(port) : quotePortName(name);
}

// ---------------------------------------------------------------------------------------------------------------
// Fragments.

const FRAG_NAMES: readonly (readonly [string, number, number])[] = [
  // name, mask, value (FLOW_NW_FRAG_ANY = 1, FLOW_NW_FRAG_LATER = 2)
  ['no', 3, 0],
  ['first', 3, 1],
  ['later', 3, 3],
  ['no', 1, 0],
  ['yes', 1, 1],
  ['not_later', 2, 0],
  ['later', 2, 2],
];

function parseFrag(s: string, col: number | undefined): ValueMask {
  const lower = s.toLowerCase();
  for (const [name, mask, value] of FRAG_NAMES) {
    if (name === lower) return { value: BigInt(value), mask: BigInt(mask | 0xfc) };
  }
  return fail(
    `${s}: unknown fragment type (valid types are "no", "yes", "first", "later", "not_later"`,
    col,
  );
}

/** The `nw_frag=` word for a 2-bit value and mask, as match_format chooses it. */
export function formatFrag(value: number, mask: number): string | undefined {
  switch (mask & 3) {
    case 3:
      return value & 1 ? (value & 2 ? 'later' : 'first') : value & 2 ? '<error>' : 'no';
    case 1:
      return value & 1 ? 'yes' : 'no';
    case 2:
      return value & 2 ? 'later' : 'not_later';
    default:
      return undefined;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Flags (parse_flags / format_flags_masked in lib/flow.c).

type FlagNames = readonly (readonly [string, number])[];

/** TCP flag bits that have no name still print (and parse) as `[200]` etc., as OVS does. */
function flagName(names: FlagNames, bit: number, kind: string): string | undefined {
  for (const [name, b] of names) if (b === bit) return name;
  if (kind === 'TCP' && (bit === 0x200 || bit === 0x400 || bit === 0x800)) return `[${bit.toString(16)}]`;
  return undefined;
}

function flagNamesFor(names: FlagNames, kind: string, allowed: number): (readonly [string, number])[] {
  const out: (readonly [string, number])[] = [];
  for (let bit = 1; bit <= allowed; bit <<= 1) {
    const name = flagName(names, bit, kind);
    if (name !== undefined) out.push([name, bit]);
  }
  return out;
}

/** C `%i` (sscanf): optional sign, then hex with 0x, octal with 0, or decimal. */
function scanCInt(s: string): { value: number; rest: string } | undefined {
  const m = /^\s*([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)/.exec(s);
  if (m === null) return undefined;
  const body = m[2];
  let v = /^0[xX]/.test(body) ? parseInt(body.slice(2), 16) : body.length > 1 && body.startsWith('0') ? parseInt(body.slice(1), 8) : Number(body);
  if (m[1] === '-') v = -v;
  return { value: v >>> 0, rest: s.slice(m[0].length) };
}

function parseFlags(s: string, names: FlagNames, kind: string, allowed: number, col: number | undefined): ValueMask {
  const known = flagNamesFor(names, kind, 0x8000);
  const unknown = (at: string): never => fail(`${at}: unknown ${kind} flag(s)`, col);

  // Numeric VALUE/MASK.
  const num = scanCInt(s);
  if (num !== undefined && num.rest.startsWith('/')) {
    const mask = scanCInt(num.rest.slice(1));
    if (mask !== undefined) {
      if ((num.value & ~allowed) !== 0 || (mask.value & ~allowed) !== 0) unknown(s);
      return { value: BigInt(num.value), mask: BigInt(mask.value) };
    }
  }

  // +flag-flag: only the named bits are matched.
  if (s.startsWith('+') || s.startsWith('-')) {
    let flags = 0;
    let mask = 0;
    let rest = s;
    while (rest !== '') {
      const set = rest[0] === '+';
      if (rest[0] !== '+' && rest[0] !== '-') {
        fail(`${rest}: ${kind} must be preceded by '+' (for SET) or '-' (NOT SET)`, col);
      }
      rest = rest.slice(1);
      const hit = known.find(([name]) => rest.startsWith(name) && /^([+-]|$)/.test(rest.slice(name.length)));
      if (hit === undefined) return unknown(rest);
      const [name, bit] = hit;
      if (mask & bit) fail(`${rest}: Each ${kind} flag can be specified only once`, col);
      if (!(bit & allowed)) unknown(rest);
      if (set) flags |= bit;
      mask |= bit;
      rest = rest.slice(name.length);
    }
    return { value: BigInt(flags), mask: BigInt(mask) };
  }

  // flag|flag|number: exactly these bits set, all others clear.
  let result = 0;
  let rest = s;
  while (rest !== '') {
    const n = scanCInt(rest);
    if (n !== undefined) {
      if ((n.value & ~allowed) !== 0) unknown(rest);
      result |= n.value;
      rest = n.rest.startsWith('|') ? n.rest.slice(1) : n.rest;
      if (n.rest !== '' && !n.rest.startsWith('|')) unknown(rest);
      continue;
    }
    const hit = known.find(([name]) => rest.startsWith(name) && /^(\||$)/.test(rest.slice(name.length)));
    if (hit === undefined) return unknown(rest);
    if (!(hit[1] & allowed)) unknown(rest);
    result |= hit[1];
    rest = rest.slice(hit[0].length + (rest[hit[0].length] === '|' ? 1 : 0));
  }
  return { value: BigInt(result), mask: 0xffffffffn };
}

/**
 * format_flags_masked: with the full mask, the set flags joined by `|` (or `0`); otherwise `+name`/`-name` for each
 * bit in the mask, lowest first.
 */
export function formatFlagsMasked(
  kind: 'tcp-flags' | 'ct-state' | 'tun-flags',
  value: number,
  mask: number,
  maxMask: number,
): string {
  const names = kind === 'tcp-flags' ? TCP_FLAG_NAMES : kind === 'ct-state' ? CT_STATE_NAMES : TUN_FLAG_NAMES;
  const label = kind === 'tcp-flags' ? 'TCP' : kind;
  if (mask === maxMask) {
    if (value === 0) return '0';
    const parts: string[] = [];
    let bad = 0;
    for (let bit = 1; bit <= value; bit <<= 1) {
      if (!(value & bit)) continue;
      const name = flagName(names, bit, label);
      if (name === undefined) bad |= bit;
      else parts.push(name);
    }
    if (bad) parts.push(`0x${bad.toString(16)}`);
    return parts.join('|');
  }
  if (mask === 0) return '0/0';
  let out = '';
  for (let bit = 1; bit <= mask; bit <<= 1) {
    if (!(mask & bit)) continue;
    out += `${value & bit ? '+' : '-'}${flagName(names, bit, label) ?? '[Unknown]'}`;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Generic printing (mf_format), for set_field, learn and trace output.

/** A value (and mask, unless exact) in the field's own syntax, as OVS's mf_format prints it. */
export function formatFieldValue(field: FieldDef, value: bigint, mask?: bigint, namer?: PortNamer): string {
  const full = allOnes(field.nbits);
  const exact = mask === undefined || (mask & full) === full;
  switch (field.format) {
    case 'ethernet':
      return exact ? formatEthernet(value) : formatEthernetMasked(value, mask ?? full);
    case 'ipv4':
      return exact ? formatIpv4(value) : formatIpv4Masked(value, mask ?? full);
    case 'ipv6':
      return exact ? formatIpv6(value) : formatIpv6Masked(value, mask ?? full);
    case 'ofp-port':
      return formatPort(Number(value), namer);
    case 'frag':
      return formatFrag(Number(value), exact ? 3 : Number(mask)) ?? '0/0';
    case 'tcp-flags':
    case 'ct-state':
    case 'tun-flags':
      return formatFlagsMasked(field.format, Number(value), exact ? Number(full) : Number(mask), Number(full));
    case 'decimal':
      return exact ? value.toString() : `0x${value.toString(16)}/0x${(mask ?? full).toString(16)}`;
    case 'hex':
      return exact ? `0x${value.toString(16)}` : `0x${value.toString(16)}/0x${(mask ?? full).toString(16)}`;
  }
}
