/**
 * Frame builders for tests and traffic generators.
 *
 * A frame is described as a plain object with one optional member per layer, outermost first, and `buildFrame`
 * turns it into bytes with every derived field right: EtherType, VLAN TPIDs, IP protocol / next-header chains,
 * lengths (IPv4 total, IPv6 payload, UDP), and checksums (IPv4 header; TCP, UDP and ICMPv6 with the pseudo-header;
 * ICMPv4 over the whole message; SCTP CRC32c). Anything derived can be overridden (`checksum`, `totalLength`,
 * `protocol` ...) to build the malformed packets a datapath must survive.
 *
 *   buildFrame({ eth: { src: '02:00:00:00:00:01', dst: '02:00:00:00:00:02' }, vlans: [{ vid: 10 }],
 *                ipv4: { src: '10.0.0.1', dst: '10.0.0.2' }, tcp: { srcPort: 1234, dstPort: 80, flags: 'S' } })
 *
 * `buildDatagram` is the same without L2, which is what an ICMP error quotes. A `vxlan` member wraps an inner frame
 * (bytes, or a spec built recursively) in VXLAN inside the outer UDP, which defaults to port 4789.
 *
 * Builders run on the slow path: they allocate freely, go through the Repr codecs, and throw on an inconsistent spec
 * (that is a bug in the test, not a packet problem).
 */

import { toIpv4, toIpv6, toMac, type Ipv4Input, type Ipv6Input, type MacInput } from './addr.js';
import { ArpOp, emitArp, ARP_LEN } from './arp.js';
import { emitEthernet, ethernetLength, type EthernetRepr } from './ethernet.js';
import { emitIcmp, fillIcmpChecksum, ICMP_HEADER_LEN, setIcmpChecksum } from './icmp.js';
import { emitIcmpv6, fillIcmpv6Checksum, icmpv6Length, NdOpt, setIcmpv6Checksum, type Icmpv6Repr, type NdOption } from './icmpv6.js';
import { emitIpv4, fillIpv4Checksum, Ipv4Field, ipv4Length, setIpv4Checksum, type Ipv4Repr } from './ipv4.js';
import { emitIpv6, emitIpv6Ext, Ipv6Field, IPV6_HEADER_LEN, ipv6ExtLength, type Ipv6ExtRepr } from './ipv6.js';
import { wr16 } from './bytes.js';
import { EthType, IpProto } from './numbers.js';
import { emitSctp, fillSctpChecksum, SCTP_HEADER_LEN, setSctpChecksum } from './sctp.js';
import { emitTcp, fillTcpChecksum, setTcpChecksum, tcpFlagsFromString, TcpFlag, tcpLength, type TcpRepr } from './tcp.js';
import { emitUdp, fillUdpChecksum, setUdpChecksum, UdpField, UDP_HEADER_LEN } from './udp.js';
import { makeTci, type VlanRepr } from './vlan.js';
import { emitVxlan, VXLAN_FLAG_I, VXLAN_HEADER_LEN, VXLAN_UDP_PORT } from './vxlan.js';

// ------------------------------------------------------------------------------------------------------------ specs

export interface EthSpec {
  src?: MacInput;
  dst?: MacInput;
  /** Defaults from the L3 member; 0x88b5 (local experimental) for a frame with only a payload. */
  type?: number;
}

/** One tag, outermost first. `tci` wins over `pcp`/`dei`/`vid`. */
export interface VlanSpec {
  tpid?: number;
  tci?: number;
  pcp?: number;
  dei?: boolean;
  vid?: number;
}

export interface ArpSpec {
  op?: number;
  sha?: MacInput;
  spa: Ipv4Input;
  tha?: MacInput;
  tpa: Ipv4Input;
}

export interface Ipv4Spec {
  src: Ipv4Input;
  dst: Ipv4Input;
  tos?: number;
  ident?: number;
  df?: boolean;
  mf?: boolean;
  /** In bytes, a multiple of 8. */
  fragOffset?: number;
  ttl?: number;
  /** Defaults from the L4 member; 253 (experimental) for a bare payload. */
  protocol?: number;
  options?: Uint8Array;
  /** Overrides for crafting bad packets. */
  totalLength?: number;
  checksum?: number;
}

