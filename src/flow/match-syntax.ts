/**
 * OpenFlow matches in ovs-ofctl syntax: parse them the way `ovs-ofctl add-flow` does and print them the way
 * `ovs-ofctl dump-flows` does (OVS 3.1: lib/ofp-flow.c parse_ofp_str, lib/meta-flow.c mf_set, lib/match.c
 * match_format).
 *
 * What? A match is written as comma- or space-separated tokens: `field=value[/mask]` (or `field:value`), protocol
 * shorthands (`ip`, `tcp6`, `arp`, …) that pin dl_type and nw_proto, and subfield assignments such as
 * `reg0[0..3]=5` or `NXM_OF_VLAN_TCI[0..11]=3`. Tokens apply in order to one flow key and mask, so later tokens
 * narrow or replace earlier ones exactly as OVS's match_set_* functions do: `dl_vlan=0xffff` means "no VLAN tag",
 * `dl_vlan_pcp` also requires a tag, `nw_tos` only keeps its DSCP bits, `ip_dscp` is shifted into them, `tp_src` is
 * tcp_src's other name and simply sets the L4 source port whatever nw_proto turns out to be.
 *
 * Three steps, so that the flow-line parser (src/ofproto/flow-syntax.ts) can split the line itself and hand over
 * only the tokens it does not own (table, priority, cookie, actions, …):
 *
 *     const draft = newMatchDraft();
 *     for (const t of splitKeyValues(text)) applyMatchToken(draft, t.name, t.value, t.column, opts);
 *     const match = finishMatch(draft, opts);
 *
 * `parseMatch(text, opts)` does all three for a match-only string. `isMatchKeyword(name)` says whether a token is
 * ours. Columns are 1-based and point at the token's first character; errors are FlowSyntaxErrors at the offending
 * value.
 *
 * Why a separate finish step? OVS does not install what its parser produced: ovs-ofctl encodes the match for the
 * switch, and the encoding keeps only what it can express. With OpenFlow 1.0 (ovs-ofctl's default) a match that fits
 * the fixed OpenFlow 1.0 structure is sent that way and the switch normalises it (`vlan_vid=5`, a VID without the
 * tag-present bit, becomes "no VLAN"; `nw_proto=6` without `ip` disappears); otherwise it goes as NXM. With
 * `-O OpenFlow13` it goes as OXM, which cannot carry a PCP without a tag (`dl_vlan=0xffff` becomes
 * `vlan_tci=0x0000/0x1fff`). Either way fields whose prerequisites the match does not pin are silently left out
 * (`tcp_dst=80` alone installs a catch-all), and the switch refuses a few matches outright (a TCP port on later
 * fragments, ct_nw_src without a valid ct_state, ipv6_label on IPv4). `finishMatch` reproduces that, so a flow
 * installed here matches what OVS would have installed, and prints identically.
 *
 * Printing (`formatMatch`) follows match_format field by field: priority first when it is not 32768, then
 * metadata and conntrack, the protocol shorthand, registers, tunnel, in_port, VLAN (as dl_vlan/dl_vlan_pcp when the
 * tag-present bit is pinned to 1 and VID/PCP are each exact or absent, vlan_tci otherwise), Ethernet, L3, L4.
 *
 * Not covered: fields the field table lacks (mpls_*, packet_type, actset_output, dp_hash, skb_priority,
 * tun_gbp_*, tun_metadata*, nsh_*, nd_reserved, nd_options_type); `eth` is accepted and ignored.
 */

import { FlowSyntaxError } from '../base/errors.js';
import { getBits, setBits } from './bits.js';
import { FIELDS, fieldByName, fieldNamed, type FieldDef } from './fields.js';
import {
  ETH_TYPE_ARP,
  ETH_TYPE_IP,
  ETH_TYPE_IPV6,
  ETH_TYPE_MPLS,
  ETH_TYPE_MPLS_MCAST,
  ETH_TYPE_RARP,
  IPPROTO_ICMP,
  IPPROTO_ICMPV6,
  IPPROTO_SCTP,
  IPPROTO_TCP,
  IPPROTO_UDP,
  VLAN_CFI,
  W,
} from './key-layout.js';
import { Match } from './match.js';
import { matchPrereqsOk } from './prereqs.js';
import {
  formatEthernetMasked,
  formatFlagsMasked,
  formatFrag,
  formatIpv4Masked,
  formatIpv6Masked,
  formatPort,
  ovsFieldBytes,
  ovsFieldName,
  parseFieldValue,
  parseIntPrefix,
  type PortNamer,
  type ValueMask,
} from './value-syntax.js';

export type { PortNamer } from './value-syntax.js';

/** The OpenFlow version ovs-ofctl talks (`-O OpenFlow13`); it decides how the match is encoded, hence what sticks. */
export type OpenFlowVersion = 'OpenFlow10' | 'OpenFlow13';

export interface MatchSyntaxOptions {
  readonly portNamer?: PortNamer;
  /** Default OpenFlow10, ovs-ofctl's default. */
  readonly protocol?: OpenFlowVersion;
}

export interface FormatMatchOptions {
  /** With a namer, ports print as names (`ovs-ofctl --names`). */
  readonly portNamer?: PortNamer;
}

/** A match being parsed: the key and mask so far plus what the encoding step needs to know about how they were set. */
export interface MatchDraft {
  readonly match: Match;
  /** Every setting so far can be expressed in the fixed OpenFlow 1.0 match (exact, or CIDR for addresses). */
  of10Expressible: boolean;
  /** A field no OpenFlow encoding carries (tun_tos, tun_ttl), with its column. */
  unencodable?: { readonly name: string; readonly column?: number };
  /** Column of the token that last set each field (by field name), to place the switch's refusals. */
  readonly columns: Map<string, number | undefined>;
}

export interface ParsedMatch {
  readonly match: Match;
}

export const OFP_DEFAULT_PRIORITY = 32768;

