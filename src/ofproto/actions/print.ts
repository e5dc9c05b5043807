/**
 * Printing OpenFlow actions exactly as OVS 3.1's `ovs-ofctl dump-flows` prints them.
 *
 * What a dump shows is not what was typed: ovs-ofctl encodes the actions into OpenFlow messages of the connection's
 * version, the switch stores what it decodes, and the dump decodes the switch's re-encoding. Each trip can change
 * the spelling. With the default OpenFlow 1.0 (+ Nicira extensions):
 *
 *   set_field:aa:..->eth_src  prints  mod_dl_src:aa:..      (there is an OpenFlow 1.0 action for it)
 *   set_field:1->reg0         prints  load:0x1->NXM_NX_REG0[]
 *   mod_nw_ecn:2              prints  load:0x2->NXM_NX_IP_ECN[]   (no 1.0 action; a Nicira reg_load instead)
 *   goto_table:5              prints  resubmit(,5)
 *   set_vlan_vid:5            prints  mod_vlan_vid:5
 *
 * and with OpenFlow 1.3 (`-O OpenFlow13` for add-flow and dump-flows alike):
 *
 *   mod_dl_src:aa:..          prints  set_field:aa:..->eth_src
 *   mod_vlan_vid:2            prints  push_vlan:0x8100,set_field:4098->vlan_vid  when the rule's match has no VLAN
 *   strip_vlan                prints  pop_vlan
 *   mod_nw_tos:64             prints  set_field:16->ip_dscp
 *   set_tunnel:0x5            prints  set_field:0x5->tun_id
 *   load:... and masked set_field  print as load:... (Nicira reg_load survives every version)
 *   write_actions(...), clear_actions   print as themselves; OpenFlow 1.0 has no instructions, so there they vanish
 *                                       (ovs-ofctl's 1.0 encoder drops them silently), as does an empty write_actions()
 *
 * So printing takes the version, and the rule's match, because whether mod_vlan_vid needs a push depends on
 * whether the match (and the actions before it) guarantee a VLAN tag, as OVS's ofpacts_check records. Every rule
 * here was checked against real OVS (test/ofproto/fixtures/).
 */

import type { Subfield } from '../../flow/bits.js';
import type { FieldDef } from '../../flow/fields.js';
import { OfpPort, VLAN_CFI, W, IPPROTO_TCP, IPPROTO_UDP, IPPROTO_SCTP } from '../../flow/key-layout.js';
import type { Match } from '../../flow/match.js';
import { formatEthernet, formatIpv4 as formatIpv4Big, formatIpv6, formatPort, ovsFieldName, type PortNamer } from '../../flow/value-syntax.js';
import { hexOf } from './numbers.js';
import type { Action, CtAction, CtNat, LearnAction } from './types.js';

export type OfVersion = 'OpenFlow10' | 'OpenFlow13';

export interface FormatActionsOptions {
  /** The OpenFlow version of both the add and the dump; default OpenFlow10, as plain ovs-ofctl. */
  readonly version?: OfVersion;
  /** Port names for `--names` output; without it ports print as numbers. */
  readonly namer?: PortNamer;
  /** The rule's match; needed for OpenFlow 1.3 VLAN and L4 port spellings. Default: matches everything. */
  readonly match?: Match;
  /**
   * Print the actions as a trace shows them (OVS's ofpacts_format of what the switch holds) rather than as a dump
   * after a trip through OpenFlow 1.0: instructions (goto_table, write_actions, clear_actions) and push_vlan keep
   * their own names. Other spellings follow `version`.
   */
  readonly trace?: boolean;
}

/** The `actions=` text of a dump line (without the `actions=` prefix). An empty list prints as `drop`. */
export function formatActions(actions: readonly Action[], opts: FormatActionsOptions = {}): string {
  const text = formatList(actions, printState(opts));
  return text === '' ? 'drop' : text;
}

/**
 * The actions as the switch holds them, one list of ofpacts per action: what one action became after the add-flow
 * trip in `opts.version` (OpenFlow 1.3's mod_vlan_vid on an untagged match is two ofpacts, push_vlan and set_field;
 * mod_tp_dst on a TCP match is set_field:…->tcp_dst), each as ofpacts_format prints it. ofproto/trace prints one line
 * per ofpact, so this is its per-action text. An action that leaves nothing (OpenFlow 1.0's push_vlan outside a
 * trace) has an empty list.
 */
export function formatActionsHeld(actions: readonly Action[], opts: FormatActionsOptions = {}): string[][] {
  const st = printState(opts);
  return actions.map((a) => pieces(formatOne(a, st)));
}

