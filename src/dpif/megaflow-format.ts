/**
 * Megaflows as text, in the syntax of OVS's `ovs-appctl dpctl/dump-flows` (lib/odp-util.c odp_flow_format, not
 * verbose):
 *
 *   ct_state(-trk),recirc_id(0),in_port(p1),packet_type(ns=0,id=0),eth(src=…,dst=…),eth_type(0x0800),
 *   ipv4(src=10.0.0.0/255.255.255.0,proto=6,frag=no),tcp(dst=80/0xfff0), packets:3, bytes:180, used:0.2s,
 *   flags:S., actions:2
 *
 * Attributes come in OVS's key-attribute order (tunnel, skb_mark, ct_state, ct_zone, ct_mark, ct_label, ct_tuple4/6,
 * recirc_id, in_port, packet_type, eth, ...); an attribute whose mask is all zero is left out (except recirc_id,
 * in_port, packet_type and eth_type, which a megaflow always matches exactly); inside one, a field with a zero mask is
 * left out, a fully masked one prints its value, a partly masked one `value/mask`. Values are the upcalled packet's
 * (unmasked, as dpif-netdev keeps them), so `tos=0xb9/0x3` can appear. A tagged packet prints
 * `eth_type(TPID),vlan(…),encap(eth_type(…),…)`.
 *
 * Number styles follow odp-util.c: skb_mark, ct_zone, ct_mark and recirc_id print as C's `%#x` (`0`, `0x14`),
 * ct_label as ds_put_hex (`0`, `0xa1`) with its mask only when not all ones. A sub-attribute of tunnel(…) exists
 * only when the key's value is non-zero (tun_key_to_attr), so a zero tunnel tos or the IPv4 source of an IPv6 tunnel
 * never prints; ct_tuple4/ct_tuple6 exist only once conntrack has set the key's original-direction protocol.
 *
 * Known difference: the verbose (`-m`) form is not produced.
 */

import {
  CtState,
  ETH_TYPE_ARP,
  ETH_TYPE_IP,
  ETH_TYPE_IPV6,
  ETH_TYPE_RARP,
  FRAG_ANY,
  FRAG_LATER,
  IPPROTO_ICMP,
  IPPROTO_ICMPV6,
  IPPROTO_SCTP,
  IPPROTO_TCP,
  IPPROTO_UDP,
  VLAN_CFI,
  W,
} from '../flow/key-layout.js';
import { formatDpActions } from '../ofproto/dp-actions-format.js';
import type { Megaflow } from './megaflow.js';

export interface MegaflowFormatOptions {
  /** Datapath port names (dump-flows --names); numbers when absent or unknown. */
  readonly portName?: (dpPort: number) => string | undefined;
  /** Current time, for `used:`; leave out to omit `used:` (as run_ovs.py's dpctl-flows.txt does). */
  readonly nowMs?: number;
}

/** One dump-flows line. */
export function formatMegaflow(mf: Megaflow, opts: MegaflowFormatOptions = {}): string {
  let s = `${formatMegaflowKey(mf.flowKey, mf.mask, mf.dpInPort, mf.tpid, opts.portName)}, packets:${mf.packets}, bytes:${mf.bytes}`;
  if (opts.nowMs !== undefined) s += `, used:${mf.usedMs < 0 ? 'never' : `${(Math.max(0, opts.nowMs - mf.usedMs) / 1000).toFixed(3)}s`}`;
  if (mf.tcpFlags !== 0) s += `, flags:${tcpFlagChars(mf.tcpFlags)}`;
  const actions = mf.slowPath !== null ? `userspace(pid=0,slow_path(${mf.slowPath}))` : formatDpActions(mf.actions, opts.portName);
  return `${s}, actions:${actions}`;
}

/** packet_format_tcp_flags. */
export function tcpFlagChars(f: number): string {
  let s = '';
  if (f & 0x002) s += 'S';
  if (f & 0x001) s += 'F';
  if (f & 0x008) s += 'P';
  if (f & 0x004) s += 'R';
  if (f & 0x020) s += 'U';
  if (f & 0x010) s += '.';
  if (f & 0x040) s += 'E';
  if (f & 0x080) s += 'C';
  if (f & 0x100) s += 'N';
  return s;
}

const CT_BITS: readonly (readonly [string, number])[] = [
  ['new', CtState.NEW],
  ['est', CtState.ESTABLISHED],
  ['rel', CtState.RELATED],
  ['rpl', CtState.REPLY_DIR],
  ['inv', CtState.INVALID],
  ['trk', CtState.TRACKED],
  ['snat', CtState.SRC_NAT],
  ['dnat', CtState.DST_NAT],
];

