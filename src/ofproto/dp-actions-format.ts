/**
 * Datapath actions as text, in the syntax of OVS's format_odp_actions (`Datapath actions:` in ofproto/trace,
 * `actions:` in dpctl/dump-flows): `set(eth(src=…)),set(ipv4(ttl=63)),push_vlan(vid=3,pcp=0),2`, `drop` when empty.
 *
 * Masked sets print only the fields the mask touches, as `field=value` when the field is fully masked and
 * `field=value/mask` otherwise (a decimal field's mask in hex, as OVS's format_be16/format_u8u print it). Ports
 * print as datapath numbers, or names when a namer is given.
 */

import { getBits } from '../flow/bits.js';
import { describeTunnelHeader } from '../tunnel/vxlan-encap.js';
import { fieldNamed, type FieldDef } from '../flow/fields.js';
import { VLAN_CFI } from '../flow/key-layout.js';
import type { DpAction } from './dp-actions.js';
import type { CtNat } from './actions/types.js';
import { ipv4ToString, ipv6ToString } from '../packet/addr.js';

interface HeaderField {
  readonly label: string;
  readonly field: FieldDef;
  readonly style: 'mac' | 'ipv4' | 'ipv6' | 'dec' | 'hex';
  /** Only these bits of the field belong to the datapath field (nw_tos as a whole byte). */
  readonly ofs?: number;
  readonly nbits?: number;
}

const f = fieldNamed;
const TOS_FIELD: FieldDef = { ...f('nw_tos'), significant: undefined };
const HEADERS: Record<string, readonly HeaderField[]> = {
  eth: [
    { label: 'src', field: f('dl_src'), style: 'mac' },
    { label: 'dst', field: f('dl_dst'), style: 'mac' },
  ],
  ipv4: [
    { label: 'src', field: f('nw_src'), style: 'ipv4' },
    { label: 'dst', field: f('nw_dst'), style: 'ipv4' },
    { label: 'tos', field: TOS_FIELD, style: 'hex' },
    { label: 'ttl', field: f('nw_ttl'), style: 'dec' },
  ],
  ipv6: [
    { label: 'src', field: f('ipv6_src'), style: 'ipv6' },
    { label: 'dst', field: f('ipv6_dst'), style: 'ipv6' },
    { label: 'label', field: f('ipv6_label'), style: 'hex' },
    { label: 'tclass', field: TOS_FIELD, style: 'hex' },
    { label: 'hlimit', field: f('nw_ttl'), style: 'dec' },
  ],
  tcp: [
    { label: 'src', field: f('tcp_src'), style: 'dec' },
    { label: 'dst', field: f('tcp_dst'), style: 'dec' },
  ],
  udp: [
    { label: 'src', field: f('udp_src'), style: 'dec' },
    { label: 'dst', field: f('udp_dst'), style: 'dec' },
  ],
  sctp: [
    { label: 'src', field: f('sctp_src'), style: 'dec' },
    { label: 'dst', field: f('sctp_dst'), style: 'dec' },
  ],
  icmpv4: [
    { label: 'type', field: f('icmp_type'), style: 'dec' },
    { label: 'code', field: f('icmp_code'), style: 'dec' },
  ],
  icmpv6: [
    { label: 'type', field: f('icmpv6_type'), style: 'dec' },
    { label: 'code', field: f('icmpv6_code'), style: 'dec' },
  ],
  arp: [
    { label: 'sip', field: f('arp_spa'), style: 'ipv4' },
    { label: 'tip', field: f('arp_tpa'), style: 'ipv4' },
    { label: 'op', field: f('nw_proto'), style: 'dec' },
    { label: 'sha', field: f('arp_sha'), style: 'mac' },
    { label: 'tha', field: f('arp_tha'), style: 'mac' },
  ],
  nd: [
    { label: 'target', field: f('nd_target'), style: 'ipv6' },
    { label: 'sll', field: f('nd_sll'), style: 'mac' },
    { label: 'tll', field: f('nd_tll'), style: 'mac' },
  ],
  tunnel: [
    { label: 'tun_id', field: f('tun_id'), style: 'hex' },
    { label: 'src', field: f('tun_src'), style: 'ipv4' },
    { label: 'dst', field: f('tun_dst'), style: 'ipv4' },
  ],
};

function fmtValue(v: bigint, style: HeaderField['style']): string {
  switch (style) {
    case 'mac': {
      const parts: string[] = [];
      for (let i = 5; i >= 0; i--) parts.push(((v >> BigInt(8 * i)) & 0xffn).toString(16).padStart(2, '0'));
      return parts.join(':');
    }
    case 'ipv4':
      return [24, 16, 8, 0].map((s) => Number((v >> BigInt(s)) & 0xffn)).join('.');
    case 'ipv6': {
      const groups: string[] = [];
      for (let i = 7; i >= 0; i--) groups.push(((v >> BigInt(16 * i)) & 0xffffn).toString(16));
      return groups.join(':').replace(/(^|:)0(:0)+(:|$)/, '::');
    }
    case 'dec':
      return v.toString();
    case 'hex':
      return v === 0n ? '0' : `0x${v.toString(16)}`;
  }
}