const F = {
  inPort: fieldNamed('in_port'),
  dlSrc: fieldNamed('dl_src'),
  dlDst: fieldNamed('dl_dst'),
  dlType: fieldNamed('dl_type'),
  vlanTci: fieldNamed('vlan_tci'),
  nwSrc: fieldNamed('nw_src'),
  nwDst: fieldNamed('nw_dst'),
  ipv6Src: fieldNamed('ipv6_src'),
  ipv6Dst: fieldNamed('ipv6_dst'),
  ipv6Label: fieldNamed('ipv6_label'),
  nwProto: fieldNamed('nw_proto'),
  nwTtl: fieldNamed('nw_ttl'),
  nwFrag: fieldNamed('nw_frag'),
  arpSha: fieldNamed('arp_sha'),
  arpTha: fieldNamed('arp_tha'),
  tpSrc: fieldNamed('tcp_src'),
  tpDst: fieldNamed('tcp_dst'),
  tcpFlags: fieldNamed('tcp_flags'),
  ndTarget: fieldNamed('nd_target'),
  tunId: fieldNamed('tun_id'),
  tunSrc: fieldNamed('tun_src'),
  tunDst: fieldNamed('tun_dst'),
  tunIpv6Src: fieldNamed('tun_ipv6_src'),
  tunIpv6Dst: fieldNamed('tun_ipv6_dst'),
  tunFlags: fieldNamed('tun_flags'),
  tunTos: fieldNamed('tun_tos'),
  tunTtl: fieldNamed('tun_ttl'),
  metadata: fieldNamed('metadata'),
  pktMark: fieldNamed('pkt_mark'),
  recircId: fieldNamed('recirc_id'),
  conjId: fieldNamed('conj_id'),
  ctState: fieldNamed('ct_state'),
  ctZone: fieldNamed('ct_zone'),
  ctMark: fieldNamed('ct_mark'),
  ctLabel: fieldNamed('ct_label'),
  ctNwSrc: fieldNamed('ct_nw_src'),
  ctNwDst: fieldNamed('ct_nw_dst'),
  ctIpv6Src: fieldNamed('ct_ipv6_src'),
  ctIpv6Dst: fieldNamed('ct_ipv6_dst'),
  ctNwProto: fieldNamed('ct_nw_proto'),
  ctTpSrc: fieldNamed('ct_tp_src'),
  ctTpDst: fieldNamed('ct_tp_dst'),
} as const;

const REGS: readonly FieldDef[] = Array.from({ length: 16 }, (_, i) => fieldNamed(`reg${i}`));

// ---------------------------------------------------------------------------------------------------------------
// Names.

/** Protocol shorthands (ofp_parse_protocol): dl_type and, when nonzero, nw_proto. */
const PROTOCOLS: ReadonlyMap<string, readonly [number, number]> = new Map([
  ['ip', [ETH_TYPE_IP, 0]],
  ['ipv4', [ETH_TYPE_IP, 0]],
  ['ip4', [ETH_TYPE_IP, 0]],
  ['arp', [ETH_TYPE_ARP, 0]],
  ['icmp', [ETH_TYPE_IP, IPPROTO_ICMP]],
  ['tcp', [ETH_TYPE_IP, IPPROTO_TCP]],
  ['udp', [ETH_TYPE_IP, IPPROTO_UDP]],
  ['sctp', [ETH_TYPE_IP, IPPROTO_SCTP]],
  ['ipv6', [ETH_TYPE_IPV6, 0]],
  ['ip6', [ETH_TYPE_IPV6, 0]],
  ['icmp6', [ETH_TYPE_IPV6, IPPROTO_ICMPV6]],
  ['tcp6', [ETH_TYPE_IPV6, IPPROTO_TCP]],
  ['udp6', [ETH_TYPE_IPV6, IPPROTO_UDP]],
  ['sctp6', [ETH_TYPE_IPV6, IPPROTO_SCTP]],
  ['rarp', [ETH_TYPE_RARP, 0]],
  ['mpls', [ETH_TYPE_MPLS, 0]],
  ['mplsm', [ETH_TYPE_MPLS_MCAST, 0]],
]);

/** Field names as `field=value` accepts them: the ofctl name and aliases, case-sensitively (NXM names only in `[]`). */
const BY_PLAIN_NAME: ReadonlyMap<string, FieldDef> = new Map(
  FIELDS.flatMap((f) => [f.name, ...f.aliases].map((n) => [n, f] as const)),
);

/** Whether `name` is a token this module handles (a field, a protocol shorthand, `eth`, or a `field[bits]`). */
export function isMatchKeyword(name: string): boolean {
  return PROTOCOLS.has(name) || name === 'eth' || BY_PLAIN_NAME.has(name) || name.includes('[');
}

// ---------------------------------------------------------------------------------------------------------------
// Splitting (ofputil_parse_key_value).

export interface KeyValueToken {
  readonly name: string;
  /** Empty when the token has no `=`/`:` value. */
  readonly value: string;
  /** 1-based column of the name. */
  readonly column: number;
  /** 1-based column of the value. */
  readonly valueColumn: number;
}

/**
 * Splits `text` into tokens the way OVS does: separators are commas and white space; a name ends at `=`, `:`, `(`,
 * a separator or the end; a value after `=`/`:` ends at a separator outside parentheses; after `(` at the matching
 * `)`.
 */
