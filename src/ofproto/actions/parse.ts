/**
 * Parsing OpenFlow actions written in ovs-ofctl syntax (the part after `actions=`).
 *
 * What? `parseActions('load:0x4->NXM_NX_REG5[],resubmit(,71)')` gives the `Action[]` that OVS 3.1's ofpacts_parse
 * would build, or throws a FlowSyntaxError whose column points at the offending word. The text is what users paste
 * from neutron dumps, so every spelling OVS accepts is accepted: `reg6[0..15]` and `NXM_NX_REG6[0..15]`,
 * `output:"tap648437e1-0d"` and a bare port name, `CONTROLLER:100`, `resubmit(,5,ct)`.
 *
 * Tokens. OVS splits an action list with ofputil_parse_key_value: a key ends at one of `:=(, \t\r\n`; after `:` or
 * `=` the value runs to the next comma or blank outside parentheses, after `(` to the matching `)`. We reproduce that
 * exactly (including the `(x)->y` special case move needs) and keep each token's column for errors.
 *
 * Two kinds of checks. Syntax and range checks (a VID above 4095, a load value wider than its subfield, `force`
 * without `commit`, conjunction clause k > n) happen here, while parsing. Checks that need the rule's match or table
 * (set_field to ip_src on a rule that does not match IP, ct without an IP match, goto_table backwards) are OVS's
 * ofpacts_check and live in `checkActions()`, which flow-syntax.ts calls once the match is known; OVS reports those
 * as "actions are invalid with specified match (OFPBAC_MATCH_INCONSISTENT)" and so do we.
 *
 * Numbers follow OVS's C helpers: str_to_u16 and friends are strtol with base 0 (so `0x10` is hex and `010` is
 * octal), load values are parse_int_string (hex after `0x`, else base 0, any width).
 */

import { FlowSyntaxError } from '../../base/errors.js';
import type { Subfield } from '../../flow/bits.js';
import { fieldByName, type FieldDef, Prereq } from '../../flow/fields.js';
import {
  CtState,
  ETH_TYPE_ARP,
  ETH_TYPE_IP,
  ETH_TYPE_IPV6,
  ETH_TYPE_RARP,
  IPPROTO_ICMP,
  IPPROTO_ICMPV6,
  IPPROTO_SCTP,
  IPPROTO_TCP,
  IPPROTO_UDP,
  OfpPort,
  VLAN_CFI,
  W,
} from '../../flow/key-layout.js';
import type { Match } from '../../flow/match.js';
import {
  ovsFieldName,
  parseFieldValue as parseValueSyntax,
  parseIpv6,
  parsePortNumber,
  type PortNamer,
} from '../../flow/value-syntax.js';
import type {
  Action,
  ControllerAction,
  CtAction,
  CtNat,
  LearnAction,
  LearnSpec,
} from './types.js';

// ---------------------------------------------------------------------------------------------------------------
// Port names

export type { PortNamer } from '../../flow/value-syntax.js';

export interface ActionParseOptions {
  readonly namer?: PortNamer;
  /** Column (1-based) of the first character of the text within its line, so errors point into the line. */
  readonly column?: number;
}

/** ofputil_port_from_string: a number, a reserved name, a port name or a JSON-quoted port name. */
export function parsePort(text: string, namer: PortNamer | undefined): number | undefined {
  return parsePortNumber(text, namer);
}

// ---------------------------------------------------------------------------------------------------------------
// Tokens

export interface KeyValue {
  readonly key: string;
  readonly value: string;
  /** 1-based columns of the key and of the value's first character. */
  readonly keyColumn: number;
  readonly valueColumn: number;
  /** What ended the key: ':' or '=' (value to the next comma), '(' (value to the matching paren), '' (no value). */
  readonly delimiter: ':' | '=' | '(' | '';
}

const KEY_END = ':=(, \t\r\n';
const SKIP = ', \t\r\n';

/** Length of a value up to one of `delims`, skipping over parenthesised groups (OVS's parse_value). */
function valueLength(s: string, from: number, delims: string): number {
  let n = from;
  while (n < s.length && !delims.includes(s[n])) {
    if (s[n] === '(') {
      let level = 0;
      do {
        if (n >= s.length) return n - from;
        if (s[n] === '(') level++;
        else if (s[n] === ')') level--;
        n++;
      } while (level > 0);
    } else {
      n++;
    }
  }
  return n - from;
}

