/**
 * Conntrack entries as `ovs-appctl dpctl/dump-conntrack` prints them (OVS 3.1 lib/ct-dpif.c ct_dpif_format_entry),
 * `dpctl/ct-stats-show`, and the tuple syntax of `dpctl/flush-conntrack` (lib/ofp-ct.c ofp_ct_tuple_parse).
 *
 *   tcp,orig=(src=10.0.0.1,dst=10.0.0.2,sport=40000,dport=80),reply=(src=10.0.0.2,dst=10.0.0.1,sport=80,dport=40000),
 *   zone=1,mark=5,labels=0xf00d,protoinfo=(state=ESTABLISHED),helper=ftp
 *
 * zone, mark and labels are printed only when non-zero; protoinfo only for TCP (the larger of the two peers' states,
 * FIN_WAIT_2 shown as TIME_WAIT and SYN_RECV as ESTABLISHED); ICMP tuples print id, type and code instead of ports;
 * labels are the 128-bit value in hex without leading zero bytes. With statistics (`-s`) ",timeout=N" follows the
 * zone. Entries are printed in table order, which is no order: the replay output sorts them, as run_ovs.py does.
 */

import { InputError } from '../base/errors.js';
import { ipv4FromString, ipv6FromString, ipv6ToString } from '../packet/addr.js';
import { TCP_STATE_NAMES } from './tcp.js';

export interface CtTuple {
  readonly v6: boolean;
  /** 4 words each; IPv4 in word 0. */
  readonly src: Uint32Array;
  readonly dst: Uint32Array;
  readonly proto: number;
  readonly sport: number;
  readonly dport: number;
  readonly icmpId: number;
  readonly icmpType: number;
  readonly icmpCode: number;
}

export interface CtEntry {
  readonly orig: CtTuple;
  readonly reply: CtTuple;
  readonly parent: CtTuple | null;
  readonly zone: number;
  readonly mark: number;
  /** 128-bit label. */
  readonly label: bigint;
  /** Printed TCP state (TcpState), or -1 for other protocols. */
  readonly tcpState: number;
  readonly helper: 'ftp' | 'tftp' | null;
  /** Seconds left, as OVS rounds them. */
  readonly timeout: number;
}

const PROTO_NAMES: Readonly<Record<number, string>> = { 1: 'icmp', 58: 'icmpv6', 6: 'tcp', 17: 'udp', 132: 'sctp', 136: 'udplite', 33: 'dccp', 2: 'igmp' };

export function protoName(p: number): string {
  return PROTO_NAMES[p] ?? String(p);
}

function addrText(w: Uint32Array, v6: boolean): string {
  if (!v6) return `${w[0] >>> 24}.${(w[0] >>> 16) & 0xff}.${(w[0] >>> 8) & 0xff}.${w[0] & 0xff}`;
  const b = new Uint8Array(16);
  for (let i = 0; i < 4; i++) {
    b[4 * i] = w[i] >>> 24;
    b[4 * i + 1] = w[i] >>> 16;
    b[4 * i + 2] = w[i] >>> 8;
    b[4 * i + 3] = w[i];
  }
  return ipv6ToString(b);
}

export function formatTuple(t: CtTuple): string {
  let s = `src=${addrText(t.src, t.v6)},dst=${addrText(t.dst, t.v6)}`;
  if (t.proto === 1 || t.proto === 58) s += `,id=${t.icmpId},type=${t.icmpType},code=${t.icmpCode}`;
  else s += `,sport=${t.sport},dport=${t.dport}`;
  return s;
}

export interface FormatOptions {
  /** Print ",timeout=N" (dpctl's -s). */
  readonly stats?: boolean;
}

export function formatEntry(e: CtEntry, opts: FormatOptions = {}): string {
  let s = `${protoName(e.orig.proto)},orig=(${formatTuple(e.orig)}),reply=(${formatTuple(e.reply)})`;
  if (e.zone) s += `,zone=${e.zone}`;
  if (opts.stats) s += `,timeout=${e.timeout}`;
  if (e.mark) s += `,mark=${e.mark >>> 0}`;
  if (e.label !== 0n) s += `,labels=0x${e.label.toString(16)}`;
  if (e.tcpState >= 0) s += `,protoinfo=(state=${TCP_STATE_NAMES[e.tcpState] ?? `[${e.tcpState}]`})`;
  if (e.helper) s += `,helper=${e.helper}`;
  return s;
}

/** dpctl/ct-stats-show (non-verbose unless `verbose`). */
export function formatStats(entries: readonly CtEntry[], verbose = false): string {
  const counts = new Map<string, number>();
  const tcpStates = new Array<number>(TCP_STATE_NAMES.length).fill(0);
  const order = ['TCP', 'UDP', 'UDPLITE', 'SCTP', 'ICMP', 'DCCP', 'IGMP', 'Other'];
  const kind: Readonly<Record<number, string>> = { 6: 'TCP', 17: 'UDP', 136: 'UDPLITE', 132: 'SCTP', 1: 'ICMP', 33: 'DCCP', 2: 'IGMP' };
  for (const e of entries) {
    // ICMPv6 is counted in its own (never printed) slot, as OVS does.
    const k = e.orig.proto === 58 ? 'ICMPV6' : (kind[e.orig.proto] ?? 'Other');
    counts.set(k, (counts.get(k) ?? 0) + 1);
    if (e.orig.proto === 6 && e.tcpState >= 0) tcpStates[e.tcpState]++;
  }
  let s = `Connections Stats:\n    Total: ${entries.length}\n`;
  for (const k of order) {
    const n = counts.get(k);
    if (!n) continue;
    s += `  ${k}: ${n}\n`;
    if (k === 'TCP' && verbose) {
      s += '    Conn per TCP states:\n';
      tcpStates.forEach((c, i) => {
        if (c) s += `\t  [${TCP_STATE_NAMES[i]}]=${c}\n`;
      });
    }
  }
  return s;
}