export function splitKeyValues(text: string, firstColumn = 1): KeyValueToken[] {
  const out: KeyValueToken[] = [];
  const isSep = (c: string | undefined): boolean => c === ',' || c === ' ' || c === '\t' || c === '\r' || c === '\n';
  let i = 0;
  while (i < text.length) {
    while (i < text.length && isSep(text[i])) i++;
    if (i >= text.length) break;
    const nameStart = i;
    while (i < text.length && !isSep(text[i]) && !'=:('.includes(text[i])) i++;
    const name = text.slice(nameStart, i);
    const delim = text[i];
    if (delim !== '=' && delim !== ':' && delim !== '(') {
      out.push({ name, value: '', column: firstColumn + nameStart, valueColumn: firstColumn + i });
      continue;
    }
    i++;
    const valueStart = i;
    let depth = 0;
    while (i < text.length) {
      const c = text[i];
      if (c === '(') depth++;
      else if (c === ')') {
        if (depth === 0 && delim === '(') break;
        depth--;
      } else if (depth === 0 && delim !== '(' && isSep(c)) break;
      i++;
    }
    out.push({ name, value: text.slice(valueStart, i), column: firstColumn + nameStart, valueColumn: firstColumn + valueStart });
    if (delim === '(' && text[i] === ')') i++;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Parsing.

export function newMatchDraft(): MatchDraft {
  return { match: new Match(), of10Expressible: true, columns: new Map() };
}

/** Parses a match-only string (no priority, actions or other flow keywords) into the match OVS would install. */
export function parseMatch(text: string, opts: MatchSyntaxOptions = {}): ParsedMatch {
  const draft = newMatchDraft();
  for (const t of splitKeyValues(text)) applyMatchToken(draft, t.name, t.value, t.column, opts);
  return { match: finishMatch(draft, opts) };
}

/** Fields the fixed OpenFlow 1.0 match carries exactly, and those it carries with CIDR masks (meta-flow.h). */
const OF10_EXACT = new Set([
  'in_port', 'dl_src', 'dl_dst', 'dl_type', 'vlan_tci', 'dl_vlan', 'vlan_vid', 'dl_vlan_pcp', 'vlan_pcp', 'nw_proto',
  'nw_tos', 'ip_dscp', 'arp_op', 'tcp_src', 'tcp_dst', 'udp_src', 'udp_dst', 'icmp_type', 'icmp_code',
]);
const OF10_CIDR = new Set(['nw_src', 'nw_dst', 'arp_spa', 'arp_tpa']);

/**
 * Applies one token to the draft. `column` is where the token's name starts; a value error points at the value.
 * Throws FlowSyntaxError for unknown names and bad values.
 */
export function applyMatchToken(
  draft: MatchDraft,
  name: string,
  value: string,
  column?: number,
  opts: MatchSyntaxOptions = {},
): void {
  const valueColumn = column === undefined ? undefined : column + name.length + 1;
  const proto = PROTOCOLS.get(name);
  if (proto !== undefined) {
    draft.match.set(F.dlType, BigInt(proto[0]));
    if (proto[1] !== 0) draft.match.set(F.nwProto, BigInt(proto[1]));
    return;
  }
  if (name === 'eth') return; // packet_type=ethernet, the default
  const field = BY_PLAIN_NAME.get(name);
  if (field !== undefined) {
    // A field without a value matches "the field exists": OVS parses it as 0/0.
    const vm = parseFieldValue(field, value === '' ? '0/0' : value, { portNamer: opts.portNamer, column: valueColumn });
    setField(draft, field, vm, column);
    return;
  }
  if (name.includes('[')) {
    applySubfield(draft, name, value, column, valueColumn);
    return;
  }
  throw new FlowSyntaxError(`unknown keyword ${name}`, column === undefined ? {} : { column });
}

function applySubfield(
  draft: MatchDraft,
  text: string,
  value: string,
  column: number | undefined,
  valueColumn: number | undefined,
): void {
  const loc = column === undefined ? {} : { column };
  const m = /^([^[]+)\[(?:(\d+)(?:\.\.(\d+))?)?\]$/.exec(text);
  const field = m === null ? undefined : fieldByName(m[1]);
  if (m === null || field === undefined) throw new FlowSyntaxError(`${text}: unknown field or bad subfield syntax`, loc);
  const start = m[2] === undefined ? 0 : Number(m[2]);
  const end = m[2] === undefined ? field.nbits - 1 : m[3] === undefined ? start : Number(m[3]);
  if (start >= field.nbits) {
    throw new FlowSyntaxError(`${text}: starting bit ${start} is not valid because field is only ${field.nbits} bits wide`, loc);
  }
  if (end >= field.nbits || end < start) {
    throw new FlowSyntaxError(`${text}: ending bit ${end} is not valid for a ${field.nbits}-bit field starting at bit ${start}`, loc);
  }
  const nbits = end - start + 1;
  const bytes = ovsFieldBytes(field);
  const v = parseIntPrefix(value, bytes);
  if (v === 'range' || v === 'syntax' || v.rest !== '') {
    throw new FlowSyntaxError(`${text}: cannot parse integer value: ${value}`, valueColumn === undefined ? {} : { column: valueColumn });
  }
  if (v.value >> BigInt(nbits) !== 0n) {
    throw new FlowSyntaxError(`${text}: value 0x${v.value.toString(16)} does not fit into ${nbits} bits`, loc);
  }
  const bitsMask = ((1n << BigInt(nbits)) - 1n) << BigInt(start);
  const cur = readField(draft.match, field);
  const fullBytes = (1n << BigInt(bytes * 8)) - 1n;
  let mask = cur.mask | bitsMask;
  // mf_set treats a mask of all ones (in bytes) as exact; our field-width read has to be widened to say so.
  if (mask === (1n << BigInt(field.nbits)) - 1n) mask = fullBytes;
  setField(draft, field, { value: (cur.value & ~bitsMask) | (v.value << BigInt(start)), mask }, column);
}

/** A field's value and mask as mf_get reads them from a match. */
function readField(match: Match, field: FieldDef): ValueMask {
  return { value: getBits(match.key, field), mask: getBits(match.mask, field) };
}

function allOnesBytes(field: FieldDef): bigint {
  return (1n << BigInt(ovsFieldBytes(field) * 8)) - 1n;
}

function isCidr(mask: bigint, width: number): boolean {
  const inverted = ~mask & ((1n << BigInt(width)) - 1n);
  return (inverted & (inverted + 1n)) === 0n;
}

/** mf_set: an all-ones mask sets exactly, all-zeros wildcards, anything else sets bitwise. */
function setField(draft: MatchDraft, field: FieldDef, vm: ValueMask, column: number | undefined): void {
  draft.columns.set(field.name, column);
  if (vm.mask === allOnesBytes(field)) {
    if (field === F.tunTos || field === F.tunTtl) draft.unencodable ??= { name: field.name, column };
    if (!OF10_EXACT.has(field.name) && !OF10_CIDR.has(field.name)) draft.of10Expressible = false;
    setExact(draft.match, field, vm.value);
  } else if (vm.mask === 0n) {
    setWild(draft.match, field);
  } else {
    if (!(OF10_CIDR.has(field.name) && isCidr(vm.mask, 32))) draft.of10Expressible = false;
    setMasked(draft.match, field, vm.value, vm.mask);
  }
}

// VLAN TCI: the low 16 bits of the dl_type/vlan word, in key and mask.
function tci(words: Uint32Array): number {
  return words[W.DL_TYPE_VLAN] & 0xffff;
}

function setTci(match: Match, value: number, mask: number): void {
  const w = W.DL_TYPE_VLAN;
  match.mask[w] = ((match.mask[w] & 0xffff0000) | (mask & 0xffff)) >>> 0;
  match.key[w] = ((match.key[w] & 0xffff0000) | (value & mask & 0xffff)) >>> 0;
}

// nw_tos byte (DSCP in the top six bits, ECN in the low two).
function setTos(match: Match, bits: number, value: number): void {
  const w = W.NW;
  match.mask[w] = (match.mask[w] | (bits << 16)) >>> 0;
  match.key[w] = ((match.key[w] & ~(bits << 16)) | ((value & bits) << 16)) >>> 0;
}

function clearTos(match: Match, bits: number): void {
  const w = W.NW;
  match.mask[w] = (match.mask[w] & ~(bits << 16)) >>> 0;
  match.key[w] = (match.key[w] & ~(bits << 16)) >>> 0;
}

/**
 * The field whose key bits a name really sets, where OVS stores several names in one place. (icmp_type/icmp_code and
 * arp_op need no entry: the field table places them in tp_src/tp_dst and nw_proto, with the bits they imply.)
 */
function storageOf(field: FieldDef): FieldDef {
  return field.name === 'in_port_oxm' ? F.inPort : field;
}

function setVlanVidMasked(match: Match, vid: number, mask: number): void {
  const m = mask & 0x1fff;
  setTci(match, (tci(match.key) & ~0x1fff) | (vid & m), m | (tci(match.mask) & 0xe000));
}

/** mf_set_value. */
function setExact(match: Match, field: FieldDef, value: bigint): void {
  const v = Number(value & 0xffffffffn);
  switch (field.name) {
    case 'dl_vlan':
      if (v === 0xffff) setTci(match, 0, 0xffff);
      else setTci(match, (tci(match.key) & ~0x0fff) | VLAN_CFI | (v & 0x0fff), tci(match.mask) | 0x1fff);
      return;
    case 'vlan_vid':
      setVlanVidMasked(match, v, 0x1fff);
      return;
    case 'dl_vlan_pcp':
    case 'vlan_pcp':
      setTci(match, (tci(match.key) & ~0xe000) | ((v & 7) << 13) | VLAN_CFI, tci(match.mask) | 0xf000);
      return;
    case 'vlan_tci':
      setTci(match, v, 0xffff);
      return;
    case 'nw_tos':
      setTos(match, 0xfc, v);
      return;
    case 'ip_dscp':
      setTos(match, 0xfc, (v << 2) & 0xff);
      return;
    case 'nw_ecn':
      setTos(match, 0x03, v);
      return;
    case 'nw_frag':
      match.set(F.nwFrag, value & 3n);
      return;
    default: {
      const storage = storageOf(field);
      match.set(storage, value & ((1n << BigInt(storage.nbits)) - 1n));
    }
  }
}

/** mf_set_wild. */
function setWild(match: Match, field: FieldDef): void {
  switch (field.name) {
    case 'dl_vlan':
    case 'vlan_vid':
      // match_set_any_vid: keep a PCP match (and its tag-present bit), else forget the tag entirely.
      if (tci(match.mask) & 0xe000) setTci(match, tci(match.key) & ~0x0fff, tci(match.mask) & ~0x0fff);
      else setTci(match, 0, 0);
      return;
    case 'dl_vlan_pcp':
    case 'vlan_pcp':
      if (tci(match.mask) & 0x0fff) setTci(match, tci(match.key) & ~0xe000, tci(match.mask) & ~0xe000);
      else setTci(match, 0, 0);
      return;
    case 'nw_tos':
    case 'ip_dscp':
      clearTos(match, 0xfc);
      return;
    case 'nw_ecn':
      clearTos(match, 0x03);
      return;
    default:
      clearWithImplied(match, storageOf(field));
  }
}

/** Wildcards a field and the bits its exact match implies (icmp_type=* frees all of tp_src, as OVS's mf_set_wild). */
function clearWithImplied(match: Match, field: FieldDef): void {
  match.clear(field);
  for (const imp of field.implied ?? []) {
    match.mask[imp.word] = (match.mask[imp.word] & ~imp.mask) >>> 0;
    match.key[imp.word] = (match.key[imp.word] & ~imp.mask) >>> 0;
  }
}

/** mf_set with a partial mask (only maskable fields get here). */
function setMasked(match: Match, field: FieldDef, value: bigint, mask: bigint): void {
  switch (field.name) {
    case 'vlan_tci':
      setTci(match, Number(value), Number(mask));
      return;
    case 'vlan_vid':
      setVlanVidMasked(match, Number(value), Number(mask));
      return;
    case 'ipv6_label':
      if ((mask & 0xfffffn) === 0xfffffn) match.set(field, value & 0xfffffn);
      else match.set(field, value, mask);
      return;
    default:
      match.set(storageOf(field), value, mask);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Encoding for the switch (what OVS installs).

/**
 * The match the switch ends up with after ovs-ofctl encodes the draft for `opts.protocol` and the switch decodes
 * it. Throws FlowSyntaxError where OVS refuses the flow.
 */
export function finishMatch(draft: MatchDraft, opts: MatchSyntaxOptions = {}): Match {
  const m = draft.match;
  const columnOf = (f: FieldDef): { column?: number } => {
    const c = draft.columns.get(f.name);
    return c === undefined ? {} : { column: c };
  };
  if (draft.unencodable !== undefined) {
    const { name, column } = draft.unencodable;
    throw new FlowSyntaxError(
      `${name} cannot be matched through OpenFlow: actions are invalid with specified match (OFPBAC_MATCH_INCONSISTENT)`,
      column === undefined ? {} : { column },
    );
  }
  if (!m.isWild(F.recircId)) {
    throw new FlowSyntaxError('the switch refuses OpenFlow matches on recirc_id (OFPBRC_EPERM)', columnOf(F.recircId));
  }
  const refuse = (field: FieldDef, why: string): never => {
    throw new FlowSyntaxError(`${why} for ${ovsFieldName(field)}: the switch refuses the flow`, columnOf(field));
  };

  const dlType = m.key[W.DL_TYPE_VLAN] >>> 16;
  const ipv6L3L4 =
    dlType === ETH_TYPE_IPV6 &&
    (!m.isWild(F.nwProto) || (m.mask[W.NW] & 0x00ff0000) !== 0 || !m.isWild(F.tpSrc) || !m.isWild(F.tpDst));
  const out =
    (opts.protocol ?? 'OpenFlow10') === 'OpenFlow10' && draft.of10Expressible && !ipv6L3L4
      ? viaOpenFlow10(m)
      : viaNxm(m, opts.protocol === 'OpenFlow13', refuse);

  // The switch cannot keep a conntrack original-direction address without the matching L3 type.
  const outType = out.key[W.DL_TYPE_VLAN] >>> 16;
  for (const [field, needs] of [
    [F.ctNwSrc, ETH_TYPE_IP],
    [F.ctNwDst, ETH_TYPE_IP],
    [F.ctIpv6Src, ETH_TYPE_IPV6],
    [F.ctIpv6Dst, ETH_TYPE_IPV6],
  ] as const) {
    if (!out.isWild(field) && (out.isWild(F.dlType) || outType !== needs)) {
      throw new FlowSyntaxError(
        `${field.name} needs dl_type 0x${needs.toString(16).padStart(4, '0')}: actions are invalid with specified match (OFPBAC_MATCH_INCONSISTENT)`,
        columnOf(field),
      );
    }
  }
  return out;
}

function copy(from: Match, to: Match, field: FieldDef): void {
  setBits(to.mask, field, getBits(from.mask, field));
  setBits(to.key, field, getBits(from.key, field));
}

function copyIfSet(from: Match, to: Match, field: FieldDef): void {
  if (!from.isWild(field)) copy(from, to, field);
}

/** Pins `field` in `to` to `from`'s value, exactly (an OpenFlow field that has no mask form). */
function copyExact(from: Match, to: Match, field: FieldDef): void {
  to.set(field, getBits(from.key, field));
}

/**
 * Round trip through the fixed OpenFlow 1.0 match (ofputil_match_to_ofp10_match and back) and the switch's
 * ofputil_normalize_match.
 */
function viaOpenFlow10(m: Match): Match {
  const out = new Match();
  for (const f of [F.inPort, F.dlSrc, F.dlDst, F.dlType, F.nwProto, F.nwSrc, F.nwDst, F.tpSrc, F.tpDst]) {
    copyIfSet(m, out, f);
  }
  if (m.mask[W.NW] & 0x00fc0000) setTos(out, 0xfc, (m.key[W.NW] >>> 16) & 0xfc);

  const tciMask = tci(m.mask);
  const tciValue = tci(m.key);
  if (tciMask !== 0) {
    if (tciMask & VLAN_CFI && !(tciValue & VLAN_CFI)) {
      setTci(out, 0, 0xffff); // OFP10_VLAN_NONE
    } else {
      let mask = 0;
      if (tciMask & 0x0fff) mask |= 0x1fff;
      if (tciMask & 0xe000) mask |= 0xf000;
      setTci(out, (tciValue & 0xefff) | VLAN_CFI, mask);
    }
  }

  // ofputil_normalize_match: drop what the L2/L3 type in the match cannot have.
  const dlType = out.key[W.DL_TYPE_VLAN] >>> 16;
  const proto = out.key[W.NW] >>> 24;
  const ip = dlType === ETH_TYPE_IP;
  const ip6 = dlType === ETH_TYPE_IPV6;
  const arp = dlType === ETH_TYPE_ARP || dlType === ETH_TYPE_RARP;
  const mayNwAddr = ip || arp;
  const mayTp =
    (ip && [IPPROTO_TCP, IPPROTO_UDP, IPPROTO_SCTP, IPPROTO_ICMP].includes(proto)) ||
    (ip6 && [IPPROTO_TCP, IPPROTO_UDP, IPPROTO_SCTP, IPPROTO_ICMPV6].includes(proto));
  if (!mayNwAddr) {
    out.clear(F.nwSrc).clear(F.nwDst);
  }
  if (!mayTp) out.clear(F.tpSrc).clear(F.tpDst);
  if (!(ip || ip6 || arp)) out.clear(F.nwProto);
  if (!(ip || ip6)) {
    clearTos(out, 0xff);
    out.clear(F.nwTtl);
  }
  return out;
}

/** nx_put_raw then nx_pull_raw (strict): NXM for OpenFlow 1.0, OXM for OpenFlow 1.3. */
function viaNxm(m: Match, oxm: boolean, refuse: (field: FieldDef, why: string) => never): Match {
  const out = new Match();
  const needs = (field: FieldDef, checkAs: FieldDef = field): void => {
    if (!matchPrereqsOk(out, checkAs)) refuse(field, 'prerequisites not met (OFPBMC_BAD_PREREQ)');
  };
  const has = (f: FieldDef): boolean => !m.isWild(f);

  copyIfSet(m, out, F.conjId);
  copyIfSet(m, out, F.inPort);
  copyIfSet(m, out, F.dlSrc);
  copyIfSet(m, out, F.dlDst);
  copyIfSet(m, out, F.dlType);

  const tciValue = tci(m.key);
  const tciMask = tci(m.mask);
  if (!oxm) {
    setTci(out, tciValue, tciMask);
  } else {
    // OXM has VLAN_VID (12-bit VID plus the tag-present bit) and an exact VLAN_PCP, sent only with a nonzero VID.
    const vid = tciValue & 0x1fff;
    const vidMask = tciMask & 0x1fff;
    if (vidMask) setTci(out, vid, vidMask);
    if (vid !== 0 && tciMask & 0xe000) {
      if (!(tci(out.key) & VLAN_CFI)) refuse(fieldNamed('vlan_pcp'), 'prerequisites not met (OFPBMC_BAD_PREREQ)');
      setTci(out, (tci(out.key) & ~0xe000) | (tciValue & 0xe000) | VLAN_CFI, tci(out.mask) | 0xf000);
    }
  }

  const dlType = m.key[W.DL_TYPE_VLAN] >>> 16;
  const proto = m.key[W.NW] >>> 24;
  if (dlType === ETH_TYPE_IP || dlType === ETH_TYPE_IPV6) {
    for (const f of dlType === ETH_TYPE_IP ? [F.nwSrc, F.nwDst] : [F.ipv6Src, F.ipv6Dst]) copyIfSet(m, out, f);
    copyIfSet(m, out, F.nwFrag);
    if (m.mask[W.NW] & 0x00fc0000) setTos(out, 0xfc, (m.key[W.NW] >>> 16) & 0xfc);
    if (m.mask[W.NW] & 0x00030000) setTos(out, 0x03, (m.key[W.NW] >>> 16) & 0x03);
    if (has(F.nwTtl)) copyExact(m, out, F.nwTtl);
    if (has(F.ipv6Label)) {
      needs(F.ipv6Label);
      copy(m, out, F.ipv6Label);
    }
    if (has(F.nwProto)) {
      copyExact(m, out, F.nwProto);
      const l4 =
        proto === IPPROTO_TCP ? 'tcp' : proto === IPPROTO_UDP ? 'udp' : proto === IPPROTO_SCTP ? 'sctp' : undefined;
      if (l4 !== undefined) {
        for (const [f, name] of [
          [F.tpSrc, `${l4}_src`],
          [F.tpDst, `${l4}_dst`],
        ] as const) {
          if (has(f)) {
            needs(fieldNamed(name));
            copy(m, out, f);
          }
        }
        if (l4 === 'tcp' && has(F.tcpFlags)) {
          needs(F.tcpFlags);
          copy(m, out, F.tcpFlags);
        }
      } else if ((dlType === ETH_TYPE_IP && proto === IPPROTO_ICMP) || (dlType === ETH_TYPE_IPV6 && proto === IPPROTO_ICMPV6)) {
        // ICMP type and code are exact 8-bit fields on the wire.
        if (has(F.tpSrc)) out.set(F.tpSrc, getBits(m.key, F.tpSrc) & 0xffn);
        if (has(F.tpDst)) out.set(F.tpDst, getBits(m.key, F.tpDst) & 0xffn);
        const type = getBits(m.key, F.tpSrc);
        const nd = dlType === ETH_TYPE_IPV6 && getBits(m.key, F.tpDst) === 0n && (type === 135n || type === 136n);
        if (nd) {
          copyIfSet(m, out, F.ndTarget);
          if (type === 135n) copyIfSet(m, out, F.arpSha);
          if (type === 136n) copyIfSet(m, out, F.arpTha);
        }
      }
    }
  } else if (dlType === ETH_TYPE_ARP || dlType === ETH_TYPE_RARP) {
    if (has(F.nwProto)) copyExact(m, out, F.nwProto);
    for (const f of [F.nwSrc, F.nwDst, F.arpSha, F.arpTha]) copyIfSet(m, out, f);
  }

  for (const f of [F.tunId, F.tunFlags, F.tunSrc, F.tunDst, F.tunIpv6Src, F.tunIpv6Dst]) copyIfSet(m, out, f);
  for (const r of REGS) copyIfSet(m, out, r);
  copyIfSet(m, out, F.pktMark);
  for (const f of [F.ctState, F.ctZone, F.ctMark, F.ctLabel]) copyIfSet(m, out, f);
  for (const f of [F.ctNwSrc, F.ctIpv6Src, F.ctNwDst, F.ctIpv6Dst]) {
    if (has(f)) {
      needs(f);
      copy(m, out, f);
    }
  }
  // The original-direction protocol and ports travel only with a nonzero protocol.
  if (getBits(m.key, F.ctNwProto) !== 0n) {
    for (const f of [F.ctNwProto, F.ctTpSrc, F.ctTpDst]) {
      if (has(f)) {
        needs(f);
        copy(m, out, f);
      }
    }
  }
  copyIfSet(m, out, F.metadata);
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Printing (match_format).

function hex(v: bigint): string {
  return v === 0n ? '0' : `0x${v.toString(16)}`;
}

/** format_uint32_masked / format_be64_masked: `%#x`, and `/%#x` unless exact. */
function formatHexMasked(v: bigint, mask: bigint, width: number): string {
  return mask === (1n << BigInt(width)) - 1n ? hex(v) : `${hex(v)}/${hex(mask)}`;
}

/** format_be16_masked / format_uint16_masked: decimal when exact, else `0x%x/0x%x`. */
function formatDecOrHexMasked(v: number, mask: number, full: number): string {
  return mask === full ? String(v) : `0x${v.toString(16)}/0x${mask.toString(16)}`;
}

/**
 * The match as `ovs-ofctl dump-flows` prints it, with `priority=N,` first unless `priority` is absent or the default
 * 32768. The flow printer passes the rule's priority.
 */
export function formatMatch(match: Match, priority?: number, opts: FormatMatchOptions = {}): string {
  const parts: string[] = [];
  const put = (s: string): void => {
    parts.push(s);
  };
  const k = match.key;
  const msk = match.mask;
  const val = (f: FieldDef): bigint => getBits(k, f);
  const mask = (f: FieldDef): bigint => getBits(msk, f);

  if (priority !== undefined && priority !== OFP_DEFAULT_PRIORITY) put(`priority=${priority}`);
  if (mask(F.pktMark)) put(`pkt_mark=${formatHexMasked(val(F.pktMark), mask(F.pktMark), 32)}`);
  if (mask(F.recircId)) put(`recirc_id=${formatHexMasked(val(F.recircId), mask(F.recircId), 32)}`);
  if (mask(F.conjId)) put(`conj_id=${val(F.conjId)}`);

  const ctStateMask = Number(mask(F.ctState));
  if (ctStateMask) put(`ct_state=${formatFlagsMasked('ct-state', Number(val(F.ctState)), ctStateMask, 0xff)}`);
  if (mask(F.ctZone)) put(`ct_zone=${formatDecOrHexMasked(Number(val(F.ctZone)), Number(mask(F.ctZone)), 0xffff)}`);
  if (mask(F.ctMark)) put(`ct_mark=${formatHexMasked(val(F.ctMark), mask(F.ctMark), 32)}`);
  if (mask(F.ctLabel)) put(`ct_label=${formatHexMasked(val(F.ctLabel), mask(F.ctLabel), 128)}`);
  if (mask(F.ctNwSrc)) put(`ct_nw_src=${formatIpv4Masked(val(F.ctNwSrc), mask(F.ctNwSrc))}`);
  if (mask(F.ctIpv6Src)) put(`ct_ipv6_src=${formatIpv6Masked(val(F.ctIpv6Src), mask(F.ctIpv6Src))}`);
  if (mask(F.ctNwDst)) put(`ct_nw_dst=${formatIpv4Masked(val(F.ctNwDst), mask(F.ctNwDst))}`);
  if (mask(F.ctIpv6Dst)) put(`ct_ipv6_dst=${formatIpv6Masked(val(F.ctIpv6Dst), mask(F.ctIpv6Dst))}`);
  if (mask(F.ctNwProto)) {
    put(`ct_nw_proto=${val(F.ctNwProto)}`);
    if (mask(F.ctTpSrc)) put(`ct_tp_src=${formatDecOrHexMasked(Number(val(F.ctTpSrc)), Number(mask(F.ctTpSrc)), 0xffff)}`);
    if (mask(F.ctTpDst)) put(`ct_tp_dst=${formatDecOrHexMasked(Number(val(F.ctTpDst)), Number(mask(F.ctTpDst)), 0xffff)}`);
  }

  // The protocol shorthand.
  const dlType = Number(val(F.dlType));
  const dlTypeMasked = mask(F.dlType) !== 0n;
  const proto = Number(val(F.nwProto));
  const protoMasked = mask(F.nwProto) !== 0n;
  let skipType = false;
  let skipProto = false;
  if (dlTypeMasked) {
    skipType = true;
    if (dlType === ETH_TYPE_IP || dlType === ETH_TYPE_IPV6) {
      const v6 = dlType === ETH_TYPE_IPV6;
      const names: Record<number, string> = v6
        ? { [IPPROTO_ICMPV6]: 'icmp6', [IPPROTO_TCP]: 'tcp6', [IPPROTO_UDP]: 'udp6', [IPPROTO_SCTP]: 'sctp6' }
        : { [IPPROTO_ICMP]: 'icmp', [IPPROTO_TCP]: 'tcp', [IPPROTO_UDP]: 'udp', [IPPROTO_SCTP]: 'sctp' };
      const short = protoMasked ? names[proto] : undefined;
      put(short ?? (v6 ? 'ipv6' : 'ip'));
      skipProto = short !== undefined;
    } else if (dlType === ETH_TYPE_ARP) put('arp');
    else if (dlType === ETH_TYPE_RARP) put('rarp');
    else if (dlType === ETH_TYPE_MPLS) put('mpls');
    else if (dlType === ETH_TYPE_MPLS_MCAST) put('mplsm');
    else skipType = false;
  }

  REGS.forEach((r, i) => {
    if (mask(r)) put(`reg${i}=${formatHexMasked(val(r), mask(r), 32)}`);
  });

  if (mask(F.tunId)) put(`tun_id=${formatHexMasked(val(F.tunId), mask(F.tunId), 64)}`);
  if (mask(F.tunSrc)) put(`tun_src=${formatIpv4Masked(val(F.tunSrc), mask(F.tunSrc))}`);
  if (mask(F.tunDst)) put(`tun_dst=${formatIpv4Masked(val(F.tunDst), mask(F.tunDst))}`);
  if (mask(F.tunIpv6Src)) put(`tun_ipv6_src=${formatIpv6Masked(val(F.tunIpv6Src), mask(F.tunIpv6Src))}`);
  if (mask(F.tunIpv6Dst)) put(`tun_ipv6_dst=${formatIpv6Masked(val(F.tunIpv6Dst), mask(F.tunIpv6Dst))}`);
  if (mask(F.tunTos)) put(`tun_tos=${val(F.tunTos).toString(16)}`); // OVS prints it with %x, no 0x
  if (mask(F.tunTtl)) put(`tun_ttl=${val(F.tunTtl)}`);
  if (mask(F.tunFlags) & 1n) {
    // OVS compares against all its tunnel flag bits (FLOW_TNL_F_MASK, 0xf), so the public oam bit always prints
    // in the +/- form.
    put(`tun_flags=${formatFlagsMasked('tun-flags', Number(val(F.tunFlags) & 1n), Number(mask(F.tunFlags) & 1n), 0xf)}`);
  }

  if (mask(F.metadata)) put(`metadata=${formatHexMasked(val(F.metadata), mask(F.metadata), 64)}`);
  if (mask(F.inPort)) put(`in_port=${formatPort(Number(val(F.inPort)), opts.portNamer)}`);

  const tciMask = tci(msk);
  const tciValue = tci(k);
  if (tciMask) {
    const vidMask = tciMask & 0x0fff;
    const pcpMask = tciMask & 0xe000;
    if (
      tciMask & VLAN_CFI &&
      tciValue & VLAN_CFI &&
      (vidMask === 0 || vidMask === 0x0fff) &&
      (pcpMask === 0 || pcpMask === 0xe000) &&
      (vidMask || pcpMask)
    ) {
      if (vidMask) put(`dl_vlan=${tciValue & 0x0fff}`);
      if (pcpMask) put(`dl_vlan_pcp=${tciValue >>> 13}`);
    } else if (tciMask === 0xffff) {
      put(`vlan_tci=0x${tciValue.toString(16).padStart(4, '0')}`);
    } else {
      put(`vlan_tci=0x${tciValue.toString(16).padStart(4, '0')}/0x${tciMask.toString(16).padStart(4, '0')}`);
    }
  }

  if (mask(F.dlSrc)) put(`dl_src=${formatEthernetMasked(val(F.dlSrc), mask(F.dlSrc))}`);
  if (mask(F.dlDst)) put(`dl_dst=${formatEthernetMasked(val(F.dlDst), mask(F.dlDst))}`);
  if (!skipType && dlTypeMasked) put(`dl_type=0x${dlType.toString(16).padStart(4, '0')}`);

  const isArp = dlType === ETH_TYPE_ARP || dlType === ETH_TYPE_RARP;
  if (dlType === ETH_TYPE_IPV6) {
    if (mask(F.ipv6Src)) put(`ipv6_src=${formatIpv6Masked(val(F.ipv6Src), mask(F.ipv6Src))}`);
    if (mask(F.ipv6Dst)) put(`ipv6_dst=${formatIpv6Masked(val(F.ipv6Dst), mask(F.ipv6Dst))}`);
    const lm = Number(mask(F.ipv6Label));
    if (lm) {
      const lv = Number(val(F.ipv6Label)).toString(16).padStart(5, '0');
      put(lm === 0xfffff ? `ipv6_label=0x${lv}` : `ipv6_label=0x${lv}/0x${lm.toString(16).padStart(5, '0')}`);
    }
  } else {
    const [srcName, dstName] = isArp ? ['arp_spa', 'arp_tpa'] : ['nw_src', 'nw_dst'];
    if (mask(F.nwSrc)) put(`${srcName}=${formatIpv4Masked(val(F.nwSrc), mask(F.nwSrc))}`);
    if (mask(F.nwDst)) put(`${dstName}=${formatIpv4Masked(val(F.nwDst), mask(F.nwDst))}`);
  }
  if (!skipProto && protoMasked) put(`${isArp ? 'arp_op' : 'nw_proto'}=${proto}`);
  if (isArp) {
    if (mask(F.arpSha)) put(`arp_sha=${formatEthernetMasked(val(F.arpSha), mask(F.arpSha))}`);
    if (mask(F.arpTha)) put(`arp_tha=${formatEthernetMasked(val(F.arpTha), mask(F.arpTha))}`);
  }
  const tosMask = (msk[W.NW] >>> 16) & 0xff;
  const tos = (k[W.NW] >>> 16) & 0xff;
  if (tosMask & 0xfc) put(`nw_tos=${tos & 0xfc}`);
  if (tosMask & 0x03) put(`nw_ecn=${tos & 0x03}`);
  if (mask(F.nwTtl)) put(`nw_ttl=${val(F.nwTtl)}`);
  const frag = formatFrag(Number(val(F.nwFrag)), Number(mask(F.nwFrag)));
  if (frag !== undefined) put(`nw_frag=${frag}`);

  const tpSrc = Number(val(F.tpSrc));
  const tpSrcMask = Number(mask(F.tpSrc));
  const tpDst = Number(val(F.tpDst));
  const tpDstMask = Number(mask(F.tpDst));
  const icmp4 = dlType === ETH_TYPE_IP && proto === IPPROTO_ICMP;
  const icmp6 = dlType === ETH_TYPE_IPV6 && proto === IPPROTO_ICMPV6;
  const [srcName, dstName] = icmp4 || icmp6 ? ['icmp_type', 'icmp_code'] : ['tp_src', 'tp_dst'];
  if (tpSrcMask) put(`${srcName}=${formatDecOrHexMasked(tpSrc, tpSrcMask, 0xffff)}`);
  if (tpDstMask) put(`${dstName}=${formatDecOrHexMasked(tpDst, tpDstMask, 0xffff)}`);
  if (icmp6) {
    if (mask(F.ndTarget)) put(`nd_target=${formatIpv6Masked(val(F.ndTarget), mask(F.ndTarget))}`);
    if (mask(F.arpSha)) put(`nd_sll=${formatEthernetMasked(val(F.arpSha), mask(F.arpSha))}`);
    if (mask(F.arpTha)) put(`nd_tll=${formatEthernetMasked(val(F.arpTha), mask(F.arpTha))}`);
  }
  const flagsMask = Number(mask(F.tcpFlags));
  if ((dlType === ETH_TYPE_IP || dlType === ETH_TYPE_IPV6) && proto === IPPROTO_TCP && flagsMask) {
    put(`tcp_flags=${formatFlagsMasked('tcp-flags', Number(val(F.tcpFlags)), flagsMask, 0x0fff)}`);
  }
  return parts.join(',');
}