export type Ipv6ExtSpec =
  | { type: 'hopopts' | 'dstopts'; options?: Uint8Array }
  | { type: 'routing'; routingType?: number; segmentsLeft?: number; addresses?: Ipv6Input[]; data?: Uint8Array }
  | { type: 'fragment'; offset?: number; more?: boolean; ident?: number };

export interface Ipv6Spec {
  src: Ipv6Input;
  dst: Ipv6Input;
  trafficClass?: number;
  flowLabel?: number;
  hopLimit?: number;
  /** Extension headers in wire order; their next-header chain is filled in. */
  ext?: Ipv6ExtSpec[];
  /** Upper-layer protocol (the last next header); defaults from the L4 member, else 59 (No Next Header). */
  protocol?: number;
  payloadLength?: number;
}

export interface TcpSpec {
  srcPort: number;
  dstPort: number;
  seq?: number;
  ack?: number;
  /** Bits of TcpFlag, or tcpdump letters such as "S", "SA", "PA", "FA". Default: ACK. */
  flags?: number | string;
  window?: number;
  urgent?: number;
  options?: Uint8Array;
  checksum?: number;
}

export interface UdpSpec {
  srcPort?: number;
  dstPort?: number;
  /** 0 sends "no checksum" (IPv4). */
  checksum?: number;
  /** Override of the length field (header + data). */
  length?: number;
}

export interface SctpSpec {
  srcPort: number;
  dstPort: number;
  verificationTag?: number;
  checksum?: number;
}

export interface IcmpSpec {
  type: number;
  code?: number;
  /** Echo identifier and sequence; or give `rest` for the four type-specific bytes. */
  id?: number;
  seq?: number;
  rest?: number;
  checksum?: number;
}

export interface Icmpv6Spec {
  type: number;
  code?: number;
  id?: number;
  seq?: number;
  rest?: number;
  target?: Ipv6Input;
  destination?: Ipv6Input;
  reachableTime?: number;
  retransTimer?: number;
  /** Shorthands for the link-layer address options, added before `options`. */
  sll?: MacInput;
  tll?: MacInput;
  options?: NdOption[];
  checksum?: number;
}

export interface VxlanSpec {
  vni: number;
  flags?: number;
  inner: FrameSpec | Uint8Array;
}

export interface FrameSpec {
  eth?: EthSpec;
  vlans?: VlanSpec[];
  arp?: ArpSpec;
  ipv4?: Ipv4Spec;
  ipv6?: Ipv6Spec;
  tcp?: TcpSpec;
  udp?: UdpSpec;
  sctp?: SctpSpec;
  icmp?: IcmpSpec;
  icmpv6?: Icmpv6Spec;
  vxlan?: VxlanSpec;
  /** Bytes after the innermost header; a string is UTF-8. */
  payload?: Uint8Array | string;
  /** Pad the frame with zeros to at least this length (60 for a minimum Ethernet frame). */
  padTo?: number;
}

export const DEFAULT_SRC_MAC = '02:00:00:00:00:01';
export const DEFAULT_DST_MAC = '02:00:00:00:00:02';
const ETH_TYPE_EXPERIMENTAL = 0x88b5;
const IPPROTO_EXPERIMENTAL = 253;
const VXLAN_DEFAULT_SRC_PORT = 49152;

// ---------------------------------------------------------------------------------------------------------- builders

/** A complete Ethernet frame. */
export function buildFrame(spec: FrameSpec): Uint8Array {
  return build(spec, true);
}

/** An IP datagram with no L2 header (for ICMP error quotes, IP-in-IP payloads). */
export function buildDatagram(spec: FrameSpec): Uint8Array {
  if (!spec.ipv4 && !spec.ipv6) throw new Error('buildDatagram needs an ipv4 or ipv6 member');
  if (spec.eth || spec.vlans) throw new Error('buildDatagram builds from L3 up; drop eth/vlans or use buildFrame');
  return build(spec, false);
}