/** FLOW_TNL_F_* bits, in the order format_flags_masked walks them (lowest first). */
const TNL_OAM = 0x1;
const TNL_DF = 0x2;
const TNL_CSUM = 0x4;
const TNL_KEY = 0x8;
const TUN_FLAG_BITS: readonly (readonly [string, number])[] = [
  ['oam', TNL_OAM],
  ['df', TNL_DF],
  ['csum', TNL_CSUM],
  ['key', TNL_KEY],
];

const TCP_FLAG_BITS: readonly (readonly [string, number])[] = [
  ['fin', 0x001],
  ['syn', 0x002],
  ['rst', 0x004],
  ['psh', 0x008],
  ['ack', 0x010],
  ['urg', 0x020],
  ['ece', 0x040],
  ['cwr', 0x080],
  ['ns', 0x100],
];

/** A field printer collecting `name=value[/mask]` parts. */
class Parts {
  readonly list: string[] = [];

  num(name: string, v: number, m: number, full: number, style: 'dec' | 'hex'): void {
    if (m === 0) return;
    const fmt = (x: number): string => (style === 'dec' ? String(x) : x === 0 ? '0' : `0x${x.toString(16)}`);
    this.list.push(m === full ? `${name}=${fmt(v)}` : `${name}=${fmt(v)}/0x${m.toString(16)}`);
  }

  ipv4(name: string, v: number, m: number): void {
    if (m === 0) return;
    this.list.push(m === 0xffffffff ? `${name}=${ip4(v)}` : `${name}=${ip4(v)}/${ip4(m)}`);
  }

  ipv6(name: string, key: Uint32Array, mask: Uint32Array, w: number): void {
    if (mask[w] === 0 && mask[w + 1] === 0 && mask[w + 2] === 0 && mask[w + 3] === 0) return;
    const full = mask[w] === 0xffffffff && mask[w + 1] === 0xffffffff && mask[w + 2] === 0xffffffff && mask[w + 3] === 0xffffffff;
    this.list.push(full ? `${name}=${ip6(key, w)}` : `${name}=${ip6(key, w)}/${ip6(mask, w)}`);
  }

  mac(name: string, key: Uint32Array, mask: Uint32Array, w: number): void {
    const mh = mask[w] & 0xffff;
    const ml = mask[w + 1];
    if (mh === 0 && ml === 0) return;
    const full = mh === 0xffff && ml === 0xffffffff;
    this.list.push(full ? `${name}=${mac(key, w)}` : `${name}=${mac(key, w)}/${mac(mask, w)}`);
  }

  flags(names: readonly (readonly [string, number])[], v: number, m: number): string {
    let s = '';
    for (const [n, bit] of names) if (m & bit) s += `${v & bit ? '+' : '-'}${n}`;
    return s;
  }

  get text(): string {
    return this.list.join(',');
  }
}

function ip4(v: number): string {
  return `${v >>> 24}.${(v >>> 16) & 0xff}.${(v >>> 8) & 0xff}.${v & 0xff}`;
}