/** Splits `s` into key/value pairs exactly as ofputil_parse_key_value does; `column` is the column of `s[0]`. */
export function splitKeyValues(s: string, column = 1): KeyValue[] {
  const out: KeyValue[] = [];
  let pos = 0;
  for (;;) {
    while (pos < s.length && SKIP.includes(s[pos])) pos++;
    if (pos >= s.length) return out;
    const keyStart = pos;
    while (pos < s.length && !KEY_END.includes(s[pos])) pos++;
    const key = s.slice(keyStart, pos);
    const d = pos < s.length ? s[pos] : '';
    if (d !== '') pos++;
    if (d !== ':' && d !== '=' && d !== '(') {
      out.push({ key, value: '', keyColumn: column + keyStart, valueColumn: column + pos, delimiter: '' });
      continue;
    }
    const valueStart = pos;
    let len = valueLength(s, valueStart, d === '(' ? ')' : SKIP);
    // "(x)->y": move's source in parentheses is followed by its destination.
    if (d === '(' && s[valueStart + len] === ')' && s.startsWith('->', valueStart + len + 1)) {
      len += valueLength(s, valueStart + len, SKIP);
    }
    const value = s.slice(valueStart, valueStart + len);
    pos = valueStart + len + (valueStart + len < s.length ? 1 : 0);
    out.push({ key, value, keyColumn: column + keyStart, valueColumn: column + valueStart, delimiter: d });
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Numbers, the way OVS's C helpers read them

/** strtoull/strtol with base 0 over the whole string: 0x hex, leading-0 octal, else decimal. */
export function parseCInteger(text: string): bigint | undefined {
  const t = text.trim();
  let m: RegExpMatchArray | null;
  if ((m = /^\+?0[xX]([0-9a-fA-F]+)$/.exec(t))) return BigInt('0x' + m[1]);
  if ((m = /^\+?0([0-7]*)$/.exec(t))) return m[1] === '' ? 0n : BigInt('0o' + m[1]);
  if ((m = /^\+?([1-9][0-9]*)$/.exec(t))) return BigInt(m[1]);
  return undefined;
}

/** str_to_u8/u16/u32: "invalid WHAT "TEXT"" when not a number in range. */
export function parseUnsigned(text: string, bits: 8 | 16 | 32, what: string, column: number): number {
  const v = parseCInteger(text);
  if (v === undefined || v >= 1n << BigInt(bits)) {
    throw new FlowSyntaxError(bits === 32 ? `invalid numeric format ${text}` : `invalid ${what} "${text}"`, { column });
  }
  return Number(v);
}

/** str_to_u64 / str_to_be64. */
export function parseU64(text: string, column: number): bigint {
  const v = parseCInteger(text);
  if (v === undefined || v >= 1n << 64n) throw new FlowSyntaxError(`invalid numeric format ${text}`, { column });
  return v;
}

/**
 * parse_int_string: an integer of any width, hex after 0x (blanks between hex digits are skipped, as OVS does),
 * otherwise base 0. Returns the value and how many characters it used.
 */
export function parseIntPrefix(text: string): { value: bigint; length: number } | undefined {
  if (/^0[xX]/.test(text)) {
    let i = 2;
    let digits = '';
    while (i < text.length) {
      if (' \t\r\n'.includes(text[i])) {
        i++;
        continue;
      }
      if (!/[0-9a-fA-F]/.test(text[i])) break;
      digits += text[i];
      i++;
    }
    return { value: digits === '' ? 0n : BigInt('0x' + digits), length: i };
  }
  const m = /^[+]?(0[0-7]*|[1-9][0-9]*)/.exec(text);
  if (m === null) return undefined;
  const s = m[1];
  const value = s.length > 1 && s.startsWith('0') ? BigInt('0o' + s.slice(1)) : BigInt(s);
  return { value, length: m[0].length };
}

/** OVS's hex dump style `0x1f` (and `0` for zero), the %#x of printf. */
export { ovsFieldName };

export function hexOf(v: bigint | number): string {
  const b = BigInt(v);
  return b === 0n ? '0' : '0x' + b.toString(16);
}

// ---------------------------------------------------------------------------------------------------------------
// Field values (set_field, learn immediates). Until src/flow/value-syntax.ts lands this is the minimum the action
// syntax needs: integers, Ethernet, IPv4, IPv6 and port values, each optionally /MASK.

export interface FieldValue {
  readonly value: bigint;
  readonly mask: bigint;
  /** The value before it was cut to the field's width (for mf_is_value_valid). */
  readonly raw: bigint;
}

function fieldOnes(field: FieldDef): bigint {
  return (1n << BigInt(field.nbits)) - 1n;
}

export function parseMac(text: string): bigint | undefined {
  const m = /^([0-9a-fA-F]{1,2}):([0-9a-fA-F]{1,2}):([0-9a-fA-F]{1,2}):([0-9a-fA-F]{1,2}):([0-9a-fA-F]{1,2}):([0-9a-fA-F]{1,2})$/.exec(text);
  if (m === null) return undefined;
  let v = 0n;
  for (let i = 1; i <= 6; i++) v = (v << 8n) | BigInt(parseInt(m[i], 16));
  return v;
}

export function parseIpv4(text: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (m === null) return undefined;
  let v = 0;
  for (let i = 1; i <= 4; i++) {
    const b = Number(m[i]);
    if (b > 255) return undefined;
    v = v * 256 + b;
  }
  return v;
}

/**
 * mf_parse plus mf_is_value_valid, for set_field and learn immediates: VALUE[/MASK] in the field's syntax, returned in
 * field units (bits above the field's width dropped once validity is checked).
 */
export function parseFieldValue(field: FieldDef, text: string, namer: PortNamer | undefined, column: number): FieldValue {
  const vm = parseValueSyntax(field, text, { portNamer: namer, column });
  const width = fieldOnes(field);
  return { value: vm.value & width, mask: vm.mask & width, raw: vm.value } as FieldValue;
}

// ---------------------------------------------------------------------------------------------------------------
// Subfields

/**
 * mf_parse_subfield: `NAME[]`, `NAME[a..b]`, `NAME[a]` or a bare `NAME` (the whole field), where NAME is any name of
 * the field (ofctl name, NXM/OXM name, `_W` suffix ignored). Returns the subfield and the characters used.
 */
export function parseSubfieldPrefix(text: string, column: number): { sf: Subfield; length: number } {
  let nameLen = 0;
  while (nameLen < text.length && text[nameLen] !== '[' && text[nameLen] !== '-') nameLen++;
  let name = text.slice(0, nameLen);
  if (name.length > 2 && name.endsWith('_W') && /^(NXM|OXM)/i.test(name)) name = name.slice(0, -2);
  const field = fieldByName(name);
  if (field === undefined) {
    throw new FlowSyntaxError(`${text}: unknown field \`${text.slice(0, nameLen)}'`, { column });
  }
  let start = 0;
  let end = field.nbits - 1;
  let pos = nameLen;
  if (text[pos] === '[') {
    const rest = text.slice(pos);
    let m: RegExpExecArray | null;
    if (rest.startsWith('[]')) {
      pos += 2;
    } else if ((m = /^\[\s*(-?\d+)\s*\.\.\s*(-?\d+)\s*\]/.exec(rest))) {
      start = Number(m[1]);
      end = Number(m[2]);
      pos += m[0].length;
    } else if ((m = /^\[\s*(-?\d+)\s*\]/.exec(rest))) {
      start = end = Number(m[1]);
      pos += m[0].length;
    } else {
      throw new FlowSyntaxError(`${text}: syntax error expecting [] or [<bit>] or [<start>..<end>]`, { column });
    }
  }
  if (start > end) {
    throw new FlowSyntaxError(`${text}: starting bit ${start} is after ending bit ${end}`, { column });
  } else if (start >= field.nbits) {
    throw new FlowSyntaxError(
      `${text}: starting bit ${start} is not valid because field is only ${field.nbits} bits wide`,
      { column },
    );
  } else if (end >= field.nbits) {
    throw new FlowSyntaxError(
      `${text}: ending bit ${end} is not valid because field is only ${field.nbits} bits wide`,
      { column },
    );
  }
  return { sf: { field, ofs: start, nbits: end - start + 1 }, length: pos };
}

/** A subfield that must be the whole of `text`. */
export function parseSubfield(text: string, column: number): Subfield {
  const { sf, length } = parseSubfieldPrefix(text, column);
  if (length !== text.length) {
    throw new FlowSyntaxError(`${text}: trailing garbage in subfield`, { column: column + length });
  }
  return sf;
}

function isWholeField(sf: Subfield): boolean {
  return sf.ofs === 0 && sf.nbits === sf.field.nbits;
}

function requireWritable(sf: Subfield, column: number): void {
  if (!sf.field.writable) throw new FlowSyntaxError(`destination field ${sf.field.name} is not writable`, { column });
}

// ---------------------------------------------------------------------------------------------------------------
// Actions

type Nesting = 'top' | 'clone' | 'ct';

interface Ctx {
  readonly namer: PortNamer | undefined;
}

/** Parses an action list (the text after `actions=`). An empty list, or `drop`, is no actions. */
export function parseActions(text: string, opts: ActionParseOptions = {}): Action[] {
  return parseList(text, opts.column ?? 1, { namer: opts.namer }, 'top');
}

function parseList(text: string, column: number, ctx: Ctx, nesting: Nesting): Action[] {
  const out: Action[] = [];
  let drop: KeyValue | undefined;
  // OVS's instruction order (ofpacts_verify): apply-actions, then write_metadata, then goto_table, each at most once.
  let lastOrder = 0;
  let lastName = 'meter';
  for (const kv of splitKeyValues(text, column)) {
    if (kv.key.toLowerCase() === 'drop') {
      drop = kv;
      continue;
    }
    const before = out.length;
    parseOne(kv, ctx, nesting, out);
    for (let i = before; i < out.length; i++) {
      const a = out[i];
      const name = a.kind === 'write_metadata' || a.kind === 'goto_table' ? a.kind : 'apply_actions';
      const order = name === 'write_metadata' ? 4 : name === 'goto_table' ? 5 : 1;
      if (order !== 1 && nesting !== 'top') {
        throw new FlowSyntaxError(`${name} instruction not allowed here`, { column: kv.keyColumn });
      }
      if (i > 0 && (lastOrder === 1 ? order < lastOrder : order <= lastOrder)) {
        const msg =
          order === lastOrder
            ? `duplicate ${name} instruction not allowed, for OpenFlow 1.1+ compatibility`
            : `invalid instruction ordering: ${name} must appear before ${lastName}, for OpenFlow 1.1+ compatibility`;
        throw new FlowSyntaxError(msg, { column: kv.keyColumn });
      }
      lastOrder = order;
      lastName = name;
    }
  }
  if (drop !== undefined && out.length > 0) {
    throw new FlowSyntaxError('"drop" must not be accompanied by any other action or instruction', {
      column: drop.keyColumn,
    });
  }
  verifyConjunction(out, column);
  return out;
}

function verifyConjunction(actions: readonly Action[], column: number): void {
  if (!actions.some((a) => a.kind === 'conjunction')) return;
  const other = actions.find((a) => a.kind !== 'conjunction' && a.kind !== 'note');
  if (other !== undefined) {
    throw new FlowSyntaxError(
      `"conjunction" actions may be used along with "note" but not any other kind of action (such as the "${ovsActionName(other)}" action used here)`,
      { column },
    );
  }
}

/** The OFPACT name OVS uses in messages about an action. */
export function ovsActionName(a: Action): string {
  switch (a.kind) {
    case 'set_vlan_vid':
      return 'set_vlan_vid';
    case 'set_vlan_pcp':
      return 'set_vlan_pcp';
    case 'set_eth_src':
      return 'mod_dl_src';
    case 'set_eth_dst':
      return 'mod_dl_dst';
    case 'set_ipv4_src':
      return 'mod_nw_src';
    case 'set_ipv4_dst':
      return 'mod_nw_dst';
    case 'set_ip_dscp':
      return 'mod_nw_tos';
    case 'set_ip_ecn':
      return 'mod_nw_ecn';
    case 'set_ip_ttl':
      return 'mod_nw_ttl';
    case 'set_l4_src':
      return 'mod_tp_src';
    case 'set_l4_dst':
      return 'mod_tp_dst';
    case 'load':
      return 'set_field';
    case 'output_reg':
      return 'output_reg';
    case 'unsupported':
      return a.text;
    default:
      return a.kind;
  }
}

function parseOne(kv: KeyValue, ctx: Ctx, nesting: Nesting, out: Action[]): void {
  const { value } = kv;
  const col = kv.valueColumn;
  const err = (msg: string, column = col): never => {
    throw new FlowSyntaxError(msg, { column });
  };
  const key = kv.key.toLowerCase();
  const push = (a: Action): void => {
    verifyNested(a, nesting, kv.keyColumn);
    out.push(a);
  };
  switch (key) {
    case 'output': {
      const port = parsePort(value, ctx.namer);
      if (port !== undefined) {
        push({ kind: 'output', port, maxLen: port === OfpPort.CONTROLLER ? 0xffff : 0 });
        return;
      }
      let src: Subfield | undefined;
      try {
        src = parseSubfield(value, col);
      } catch {
        src = undefined;
      }
      if (src === undefined) err(`${value}: output to unknown port`);
      push({ kind: 'output_reg', src: src!, maxLen: 0xffff });
      return;
    }
    case 'controller':
      push(parseController(value, col));
      return;
    case 'enqueue':
    case 'group':
    case 'bundle':
    case 'bundle_load':
    case 'multipath':
    case 'sample':
    case 'push':
    case 'pop':
    case 'push_mpls':
    case 'pop_mpls':
    case 'set_mpls_label':
    case 'set_mpls_tc':
    case 'set_mpls_ttl':
    case 'dec_mpls_ttl':
    case 'set_queue':
    case 'pop_queue':
    case 'check_pkt_larger':
    case 'encap':
    case 'decap':
    case 'meter':
    case 'write_actions':
    case 'clear_actions':
    case 'output_trunc':
    case 'delete_field':
    case 'dec_nsh_ttl':
    case 'debug_recirc':
    case 'debug_slow':
      err(`${kv.key}: action not supported by flowlab`, kv.keyColumn);
      return;
    case 'apply_actions':
      err('apply_actions is the default instruction', kv.keyColumn);
      return;
    case 'resubmit':
      push(parseResubmit(value, col, ctx));
      return;
    case 'goto_table': {
      const t = parseTable(value, col);
      push({ kind: 'goto_table', table: t });
      return;
    }
    case 'write_metadata': {
      const slash = value.indexOf('/');
      const v = parseU64(slash < 0 ? value : value.slice(0, slash), col);
      const m = slash < 0 ? (1n << 64n) - 1n : parseU64(value.slice(slash + 1), col + slash + 1);
      push({ kind: 'write_metadata', value: v, mask: m });
      return;
    }
    case 'mod_vlan_vid':
    case 'set_vlan_vid': {
      const vid = parseUnsigned(value, 16, 'VLAN VID', col);
      if (vid & ~0xfff) err(`${value}: not a valid VLAN VID`);
      push({ kind: 'set_vlan_vid', vid, pushIfNone: key === 'mod_vlan_vid' });
      return;
    }
    case 'mod_vlan_pcp':
    case 'set_vlan_pcp': {
      const pcp = parseUnsigned(value, 8, 'VLAN PCP', col);
      if (pcp & ~7) err(`${value}: not a valid VLAN PCP`);
      push({ kind: 'set_vlan_pcp', pcp, pushIfNone: key === 'mod_vlan_pcp' });
      return;
    }
    case 'strip_vlan':
    case 'pop_vlan':
      push({ kind: 'strip_vlan', spelling: key });
      return;
    case 'push_vlan': {
      const et = parseUnsigned(value, 16, 'ethertype', col);
      if (et !== 0x8100 && et !== 0x88a8) err(`${value}: not a valid VLAN ethertype`);
      push({ kind: 'push_vlan', ethertype: et });
      return;
    }
    case 'set_field':
      push(parseSetField(value, col, ctx));
      return;
    case 'load':
      push(parseLoad(value, col));
      return;
    case 'move':
      push(parseMove(value, col));
      return;
    case 'mod_dl_src':
    case 'mod_dl_dst': {
      const mac = parseMac(value);
      if (mac === undefined) err(`invalid mac address ${value}`);
      push({ kind: key === 'mod_dl_src' ? 'set_eth_src' : 'set_eth_dst', mac: mac! });
      return;
    }
    case 'mod_nw_src':
    case 'mod_nw_dst': {
      const ip = parseIpv4(value);
      if (ip === undefined) err(`${value}: could not convert to IP address`);
      push({ kind: key === 'mod_nw_src' ? 'set_ipv4_src' : 'set_ipv4_dst', addr: ip! });
      return;
    }
    case 'mod_nw_tos': {
      const tos = parseUnsigned(value, 8, 'TOS', col);
      if (tos & 3) err(`${value}: not a valid TOS`);
      push({ kind: 'set_ip_dscp', tos });
      return;
    }
    case 'mod_nw_ecn': {
      const ecn = parseUnsigned(value, 8, 'ECN', col);
      if (ecn & ~3) err(`${value}: not a valid ECN`);
      push({ kind: 'set_ip_ecn', ecn });
      return;
    }
    case 'mod_nw_ttl':
    case 'set_nw_ttl':
      push({ kind: 'set_ip_ttl', ttl: parseUnsigned(value, 8, 'TTL', col) });
      return;
    case 'mod_tp_src':
      push({ kind: 'set_l4_src', port: parseUnsigned(value, 16, 'source port', col) });
      return;
    case 'mod_tp_dst':
      push({ kind: 'set_l4_dst', port: parseUnsigned(value, 16, 'destination port', col) });
      return;
    case 'dec_ttl':
      push(parseDecTtl(value, col));
      return;
    case 'note':
      push({ kind: 'note', data: parseHexBytes(value, col, "bad hex digit in `note' argument") });
      return;
    case 'conjunction':
      push(parseConjunction(value, col));
      return;
    case 'learn':
      push(parseLearn(value, col, ctx));
      return;
    case 'clone':
      push({ kind: 'clone', actions: parseList(value, col, ctx, 'clone') });
      return;
    case 'ct':
      push(parseCt(value, col, ctx));
      return;
    case 'nat':
      err('Cannot have NAT action outside of "ct" action', kv.keyColumn);
      return;
    case 'ct_clear':
      push({ kind: 'ct_clear' });
      return;
    case 'set_tunnel':
    case 'set_tunnel64':
      push({ kind: 'set_tunnel', tunId: parseU64(value, col), is64: key === 'set_tunnel64' });
      return;
    case 'exit':
      push({ kind: 'exit' });
      return;
    case 'fin_timeout':
      push(parseFinTimeout(value, col));
      return;
    default: {
      // Anything else must be a port: "2", "LOCAL", "p1" or "\"tap648437e1-0d\"" is an output to it.
      const port = kv.delimiter === '' ? parsePort(kv.key, ctx.namer) : undefined;
      if (port === undefined) err(`unknown action ${kv.key}`, kv.keyColumn);
      push({ kind: 'output', port: port!, maxLen: port === OfpPort.CONTROLLER ? 0xffff : 0 });
    }
  }
}

/** OVS's ofpacts_verify_nested: CT fields only inside ct(exec(...)), and ct(exec) holds only those. */
function verifyNested(a: Action, nesting: Nesting, column: number): void {
  const dst = a.kind === 'set_field' ? a.field : a.kind === 'load' ? a.dst.field : a.kind === 'move' ? a.dst.field : undefined;
  const isCtField = dst !== undefined && (dst.name === 'ct_mark' || dst.name === 'ct_label');
  if (isCtField && nesting !== 'ct') {
    throw new FlowSyntaxError('cannot set CT fields outside of ct action', { column });
  }
  if (nesting === 'ct') {
    if (dst === undefined) {
      throw new FlowSyntaxError(`ct action doesn't support nested action ${ovsActionName(a)}`, { column });
    }
    if (!isCtField) {
      throw new FlowSyntaxError(`ct action doesn't support nested modification of ${ovsFieldName(dst)}`, { column });
    }
  }
}

function parseTable(text: string, column: number): number {
  const v = parseCInteger(text);
  if (v === undefined || v > 255n) throw new FlowSyntaxError(`unknown table "${text}"`, { column });
  return Number(v);
}

function parseController(value: string, column: number): Action {
  let reason = 'action';
  let maxLen = 0xffff;
  let controllerId = 0;
  let userdata: Uint8Array | undefined;
  let pause = false;
  let meterId: number | undefined;
  if (value === '') {
    // defaults
  } else if (/^[0-9]+$/.test(value)) {
    maxLen = parseUnsigned(value, 16, 'max_len', column);
  } else {
    for (const kv of splitKeyValues(value, column)) {
      switch (kv.key) {
        case 'reason':
          if (!PACKET_IN_REASONS.includes(kv.value)) {
            throw new FlowSyntaxError(`unknown reason "${kv.value}"`, { column: kv.valueColumn });
          }
          reason = kv.value;
          break;
        case 'max_len':
          maxLen = parseUnsigned(kv.value, 16, 'max_len', kv.valueColumn);
          break;
        case 'id':
          controllerId = parseUnsigned(kv.value, 16, 'id', kv.valueColumn);
          break;
        case 'userdata':
          userdata = parseHexBytes(kv.value, kv.valueColumn, "bad hex digit in `controller' action `userdata'");
          break;
        case 'pause':
          pause = true;
          break;
        case 'meter_id':
          meterId = parseUnsigned(kv.value, 32, 'meter_id', kv.valueColumn);
          break;
        default:
          throw new FlowSyntaxError(`unknown key "${kv.key}" parsing controller action`, { column: kv.keyColumn });
      }
    }
  }
  if (reason === 'action' && controllerId === 0 && userdata === undefined && !pause && meterId === undefined) {
    return { kind: 'output', port: OfpPort.CONTROLLER, maxLen };
  }
  const c: ControllerAction = { kind: 'controller', maxLen, reason, controllerId, userdata, pause, meterId };
  return c;
}

/** ofputil_packet_in_reason_to_string names. */
export const PACKET_IN_REASONS: readonly string[] = [
  'no_match',
  'action',
  'invalid_ttl',
  'action_set',
  'group',
  'packet_out',
];

function parseResubmit(value: string, column: number, ctx: Ctx): Action {
  const parts = value.split(',');
  let inPort: number | undefined;
  let table: number | undefined;
  let withCtOrig = false;
  let col = column;
  const p0 = parts[0] ?? '';
  if (p0 !== '') {
    const p = parsePort(p0, ctx.namer);
    if (p === undefined) throw new FlowSyntaxError(`${p0}: resubmit to unknown port`, { column: col });
    inPort = p === OfpPort.IN_PORT ? undefined : p;
  }
  col += p0.length + 1;
  const p1 = parts[1] ?? '';
  if (p1 !== '') {
    const t = parseCInteger(p1);
    if (t === undefined || t > 255n) throw new FlowSyntaxError(`${p1}: resubmit to unknown table`, { column: col });
    table = Number(t) === 255 ? undefined : Number(t);
  }
  col += p1.length + 1;
  const p2 = parts[2] ?? '';
  if (p2 !== '') {
    if (p2 !== 'ct') throw new FlowSyntaxError(`${p2}: unknown parameter`, { column: col });
    withCtOrig = true;
  }
  if (inPort === undefined && table === undefined) {
    throw new FlowSyntaxError('at least one "in_port" or "table" must be specified on resubmit', { column });
  }
  return { kind: 'resubmit', inPort, table, withCtOrig };
}

function parseSetField(value: string, column: number, ctx: Ctx): Action {
  const arrow = value.indexOf('->');
  if (arrow < 0) throw new FlowSyntaxError(`${value}: missing \`->'`, { column });
  const name = value.slice(arrow + 2);
  if (name === '') throw new FlowSyntaxError(`${value}: missing field name following \`->'`, { column });
  const field = fieldByName(name);
  if (field === undefined) {
    throw new FlowSyntaxError(`${name} is not a valid OXM field name`, { column: column + arrow + 2 });
  }
  if (!field.writable) throw new FlowSyntaxError(`${name} is read-only`, { column: column + arrow + 2 });
  const { value: v, mask, raw } = parseFieldValue(field, value.slice(0, arrow), ctx.namer, column);
  if (!isValidValue(field, raw)) {
    throw new FlowSyntaxError(`${value.slice(0, arrow)} is not a valid value for field ${name}`, { column });
  }
  return { kind: 'set_field', field, value: v, mask };
}

/** mf_is_value_valid for the writable fields we have: VIDs and PCPs in range, DSCP/ECN bits only. */
function isValidValue(field: FieldDef, v: bigint): boolean {
  switch (field.name) {
    case 'vlan_vid':
      return (v & ~0x1fffn) === 0n;
    case 'dl_vlan':
      return (v & ~0xfffn) === 0n;
    case 'nw_tos':
      return (v & 3n) === 0n;
    case 'ip_dscp':
      return v < 64n;
    case 'nw_ecn':
      return v < 4n;
    case 'ipv6_label':
      return v < 1n << 20n;
    case 'vlan_pcp':
    case 'dl_vlan_pcp':
      return v < 8n;
    default:
      return true;
  }
}

function parseLoad(value: string, column: number): Action {
  const arrow = value.indexOf('->');
  if (arrow < 0) throw new FlowSyntaxError(`${value}: missing \`->'`, { column });
  if (arrow + 2 >= value.length) throw new FlowSyntaxError(`${value}: missing field name following \`->'`, { column });
  const dst = parseSubfield(value.slice(arrow + 2), column + arrow + 2);
  requireWritable(dst, column + arrow + 2);
  const valueText = value.slice(0, arrow);
  const r = parseIntPrefix(valueText);
  if (r === undefined || r.length !== valueText.length || r.value >= 1n << BigInt(roundBytes(dst.field.nbits) * 8)) {
    throw new FlowSyntaxError(`${value}: cannot parse integer value`, { column });
  }
  if (r.value >> BigInt(dst.nbits) !== 0n) {
    throw new FlowSyntaxError(`${value}: value ${hexOf(r.value)} does not fit into ${dst.nbits} bits`, { column });
  }
  return { kind: 'load', dst, value: r.value };
}

function roundBytes(nbits: number): number {
  return Math.ceil(nbits / 8);
}

function parseMove(value: string, column: number): Action {
  const { sf: src, length } = parseSubfieldPrefix(value, column);
  if (!value.startsWith('->', length)) {
    throw new FlowSyntaxError(`${value}: missing \`->' following source`, { column: column + length });
  }
  const dst = parseSubfield(value.slice(length + 2), column + length + 2);
  if (src.nbits !== dst.nbits) {
    throw new FlowSyntaxError(
      `${value}: source field is ${src.nbits} bits wide but destination is ${dst.nbits} bits wide`,
      { column },
    );
  }
  requireWritable(dst, column + length + 2);
  return { kind: 'move', src, dst };
}

function parseDecTtl(value: string, column: number): Action {
  if (value === '') return { kind: 'dec_ttl', controllerIds: [0], explicitIds: false };
  const ids: number[] = [];
  for (const tok of value.split(/[, ]+/)) {
    if (tok === '') continue;
    // atoi(): leading digits, anything else reads as 0.
    const m = /^\s*[+-]?\d+/.exec(tok);
    ids.push(m === null ? 0 : Number(BigInt.asUintN(16, BigInt(m[0].trim()))));
  }
  if (ids.length === 0) throw new FlowSyntaxError('dec_ttl_cnt_ids: expected at least one controller id.', { column });
  return { kind: 'dec_ttl', controllerIds: ids, explicitIds: true };
}

/** ofpbuf_put_hex: pairs of hex digits, blanks and dots between bytes ignored. */
function parseHexBytes(text: string, column: number, message: string): Uint8Array {
  const bytes: number[] = [];
  let i = 0;
  for (;;) {
    while (i < text.length && (text[i] === '.' || ' \t\r\n'.includes(text[i]))) i++;
    if (i >= text.length) break;
    const pair = text.slice(i, i + 2);
    if (!/^[0-9a-fA-F]{2}$/.test(pair)) throw new FlowSyntaxError(message, { column: column + i });
    bytes.push(parseInt(pair, 16));
    i += 2;
  }
  return Uint8Array.from(bytes);
}

function parseConjunction(value: string, column: number): Action {
  const m = /^\s*([+-]?(?:0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*))\s*,\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(value);
  if (m === null) throw new FlowSyntaxError('"conjunction" syntax is "conjunction(id,i/n)"', { column });
  const id = Number(BigInt.asUintN(32, parseCInteger(m[1].replace(/^[+]/, '')) ?? 0n));
  const clause = Number(m[2]);
  const n = Number(m[3]);
  if (clause > 255 || n > 255) throw new FlowSyntaxError('"conjunction" syntax is "conjunction(id,i/n)"', { column });
  if (n < 2) throw new FlowSyntaxError('conjunction must have at least 2 clauses', { column });
  if (n > 64) throw new FlowSyntaxError('conjunction must have at most 64 clauses', { column });
  if (clause < 1) throw new FlowSyntaxError('clause index must be positive', { column });
  if (clause > n) {
    throw new FlowSyntaxError('clause index must be less than or equal to number of clauses', { column });
  }
  return { kind: 'conjunction', id, clause, nClauses: n };
}

function parseFinTimeout(value: string, column: number): Action {
  let idle = 0;
  let hard = 0;
  for (const kv of splitKeyValues(value, column)) {
    if (kv.key === 'idle_timeout') idle = parseUnsigned(kv.value, 16, kv.key, kv.valueColumn);
    else if (kv.key === 'hard_timeout') hard = parseUnsigned(kv.value, 16, kv.key, kv.valueColumn);
    else throw new FlowSyntaxError(`invalid key '${kv.key}' in 'fin_timeout' argument`, { column: kv.keyColumn });
  }
  return { kind: 'fin_timeout', idleTimeout: idle, hardTimeout: hard };
}

// --- learn ------------------------------------------------------------------------------------------------------

function parseLearn(value: string, column: number, ctx: Ctx): LearnAction {
  let table = 1;
  let priority = 0x8000;
  let idleTimeout = 0;
  let hardTimeout = 0;
  let finIdleTimeout = 0;
  let finHardTimeout = 0;
  let cookie = 0n;
  let limit = 0;
  let resultDst: Subfield | undefined;
  const flagSet = new Set<string>();
  const specs: LearnSpec[] = [];
  const atoi = (t: string): number => {
    const m = /^\s*[+-]?\d+/.exec(t);
    return m === null ? 0 : Number(m[0]);
  };
  for (const kv of splitKeyValues(value, column)) {
    const v = kv.value;
    switch (kv.key) {
      case 'table': {
        const t = parseCInteger(v);
        if (t === undefined || t > 255n) throw new FlowSyntaxError(`unknown table "${v}"`, { column: kv.valueColumn });
        if (t === 255n) {
          throw new FlowSyntaxError(`${value}: table id 255 not valid for \`learn' action`, { column: kv.valueColumn });
        }
        table = Number(t);
        break;
      }
      case 'priority':
        priority = atoi(v) & 0xffff;
        break;
      case 'idle_timeout':
        idleTimeout = atoi(v) & 0xffff;
        break;
      case 'hard_timeout':
        hardTimeout = atoi(v) & 0xffff;
        break;
      case 'fin_idle_timeout':
        finIdleTimeout = atoi(v) & 0xffff;
        break;
      case 'fin_hard_timeout':
        finHardTimeout = atoi(v) & 0xffff;
        break;
      case 'cookie': {
        const r = parseIntPrefix(v);
        cookie = r === undefined ? 0n : BigInt.asUintN(64, r.value);
        break;
      }
      case 'send_flow_rem':
      case 'delete_learned':
        flagSet.add(kv.key);
        break;
      case 'limit':
        limit = atoi(v) >>> 0;
        break;
      case 'result_dst': {
        const sf = parseSubfield(v, kv.valueColumn);
        if (!sf.field.writable) throw new FlowSyntaxError(`${v} is read-only`, { column: kv.valueColumn });
        if (sf.nbits !== 1) {
          throw new FlowSyntaxError("result_dst in 'learn' action must be a single bit", { column: kv.valueColumn });
        }
        flagSet.add('write_result');
        resultDst = sf;
        break;
      }
      default:
        specs.push(parseLearnSpec(kv, value, ctx));
    }
  }
  // OVS prints flags in this order.
  const flags = ['send_flow_rem', 'delete_learned', 'write_result'].filter((f) => flagSet.has(f));
  return {
    kind: 'learn',
    table,
    priority,
    idleTimeout,
    hardTimeout,
    finIdleTimeout,
    finHardTimeout,
    cookie,
    flags,
    limit,
    resultDst,
    specs,
  };
}

function hasNxmHeader(f: FieldDef): boolean {
  return f.nxm !== undefined || f.oxm?.startsWith('OXM_OF_') === true;
}

function parseLearnSpec(kv: KeyValue, whole: string, ctx: Ctx): LearnSpec {
  const { key, value } = kv;
  if (key === 'load') {
    const arrow = value.indexOf('->');
    if (arrow === 0) throw new FlowSyntaxError(`load: missing source before \`->' in \`${value}'`, { column: kv.valueColumn });
    if (arrow < 0) throw new FlowSyntaxError(`load: missing \`->' in \`${value}'`, { column: kv.valueColumn });
    const imm = parseIntPrefix(value);
    if (imm !== undefined && imm.length > 0) {
      if (imm.length !== arrow) {
        throw new FlowSyntaxError(`load: garbage before \`->' in \`${value}'`, { column: kv.valueColumn });
      }
      const dst = parseSubfield(value.slice(arrow + 2), kv.valueColumn + arrow + 2);
      if (!hasNxmHeader(dst.field)) {
        throw new FlowSyntaxError(`${whole}: experimenter OXM field '${value.slice(arrow + 2)}' not supported`, {
          column: kv.valueColumn,
        });
      }
      if (imm.value >> BigInt(dst.nbits) !== 0n) {
        throw new FlowSyntaxError(`${value}: value does not fit into ${dst.nbits} bits`, { column: kv.valueColumn });
      }
      return { kind: 'load_value', dst, value: imm.value };
    }
    const mv = parseMove(value, kv.valueColumn) as { src: Subfield; dst: Subfield };
    return { kind: 'load_field', dst: mv.dst, src: mv.src };
  }
  if (key === 'output') {
    return { kind: 'output', src: parseSubfield(value, kv.valueColumn) };
  }
  let dst: Subfield;
  try {
    dst = parseSubfield(key, kv.keyColumn);
  } catch {
    throw new FlowSyntaxError(`${whole}: unknown keyword ${key}`, { column: kv.keyColumn });
  }
  if (!hasNxmHeader(dst.field)) {
    throw new FlowSyntaxError(`${whole}: experimenter OXM field '${key}' not supported`, { column: kv.keyColumn });
  }
  if (value === '') return { kind: 'match_field', dst, src: dst, shorthand: true };
  let src: Subfield | undefined;
  let subfieldError = '';
  try {
    src = parseSubfield(value, kv.valueColumn);
  } catch (e) {
    subfieldError = (e as FlowSyntaxError).detail;
  }
  if (src !== undefined) {
    if (src.nbits !== dst.nbits) {
      throw new FlowSyntaxError(
        `${whole}: bit widths of ${key} (${src.nbits}) and ${value} (${dst.nbits}) differ`,
        { column: kv.keyColumn },
      );
    }
    return { kind: 'match_field', dst, src, shorthand: false };
  }
  // An immediate: the whole field in its own syntax, or an integer for part of it.
  try {
    if (isWholeField(dst)) {
      const fv = parseFieldValue(dst.field, value, ctx.namer, kv.valueColumn);
      if (fv.mask !== (1n << BigInt(dst.field.nbits)) - 1n) throw new FlowSyntaxError('masks are not allowed here');
      return { kind: 'match_value', dst, value: fv.value };
    }
    const r = parseIntPrefix(value);
    if (r === undefined || r.length !== value.length) throw new FlowSyntaxError(`${whole}: cannot parse integer value`);
    if (r.value >> BigInt(dst.nbits) !== 0n) {
      throw new FlowSyntaxError(`${whole}: value ${hexOf(r.value)} does not fit into ${dst.nbits} bits`);
    }
    return { kind: 'match_value', dst, value: r.value };
  } catch (e) {
    const immError = (e as FlowSyntaxError).detail;
    throw new FlowSyntaxError(
      `${whole}: ${key} value ${value} cannot be parsed as a subfield (${subfieldError}) or an immediate value (${immError})`,
      { column: kv.valueColumn },
    );
  }
}

// --- ct ---------------------------------------------------------------------------------------------------------

function parseCt(value: string, column: number, ctx: Ctx): CtAction {
  let commit = false;
  let force = false;
  let zone: number | Subfield = 0;
  let table: number | undefined;
  let alg: 'ftp' | 'tftp' | undefined;
  let nat: CtNat | undefined;
  let exec: Action[] = [];
  for (const kv of splitKeyValues(value, column)) {
    switch (kv.key) {
      case 'commit':
        commit = true;
        break;
      case 'force':
        force = true;
        break;
      case 'table': {
        const t = parseCInteger(kv.value);
        if (t === undefined || t > 255n) throw new FlowSyntaxError(`unknown table ${kv.value}`, { column: kv.valueColumn });
        if (t === 255n) throw new FlowSyntaxError('invalid table 0xff', { column: kv.valueColumn });
        table = Number(t);
        break;
      }
      case 'zone': {
        const z = parseCInteger(kv.value);
        if (z !== undefined && z < 0x10000n) {
          zone = Number(z);
        } else {
          zone = parseSubfield(kv.value, kv.valueColumn);
        }
        break;
      }
      case 'alg':
        if (kv.value === 'ftp') alg = 'ftp';
        else if (kv.value === 'tftp') alg = 'tftp';
        else throw new FlowSyntaxError(`invalid connection helper "${kv.value}"`, { column: kv.valueColumn });
        break;
      case 'nat':
        nat = parseNat(kv.value, kv.valueColumn);
        break;
      case 'exec':
        exec = [...exec, ...parseList(kv.value, kv.valueColumn, ctx, 'ct')];
        break;
      default:
        throw new FlowSyntaxError(`invalid argument to "ct" action: \`${kv.key}'`, { column: kv.keyColumn });
    }
  }
  if (force && !commit) throw new FlowSyntaxError('"force" flag requires "commit" flag.', { column });
  return { kind: 'ct', commit, force, zone, table, alg, nat, exec };
}

function parseNat(value: string, column: number): CtNat {
  let type: 'none' | 'src' | 'dst' = 'none';
  let both = false;
  let range: Pick<CtNat, 'addrMin' | 'addrMax' | 'portMin' | 'portMax'> = {};
  const flags = new Set<'random' | 'hash' | 'persistent'>();
  for (const kv of splitKeyValues(value, column)) {
    switch (kv.key) {
      case 'src':
      case 'dst':
        if (type !== 'none' && type !== kv.key) both = true;
        type = kv.key;
        if (kv.value !== '') range = parseNatRange(kv.value, kv.valueColumn);
        break;
      case 'persistent':
      case 'hash':
      case 'random':
        flags.add(kv.key);
        break;
      default:
        throw new FlowSyntaxError(`invalid key "${kv.key}" in "nat" argument`, { column: kv.keyColumn });
    }
  }
  if (both) throw new FlowSyntaxError('May only specify one of "src" or "dst".', { column });
  if (type === 'none') {
    if (flags.size > 0) throw new FlowSyntaxError('Flags allowed only with "src" or "dst".', { column });
  }
  if (flags.has('hash') && flags.has('random')) {
    throw new FlowSyntaxError('Both "hash" and "random" are not allowed.', { column });
  }
  const order: ('persistent' | 'hash' | 'random')[] = ['persistent', 'hash', 'random'];
  return { type, ...range, flags: order.filter((f) => flags.has(f)) };
}

function ipv4Bytes(v: number): Uint8Array {
  return Uint8Array.of(v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255);
}

function ipv6Bytes(v: bigint): Uint8Array {
  const out = new Uint8Array(16);
  for (let i = 15; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

/** str_to_nat_range: ADDR[-ADDR][:PORT[-PORT]], IPv6 addresses in brackets when a port follows. */
function parseNatRange(text: string, column: number): Pick<CtNat, 'addrMin' | 'addrMax' | 'portMin' | 'portMax'> {
  const bad = (): never => {
    throw new FlowSyntaxError(`invalid nat range "${text}"`, { column });
  };
  let addrPart = text;
  let portPart: string | undefined;
  let addrMin: Uint8Array;
  let addrMax: Uint8Array | undefined;
  const v4 = /^([0-9.]+)(?:-([0-9.]+))?(?::(.*))?$/.exec(text);
  if (v4 !== null) {
    const a = parseIpv4(v4[1]) ?? bad();
    addrMin = ipv4Bytes(a);
    if (v4[2] !== undefined) {
      const b = parseIpv4(v4[2]) ?? bad();
      if (b < a) bad();
      addrMax = ipv4Bytes(b);
    }
    portPart = v4[3];
  } else {
    // IPv6: [a]-[b]:p-q, [a]:p, a-b, a
    const br = /^\[([^\]]+)\](?:-\[([^\]]+)\])?(?::(.*))?$/.exec(text);
    let minText: string;
    let maxText: string | undefined;
    if (br !== null) {
      minText = br[1];
      maxText = br[2];
      portPart = br[3];
    } else {
      addrPart = text;
      const dash = addrPart.indexOf('-');
      minText = dash < 0 ? addrPart : addrPart.slice(0, dash);
      maxText = dash < 0 ? undefined : addrPart.slice(dash + 1);
    }
    const a = parseIpv6(minText) ?? bad();
    addrMin = ipv6Bytes(a);
    if (maxText !== undefined) {
      const b = parseIpv6(maxText) ?? bad();
      if (b < a) bad();
      addrMax = ipv6Bytes(b);
    }
  }
  let portMin: number | undefined;
  let portMax: number | undefined;
  if (portPart !== undefined) {
    const pm = /^(\d+)(?:-(\d+))?$/.exec(portPart) ?? bad();
    portMin = Number(pm[1]);
    portMax = pm[2] === undefined ? undefined : Number(pm[2]);
    if (portMin > 0xffff || (portMax !== undefined && (portMax > 0xffff || portMax < portMin))) bad();
  }
  return { addrMin, addrMax, portMin, portMax };
}

// ---------------------------------------------------------------------------------------------------------------
// Checks against the rule's match (OVS's ofpacts_check)

export interface ActionCheckContext {
  readonly match: Match;
  /** The rule's table; undefined when the flow did not name one (OVS's 255: no goto_table ordering check). */
  readonly table: number | undefined;
  /** The OpenFlow version the rule is added with; default OpenFlow10. */
  readonly version?: 'OpenFlow10' | 'OpenFlow13';
}

/**
 * The facts about the packet a rule's actions can rely on, updated action by action the way ofpacts_check updates
 * its copy of the match (a push_vlan makes later VLAN actions consistent, strip_vlan removes the tag).
 */
interface FlowFacts {
  dlType: number | undefined;
  nwProto: number | undefined;
  vlan: boolean;
  ctInvalid: boolean;
  ctTracked: boolean;
}

function factsOf(match: Match): FlowFacts {
  const dlTypeMask = (match.mask[W.DL_TYPE_VLAN] >>> 16) & 0xffff;
  const dlType = dlTypeMask === 0xffff ? (match.key[W.DL_TYPE_VLAN] >>> 16) & 0xffff : undefined;
  const protoMask = (match.mask[W.NW] >>> 24) & 0xff;
  const nwProto = protoMask === 0xff ? (match.key[W.NW] >>> 24) & 0xff : undefined;
  const vlan = (match.key[W.DL_TYPE_VLAN] & match.mask[W.DL_TYPE_VLAN] & VLAN_CFI) !== 0;
  const ctKey = match.key[W.CT_STATE_ZONE] >>> 16;
  const ctMask = match.mask[W.CT_STATE_ZONE] >>> 16;
  const ctInvalid = (ctKey & CtState.INVALID) !== 0;
  // is_ct_valid: a state bit that implies a connection (+new, +est, ...), or +trk with an explicit -inv.
  const IMPLY_CONN = CtState.NEW | CtState.ESTABLISHED | CtState.RELATED | CtState.REPLY_DIR | CtState.SRC_NAT | CtState.DST_NAT;
  const ctTracked =
    (ctKey & IMPLY_CONN) !== 0 || ((ctKey & CtState.TRACKED) !== 0 && (ctMask & CtState.INVALID) !== 0 && !ctInvalid);
  return { dlType, nwProto, vlan, ctInvalid, ctTracked };
}

/** mf_are_prereqs_ok for a field, given what the match pins. */
export function prereqsOk(
  field: FieldDef,
  facts: { dlType: number | undefined; nwProto: number | undefined; vlan: boolean },
  match?: Match,
): boolean {
  const t = facts.dlType;
  const p = facts.nwProto;
  const ip = t === ETH_TYPE_IP || t === ETH_TYPE_IPV6;
  switch (field.prereq) {
    case Prereq.NONE:
    case Prereq.ETHERNET:
    case Prereq.CT_VALID:
      return true;
    case Prereq.ARP:
      return t === ETH_TYPE_ARP || t === ETH_TYPE_RARP;
    case Prereq.VLAN_VID:
      return facts.vlan;
    case Prereq.IPV4:
      return t === ETH_TYPE_IP;
    case Prereq.IPV6:
      return t === ETH_TYPE_IPV6;
    case Prereq.IP_ANY:
      return ip;
    case Prereq.TCP:
      return ip && p === IPPROTO_TCP;
    case Prereq.UDP:
      return ip && p === IPPROTO_UDP;
    case Prereq.SCTP:
      return ip && p === IPPROTO_SCTP;
    case Prereq.ICMPV4:
      return t === ETH_TYPE_IP && p === IPPROTO_ICMP;
    case Prereq.ICMPV6:
      return t === ETH_TYPE_IPV6 && p === IPPROTO_ICMPV6;
    case Prereq.ND:
    case Prereq.ND_SOLICIT:
    case Prereq.ND_ADVERT: {
      if (!(t === ETH_TYPE_IPV6 && p === IPPROTO_ICMPV6) || match === undefined) return false;
      const typeMask = (match.mask[W.TP] >>> 16) & 0xff;
      const type = (match.key[W.TP] >>> 16) & 0xff;
      const codeOk = (match.mask[W.TP] & 0xff) === 0xff && (match.key[W.TP] & 0xff) === 0;
      if (typeMask !== 0xff || !codeOk) return false;
      if (field.prereq === Prereq.ND_SOLICIT) return type === 135;
      if (field.prereq === Prereq.ND_ADVERT) return type === 136;
      return type === 135 || type === 136;
    }
    default:
      return false;
  }
}

/** The message ovs-ofctl gives when a flow needs an OpenFlow version other than the one in use. */
export function unusableVersionMessage(version: 'OpenFlow10' | 'OpenFlow13'): string {
  return version === 'OpenFlow13'
    ? 'none of the usable flow formats (OpenFlow10,NXM) is among the allowed flow formats (OXM-OpenFlow13)'
    : 'none of the usable flow formats (OXM,OpenFlow11) is among the allowed flow formats (OpenFlow10,NXM)';
}

/**
 * OVS's ofpacts_check plus the version restrictions ovs-ofctl derives from it. Three outcomes per problem, as in OVS:
 * a hard error ("actions are invalid with specified match (OFPBAC_MATCH_INCONSISTENT)": set_field to ip_src without
 * an IP match, ct without IP, goto_table backwards); an action that is merely inconsistent with the match
 * (mod_nw_src without ip, strip_vlan without a VLAN), which OpenFlow 1.0 tolerates and OpenFlow 1.3 refuses; and an
 * action OpenFlow 1.0 cannot express (push_vlan). `column` is where the actions start.
 */
export function checkActions(actions: readonly Action[], ctx: ActionCheckContext, column = 1): void {
  const facts = factsOf(ctx.match);
  checkList(actions, ctx, facts, column);
  // OpenFlow 1.0 has no instructions: goto_table travels as a resubmit action, which would land before the
  // write_metadata instruction, so the switch refuses the pair.
  const wm = actions.findIndex((a) => a.kind === 'write_metadata');
  if ((ctx.version ?? 'OpenFlow10') === 'OpenFlow10' && wm >= 0 && actions.slice(wm).some((a) => a.kind === 'goto_table')) {
    throw new FlowSyntaxError('write_metadata with goto_table cannot be encoded in OpenFlow 1.0 (NXBRC_UNENCODABLE_ERROR)', {
      column,
    });
  }
}

function checkList(actions: readonly Action[], ctx: ActionCheckContext, facts: FlowFacts, column: number): void {
  const version = ctx.version ?? 'OpenFlow10';
  const fail = (code = 'OFPBAC_MATCH_INCONSISTENT'): never => {
    throw new FlowSyntaxError(`actions are invalid with specified match (${code})`, { column });
  };
  const inconsistent = (): void => {
    if (version !== 'OpenFlow10') throw new FlowSyntaxError(unusableVersionMessage(version), { column });
  };
  const needField = (f: FieldDef): void => {
    if (!prereqsOk(f, facts, ctx.match)) fail();
  };
  const ipAny = (): boolean => facts.dlType === ETH_TYPE_IP || facts.dlType === ETH_TYPE_IPV6;
  for (const a of actions) {
    switch (a.kind) {
      case 'set_field':
        needField(a.field);
        if (a.field.name === 'vlan_vid' && !facts.vlan) fail();
        if (a.field.name === 'vlan_tci') facts.vlan = (a.value & BigInt(VLAN_CFI)) !== 0n;
        break;
      case 'load':
        needField(a.dst.field);
        break;
      case 'move':
        needField(a.src.field);
        needField(a.dst.field);
        break;
      case 'output_reg':
        needField(a.src.field);
        break;
      case 'set_vlan_vid':
      case 'set_vlan_pcp':
        if (!facts.vlan && !a.pushIfNone) inconsistent();
        facts.vlan = true;
        break;
      case 'strip_vlan':
        if (!facts.vlan) inconsistent();
        facts.vlan = false;
        break;
      case 'push_vlan':
        if (version === 'OpenFlow10') throw new FlowSyntaxError(unusableVersionMessage(version), { column });
        facts.vlan = true;
        break;
      case 'set_ipv4_src':
      case 'set_ipv4_dst':
        if (facts.dlType !== ETH_TYPE_IP) inconsistent();
        break;
      case 'set_ip_dscp':
      case 'set_ip_ecn':
      case 'set_ip_ttl':
      case 'dec_ttl':
        if (!ipAny()) inconsistent();
        break;
      case 'set_l4_src':
      case 'set_l4_dst': {
        const p = facts.nwProto;
        if (!ipAny() || (p !== IPPROTO_TCP && p !== IPPROTO_UDP && p !== IPPROTO_SCTP)) inconsistent();
        break;
      }
      case 'fin_timeout':
        if (facts.nwProto !== IPPROTO_TCP) inconsistent();
        break;
      case 'resubmit':
        if (a.withCtOrig && !facts.ctTracked) fail();
        break;
      case 'goto_table':
        if (ctx.table !== undefined && a.table <= ctx.table) fail('OFPBIC_BAD_TABLE_ID');
        break;
      case 'ct':
        if (!ipAny() || (facts.ctInvalid && a.commit)) fail();
        if (a.alg === 'ftp' && facts.nwProto !== IPPROTO_TCP) fail();
        if (a.alg === 'tftp' && facts.nwProto !== IPPROTO_UDP) fail();
        if (a.nat?.addrMin !== undefined) {
          if (a.nat.addrMin.length === 4 ? facts.dlType !== ETH_TYPE_IP : facts.dlType !== ETH_TYPE_IPV6) fail();
        }
        if (typeof a.zone !== 'number') {
          needField(a.zone.field);
        } else {
          checkList(a.exec, ctx, { ...facts }, column);
        }
        break;
      case 'clone':
        checkList(a.actions, ctx, { ...facts }, column);
        break;
      default:
        break;
    }
  }
}