function build(spec: FrameSpec, withL2: boolean): Uint8Array {
  const l3Count = (spec.arp ? 1 : 0) + (spec.ipv4 ? 1 : 0) + (spec.ipv6 ? 1 : 0);
  if (l3Count > 1) throw new Error('a frame has at most one of arp, ipv4, ipv6');
  const l4Names = (['tcp', 'udp', 'sctp', 'icmp', 'icmpv6'] as const).filter((k) => spec[k] !== undefined);
  if (l4Names.length > 1) throw new Error(`a frame has at most one L4 header, got ${l4Names.join(', ')}`);
  if (l4Names.length === 1 && !spec.ipv4 && !spec.ipv6) throw new Error(`${l4Names[0]} needs ipv4 or ipv6`);
  if (spec.icmp && !spec.ipv4) throw new Error('icmp needs ipv4 (use icmpv6 over ipv6)');
  if (spec.icmpv6 && !spec.ipv6) throw new Error('icmpv6 needs ipv6');
  if (spec.arp && spec.payload !== undefined) throw new Error('arp frames carry no payload (use padTo for padding)');
  if (spec.vxlan && (spec.tcp || spec.sctp || spec.icmp || spec.icmpv6)) throw new Error('vxlan rides on udp');
  if (spec.vxlan && spec.payload !== undefined) throw new Error('vxlan carries its inner frame, not a payload');

  // The bytes after the innermost header we emit field by field.
  let payload: Uint8Array;
  let udp = spec.udp;
  if (spec.vxlan) {
    const inner = spec.vxlan.inner instanceof Uint8Array ? spec.vxlan.inner : buildFrame(spec.vxlan.inner);
    payload = new Uint8Array(VXLAN_HEADER_LEN + inner.length);
    emitVxlan({ flags: spec.vxlan.flags ?? VXLAN_FLAG_I, vni: spec.vxlan.vni }, payload, 0);
    payload.set(inner, VXLAN_HEADER_LEN);
    udp = { srcPort: VXLAN_DEFAULT_SRC_PORT, dstPort: VXLAN_UDP_PORT, ...udp };
  } else {
    payload = typeof spec.payload === 'string' ? new TextEncoder().encode(spec.payload) : (spec.payload ?? new Uint8Array(0));
  }

  // L4 header as a Repr (checksums zero for now) and its protocol number.
  let l4Len = 0;
  let l4Proto = -1;
  let emitL4: ((buf: Uint8Array, off: number) => void) | undefined;
  if (spec.tcp) {
    const t = spec.tcp;
    const repr: TcpRepr = {
      srcPort: t.srcPort,
      dstPort: t.dstPort,
      seq: t.seq ?? 0,
      ack: t.ack ?? 0,
      flags: typeof t.flags === 'string' ? tcpFlagsFromString(t.flags) : (t.flags ?? TcpFlag.ACK),
      window: t.window ?? 65535,
      checksum: 0,
      urgent: t.urgent ?? 0,
      options: t.options ?? new Uint8Array(0),
    };
    l4Len = tcpLength(repr);
    l4Proto = IpProto.TCP;
    emitL4 = (buf, off) => emitTcp(repr, buf, off);
  } else if (udp) {
    const u = udp;
    l4Len = UDP_HEADER_LEN;
    l4Proto = IpProto.UDP;
    emitL4 = (buf, off) =>
      emitUdp({ srcPort: u.srcPort ?? 0, dstPort: u.dstPort ?? 0, checksum: 0, payloadLength: payload.length }, buf, off);
  } else if (spec.sctp) {
    const s = spec.sctp;
    l4Len = SCTP_HEADER_LEN;
    l4Proto = IpProto.SCTP;
    emitL4 = (buf, off) =>
      emitSctp({ srcPort: s.srcPort, dstPort: s.dstPort, verificationTag: s.verificationTag ?? 0, checksum: 0 }, buf, off);
  } else if (spec.icmp) {
    const i = spec.icmp;
    const rest = i.rest ?? ((((i.id ?? 0) & 0xffff) << 16) | ((i.seq ?? 0) & 0xffff)) >>> 0;
    l4Len = ICMP_HEADER_LEN;
    l4Proto = IpProto.ICMP;
    emitL4 = (buf, off) => emitIcmp({ type: i.type, code: i.code ?? 0, checksum: 0, rest }, buf, off);
  } else if (spec.icmpv6) {
    const repr = icmpv6Repr(spec.icmpv6);
    l4Len = icmpv6Length(repr);
    l4Proto = IpProto.ICMPV6;
    emitL4 = (buf, off) => emitIcmpv6(repr, buf, off);
  }

  // L3.
  let l3Len = 0;
  let ipv4: Ipv4Repr | undefined;
  let ipv6Ext: Ipv6ExtRepr[] = [];
  let ipv6Upper: number = IpProto.NONE;
  if (spec.arp) {
    l3Len = ARP_LEN;
  } else if (spec.ipv4) {
    const v = spec.ipv4;
    ipv4 = {
      tos: v.tos ?? 0,
      ident: v.ident ?? 0,
      dontFrag: v.df ?? false,
      moreFrags: v.mf ?? false,
      fragOffset: v.fragOffset ?? 0,
      ttl: v.ttl ?? 64,
      protocol: v.protocol ?? (l4Proto >= 0 ? l4Proto : IPPROTO_EXPERIMENTAL),
      src: toIpv4(v.src),
      dst: toIpv4(v.dst),
      options: v.options ?? new Uint8Array(0),
      payloadLength: l4Len + payload.length,
    };
    l3Len = ipv4Length(ipv4);
  } else if (spec.ipv6) {
    ipv6Upper = spec.ipv6.protocol ?? (l4Proto >= 0 ? l4Proto : IpProto.NONE);
    ipv6Ext = ipv6ExtReprs(spec.ipv6.ext ?? [], ipv6Upper);
    l3Len = IPV6_HEADER_LEN + ipv6Ext.reduce((n, e) => n + ipv6ExtLength(e), 0);
  }

  const l2Len = withL2 ? ethernetLength(ethRepr(spec)) : 0;
  const datagramEnd = l2Len + l3Len + l4Len + payload.length;
  const buf = new Uint8Array(Math.max(datagramEnd, spec.padTo ?? 0));
  const l3Off = l2Len;
  const l4Off = l3Off + l3Len;

  if (withL2) emitEthernet(ethRepr(spec), buf, 0);
  if (spec.arp) emitArp(arpRepr(spec.arp), buf, l3Off);
  if (ipv4) emitIpv4(ipv4, buf, l3Off);
  if (spec.ipv6) {
    const v = spec.ipv6;
    emitIpv6(
      {
        trafficClass: v.trafficClass ?? 0,
        flowLabel: v.flowLabel ?? 0,
        nextHeader: ipv6Ext.length > 0 ? ipv6Ext[0].type : ipv6Upper,
        hopLimit: v.hopLimit ?? 64,
        src: toIpv6(v.src),
        dst: toIpv6(v.dst),
        payloadLength: datagramEnd - l3Off - IPV6_HEADER_LEN,
      },
      buf,
      l3Off,
    );
    let p = l3Off + IPV6_HEADER_LEN;
    for (const e of ipv6Ext) p += emitIpv6Ext(e, buf, p);
  }
  emitL4?.(buf, l4Off);
  buf.set(payload, l4Off + l4Len);

  // Length overrides first, since checksums cover them.
  if (spec.ipv4?.totalLength !== undefined) {
    wr16(buf, l3Off + Ipv4Field.TOTAL_LEN, spec.ipv4.totalLength);
    fillIpv4Checksum(buf, l3Off);
  }
  if (spec.ipv6?.payloadLength !== undefined) wr16(buf, l3Off + Ipv6Field.PAYLOAD_LEN, spec.ipv6.payloadLength);
  if (udp?.length !== undefined) wr16(buf, l4Off + UdpField.LENGTH, udp.length);

  // Checksums: L4 first (it reads the finished IP header), each with its override.
  if (spec.tcp) {
    fillTcpChecksum(buf, l3Off, l4Off, datagramEnd);
    if (spec.tcp.checksum !== undefined) setTcpChecksum(buf, l4Off, spec.tcp.checksum);
  } else if (udp) {
    fillUdpChecksum(buf, l3Off, l4Off, datagramEnd);
    if (udp.checksum !== undefined) setUdpChecksum(buf, l4Off, udp.checksum);
  } else if (spec.sctp) {
    fillSctpChecksum(buf, l4Off, datagramEnd);
    if (spec.sctp.checksum !== undefined) setSctpChecksum(buf, l4Off, spec.sctp.checksum);
  } else if (spec.icmp) {
    fillIcmpChecksum(buf, l4Off, datagramEnd);
    if (spec.icmp.checksum !== undefined) setIcmpChecksum(buf, l4Off, spec.icmp.checksum);
  } else if (spec.icmpv6) {
    fillIcmpv6Checksum(buf, l3Off, l4Off, datagramEnd);
    if (spec.icmpv6.checksum !== undefined) setIcmpv6Checksum(buf, l4Off, spec.icmpv6.checksum);
  }
  if (spec.ipv4?.checksum !== undefined) setIpv4Checksum(buf, l3Off, spec.ipv4.checksum);
  return buf;
}