function printState(opts: FormatActionsOptions): PrintState {
  return {
    version: opts.version ?? 'OpenFlow10',
    trace: opts.trace ?? false,
    namer: opts.namer,
    vlan: opts.match !== undefined && (opts.match.key[W.DL_TYPE_VLAN] & opts.match.mask[W.DL_TYPE_VLAN] & VLAN_CFI) !== 0,
    innerVlan: false,
    nwProto:
      opts.match !== undefined && ((opts.match.mask[W.NW] >>> 24) & 0xff) === 0xff
        ? (opts.match.key[W.NW] >>> 24) & 0xff
        : undefined,
  };
}

interface PrintState {
  readonly version: OfVersion;
  readonly trace: boolean;
  readonly namer: PortNamer | undefined;
  /** Whether the packet is known to carry a VLAN tag at this point (OVS's flow_has_vlan at check time). */
  vlan: boolean;
  /** Whether a push moved a known tag into the inner slot, where a pop brings it back (checks.ts). */
  innerVlan: boolean;
  readonly nwProto: number | undefined;
}

/** What one action prints as: one ofpact's text, several (an action OVS stores as more than one), or '' (none). */
type Printed = string | readonly string[];

function pieces(p: Printed): string[] {
  if (typeof p === 'string') return p === '' ? [] : [p];
  return p.filter((s) => s !== '');
}

function formatList(actions: readonly Action[], st: PrintState): string {
  const parts: string[] = [];
  for (const a of actions) parts.push(...pieces(formatOne(a, st)));
  return parts.join(',');
}

// --- ports, subfields, values ------------------------------------------------------------------------------------

export { formatPort };

/** mf_format_subfield: the field's NXM name (else OXM, else its name), then [], [bit] or [a..b]. */
export function formatSubfield(sf: Subfield): string {
  const name = sf.field.nxm ?? sf.field.oxm ?? sf.field.name;
  if (sf.ofs === 0 && sf.nbits === sf.field.nbits) return `${name}[]`;
  if (sf.nbits === 1) return `${name}[${sf.ofs}]`;
  return `${name}[${sf.ofs}..${sf.ofs + sf.nbits - 1}]`;
}

const formatMac = formatEthernet;
const formatIpv4 = (v: number | bigint): string => formatIpv4Big(BigInt(v));

/** mf_format for an exact value (the masks set_field prints in OpenFlow 1.2+ are always exact). */
export function formatFieldValue(field: FieldDef, value: bigint, namer: PortNamer | undefined): string {
  switch (field.format) {
    case 'ethernet':
      return formatMac(value);
    case 'ipv4':
      return formatIpv4(value);
    case 'ipv6':
      return formatIpv6(value);
    case 'ofp-port':
      return formatPort(Number(value), namer);
    case 'decimal':
      return value.toString(10);
    default:
      return hexOf(value);
  }
}

// --- one action --------------------------------------------------------------------------------------------------

const ones = (f: FieldDef): bigint => (1n << BigInt(f.nbits)) - 1n;

/** Contiguous runs of one bits in `mask`, each at most 64 bits (OVS's next_load_segment). */
function loadSegments(field: FieldDef, value: bigint, mask: bigint): readonly string[] {
  const out: string[] = [];
  let i = 0;
  while (i < field.nbits) {
    if (((mask >> BigInt(i)) & 1n) === 0n) {
      i++;
      continue;
    }
    let j = i;
    while (j < field.nbits && j - i < 64 && ((mask >> BigInt(j)) & 1n) === 1n) j++;
    const n = j - i;
    const v = (value >> BigInt(i)) & ((1n << BigInt(n)) - 1n);
    out.push(`load:${hexOf(v)}->${formatSubfield({ field, ofs: i, nbits: n })}`);
    i = j;
  }
  return out;
}

function setFieldText(field: FieldDef, value: bigint, st: PrintState): string {
  return `set_field:${formatFieldValue(field, value, st.namer)}->${ovsFieldName(field)}`;
}

