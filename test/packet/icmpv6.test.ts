import { describe, expect, it } from 'vitest';
import {
  checkIcmpv6,
  emitIcmpv6,
  fillIcmpv6Checksum,
  icmpv6Checksum,
  icmpv6ChecksumOk,
  icmpv6Code,
  icmpv6EchoId,
  icmpv6EchoSeq,
  icmpv6IsError,
  icmpv6Length,
  icmpv6Type,
  Icmpv6Type,
  ipv6ToString,
  macToString,
  ND_NA_OVERRIDE,
  ND_NA_ROUTER,
  ND_OPT_ABSENT,
  ND_OPT_MALFORMED,
  ndFindOption,
  NdOpt,
  ndOptionsOffset,
  ndTargetWord,
  parseIcmpv6,
  Status,
  type Icmpv6Repr,
} from '../../src/packet/index.js';
import { toHex } from './pcap.js';
import { ICMPV6_NA, ICMPV6_NS, ICMPV6_RA, IPV6_ROUTING0_ICMPV6 } from './samples.js';

const IP = 14;
const L4 = 54;

describe('ICMPv6 accessors', () => {
  it('read type, code and checksum of a neighbour solicitation', () => {
    expect(icmpv6Type(ICMPV6_NS, L4)).toBe(Icmpv6Type.NEIGHBOR_SOLICIT);
    expect(icmpv6Code(ICMPV6_NS, L4)).toBe(0);
    expect(icmpv6Checksum(ICMPV6_NS, L4)).toBe(0x673c);
  });

  it('read the NS target as words (fe80::c000:54ff:fef5:0)', () => {
    expect([0, 1, 2, 3].map((i) => ndTargetWord(ICMPV6_NS, L4, i))).toEqual([0xfe800000, 0, 0xc00054ff, 0xfef50000]);
  });

  it('read echo id and sequence behind a routing header', () => {
    // ipv6_routing_hdr_type0.pcap frame 2: ICMPv6 at 14 + 40 + 40, 8000 d37b 0000 0000.
    expect(icmpv6Type(IPV6_ROUTING0_ICMPV6, 94)).toBe(Icmpv6Type.ECHO_REQUEST);
    expect(icmpv6EchoId(IPV6_ROUTING0_ICMPV6, 94)).toBe(0);
    expect(icmpv6EchoSeq(IPV6_ROUTING0_ICMPV6, 94)).toBe(0);
  });

  it('classify types below 128 as errors', () => {
    expect(icmpv6IsError(Icmpv6Type.DEST_UNREACH)).toBe(true);
    expect(icmpv6IsError(Icmpv6Type.PARAM_PROBLEM)).toBe(true);
    expect(icmpv6IsError(Icmpv6Type.ECHO_REQUEST)).toBe(false);
  });
});

describe('ICMPv6 checksum', () => {
  it('verifies captured NS, NA and RA with the IPv6 pseudo-header', () => {
    for (const f of [ICMPV6_NS, ICMPV6_NA, ICMPV6_RA]) expect(icmpv6ChecksumOk(f, IP, L4, f.length)).toBe(true);
  });

  it('refills to the captured value', () => {
    const f = ICMPV6_NA.slice();
    f[L4 + 2] = 0;
    f[L4 + 3] = 0;
    fillIcmpv6Checksum(f, IP, L4, f.length);
    expect(icmpv6Checksum(f, L4)).toBe(0x9abb);
  });
});

