/**
 * The generic codec test, dns-packet style: every codec, three ways.
 *   1. emit(x) writes exactly length(x) bytes;
 *   2. parse(emit(x)) equals x;
 *   3. emit(parse(bytes)) equals bytes, for headers taken from real captures.
 * Values come from hand-picked edge cases, the sample captures, and a seeded random generator per codec.
 */

import { describe, expect, it } from 'vitest';
import {
  arpCodec,
  ethernetCodec,
  EthType,
  icmpCodec,
  Icmpv6Type,
  icmpv6Codec,
  IpProto,
  ipv4Codec,
  ipv6Codec,
  ipv6ExtCodec,
  NdOpt,
  sctpCodec,
  tcpCodec,
  udpCodec,
  vlanCodec,
  vxlanCodec,
  type Codec,
  type Icmpv6Repr,
  type Ipv6ExtRepr,
} from '../../src/packet/index.js';
import { toHex } from './pcap.js';
import { randBytes, randInt, rng } from './rng.js';
import * as S from './samples.js';

const r = rng(2024);
const u8 = () => randInt(r, 256);
const u16 = () => randInt(r, 0x10000);
const u32 = () => (randInt(r, 0x10000) * 0x10000 + randInt(r, 0x10000)) >>> 0;
const bool = () => r() < 0.5;
const many = <T>(n: number, f: () => T): T[] => Array.from({ length: n }, f);
/** Length that makes `fixed + n` a multiple of `unit`. */
const aligned = (fixed: number, unit: number, maxUnits: number) => unit * randInt(r, maxUnits + 1) + ((unit - (fixed % unit)) % unit);

/** [buffer, offset, end] of a captured header. */
type Captured = [Uint8Array, number, number];

const randomIcmpv6 = (): Icmpv6Repr => {
  const type = [128, 129, 1, 2, 3, 4, 133, 134, 135, 136, 137][randInt(r, 11)];
  const v: Record<string, unknown> = { type, code: u8(), checksum: u16(), rest: u32() };
  if (type >= 133) {
    if (type === 134) {
      v.reachableTime = u32();
      v.retransTimer = u32();
    }
    if (type >= 135) v.target = randBytes(r, 16);
    if (type === 137) v.destination = randBytes(r, 16);
    v.options = many(randInt(r, 4), () => ({ type: 1 + randInt(r, 5), data: randBytes(r, aligned(2, 8, 3)) }));
  }
  return v as unknown as Icmpv6Repr;
};

function roundTrip<R>(codec: Codec<R>, values: R[], captured: Captured[]): void {
  describe(`${codec.name} codec`, () => {
    it('emits exactly length() bytes', () => {
      for (const v of values) {
        const buf = new Uint8Array(codec.length(v) + 16);
        expect(codec.emit(v, buf, 3)).toBe(codec.length(v));
      }
    });

    it('parses back what it emitted', () => {
      for (const v of values) {
        const n = codec.length(v);
        const buf = new Uint8Array(n + 8);
        codec.emit(v, buf, 5);
        expect(codec.parse(buf, 5, 5 + n)).toEqual(v);
      }
    });

    it('re-emits captured headers byte for byte', () => {
      expect(captured.length).toBeGreaterThan(0);
      for (const [buf, off, end] of captured) {
        const v = codec.parse(buf, off, end);
        if (typeof v === 'number') throw new Error(`${codec.name}: captured header does not parse (status ${v})`);
        const n = codec.length(v);
        const out = new Uint8Array(n);
        codec.emit(v, out, 0);
        expect(toHex(out)).toBe(toHex(buf.subarray(off, off + n)));
      }
    });
  });
}

roundTrip(
  ethernetCodec,
  many(50, () => ({
    dst: randBytes(r, 6),
    src: randBytes(r, 6),
    vlans: many(randInt(r, 4), () => ({ tpid: bool() ? EthType.VLAN : EthType.QINQ, tci: u16() })),
    // A non-TPID EtherType, so the parse stops where the emit did.
    ethertype: [EthType.IPV4, EthType.IPV6, EthType.ARP, 0x05dc, 0x88cc][randInt(r, 5)],
  })),
  [
    [S.ARP_REQUEST, 0, S.ARP_REQUEST.length],
    [S.VLAN_ICMP_ECHO, 0, S.VLAN_ICMP_ECHO.length],
    [S.QINQ_ARP, 0, S.QINQ_ARP.length],
  ],
);

roundTrip(vlanCodec, many(20, () => ({ tpid: u16(), tci: u16() })), [[S.VLAN_ICMP_ECHO, 12, 16]]);

roundTrip(
  arpCodec,
  many(30, () => ({ op: u16(), sha: randBytes(r, 6), spa: u32(), tha: randBytes(r, 6), tpa: u32() })),
  [
    [S.ARP_REQUEST, 14, S.ARP_REQUEST.length],
    [S.QINQ_ARP, 22, S.QINQ_ARP.length],
  ],
);