/** A set_field that arrived as OFPAT set_field, re-encoded for the version (OVS's encode_SET_FIELD). */
function formatSetField(field: FieldDef, value: bigint, mask: bigint, st: PrintState): Printed {
  if (st.version === 'OpenFlow13') {
    if (mask === ones(field)) {
      if (field.name === 'vlan_tci') st.vlan = (value & BigInt(VLAN_CFI)) !== 0n;
      return setFieldText(field, value, st);
    }
    return loadSegments(field, value, mask);
  }
  // OpenFlow 1.0: the legacy action when there is one (the mask is dropped, as OVS does), else Nicira reg_load.
  switch (field.name) {
    case 'vlan_tci': {
      if ((value & BigInt(VLAN_CFI)) !== 0n) {
        st.vlan = true;
        return [`mod_vlan_vid:${value & 0xfffn}`, `mod_vlan_pcp:${(value >> 13n) & 7n}`];
      }
      st.vlan = false;
      return 'strip_vlan';
    }
    case 'vlan_vid':
      return `mod_vlan_vid:${value & 0xfffn}`;
    case 'vlan_pcp':
      return `mod_vlan_pcp:${value}`;
    case 'dl_src':
      return `mod_dl_src:${formatMac(value)}`;
    case 'dl_dst':
      return `mod_dl_dst:${formatMac(value)}`;
    case 'nw_src':
      return `mod_nw_src:${formatIpv4(value)}`;
    case 'nw_dst':
      return `mod_nw_dst:${formatIpv4(value)}`;
    case 'nw_tos':
      return `mod_nw_tos:${value & 0xfcn}`;
    case 'ip_dscp':
      return `mod_nw_tos:${(value << 2n) & 0xfcn}`;
    case 'nw_ecn':
      return `load:${hexOf(value)}->NXM_NX_IP_ECN[]`;
    case 'tcp_src':
    case 'udp_src':
      return `mod_tp_src:${value}`;
    case 'tcp_dst':
    case 'udp_dst':
      return `mod_tp_dst:${value}`;
    default:
      return loadSegments(field, value, mask);
  }
}

/**
 * mod_tp_src/mod_tp_dst in OpenFlow 1.3: set_field to the L4 field of the match's protocol. Without a TCP, UDP or SCTP
 * match (possible only inside write_actions, which is not checked against the match) OVS falls back to the
 * OpenFlow 1.1 action, which prints under its old name.
 */
function formatL4Port(st: PrintState, which: 'src' | 'dst', port: number): string {
  const p = st.nwProto;
  if (p !== IPPROTO_TCP && p !== IPPROTO_UDP && p !== IPPROTO_SCTP) return `mod_tp_${which}:${port}`;
  const proto = p === IPPROTO_UDP ? 'udp' : p === IPPROTO_SCTP ? 'sctp' : 'tcp';
  return `set_field:${port}->${proto}_${which}`;
}

