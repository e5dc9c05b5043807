import { describe, expect, it } from 'vitest';
import {
  checkIpv6,
  emitIpv6,
  emitIpv6Ext,
  ipv6DstWord,
  ipv6ExtLength,
  ipv6FlowLabel,
  ipv6FromString,
  ipv6HopLimit,
  ipv6Length,
  ipv6NextHeader,
  ipv6PayloadEnd,
  ipv6PayloadLen,
  ipv6SrcWord,
  ipv6ToString,
  ipv6TrafficClass,
  ipv6Version,
  Ipv6Walk,
  ipv6Walk,
  IpProto,
  parseIpv6,
  parseIpv6Ext,
  setIpv6FlowLabel,
  setIpv6TrafficClass,
  Status,
  type Ipv6ExtRepr,
  type Ipv6Repr,
} from '../../src/packet/index.js';
import { toHex } from './pcap.js';
import { ICMPV6_NS, IPV6_ATOMIC_FRAG_TCP, IPV6_EXT_TCP_SYN, IPV6_HBH_TCP, IPV6_ROUTING0_ICMPV6 } from './samples.js';

const L3 = 14;

describe('IPv6 accessors', () => {
  // icmpv6_nd_options_mld.pcap frame 1: 6e00 0000 -> traffic class 0xe0, flow label 0.
  it('read version, traffic class and flow label from the first word', () => {
    expect(ipv6Version(ICMPV6_NS, L3)).toBe(6);
    expect(ipv6TrafficClass(ICMPV6_NS, L3)).toBe(0xe0);
    expect(ipv6FlowLabel(ICMPV6_NS, L3)).toBe(0);
  });

  it('read payload length, next header and hop limit', () => {
    expect(ipv6PayloadLen(ICMPV6_NS, L3)).toBe(24);
    expect(ipv6NextHeader(ICMPV6_NS, L3)).toBe(IpProto.ICMPV6);
    expect(ipv6HopLimit(ICMPV6_NS, L3)).toBe(255);
  });

  it('read addresses as 32-bit words for the flow key', () => {
    // src 2001:db8:1::2, dst 2001:db8:1::1
    expect([0, 1, 2, 3].map((i) => ipv6SrcWord(IPV6_EXT_TCP_SYN, L3, i))).toEqual([0x20010db8, 0x00010000, 0, 2]);
    expect(ipv6DstWord(IPV6_EXT_TCP_SYN, L3, 3)).toBe(1);
  });

  it('set traffic class and flow label without disturbing each other', () => {
    const h = ICMPV6_NS.slice(L3, L3 + 40);
    setIpv6FlowLabel(h, 0, 0xabcde);
    setIpv6TrafficClass(h, 0, 0x2d);
    expect(ipv6Version(h, 0)).toBe(6);
    expect(ipv6TrafficClass(h, 0)).toBe(0x2d);
    expect(ipv6FlowLabel(h, 0)).toBe(0xabcde);
  });
});

describe('IPv6 check', () => {
  it('is OK for a whole datagram', () => {
    expect(checkIpv6(ICMPV6_NS, L3, ICMPV6_NS.length)).toBe(Status.OK);
  });

  it('is TRUNCATED inside the fixed header, BAD_VERSION for version 4', () => {
    expect(checkIpv6(ICMPV6_NS, L3, L3 + 39)).toBe(Status.TRUNCATED);
    const h = ICMPV6_NS.slice(L3);
    h[0] = 0x45;
    expect(checkIpv6(h, 0, h.length)).toBe(Status.BAD_VERSION);
  });

  it('is PAYLOAD_TRUNCATED when the payload length runs past the capture', () => {
    // Like malformed_ipv6_hbh_trunc.pcap: payload length 20, nothing after the fixed header.
    expect(checkIpv6(ICMPV6_NS, L3, L3 + 40)).toBe(Status.PAYLOAD_TRUNCATED);
    expect(ipv6PayloadEnd(ICMPV6_NS, L3, L3 + 40)).toBe(L3 + 40);
  });
});