/** A partial tuple of `dpctl/flush-conntrack` ('ct_nw_src=...,ct_tp_dst=...'); zero fields are wildcards. */
export interface CtTupleMatch {
  v6: boolean | null;
  proto: number;
  src: Uint32Array;
  dst: Uint32Array;
  sport: number;
  dport: number;
  icmpId: number;
  icmpType: number;
  icmpCode: number;
}

export function emptyTupleMatch(): CtTupleMatch {
  return { v6: null, proto: 0, src: new Uint32Array(4), dst: new Uint32Array(4), sport: 0, dport: 0, icmpId: 0, icmpType: 0, icmpCode: 0 };
}

function words(bytes: Uint8Array): Uint32Array {
  const w = new Uint32Array(4);
  for (let i = 0; i < 4; i++) w[i] = ((bytes[4 * i] << 24) | (bytes[4 * i + 1] << 16) | (bytes[4 * i + 2] << 8) | bytes[4 * i + 3]) >>> 0;
  return w;
}

function uint(value: string, key: string, max: number): number {
  if (!/^(0x[0-9a-fA-F]+|[0-9]+)$/.test(value) || Number(value) > max) throw new InputError(`failed to parse field ${key}`);
  return Number(value);
}

/**
 * ofp_ct_tuple_parse: parses one tuple argument into `m` (which carries ip proto and family across the two tuples of
 * one command). Throws InputError with OVS's message on bad input.
 */
export function parseTupleMatch(text: string, m: CtTupleMatch): CtTupleMatch {
  const t = emptyTupleMatch();
  t.v6 = m.v6;
  t.proto = m.proto;
  for (const part of text.split(',')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const key = eq < 0 ? part : part.slice(0, eq);
    const value = eq < 0 ? '' : part.slice(eq + 1);
    if (value === '') throw new InputError(`field ${key} missing value`);
    switch (key) {
      case 'ct_nw_src':
      case 'ct_nw_dst': {
        if (t.v6 === true) throw new InputError(`the L3 protocol does not match ${value}`);
        let a: number;
        try {
          a = ipv4FromString(value);
        } catch {
          throw new InputError(`failed to parse field ${key}`);
        }
        (key === 'ct_nw_src' ? t.src : t.dst)[0] = a;
        t.v6 = false;
        break;
      }
      case 'ct_ipv6_src':
      case 'ct_ipv6_dst': {
        if (t.v6 === false) throw new InputError(`the L3 protocol does not match ${value}`);
        let w: Uint32Array;
        try {
          w = words(ipv6FromString(value));
        } catch {
          throw new InputError(`failed to parse field ${key}`);
        }
        (key === 'ct_ipv6_src' ? t.src : t.dst).set(w);
        t.v6 = true;
        break;
      }
      case 'ct_nw_proto':
        t.proto = uint(value, key, 255);
        break;
      case 'ct_tp_src':
        t.sport = uint(value, key, 65535);
        break;
      case 'ct_tp_dst':
        t.dport = uint(value, key, 65535);
        break;
      case 'icmp_type':
      case 'icmp_code':
      case 'icmp_id':
        if (t.proto !== 1 && t.proto !== 58) throw new InputError('invalid L4 fields');
        if (key === 'icmp_type') t.icmpType = uint(value, key, 255);
        else if (key === 'icmp_code') t.icmpCode = uint(value, key, 255);
        else t.icmpId = uint(value, key, 65535);
        break;
      default:
        throw new InputError(`invalid conntrack tuple field: ${key}`);
    }
  }
  m.v6 = t.v6;
  m.proto = t.proto;
  return t;
}

function addrMatches(partial: Uint32Array, addr: Uint32Array): boolean {
  if ((partial[0] | partial[1] | partial[2] | partial[3]) === 0) return true;
  for (let i = 0; i < 4; i++) if (partial[i] !== addr[i]) return false;
  return true;
}

/** ct_dpif_tuple_ip_cmp_partial. */
export function tupleMatches(m: CtTupleMatch, t: CtTuple, proto: number): boolean {
  if (!addrMatches(m.src, t.src) || !addrMatches(m.dst, t.dst)) return false;
  if (proto === 1 || proto === 58) return m.icmpId === t.icmpId && m.icmpType === t.icmpType && m.icmpCode === t.icmpCode;
  if (m.sport && m.sport !== t.sport) return false;
  if (m.dport && m.dport !== t.dport) return false;
  return true;
}

export function tupleMatchIsZero(m: CtTupleMatch): boolean {
  const addrZero = (m.src[0] | m.src[1] | m.src[2] | m.src[3] | m.dst[0] | m.dst[1] | m.dst[2] | m.dst[3]) === 0;
  if (m.proto === 1 || m.proto === 58) return addrZero;
  return addrZero && !m.sport && !m.dport;
}

export function tupleMatchIsFive(m: CtTupleMatch): boolean {
  const addrs = (m.src[0] | m.src[1] | m.src[2] | m.src[3]) !== 0 && (m.dst[0] | m.dst[1] | m.dst[2] | m.dst[3]) !== 0;
  if (m.proto === 1 || m.proto === 58) return addrs;
  return addrs && m.sport !== 0 && m.dport !== 0;
}
