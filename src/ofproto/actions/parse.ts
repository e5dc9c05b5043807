/**
 * Parsing OpenFlow actions written in ovs-ofctl syntax (the part after `actions=`).
 *
 * What? `parseActions('load:0x4->NXM_NX_REG5[],resubmit(,71)')` gives the `Action[]` that OVS 3.1's ofpacts_parse
 * would build, or throws a FlowSyntaxError whose column points at the offending word. The text is what users paste
 * from neutron dumps, so every spelling OVS accepts is accepted: `reg6[0..15]` and `NXM_NX_REG6[0..15]`,
 * `output:"tap648437e1-0d"` and a bare port name, `CONTROLLER:100`, `resubmit(,5,ct)`.
 *
 * The pieces: tokens.ts splits the text exactly as ofputil_parse_key_value does; numbers.ts and subfield-syntax.ts
 * read the values; this module dispatches on the action name and verifies the list as a whole (OVS's
 * ofpacts_verify: instruction order, what may nest where, conjunction's company); parse-field-actions.ts,
 * parse-learn.ts and parse-ct.ts parse the actions with a grammar of their own.
 *
 * Instructions. OpenFlow 1.1+ puts a rule's actions into instructions, in a fixed order, each at most once:
 * apply_actions (every plain action), clear_actions, write_actions(...), write_metadata, goto_table. OVS keeps one flat
 * list and enforces that order on it, and so do we; inside write_actions, clone and ct(exec) only plain actions are
 * allowed.
 *
 * Two kinds of checks. Syntax and range checks (a VID above 4095, a load value wider than its subfield, `force`
 * without `commit`, conjunction clause k > n) happen here, while parsing. Checks that need the rule's match or table
 * (set_field to ip_src on a rule that does not match IP, ct without an IP match, goto_table backwards) are OVS's
 * ofpacts_check and live in checks.ts (`checkActions()`), which flow-syntax.ts calls once the match is known.
 */

import { FlowSyntaxError } from '../../base/errors.js';
import type { Subfield } from '../../flow/bits.js';
import { OfpPort } from '../../flow/key-layout.js';
import { ovsFieldName, parsePortNumber, type PortNamer } from '../../flow/value-syntax.js';
import { parseCInteger, parseHexBytes, parseIpv4, parseMac, parseU64, parseUnsigned } from './numbers.js';
import { parseCt } from './parse-ct.js';
import { parseLoad, parseMove, parseSetField } from './parse-field-actions.js';
import { parseLearn } from './parse-learn.js';
import { parseSubfield } from './subfield-syntax.js';
import { splitKeyValues, type KeyValue } from './tokens.js';
import type { Action, ControllerAction } from './types.js';

// The helpers below moved to their own modules; they stay importable from here for existing callers.
export { splitKeyValues, type KeyValue } from './tokens.js';
export { hexOf, parseCInteger, parseIntPrefix, parseIpv4, parseMac, parseU64, parseUnsigned } from './numbers.js';
export { parseFieldValue, parseSubfield, parseSubfieldPrefix, type FieldValue } from './subfield-syntax.js';
export {
  allowedInActionSet,
  checkActions,
  unusableVersionMessage,
  type ActionCheckContext,
} from './checks.js';
export { ovsFieldName };
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
// Action lists

/** Where a list sits: at the top (instructions allowed) or nested in write_actions, clone or ct(exec). */
type Nesting = 'top' | 'write_actions' | 'clone' | 'ct';

interface Ctx {
  readonly namer: PortNamer | undefined;
}

/** A parsed action and the column of its keyword, for errors found when the whole list is verified. */
interface Parsed {
  readonly action: Action;
  readonly column: number;
}

/** Parses an action list (the text after `actions=`). An empty list, or `drop`, is no actions. */
export function parseActions(text: string, opts: ActionParseOptions = {}): Action[] {
  return parseList(text, opts.column ?? 1, { namer: opts.namer }, 'top');
}