describe('ipv6Walk', () => {
  const w = new Ipv6Walk();

  it('stops at once when there are no extension headers', () => {
    expect(ipv6Walk(ICMPV6_NS, L3, ICMPV6_NS.length, w)).toBe(Status.OK);
    expect(w).toMatchObject({ proto: IpProto.ICMPV6, l4Offset: L3 + 40, extCount: 0, hasFragment: false });
  });

  it('steps over Destination Options to TCP', () => {
    // frame 4: next header 3c; 0600 0104 0000 0000 (PadN 4), then TCP.
    expect(ipv6Walk(IPV6_EXT_TCP_SYN, L3, IPV6_EXT_TCP_SYN.length, w)).toBe(Status.OK);
    expect(w).toMatchObject({ proto: IpProto.TCP, l4Offset: L3 + 48, extCount: 1 });
  });

  it('steps over Hop-by-Hop to TCP', () => {
    expect(ipv6Walk(IPV6_HBH_TCP, L3, IPV6_HBH_TCP.length, w)).toBe(Status.OK);
    expect(w).toMatchObject({ proto: IpProto.TCP, l4Offset: L3 + 48, extCount: 1 });
  });

  it('walks through an atomic fragment and reports it (offset 0, M clear)', () => {
    // frame 13: next header 2c; 0600 0000 0000 0000.
    expect(ipv6Walk(IPV6_ATOMIC_FRAG_TCP, L3, IPV6_ATOMIC_FRAG_TCP.length, w)).toBe(Status.OK);
    expect(w).toMatchObject({
      proto: IpProto.TCP,
      l4Offset: L3 + 48,
      hasFragment: true,
      fragOffset: 0,
      moreFrags: false,
      laterFragment: false,
    });
  });

  it('steps over a type 0 routing header with two addresses', () => {
    // ipv6_routing_hdr_type0.pcap frame 2: 3a04 0002 0000 0000 + 2 addresses (40 bytes), then ICMPv6.
    expect(ipv6Walk(IPV6_ROUTING0_ICMPV6, L3, IPV6_ROUTING0_ICMPV6.length, w)).toBe(Status.OK);
    expect(w).toMatchObject({ proto: IpProto.ICMPV6, l4Offset: L3 + 80, extCount: 1 });
  });

  it('stops after the fragment header of a later fragment', () => {
    const f = laterFragment();
    expect(ipv6Walk(f, 0, f.length, w)).toBe(Status.OK);
    expect(w).toMatchObject({
      proto: IpProto.UDP,
      l4Offset: 48,
      hasFragment: true,
      fragOffset: 1432,
      moreFrags: true,
      fragIdent: 2,
      laterFragment: true,
    });
  });

  it('steps over AH using its 32-bit-word length', () => {
    // AH: next 6, len 4 -> (4+2)*4 = 24 bytes.
    const f = new Uint8Array(40 + 24 + 20);
    f.set(IPV6_EXT_TCP_SYN.subarray(L3, L3 + 40));
    f[6] = IpProto.AH;
    f[40] = IpProto.TCP;
    f[41] = 4;
    expect(ipv6Walk(f, 0, f.length, w)).toBe(Status.OK);
    expect(w).toMatchObject({ proto: IpProto.TCP, l4Offset: 64 });
  });

  it('stops at ESP and No Next Header', () => {
    const f = IPV6_EXT_TCP_SYN.slice(L3);
    f[40] = IpProto.ESP;
    expect(ipv6Walk(f, 0, f.length, w)).toBe(Status.OK);
    expect(w).toMatchObject({ proto: IpProto.ESP, l4Offset: 48 });
    f[40] = IpProto.NONE;
    expect(ipv6Walk(f, 0, f.length, w)).toBe(Status.OK);
    expect(w.proto).toBe(IpProto.NONE);
  });

  it('reports TRUNCATED, naming the cut header, when an extension header runs past the end', () => {
    expect(ipv6Walk(IPV6_ROUTING0_ICMPV6, L3, L3 + 60, w)).toBe(Status.TRUNCATED);
    expect(w).toMatchObject({ proto: IpProto.ROUTING, l4Offset: L3 + 40 });
    expect(ipv6Walk(IPV6_HBH_TCP, L3, L3 + 41, w)).toBe(Status.TRUNCATED);
    expect(w.proto).toBe(IpProto.HOPOPTS);
  });

  it('reuses the walk object without stale fragment state', () => {
    const f = laterFragment();
    ipv6Walk(f, 0, f.length, w);
    ipv6Walk(IPV6_HBH_TCP, L3, IPV6_HBH_TCP.length, w);
    expect(w).toMatchObject({ hasFragment: false, laterFragment: false, fragOffset: 0 });
  });
});