describe('Neighbor Discovery options', () => {
  it('place the options after each message body', () => {
    expect(ndOptionsOffset(Icmpv6Type.ROUTER_SOLICIT)).toBe(8);
    expect(ndOptionsOffset(Icmpv6Type.ROUTER_ADVERT)).toBe(16);
    expect(ndOptionsOffset(Icmpv6Type.NEIGHBOR_SOLICIT)).toBe(24);
    expect(ndOptionsOffset(Icmpv6Type.NEIGHBOR_ADVERT)).toBe(24);
    expect(ndOptionsOffset(Icmpv6Type.REDIRECT)).toBe(40);
    expect(ndOptionsOffset(Icmpv6Type.ECHO_REQUEST)).toBe(-1);
  });

  it('find the target link-layer address in a captured NA', () => {
    // 0201 c200 54f5 0000: TLL, length 1, c2:00:54:f5:00:00.
    const p = ndFindOption(ICMPV6_NA, L4 + 24, ICMPV6_NA.length, NdOpt.TARGET_LL_ADDR);
    expect(p).toBe(L4 + 24);
    expect(macToString(ICMPV6_NA, p + 2)).toBe('c2:00:54:f5:00:00');
  });

  it('report an option that is not there as absent (NS from the unspecified address has no SLL)', () => {
    expect(ndFindOption(ICMPV6_NS, L4 + 24, ICMPV6_NS.length, NdOpt.SOURCE_LL_ADDR)).toBe(ND_OPT_ABSENT);
  });

  it('walk past SLL and MTU to the prefix information in a captured RA', () => {
    const opts = L4 + 16;
    expect(ndFindOption(ICMPV6_RA, opts, ICMPV6_RA.length, NdOpt.SOURCE_LL_ADDR)).toBe(opts);
    expect(ndFindOption(ICMPV6_RA, opts, ICMPV6_RA.length, NdOpt.MTU)).toBe(opts + 8);
    expect(ndFindOption(ICMPV6_RA, opts, ICMPV6_RA.length, NdOpt.PREFIX_INFO)).toBe(opts + 16);
  });

  it('call a zero-length option malformed instead of looping on it', () => {
    const f = ICMPV6_NA.slice();
    f[L4 + 25] = 0;
    expect(ndFindOption(f, L4 + 24, f.length, NdOpt.TARGET_LL_ADDR)).toBe(ND_OPT_MALFORMED);
    expect(checkIcmpv6(f, L4, f.length)).toBe(Status.BAD_OPTION);
  });

  it('call an option running past the end malformed', () => {
    const f = ICMPV6_NA.slice();
    f[L4 + 25] = 2;
    expect(checkIcmpv6(f, L4, f.length)).toBe(Status.BAD_OPTION);
  });
});

describe('ICMPv6 check', () => {
  it('is TRUNCATED below 8 bytes, and for ND below the fixed body', () => {
    expect(checkIcmpv6(ICMPV6_NS, L4, L4 + 7)).toBe(Status.TRUNCATED);
    expect(checkIcmpv6(ICMPV6_NS, L4, L4 + 23)).toBe(Status.TRUNCATED);
    expect(checkIcmpv6(ICMPV6_NS, L4, L4 + 24)).toBe(Status.OK);
  });
});

describe('ICMPv6 Repr', () => {
  it('parses an NS with its target and no options', () => {
    const r = parseIcmpv6(ICMPV6_NS, L4, ICMPV6_NS.length) as Icmpv6Repr;
    expect(r.type).toBe(135);
    expect(ipv6ToString(r.target!)).toBe('fe80::c000:54ff:fef5:0');
    expect(r.options).toEqual([]);
  });

  it('parses an NA: R and O flags in rest, TLL option', () => {
    // 8800 9abb a000 0000: flags a0 = Router | Override.
    const r = parseIcmpv6(ICMPV6_NA, L4, ICMPV6_NA.length) as Icmpv6Repr;
    expect(r.rest >>> 0).toBe((ND_NA_ROUTER | ND_NA_OVERRIDE) >>> 0);
    expect(r.options).toHaveLength(1);
    expect(r.options![0].type).toBe(NdOpt.TARGET_LL_ADDR);
    expect(macToString(r.options![0].data)).toBe('c2:00:54:f5:00:00');
  });

  it('parses an RA: hop limit 64, lifetime 1800 s, timers, three options', () => {
    // 8600 c4fe 4000 0708 0000 0000 0000 0000
    const r = parseIcmpv6(ICMPV6_RA, L4, ICMPV6_RA.length) as Icmpv6Repr;
    expect(r.rest >>> 24).toBe(64);
    expect(r.rest & 0xffff).toBe(1800);
    expect(r.reachableTime).toBe(0);
    expect(r.retransTimer).toBe(0);
    expect(r.options!.map((o) => o.type)).toEqual([NdOpt.SOURCE_LL_ADDR, NdOpt.MTU, NdOpt.PREFIX_INFO]);
    expect(ipv6ToString(r.options![2].data, 14)).toBe('2001:db8:0:1::');
  });

  it('emits captured ND messages back byte for byte', () => {
    for (const f of [ICMPV6_NS, ICMPV6_NA, ICMPV6_RA]) {
      const r = parseIcmpv6(f, L4, f.length) as Icmpv6Repr;
      const out = new Uint8Array(icmpv6Length(r));
      expect(emitIcmpv6(r, out, 0)).toBe(f.length - L4);
      expect(toHex(out)).toBe(toHex(f.subarray(L4)));
    }
  });

  it('keeps only the 8-byte header for non-ND types', () => {
    const r = parseIcmpv6(IPV6_ROUTING0_ICMPV6, 94, IPV6_ROUTING0_ICMPV6.length) as Icmpv6Repr;
    expect(r).toEqual({ type: 128, code: 0, checksum: 0xd37b, rest: 0 });
    expect(icmpv6Length(r)).toBe(8);
  });
});