// ---------------------------------------------------------------------------------------------- spec -> Repr

function ethRepr(spec: FrameSpec): EthernetRepr {
  const e = spec.eth ?? {};
  const arpRequest = spec.arp !== undefined && (spec.arp.op ?? ArpOp.REQUEST) === ArpOp.REQUEST;
  const vlans: VlanRepr[] = (spec.vlans ?? []).map((v) => ({
    tpid: v.tpid ?? EthType.VLAN,
    tci: v.tci ?? makeTci(v.pcp ?? 0, v.dei ?? false, v.vid ?? 0),
  }));
  return {
    dst: toMac(e.dst ?? (arpRequest ? 'ff:ff:ff:ff:ff:ff' : DEFAULT_DST_MAC)),
    src: toMac(e.src ?? DEFAULT_SRC_MAC),
    vlans,
    ethertype:
      e.type ??
      (spec.arp ? EthType.ARP : spec.ipv4 ? EthType.IPV4 : spec.ipv6 ? EthType.IPV6 : ETH_TYPE_EXPERIMENTAL),
  };
}

function arpRepr(a: ArpSpec) {
  return {
    op: a.op ?? ArpOp.REQUEST,
    sha: toMac(a.sha ?? DEFAULT_SRC_MAC),
    spa: toIpv4(a.spa),
    tha: toMac(a.tha ?? '00:00:00:00:00:00'),
    tpa: toIpv4(a.tpa),
  };
}