describe('IPv6 Repr', () => {
  it('parses the fixed header', () => {
    const r = parseIpv6(IPV6_EXT_TCP_SYN, L3, IPV6_EXT_TCP_SYN.length) as Ipv6Repr;
    expect(r).toMatchObject({ trafficClass: 0, flowLabel: 0, nextHeader: IpProto.DSTOPTS, hopLimit: 64, payloadLength: 28 });
    expect(ipv6ToString(r.src)).toBe('2001:db8:1::2');
    expect(ipv6ToString(r.dst)).toBe('2001:db8:1::1');
  });

  it('emits the captured fixed header back', () => {
    const r = parseIpv6(ICMPV6_NS, L3, ICMPV6_NS.length) as Ipv6Repr;
    const out = new Uint8Array(ipv6Length(r));
    emitIpv6(r, out, 0);
    expect(toHex(out)).toBe(toHex(ICMPV6_NS.subarray(L3, L3 + 40)));
  });

  it('parses and re-emits a Hop-by-Hop header with its PadN', () => {
    const r = parseIpv6Ext(IPV6_HBH_TCP, L3 + 40, IPV6_HBH_TCP.length, IpProto.HOPOPTS) as Ipv6ExtRepr;
    expect(r).toEqual({ type: IpProto.HOPOPTS, nextHeader: IpProto.TCP, options: new Uint8Array([1, 4, 0, 0, 0, 0]) });
    expectReemit(r, IPV6_HBH_TCP.subarray(L3 + 40, L3 + 48));
  });

  it('parses and re-emits a type 0 routing header', () => {
    const r = parseIpv6Ext(IPV6_ROUTING0_ICMPV6, L3 + 40, IPV6_ROUTING0_ICMPV6.length, IpProto.ROUTING) as Ipv6ExtRepr;
    expect(r).toMatchObject({ type: IpProto.ROUTING, nextHeader: IpProto.ICMPV6, routingType: 0, segmentsLeft: 2 });
    if (r.type !== IpProto.ROUTING) throw new Error('not routing');
    expect(ipv6ToString(r.data, 4)).toBe('2200::210:2:0:0:4');
    expect(ipv6ToString(r.data, 20)).toBe('2200::240:2:0:0:4');
    expectReemit(r, IPV6_ROUTING0_ICMPV6.subarray(L3 + 40, L3 + 80));
  });

  it('parses and re-emits a fragment header', () => {
    const f = laterFragment();
    const r = parseIpv6Ext(f, 40, f.length, IpProto.FRAGMENT) as Ipv6ExtRepr;
    expect(r).toEqual({ type: IpProto.FRAGMENT, nextHeader: IpProto.UDP, fragOffset: 1432, moreFrags: true, ident: 2 });
    expectReemit(r, f.subarray(40, 48));
  });

  it('pads option headers with Pad1 or PadN to 8 bytes', () => {
    const one: Ipv6ExtRepr = { type: IpProto.DSTOPTS, nextHeader: 6, options: new Uint8Array([5, 2, 0, 0, 0]) };
    const out = new Uint8Array(ipv6ExtLength(one));
    emitIpv6Ext(one, out, 0);
    // next 06, len 0, Router Alert 05 02 0000, then one Pad1 (00).
    expect(toHex(out)).toBe('0600050200000000');
    const padN: Ipv6ExtRepr = { type: IpProto.HOPOPTS, nextHeader: 6, options: new Uint8Array([5, 2, 0, 0]) };
    const out2 = new Uint8Array(ipv6ExtLength(padN));
    emitIpv6Ext(padN, out2, 0);
    // next 06, len 0, Router Alert 05 02 0000, then PadN of 2 (01 00).
    expect(toHex(out2)).toBe('0600050200000100');
  });

  it('says UNSUPPORTED for AH and unknown types, TRUNCATED when cut', () => {
    expect(parseIpv6Ext(IPV6_HBH_TCP, L3 + 40, IPV6_HBH_TCP.length, IpProto.AH)).toBe(Status.UNSUPPORTED);
    expect(parseIpv6Ext(IPV6_HBH_TCP, L3 + 40, IPV6_HBH_TCP.length, IpProto.TCP)).toBe(Status.UNSUPPORTED);
    expect(parseIpv6Ext(IPV6_HBH_TCP, L3 + 40, L3 + 47, IpProto.HOPOPTS)).toBe(Status.TRUNCATED);
  });
});

/** Fixed header + fragment header (offset 1432, M, ident 2, next UDP) + 8 data bytes, as in ipv6_frag_dns frame 7. */
function laterFragment(): Uint8Array {
  const f = new Uint8Array(56);
  emitIpv6(
    {
      trafficClass: 0,
      flowLabel: 0,
      nextHeader: IpProto.FRAGMENT,
      hopLimit: 64,
      src: ipv6FromString('2001:db8::1'),
      dst: ipv6FromString('2001:db8::2'),
      payloadLength: 16,
    },
    f,
    0,
  );
  emitIpv6Ext({ type: IpProto.FRAGMENT, nextHeader: IpProto.UDP, fragOffset: 1432, moreFrags: true, ident: 2 }, f, 40);
  return f;
}

function expectReemit(r: Ipv6ExtRepr, bytes: Uint8Array): void {
  const out = new Uint8Array(ipv6ExtLength(r));
  expect(emitIpv6Ext(r, out, 0)).toBe(bytes.length);
  expect(toHex(out)).toBe(toHex(bytes));
}
