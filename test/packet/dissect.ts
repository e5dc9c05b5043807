/**
 * A whole-frame walk for tests, built only from the packet layer's checked entries: the way the flow layer will use
 * them. Each layer reached is recorded with its status and, when the header is usable, its Repr.
 */

import {
  checkArp,
  checkIcmpError,
  checkIpv4,
  checkIpv6,
  checkVxlan,
  EthLayout,
  ethWalk,
  EthType,
  headerUsable,
  icmpIsError,
  IpProto,
  ipv4HeaderLen,
  ipv4IsLaterFragment,
  ipv4PayloadEnd,
  Ipv6Walk,
  ipv6Walk,
  ipv6PayloadEnd,
  parseArp,
  parseEthernet,
  parseIcmp,
  parseIcmpv6,
  parseIpv4,
  parseIpv6,
  parseSctp,
  parseTcp,
  parseUdp,
  parseVxlan,
  Status,
  udpDstPort,
  udpPayloadEnd,
  VXLAN_UDP_PORT,
  vxlanInnerOffset,
} from '../../src/packet/index.js';

export interface Layer {
  name: string;
  status: number;
  repr?: unknown;
}

const eth = new EthLayout();
const walk = new Ipv6Walk();

export function dissect(buf: Uint8Array, off: number, end: number, out: Layer[] = []): Layer[] {
  const s = ethWalk(buf, off, end, eth);
  out.push({ name: 'eth', status: s, repr: reprOf(parseEthernet(buf, off, end)) });
  if (s !== Status.OK) return out;
  const l3 = eth.l3Offset;
  switch (eth.ethertype) {
    case EthType.ARP:
      out.push({ name: 'arp', status: checkArp(buf, l3, end), repr: reprOf(parseArp(buf, l3, end)) });
      break;
    case EthType.IPV4: {
      const st = checkIpv4(buf, l3, end);
      out.push({ name: 'ipv4', status: st, repr: reprOf(parseIpv4(buf, l3, end)) });
      if (!headerUsable(st) || ipv4IsLaterFragment(buf, l3)) break;
      l4(buf, buf[l3 + 9], l3 + ipv4HeaderLen(buf, l3), ipv4PayloadEnd(buf, l3, end), out);
      break;
    }
    case EthType.IPV6: {
      const st = checkIpv6(buf, l3, end);
      out.push({ name: 'ipv6', status: st, repr: reprOf(parseIpv6(buf, l3, end)) });
      if (!headerUsable(st)) break;
      const e = ipv6PayloadEnd(buf, l3, end);
      const ws = ipv6Walk(buf, l3, e, walk);
      out.push({ name: 'ipv6-ext', status: ws, repr: { ...walk } });
      if (ws !== Status.OK || walk.laterFragment) break;
      l4(buf, walk.proto, walk.l4Offset, e, out);
      break;
    }
  }
  return out;
}

function l4(buf: Uint8Array, proto: number, off: number, end: number, out: Layer[]): void {
  switch (proto) {
    case IpProto.TCP:
      push(out, 'tcp', parseTcp(buf, off, end));
      break;
    case IpProto.UDP: {
      const r = push(out, 'udp', parseUdp(buf, off, end));
      if (r && udpDstPort(buf, off) === VXLAN_UDP_PORT) {
        const ue = udpPayloadEnd(buf, off, end);
        const vx = off + 8;
        out.push({ name: 'vxlan', status: checkVxlan(buf, vx, ue), repr: reprOf(parseVxlan(buf, vx, ue)) });
        if (checkVxlan(buf, vx, ue) === Status.OK) dissect(buf, vxlanInnerOffset(vx), ue, out);
      }
      break;
    }
    case IpProto.SCTP:
      push(out, 'sctp', parseSctp(buf, off, end));
      break;
    case IpProto.ICMP: {
      const r = push(out, 'icmp', parseIcmp(buf, off, end));
      if (r && icmpIsError(buf[off])) out.push({ name: 'icmp-inner', status: checkIcmpError(buf, off, end) });
      break;
    }
    case IpProto.ICMPV6:
      push(out, 'icmpv6', parseIcmpv6(buf, off, end));
      break;
  }
}

function push(out: Layer[], name: string, r: unknown): boolean {
  const ok = typeof r === 'object';
  out.push({ name, status: ok ? Status.OK : (r as number), repr: ok ? r : undefined });
  return ok;
}

function reprOf(r: unknown): unknown {
  return typeof r === 'object' ? r : undefined;
}