function formatSet(header: string, key: Uint32Array, mask: Uint32Array): string {
  if (header === 'skb_mark') return `set(skb_mark(0x${(key[2] >>> 0).toString(16)}/0x${(mask[2] >>> 0).toString(16)}))`;
  const fields = HEADERS[header] ?? [];
  const parts: string[] = [];
  for (const hf of fields) {
    const m = getBits(mask, hf.field);
    if (m === 0n) continue;
    const full = (1n << BigInt(hf.field.nbits)) - 1n;
    const v = getBits(key, hf.field);
    const maskStyle = hf.style === 'dec' ? 'hex' : hf.style;
    parts.push(m === full ? `${hf.label}=${fmtValue(v, hf.style)}` : `${hf.label}=${fmtValue(v, hf.style)}/${fmtValue(m, maskStyle)}`);
  }
  const name = header === 'icmpv4' ? 'icmp' : header;
  return `set(${name}(${parts.join(',')}))`;
}

const CONTROLLER_REASONS: Readonly<Record<string, number>> = {
  no_match: 0,
  action: 1,
  invalid_ttl: 2,
  action_set: 3,
  group: 4,
  packet_out: 5,
};

export function formatDpActions(actions: readonly DpAction[], portName?: (dpPort: number) => string | undefined): string {
  if (actions.length === 0) return 'drop';
  return actions.map((a) => formatOne(a, portName)).join(',');
}

function formatOne(a: DpAction, portName?: (dpPort: number) => string | undefined): string {
  switch (a.kind) {
    case 'output':
      return portName?.(a.port) ?? String(a.port);
    case 'set_masked':
      return formatSet(a.header, a.key, a.mask);
    case 'push_vlan': {
      const vid = a.tci & 0xfff;
      const pcp = (a.tci >> 13) & 7;
      const tpid = a.tpid !== 0x8100 ? `tpid=0x${a.tpid.toString(16)},` : '';
      const cfi = a.tci & VLAN_CFI ? ',cfi=1' : '';
      return `push_vlan(${tpid}vid=${vid},pcp=${pcp}${cfi})`;
    }
    case 'pop_vlan':
      return 'pop_vlan';
    case 'userspace':
      if (a.reason === 'slow_path') return `userspace(pid=0,slow_path(${a.detail}))`;
      return (
        `userspace(pid=0,controller(reason=${CONTROLLER_REASONS[a.detail] ?? 1},dont_send=0,continuation=0,` +
        `recirc_id=0,rule_cookie=${fmtValue(a.cookie, 'hex')},controller_id=${a.controllerId},max_len=${a.maxLen}))`
      );
    case 'recirc':
      return `recirc(0x${a.id.toString(16)})`;
    case 'ct': {
      const parts: string[] = [];
      if (a.commit) parts.push(a.force ? 'commit,force' : 'commit');
      if (a.zone) parts.push(`zone=${a.zone}`);
      if (a.mark) parts.push(`mark=0x${a.mark.value.toString(16)}/0x${(a.mark.mask >>> 0).toString(16)}`);
      if (a.label) parts.push(formatCtLabel(a.label.value, a.label.mask));
      if (a.alg) parts.push(`helper=${a.alg}`);
      if (a.nat) parts.push(formatCtNat(a.nat));
      return parts.length ? `ct(${parts.join(',')})` : 'ct';
    }
    case 'ct_clear':
      return 'ct_clear';
    case 'clone':
      return `clone(${formatDpActions(a.actions, portName)})`;
    case 'tnl_push': {
      const port = (n: number): string => portName?.(n) ?? String(n);
      return `tnl_push(tnl_port(${port(a.tnlPort)}),${describeTunnelHeader(a.header)},out_port(${port(a.outPort)}))`;
    }
    case 'tnl_pop':
      return `tnl_pop(${portName?.(a.tnlPort) ?? String(a.tnlPort)})`;
  }
}

const ALL_ONES_128 = (1n << 128n) - 1n;

/** OVS prints a ct label without its mask when the mask is all ones (but keeps an all-ones mark mask). */
function formatCtLabel(value: bigint, mask: bigint): string {
  const v = `label=0x${value.toString(16)}`;
  return mask === ALL_ONES_128 ? v : `${v}/0x${mask.toString(16)}`;
}

/** `nat`, or `nat(src|dst=MIN[-MAX][:PMIN[-PMAX]][,persistent][,hash][,random])` as OVS's format_odp_ct_nat. */
function formatCtNat(nat: CtNat): string {
  if (nat.type === 'none') return 'nat';
  let out = `nat(${nat.type}`;
  const hasPorts = nat.portMin !== undefined && nat.portMin !== 0;
  if (nat.addrMin !== undefined) {
    out += `=${formatNatAddr(nat.addrMin, hasPorts)}`;
    if (nat.addrMax !== undefined && !bytesEqual(nat.addrMax, nat.addrMin)) out += `-${formatNatAddr(nat.addrMax, hasPorts)}`;
  }
  if (hasPorts) {
    out += `:${nat.portMin}`;
    if (nat.portMax !== undefined && nat.portMax !== nat.portMin) out += `-${nat.portMax}`;
  }
  for (const flag of ['persistent', 'hash', 'random'] as const) if (nat.flags.includes(flag)) out += `,${flag}`;
  return `${out})`;
}

/** IPv6 addresses are bracketed when a port follows, so the colons stay readable. */
function formatNatAddr(addr: Uint8Array, bracket: boolean): string {
  if (addr.length === 4) return ipv4ToString((addr[0] << 24) | (addr[1] << 16) | (addr[2] << 8) | addr[3]);
  const text = ipv6ToString(addr);
  return bracket ? `[${text}]` : text;
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