function formatOne(a: Action, st: PrintState): Printed {
  const v13 = st.version === 'OpenFlow13';
  switch (a.kind) {
    case 'output': {
      const port = formatPort(a.port, st.namer);
      if (a.port === OfpPort.CONTROLLER) return `${port}:${a.maxLen}`;
      return a.port < OfpPort.MAX ? `output:${port}` : port;
    }
    case 'output_reg':
      return `output:${formatSubfield(a.src)}`;
    case 'controller': {
      if (a.reason === 'action' && a.controllerId === 0 && a.userdata === undefined && !a.pause && a.meterId === undefined) {
        return `CONTROLLER:${a.maxLen}`;
      }
      const p: string[] = [];
      if (a.reason !== 'action') p.push(`reason=${a.reason}`);
      if (a.maxLen !== 0xffff) p.push(`max_len=${a.maxLen}`);
      if (a.controllerId !== 0) p.push(`id=${a.controllerId}`);
      if (a.userdata !== undefined && a.userdata.length > 0) p.push(`userdata=${hexBytes(a.userdata)}`);
      if (a.pause) p.push('pause');
      if (a.meterId !== undefined) p.push(`meter_id=${a.meterId}`);
      return `controller(${p.join(',')})`;
    }
    case 'resubmit': {
      if (a.inPort !== undefined && a.table === undefined) return `resubmit:${formatPort(a.inPort, st.namer)}`;
      const port = a.inPort === undefined ? '' : formatPort(a.inPort, st.namer);
      const table = a.table === undefined ? '' : String(a.table);
      return `resubmit(${port},${table}${a.withCtOrig ? ',ct' : ''})`;
    }
    case 'goto_table':
      return v13 || st.trace ? `goto_table:${a.table}` : `resubmit(,${a.table})`;
    case 'write_actions': {
      if (!v13 && !st.trace) return '';
      // Only OpenFlow 1.1+ flow_mods carry write_actions, so what it holds is in 1.1+ spelling, in a trace too.
      const inner = formatList(a.actions, { ...st, version: 'OpenFlow13' });
      return inner === '' ? '' : `write_actions(${inner})`;
    }
    case 'clear_actions':
      return v13 || st.trace ? 'clear_actions' : '';
    case 'write_metadata':
      return `write_metadata:${hexOf(a.value)}${a.mask === (1n << 64n) - 1n ? '' : `/${hexOf(a.mask)}`}`;
    case 'set_vlan_vid': {
      if (!v13) {
        st.vlan = true;
        return `mod_vlan_vid:${a.vid}`;
      }
      const push = a.pushIfNone && !st.vlan ? 'push_vlan:0x8100' : '';
      st.vlan = true;
      return [push, `set_field:${a.vid | 0x1000}->vlan_vid`];
    }
    case 'set_vlan_pcp': {
      if (!v13) {
        st.vlan = true;
        return `mod_vlan_pcp:${a.pcp}`;
      }
      const push = a.pushIfNone && !st.vlan ? 'push_vlan:0x8100' : '';
      st.vlan = true;
      return [push, `set_field:${a.pcp}->vlan_pcp`];
    }
    case 'strip_vlan':
      st.vlan = st.innerVlan;
      st.innerVlan = false;
      return v13 ? 'pop_vlan' : 'strip_vlan';
    case 'push_vlan':
      st.innerVlan = st.vlan;
      st.vlan = true;
      // OpenFlow 1.0 has no push: OVS's encoder drops it (the following mod_vlan_vid pushes).
      return v13 || st.trace ? `push_vlan:${hexOf(a.ethertype)}` : '';
    case 'set_field':
      return formatSetField(a.field, a.value, a.mask, st);
    case 'load':
      return `load:${hexOf(a.value)}->${formatSubfield(a.dst)}`;
    case 'move':
      return `move:${formatSubfield(a.src)}->${formatSubfield(a.dst)}`;
    case 'set_eth_src':
      return v13 ? `set_field:${formatMac(a.mac)}->eth_src` : `mod_dl_src:${formatMac(a.mac)}`;
    case 'set_eth_dst':
      return v13 ? `set_field:${formatMac(a.mac)}->eth_dst` : `mod_dl_dst:${formatMac(a.mac)}`;
    case 'set_ipv4_src':
      return v13 ? `set_field:${formatIpv4(a.addr)}->ip_src` : `mod_nw_src:${formatIpv4(a.addr)}`;
    case 'set_ipv4_dst':
      return v13 ? `set_field:${formatIpv4(a.addr)}->ip_dst` : `mod_nw_dst:${formatIpv4(a.addr)}`;
    case 'set_ip_dscp':
      return v13 ? `set_field:${a.tos >> 2}->ip_dscp` : `mod_nw_tos:${a.tos}`;
    case 'set_ip_ecn':
      return v13 ? `set_field:${a.ecn}->nw_ecn` : `load:${hexOf(a.ecn)}->NXM_NX_IP_ECN[]`;
    case 'set_ip_ttl':
      return v13 ? `mod_nw_ttl:${a.ttl}` : `load:${hexOf(a.ttl)}->NXM_NX_IP_TTL[]`;
    case 'set_l4_src':
      return v13 ? formatL4Port(st, 'src', a.port) : `mod_tp_src:${a.port}`;
    case 'set_l4_dst':
      return v13 ? formatL4Port(st, 'dst', a.port) : `mod_tp_dst:${a.port}`;
    case 'dec_ttl':
      return a.explicitIds ? `dec_ttl(${a.controllerIds.join(',')})` : 'dec_ttl';
    case 'note':
      return `note:${hexBytes(padNote(a.data))}`;
    case 'conjunction':
      return `conjunction(${a.id},${a.clause}/${a.nClauses})`;
    case 'learn':
      return formatLearn(a, st);
    case 'clone':
      return `clone(${formatList(a.actions, { ...st })})`;
    case 'ct':
      return formatCt(a, st);
    case 'ct_clear':
      return 'ct_clear';
    case 'set_tunnel':
      if (v13) return `set_field:${hexOf(a.tunId)}->tun_id`;
      return `set_tunnel${a.is64 || a.tunId > 0xffffffffn ? '64' : ''}:${hexOf(a.tunId)}`;
    case 'exit':
      return 'exit';
    case 'fin_timeout': {
      const p: string[] = [];
      if (a.idleTimeout) p.push(`idle_timeout=${a.idleTimeout}`);
      if (a.hardTimeout) p.push(`hard_timeout=${a.hardTimeout}`);
      return `fin_timeout(${p.join(',')})`;
    }
    case 'unsupported':
      return a.text;
  }
}

function hexBytes(data: Uint8Array): string {
  return Array.from(data, (b) => b.toString(16).padStart(2, '0')).join('.');
}