/** Extension-header Reprs with the next-header chain ending in `upper`. */
function ipv6ExtReprs(specs: Ipv6ExtSpec[], upper: number): Ipv6ExtRepr[] {
  const types = specs.map((s) =>
    s.type === 'hopopts' ? IpProto.HOPOPTS : s.type === 'dstopts' ? IpProto.DSTOPTS : s.type === 'routing' ? IpProto.ROUTING : IpProto.FRAGMENT,
  );
  return specs.map((s, i): Ipv6ExtRepr => {
    const nextHeader = i + 1 < types.length ? types[i + 1] : upper;
    switch (s.type) {
      case 'hopopts':
        return { type: IpProto.HOPOPTS, nextHeader, options: s.options ?? new Uint8Array(0) };
      case 'dstopts':
        return { type: IpProto.DSTOPTS, nextHeader, options: s.options ?? new Uint8Array(0) };
      case 'routing': {
        let data = s.data;
        if (!data) {
          // Type 0 / type 2 layout: 4 reserved bytes, then the addresses.
          const addrs = (s.addresses ?? []).map(toIpv6);
          data = new Uint8Array(4 + 16 * addrs.length);
          addrs.forEach((a, k) => data!.set(a, 4 + 16 * k));
        }
        return {
          type: IpProto.ROUTING,
          nextHeader,
          routingType: s.routingType ?? 0,
          segmentsLeft: s.segmentsLeft ?? (s.addresses?.length ?? 0),
          data,
        };
      }
      case 'fragment':
        return { type: IpProto.FRAGMENT, nextHeader, fragOffset: s.offset ?? 0, moreFrags: s.more ?? false, ident: s.ident ?? 0 };
    }
  });
}

function icmpv6Repr(i: Icmpv6Spec): Icmpv6Repr {
  const rest = i.rest ?? ((((i.id ?? 0) & 0xffff) << 16) | ((i.seq ?? 0) & 0xffff)) >>> 0;
  const repr: Icmpv6Repr = { type: i.type, code: i.code ?? 0, checksum: 0, rest };
  const options: NdOption[] = [];
  if (i.sll !== undefined) options.push({ type: NdOpt.SOURCE_LL_ADDR, data: toMac(i.sll) });
  if (i.tll !== undefined) options.push({ type: NdOpt.TARGET_LL_ADDR, data: toMac(i.tll) });
  options.push(...(i.options ?? []));
  if (i.target !== undefined) repr.target = toIpv6(i.target);
  if (i.destination !== undefined) repr.destination = toIpv6(i.destination);
  if (i.reachableTime !== undefined) repr.reachableTime = i.reachableTime;
  if (i.retransTimer !== undefined) repr.retransTimer = i.retransTimer;
  repr.options = options;
  return repr;
}