function parseList(text: string, column: number, ctx: Ctx, nesting: Nesting): Action[] {
  const parsed: Parsed[] = [];
  let drop: KeyValue | undefined;
  for (const kv of splitKeyValues(text, column)) {
    if (kv.key.toLowerCase() === 'drop') {
      drop = kv;
      continue;
    }
    parseOne(kv, ctx, parsed);
  }
  if (drop !== undefined && parsed.length > 0) {
    throw new FlowSyntaxError('"drop" must not be accompanied by any other action or instruction', {
      column: drop.keyColumn,
    });
  }
  const actions = parsed.map((p) => p.action);
  if (!verifyConjunction(actions, column)) verifyInstructions(parsed, nesting);
  return actions;
}

/** OVS's instruction types in the order OpenFlow 1.1+ requires them (ovs_instruction_type). */
const INSTRUCTION_ORDER = ['meter', 'apply_actions', 'clear_actions', 'write_actions', 'write_metadata', 'goto_table'];

function instructionOf(a: Action): string {
  switch (a.kind) {
    case 'clear_actions':
    case 'write_actions':
    case 'write_metadata':
    case 'goto_table':
      return a.kind;
    default:
      return 'apply_actions';
  }
}

/**
 * ofpacts_verify: per action, the nesting rules, then the instruction order (apply_actions may repeat, any other
 * instruction appears once), then whether an instruction is allowed at all here (only at the top).
 */
function verifyInstructions(parsed: readonly Parsed[], nesting: Nesting): void {
  let last = 0;
  for (let i = 0; i < parsed.length; i++) {
    const { action, column } = parsed[i];
    verifyNested(action, nesting, column);
    const name = instructionOf(action);
    const order = INSTRUCTION_ORDER.indexOf(name);
    const lastName = INSTRUCTION_ORDER[last];
    if (i > 0 && (lastName === 'apply_actions' ? order < last : order <= last)) {
      const msg =
        order === last
          ? `duplicate ${name} instruction not allowed, for OpenFlow 1.1+ compatibility`
          : `invalid instruction ordering: ${name} must appear before ${lastName}, for OpenFlow 1.1+ compatibility`;
      throw new FlowSyntaxError(msg, { column });
    }
    if (name !== 'apply_actions' && nesting !== 'top') {
      throw new FlowSyntaxError(`${name} instruction not allowed here`, { column });
    }
    last = order;
  }
}

/**
 * A list with a conjunction may hold only conjunctions and notes; OVS then skips the other verification. Returns
 * whether the list had a conjunction.
 */
function verifyConjunction(actions: readonly Action[], column: number): boolean {
  if (!actions.some((a) => a.kind === 'conjunction')) return false;
  const other = actions.find((a) => a.kind !== 'conjunction' && a.kind !== 'note');
  if (other !== undefined) {
    throw new FlowSyntaxError(
      `"conjunction" actions may be used along with "note" but not any other kind of action (such as the "${ovsActionName(other)}" action used here)`,
      { column },
    );
  }
  return true;
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

function parseOne(kv: KeyValue, ctx: Ctx, out: Parsed[]): void {
  const { value } = kv;
  const col = kv.valueColumn;
  const err = (msg: string, column = col): never => {
    throw new FlowSyntaxError(msg, { column });
  };
  const key = kv.key.toLowerCase();
  const push = (a: Action): void => {
    out.push({ action: a, column: kv.keyColumn });
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
    case 'write_actions':
      push({ kind: 'write_actions', actions: parseList(value, col, ctx, 'write_actions') });
      return;
    case 'clear_actions':
      push({ kind: 'clear_actions' });
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
      push(parseSetField(value, col, ctx.namer));
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
      push(parseLearn(value, col, ctx.namer));
      return;
    case 'clone':
      push({ kind: 'clone', actions: parseList(value, col, ctx, 'clone') });
      return;
    case 'ct':
      push(parseCt(value, col, (text, column) => parseList(text, column, ctx, 'ct')));
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