/** NXAST_NOTE is 10 bytes of header plus the note, padded with zeros to a multiple of 8 (so at least 6 bytes). */
function padNote(data: Uint8Array): Uint8Array {
  const total = Math.ceil((10 + data.length) / 8) * 8;
  const out = new Uint8Array(total - 10);
  out.set(data);
  return out;
}

function formatLearn(a: LearnAction, st: PrintState): string {
  const p: string[] = [`table=${a.table}`];
  if (a.idleTimeout !== 0) p.push(`idle_timeout=${a.idleTimeout}`);
  if (a.hardTimeout !== 0) p.push(`hard_timeout=${a.hardTimeout}`);
  if (a.finIdleTimeout !== 0) p.push(`fin_idle_timeout=${a.finIdleTimeout}`);
  if (a.finHardTimeout !== 0) p.push(`fin_hard_timeout=${a.finHardTimeout}`);
  if (a.priority !== 0x8000) p.push(`priority=${a.priority}`);
  if (a.flags.includes('send_flow_rem')) p.push('send_flow_rem');
  if (a.flags.includes('delete_learned')) p.push('delete_learned');
  if (a.cookie !== 0n) p.push(`cookie=${hexOf(a.cookie)}`);
  if (a.limit !== 0) p.push(`limit=${a.limit}`);
  if (a.resultDst !== undefined) p.push(`result_dst=${formatSubfield(a.resultDst)}`);
  for (const s of a.specs) {
    switch (s.kind) {
      case 'match_value':
        if (s.dst.ofs === 0 && s.dst.nbits === s.dst.field.nbits) {
          p.push(`${ovsFieldName(s.dst.field)}=${formatFieldValue(s.dst.field, s.value, st.namer)}`);
        } else {
          p.push(`${formatSubfield(s.dst)}=${hexOf(s.value)}`);
        }
        break;
      case 'match_field':
        if (s.src.field !== s.dst.field || s.src.ofs !== s.dst.ofs) {
          p.push(`${formatSubfield(s.dst)}=${formatSubfield(s.src)}`);
        } else {
          p.push(formatSubfield(s.dst));
        }
        break;
      case 'load_value':
        p.push(`load:${hexOf(s.value)}->${formatSubfield(s.dst)}`);
        break;
      case 'load_field':
        p.push(`load:${formatSubfield(s.src)}->${formatSubfield(s.dst)}`);
        break;
      case 'output':
        p.push(`output:${formatSubfield(s.src)}`);
        break;
    }
  }
  return `learn(${p.join(',')})`;
}

function bytesToBigint(b: Uint8Array): bigint {
  let v = 0n;
  for (const x of b) v = (v << 8n) | BigInt(x);
  return v;
}

function formatNatAddr(b: Uint8Array, bracket: boolean): string {
  if (b.length === 4) return formatIpv4(Number(bytesToBigint(b)));
  const s = formatIpv6(bytesToBigint(b));
  return bracket ? `[${s}]` : s;
}

function formatNat(n: CtNat): string {
  if (n.type === 'none') return 'nat';
  let s = `nat(${n.type}`;
  if (n.addrMin !== undefined) {
    const bracket = n.portMin !== undefined && n.portMin !== 0;
    s += `=${formatNatAddr(n.addrMin, bracket)}`;
    if (n.addrMax !== undefined && bytesToBigint(n.addrMax) !== 0n && bytesToBigint(n.addrMax) !== bytesToBigint(n.addrMin)) {
      s += `-${formatNatAddr(n.addrMax, bracket)}`;
    }
    if (n.portMin !== undefined && n.portMin !== 0) {
      s += `:${n.portMin}`;
      if (n.portMax !== undefined && n.portMax !== 0 && n.portMax !== n.portMin) s += `-${n.portMax}`;
    }
    for (const f of ['persistent', 'hash', 'random'] as const) if (n.flags.includes(f)) s += `,${f}`;
  }
  return `${s})`;
}

function formatCt(a: CtAction, st: PrintState): string {
  const p: string[] = [];
  if (a.commit) p.push('commit');
  if (a.force) p.push('force');
  if (a.table !== undefined) p.push(`table=${a.table}`);
  if (typeof a.zone !== 'number') p.push(`zone=${formatSubfield(a.zone)}`);
  else if (a.zone !== 0) p.push(`zone=${a.zone}`);
  if (a.nat !== undefined) p.push(formatNat(a.nat));
  if (a.exec.length > 0) p.push(`exec(${formatList(a.exec, { ...st })})`);
  if (a.alg !== undefined) p.push(`alg=${a.alg}`);
  return `ct(${p.join(',')})`;
}