function ip6(k: Uint32Array, w: number): string {
  const groups: number[] = [];
  for (let i = 0; i < 4; i++) groups.push(k[w + i] >>> 16, k[w + i] & 0xffff);
  // RFC 5952: the longest run (of two or more) of zero groups becomes "::".
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  // inet_ntop: exactly the first six groups zero (or five and ffff) end in dotted quad, as OVS prints them.
  if (best === 0 && (bestLen === 6 || (bestLen === 5 && groups[5] === 0xffff))) {
    const v4 = ip4(((groups[6] << 16) | groups[7]) >>> 0);
    return bestLen === 6 ? `::${v4}` : `::ffff:${v4}`;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

function mac(k: Uint32Array, w: number): string {
  const b = [(k[w] >>> 8) & 0xff, k[w] & 0xff, k[w + 1] >>> 24, (k[w + 1] >>> 16) & 0xff, (k[w + 1] >>> 8) & 0xff, k[w + 1] & 0xff];
  return b.map((x) => x.toString(16).padStart(2, '0')).join(':');
}

function anyMask(mask: Uint32Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (mask[i] !== 0) return true;
  return false;
}

/** The key part of a dump-flows line: `recirc_id(0),in_port(…),…`. */
export function formatMegaflowKey(
  key: Uint32Array,
  mask: Uint32Array,
  dpInPort: number,
  tpid: number,
  portName?: (dpPort: number) => string | undefined,
): string {
  const out: string[] = [];

  // Metadata attributes in odp_flow_key_from_flow's order: tunnel, skb_mark, ct_*, recirc_id, in_port.
  if (anyMask(mask, W.TUN_ID, W.TUN_FLAGS_TOS_TTL + 1) && (key[W.TUN_DST] !== 0 || anyMask(key, W.TUN_IPV6_DST, W.TUN_IPV6_DST + 4))) {
    out.push(`tunnel(${formatTunnel(key, mask)})`);
  }
  if (mask[W.PKT_MARK] !== 0) out.push(`skb_mark(${hexm(key[W.PKT_MARK], mask[W.PKT_MARK])})`);
  const ctm = (mask[W.CT_STATE_ZONE] >>> 16) & 0xff;
  if (ctm !== 0) out.push(`ct_state(${new Parts().flags(CT_BITS, (key[W.CT_STATE_ZONE] >>> 16) & 0xff, ctm)})`);
  const zm = mask[W.CT_STATE_ZONE] & 0xffff;
  if (zm !== 0) out.push(`ct_zone(${hexm(key[W.CT_STATE_ZONE] & 0xffff, zm, 0xffff)})`);
  if (mask[W.CT_MARK] !== 0) out.push(`ct_mark(${hexm(key[W.CT_MARK], mask[W.CT_MARK])})`);
  if (anyMask(mask, W.CT_LABEL, W.CT_LABEL + 4)) {
    const v = words128(key, W.CT_LABEL);
    const m = words128(mask, W.CT_LABEL);
    out.push(`ct_label(${hex128(v)}${m === ALL_ONES_128 ? '' : `/${hex128(m)}`})`);
  }
  const tuple = formatCtTuple(key, mask);
  if (tuple !== null) out.push(tuple);
  const recirc = key[W.RECIRC_ID];
  out.push(`recirc_id(${hexm(recirc, 0xffffffff)})`);
  out.push(`in_port(${portName?.(dpInPort) ?? dpInPort})`);
  out.push('packet_type(ns=0,id=0)');

  const eth = new Parts();
  eth.mac('src', key, mask, W.DL_SRC);
  eth.mac('dst', key, mask, W.DL_DST);
  if (eth.list.length > 0) out.push(`eth(${eth.text})`);

  const dlType = key[W.DL_TYPE_VLAN] >>> 16;
  const tci = key[W.DL_TYPE_VLAN] & 0xffff;
  const tciMask = mask[W.DL_TYPE_VLAN] & 0xffff;
  const l3 = formatL3(key, mask, dlType);
  if (!(tci & VLAN_CFI) && tpid === 0 && (dlType === 0x8100 || dlType === 0x88a8)) {
    // A VLAN ethertype without a complete tag: OVS keys it as a tag with CFI clear and nothing inside.
    out.push(`eth_type(0x${dlType.toString(16)})`, 'vlan(vid=0,cfi=0)', 'encap()');
  } else if (tci & VLAN_CFI || tpid !== 0) {
    const v: string[] = [];
    const vid = tci & 0x0fff;
    const vm = tciMask & 0x0fff;
    if (vid || vm) v.push(vm === 0x0fff ? `vid=${vid}` : `vid=${vid}/0x${vm.toString(16)}`);
    const pcp = tci >>> 13;
    const pm = tciMask >>> 13;
    if (pcp || pm) v.push(pm === 7 ? `pcp=${pcp}` : `pcp=${pcp}/0x${pm.toString(16)}`);
    if (!(tci & VLAN_CFI)) v.push('cfi=0');
    out.push(`eth_type(0x${(tpid || 0x8100).toString(16)})`, `vlan(${v.join(',')})`, `encap(${l3.join(',')})`);
  } else {
    out.push(...l3);
  }
  return out.join(',');
}

/** printf's `%#x`: `0` for zero, `0x…` otherwise. */
function hashX(v: number): string {
  return v === 0 ? '0' : `0x${(v >>> 0).toString(16)}`;
}

/** `%#x`, and `/%#x` with the mask unless it is exact (`full`: the attribute's all-ones mask). */
function hexm(v: number, m: number, full = 0xffffffff): string {
  return m === full ? hashX(v) : `${hashX(v)}/${hashX(m)}`;
}

const ALL_ONES_128 = (1n << 128n) - 1n;

function words128(k: Uint32Array, w: number): bigint {
  return (BigInt(k[w]) << 96n) | (BigInt(k[w + 1]) << 64n) | (BigInt(k[w + 2]) << 32n) | BigInt(k[w + 3]);
}

/** ds_put_hex over a 128-bit big-endian value: `0` for zero, else `0x` and the digits without leading zeros. */
function hex128(v: bigint): string {
  return v === 0n ? '0' : `0x${v.toString(16)}`;
}

/**
 * tunnel(…) as format_odp_tun_attr prints it. A sub-attribute exists in the key only when its value is non-zero
 * (tun_key_to_attr), and prints only when its mask is not zero; the flags print as one masked set (`-df-csum+key`),
 * the key flag counting as present whenever tun_id is.
 */
function formatTunnel(key: Uint32Array, mask: Uint32Array): string {
  const p = new Parts();
  const ftt = key[W.TUN_FLAGS_TOS_TTL];
  const fttm = mask[W.TUN_FLAGS_TOS_TTL];
  const flags = ftt >>> 16;
  const id = (BigInt(key[W.TUN_ID]) << 32n) | BigInt(key[W.TUN_ID + 1]);
  const idm = (BigInt(mask[W.TUN_ID]) << 32n) | BigInt(mask[W.TUN_ID + 1]);
  if ((id !== 0n || flags & TNL_KEY) && idm !== 0n) {
    p.list.push(idm === 0xffffffffffffffffn ? `tun_id=0x${id.toString(16)}` : `tun_id=0x${id.toString(16)}/0x${idm.toString(16)}`);
  }
  if (key[W.TUN_SRC] !== 0) p.ipv4('src', key[W.TUN_SRC], mask[W.TUN_SRC]);
  if (key[W.TUN_DST] !== 0) p.ipv4('dst', key[W.TUN_DST], mask[W.TUN_DST]);
  if (anyMask(key, W.TUN_IPV6_SRC, W.TUN_IPV6_SRC + 4)) p.ipv6('ipv6_src', key, mask, W.TUN_IPV6_SRC);
  if (anyMask(key, W.TUN_IPV6_DST, W.TUN_IPV6_DST + 4)) p.ipv6('ipv6_dst', key, mask, W.TUN_IPV6_DST);
  const tos = (ftt >>> 8) & 0xff;
  const tosM = (fttm >>> 8) & 0xff;
  if (tos !== 0 && tosM !== 0) p.list.push(tosM === 0xff ? `tos=${hashX(tos)}` : `tos=${hashX(tos)}/${hashX(tosM)}`);
  const ttl = ftt & 0xff;
  const ttlM = fttm & 0xff;
  if (ttl !== 0 && ttlM !== 0) p.list.push(ttlM === 0xff ? `ttl=${ttl}` : `ttl=${ttl}/${hashX(ttlM)}`);
  // The key flag's mask is the tun_id attribute's presence in the mask; the others are masked flag bits.
  let flagsM = (fttm >>> 16) & (TNL_OAM | TNL_DF | TNL_CSUM);
  if (idm !== 0n && (id !== 0n || flags & TNL_KEY)) flagsM |= TNL_KEY;
  if (flagsM !== 0) p.list.push(`flags(${p.flags(TUN_FLAG_BITS, flags, flagsM)})`);
  return p.text;
}

/** ct_tuple4(…)/ct_tuple6(…): the original direction's tuple, in the key once conntrack has seen the packet. */
function formatCtTuple(key: Uint32Array, mask: Uint32Array): string | null {
  const proto = key[W.CT_NW_PROTO] & 0xff;
  if (proto === 0) return null;
  const dlType = key[W.DL_TYPE_VLAN] >>> 16;
  const p = new Parts();
  const protoM = mask[W.CT_NW_PROTO] & 0xff;
  const tp = key[W.CT_TP];
  const tpm = mask[W.CT_TP];
  if (dlType === ETH_TYPE_IP) {
    p.ipv4('src', key[W.CT_NW_SRC], mask[W.CT_NW_SRC]);
    p.ipv4('dst', key[W.CT_NW_DST], mask[W.CT_NW_DST]);
    p.num('proto', proto, protoM, 0xff, 'dec');
    p.num('tp_src', tp >>> 16, tpm >>> 16, 0xffff, 'dec');
    p.num('tp_dst', tp & 0xffff, tpm & 0xffff, 0xffff, 'dec');
    return p.list.length > 0 ? `ct_tuple4(${p.text})` : null;
  }
  if (dlType === ETH_TYPE_IPV6) {
    p.ipv6('src', key, mask, W.CT_IPV6_SRC);
    p.ipv6('dst', key, mask, W.CT_IPV6_DST);
    p.num('proto', proto, protoM, 0xff, 'dec');
    p.num('src_port', tp >>> 16, tpm >>> 16, 0xffff, 'dec');
    p.num('dst_port', tp & 0xffff, tpm & 0xffff, 0xffff, 'dec');
    return p.list.length > 0 ? `ct_tuple6(${p.text})` : null;
  }
  return null;
}

/** eth_type(…) and what follows it: the L3 and L4 attributes. */
function formatL3(key: Uint32Array, mask: Uint32Array, dlType: number): string[] {
  const out: string[] = [];
  if (dlType === 0x05ff) {
    // An 802.3 frame: the key has no ethertype attribute, the mask matches it exactly.
    out.push('eth_type(0/0xffff)');
    return out;
  }
  out.push(`eth_type(0x${dlType.toString(16).padStart(4, '0')})`);
  const nw = key[W.NW];
  const nwm = mask[W.NW];
  const proto = nw >>> 24;
  const protoM = nwm >>> 24;
  if (dlType === ETH_TYPE_IP || dlType === ETH_TYPE_IPV6) {
    const p = new Parts();
    if (dlType === ETH_TYPE_IP) {
      p.ipv4('src', key[W.NW_SRC], mask[W.NW_SRC]);
      p.ipv4('dst', key[W.NW_DST], mask[W.NW_DST]);
    } else {
      p.ipv6('src', key, mask, W.IPV6_SRC);
      p.ipv6('dst', key, mask, W.IPV6_DST);
      p.num('label', key[W.IPV6_LABEL] & 0xfffff, mask[W.IPV6_LABEL] & 0xfffff, 0xfffff, 'hex');
    }
    p.num('proto', proto, protoM, 0xff, 'dec');
    p.num(dlType === ETH_TYPE_IP ? 'tos' : 'tclass', (nw >>> 16) & 0xff, (nwm >>> 16) & 0xff, 0xff, 'hex');
    p.num(dlType === ETH_TYPE_IP ? 'ttl' : 'hlimit', (nw >>> 8) & 0xff, (nwm >>> 8) & 0xff, 0xff, 'dec');
    const frag = nw & 0xff;
    if ((nwm & 0xff) !== 0) p.list.push(`frag=${frag & FRAG_ANY ? (frag & FRAG_LATER ? 'later' : 'first') : 'no'}`);
    out.push(`${dlType === ETH_TYPE_IP ? 'ipv4' : 'ipv6'}(${p.text})`);
    // L4 headers exist only in unfragmented packets and first fragments.
    if (frag & FRAG_LATER) return out;
    const tp = key[W.TP];
    const tpm = mask[W.TP];
    const l4 = new Parts();
    if (proto === IPPROTO_TCP || proto === IPPROTO_UDP || proto === IPPROTO_SCTP) {
      l4.num('src', tp >>> 16, tpm >>> 16, 0xffff, 'dec');
      l4.num('dst', tp & 0xffff, tpm & 0xffff, 0xffff, 'dec');
      const name = proto === IPPROTO_TCP ? 'tcp' : proto === IPPROTO_UDP ? 'udp' : 'sctp';
      if (l4.list.length > 0) out.push(`${name}(${l4.text})`);
      if (proto === IPPROTO_TCP && (mask[W.TCP_FLAGS] & 0xfff) !== 0) {
        out.push(`tcp_flags(${new Parts().flags(TCP_FLAG_BITS, key[W.TCP_FLAGS], mask[W.TCP_FLAGS] & 0xfff)})`);
      }
    } else if ((proto === IPPROTO_ICMP && dlType === ETH_TYPE_IP) || (proto === IPPROTO_ICMPV6 && dlType === ETH_TYPE_IPV6)) {
      l4.num('type', (tp >>> 16) & 0xff, (tpm >>> 16) & 0xff, 0xff, 'dec');
      l4.num('code', tp & 0xff, tpm & 0xff, 0xff, 'dec');
      if (l4.list.length > 0) out.push(`${dlType === ETH_TYPE_IP ? 'icmp' : 'icmpv6'}(${l4.text})`);
      if (dlType === ETH_TYPE_IPV6) {
        const nd = new Parts();
        nd.ipv6('target', key, mask, W.ND_TARGET);
        nd.mac('sll', key, mask, W.ARP_SHA);
        nd.mac('tll', key, mask, W.ARP_THA);
        if (nd.list.length > 0) out.push(`nd(${nd.text})`);
      }
    }
  } else if (dlType === ETH_TYPE_ARP || dlType === ETH_TYPE_RARP) {
    const p = new Parts();
    p.ipv4('sip', key[W.NW_SRC], mask[W.NW_SRC]);
    p.ipv4('tip', key[W.NW_DST], mask[W.NW_DST]);
    p.num('op', proto, protoM, 0xff, 'dec');
    p.mac('sha', key, mask, W.ARP_SHA);
    p.mac('tha', key, mask, W.ARP_THA);
    if (p.list.length > 0) out.push(`arp(${p.text})`);
  }
  return out;
}