roundTrip(
  ipv4Codec,
  many(50, () => ({
    tos: u8(),
    ident: u16(),
    dontFrag: bool(),
    moreFrags: bool(),
    fragOffset: 8 * randInt(r, 0x2000),
    ttl: u8(),
    protocol: u8(),
    src: u32(),
    dst: u32(),
    options: randBytes(r, 4 * randInt(r, 11)),
    payloadLength: randInt(r, 65535 - 60),
  })),
  [
    [S.TCP_SYN, 14, S.TCP_SYN.length],
    [S.IPV4_RA_IGMP, 14, S.IPV4_RA_IGMP.length],
    [S.IPV4_FRAG_LATER, 14, S.IPV4_FRAG_LATER.length],
    [S.ICMP_PORT_UNREACH, 14, S.ICMP_PORT_UNREACH.length],
  ],
);

roundTrip(
  ipv6Codec,
  many(50, () => ({
    trafficClass: u8(),
    flowLabel: randInt(r, 0x100000),
    nextHeader: u8(),
    hopLimit: u8(),
    src: randBytes(r, 16),
    dst: randBytes(r, 16),
    payloadLength: u16(),
  })),
  [
    [S.ICMPV6_NS, 14, S.ICMPV6_NS.length],
    [S.IPV6_ROUTING0_ICMPV6, 14, S.IPV6_ROUTING0_ICMPV6.length],
  ],
);

roundTrip(
  ipv6ExtCodec(IpProto.HOPOPTS),
  many(30, (): Ipv6ExtRepr => ({ type: IpProto.HOPOPTS, nextHeader: u8(), options: randBytes(r, aligned(2, 8, 10)) })),
  [[S.IPV6_HBH_TCP, 54, S.IPV6_HBH_TCP.length]],
);

roundTrip(
  ipv6ExtCodec(IpProto.DSTOPTS),
  many(30, (): Ipv6ExtRepr => ({ type: IpProto.DSTOPTS, nextHeader: u8(), options: randBytes(r, aligned(2, 8, 10)) })),
  [[S.IPV6_EXT_TCP_SYN, 54, S.IPV6_EXT_TCP_SYN.length]],
);

roundTrip(
  ipv6ExtCodec(IpProto.ROUTING),
  many(
    30,
    (): Ipv6ExtRepr => ({
      type: IpProto.ROUTING,
      nextHeader: u8(),
      routingType: u8(),
      segmentsLeft: u8(),
      data: randBytes(r, aligned(4, 8, 10)),
    }),
  ),
  [[S.IPV6_ROUTING0_ICMPV6, 54, S.IPV6_ROUTING0_ICMPV6.length]],
);

roundTrip(
  ipv6ExtCodec(IpProto.FRAGMENT),
  many(
    30,
    (): Ipv6ExtRepr => ({
      type: IpProto.FRAGMENT,
      nextHeader: u8(),
      fragOffset: 8 * randInt(r, 0x2000),
      moreFrags: bool(),
      ident: u32(),
    }),
  ),
  [[S.IPV6_ATOMIC_FRAG_TCP, 54, S.IPV6_ATOMIC_FRAG_TCP.length]],
);

roundTrip(
  icmpCodec,
  many(30, () => ({ type: u8(), code: u8(), checksum: u16(), rest: u32() })),
  [
    [S.VLAN_ICMP_ECHO, 38, S.VLAN_ICMP_ECHO.length],
    [S.ICMP_PORT_UNREACH, 34, 190],
  ],
);

roundTrip(
  icmpv6Codec,
  [
    ...many(60, randomIcmpv6),
    {
      type: Icmpv6Type.ROUTER_SOLICIT,
      code: 0,
      checksum: 0,
      rest: 0,
      options: [{ type: NdOpt.SOURCE_LL_ADDR, data: randBytes(r, 6) }],
    },
  ],
  [
    [S.ICMPV6_NS, 54, S.ICMPV6_NS.length],
    [S.ICMPV6_NA, 54, S.ICMPV6_NA.length],
    [S.ICMPV6_RA, 54, S.ICMPV6_RA.length],
    [S.IPV6_ROUTING0_ICMPV6, 94, S.IPV6_ROUTING0_ICMPV6.length],
  ],
);

roundTrip(
  tcpCodec,
  many(50, () => ({
    srcPort: u16(),
    dstPort: u16(),
    seq: u32(),
    ack: u32(),
    flags: randInt(r, 0x1000),
    window: u16(),
    checksum: u16(),
    urgent: u16(),
    options: randBytes(r, 4 * randInt(r, 11)),
  })),
  [
    [S.TCP_SYN, 34, S.TCP_SYN.length],
    [S.IPV6_EXT_TCP_SYN, 62, S.IPV6_EXT_TCP_SYN.length],
  ],
);

roundTrip(
  udpCodec,
  many(30, () => ({ srcPort: u16(), dstPort: u16(), checksum: u16(), payloadLength: randInt(r, 65536 - 8) })),
  [
    [S.UDP_DNS, 34, S.UDP_DNS.length],
    [S.VXLAN_ARP, 34, S.VXLAN_ARP.length],
  ],
);

roundTrip(
  sctpCodec,
  many(30, () => ({ srcPort: u16(), dstPort: u16(), verificationTag: u32(), checksum: u32() })),
  [[S.SCTP_INIT, 34, S.SCTP_INIT.length]],
);

roundTrip(
  vxlanCodec,
  many(30, () => ({ flags: u8(), vni: randInt(r, 0x1000000) })),
  [[S.VXLAN_ARP, 42, S.VXLAN_ARP.length]],
);
