import { describe, expect, it } from 'vitest';
import {
  checkIpv4,
  checkIpv4Options,
  emitIpv4,
  fillIpv4Checksum,
  ipv4Checksum,
  ipv4ChecksumOk,
  ipv4Dscp,
  ipv4DontFrag,
  ipv4Dst,
  ipv4Ecn,
  ipv4FindOption,
  ipv4FragOffset,
  ipv4HeaderLen,
  ipv4Ident,
  ipv4IsFragment,
  ipv4IsLaterFragment,
  ipv4Length,
  ipv4MoreFrags,
  Ipv4Option,
  ipv4PayloadEnd,
  ipv4Proto,
  ipv4Src,
  ipv4ToString,
  ipv4TotalLen,
  ipv4Ttl,
  ipv4Version,
  IpProto,
  parseIpv4,
  setIpv4Ttl,
  Status,
  type Ipv4Repr,
} from '../../src/packet/index.js';
import { hex, toHex } from './pcap.js';
import { IPV4_FRAG_LATER, IPV4_RA_IGMP, TCP_SYN, UDP_DNS } from './samples.js';

describe('IPv4 accessors', () => {
  // dns_tcp.pcap frame 1 at offset 14: 4500 003c 9b28 4000 4006 1376 c0a8010b d157f912.
  it('read the fixed header of a TCP SYN', () => {
    const o = 14;
    expect(ipv4Version(TCP_SYN, o)).toBe(4);
    expect(ipv4HeaderLen(TCP_SYN, o)).toBe(20);
    expect(ipv4TotalLen(TCP_SYN, o)).toBe(60);
    expect(ipv4Ident(TCP_SYN, o)).toBe(0x9b28);
    expect(ipv4DontFrag(TCP_SYN, o)).toBe(true);
    expect(ipv4MoreFrags(TCP_SYN, o)).toBe(false);
    expect(ipv4Ttl(TCP_SYN, o)).toBe(64);
    expect(ipv4Proto(TCP_SYN, o)).toBe(IpProto.TCP);
    expect(ipv4Checksum(TCP_SYN, o)).toBe(0x1376);
    expect(ipv4ToString(ipv4Src(TCP_SYN, o))).toBe('192.168.1.11');
    expect(ipv4ToString(ipv4Dst(TCP_SYN, o))).toBe('209.87.249.18');
  });

  it('split TOS into DSCP and ECN', () => {
    // ipv4_opt_ra_igmp_v2v3.pcap frame 5: TOS c0 = DSCP 48 (CS6), ECN 0.
    expect(ipv4Dscp(IPV4_RA_IGMP, 14)).toBe(48);
    expect(ipv4Ecn(IPV4_RA_IGMP, 14)).toBe(0);
  });

  it('read a later fragment: MF set, offset 48 bytes', () => {
    // ipv4_frag_overlap_tcp.pcap frame 3: flags/offset 2006 -> MF, offset 6*8.
    expect(ipv4MoreFrags(IPV4_FRAG_LATER, 14)).toBe(true);
    expect(ipv4FragOffset(IPV4_FRAG_LATER, 14)).toBe(48);
    expect(ipv4IsFragment(IPV4_FRAG_LATER, 14)).toBe(true);
    expect(ipv4IsLaterFragment(IPV4_FRAG_LATER, 14)).toBe(true);
  });

  it('do not call an unfragmented DF datagram a fragment', () => {
    expect(ipv4IsFragment(TCP_SYN, 14)).toBe(false);
    expect(ipv4IsLaterFragment(TCP_SYN, 14)).toBe(false);
  });

  it('call a first fragment a fragment but not a later one', () => {
    const h = TCP_SYN.slice(14, 34);
    h[6] = 0x20; // MF, offset 0
    h[7] = 0;
    expect(ipv4IsFragment(h, 0)).toBe(true);
    expect(ipv4IsLaterFragment(h, 0)).toBe(false);
  });
});

describe('IPv4 checksum', () => {
  it('verifies a captured header', () => {
    expect(ipv4ChecksumOk(TCP_SYN, 14)).toBe(true);
    expect(ipv4ChecksumOk(IPV4_RA_IGMP, 14)).toBe(true);
  });

  it('detects a changed field and recomputes over the IHL-sized header', () => {
    const f = TCP_SYN.slice();
    setIpv4Ttl(f, 14, 63);
    expect(ipv4ChecksumOk(f, 14)).toBe(false);
    fillIpv4Checksum(f, 14);
    expect(ipv4ChecksumOk(f, 14)).toBe(true);
    expect(ipv4Checksum(f, 14)).toBe(0x1476);
  });
});

describe('IPv4 check', () => {
  it('is OK for a whole datagram and trims Ethernet padding via ipv4PayloadEnd', () => {
    // ipv4_frag_overlap_tcp frame 3 is 58 bytes: 14 Ethernet + 44 IP, no padding; pad it to 64.
    const f = new Uint8Array(64);
    f.set(IPV4_FRAG_LATER);
    expect(checkIpv4(f, 14, f.length)).toBe(Status.OK);
    expect(ipv4PayloadEnd(f, 14, f.length)).toBe(58);
  });

  it('is PAYLOAD_TRUNCATED when the header is whole but the datagram is cut (snaplen)', () => {
    expect(checkIpv4(TCP_SYN, 14, 14 + 40)).toBe(Status.PAYLOAD_TRUNCATED);
    expect(ipv4PayloadEnd(TCP_SYN, 14, 14 + 40)).toBe(54);
  });

  it('is TRUNCATED when the header itself is cut, options included', () => {
    expect(checkIpv4(TCP_SYN, 14, 14)).toBe(Status.TRUNCATED);
    expect(checkIpv4(TCP_SYN, 14, 14 + 19)).toBe(Status.TRUNCATED);
    expect(checkIpv4(IPV4_RA_IGMP, 14, 14 + 23)).toBe(Status.TRUNCATED);
  });

  it('is BAD_VERSION for a version other than 4', () => {
    expect(checkIpv4(hex('65000014'), 0, 4)).toBe(Status.BAD_VERSION);
  });

  it('is BAD_HEADER_LEN for IHL below 5 (malformed_ipv4_ihl16.pcap has IHL 4)', () => {
    const h = TCP_SYN.slice(14);
    h[0] = 0x44;
    expect(checkIpv4(h, 0, h.length)).toBe(Status.BAD_HEADER_LEN);
  });

  it('is BAD_LENGTH when the total length is shorter than the header', () => {
    const h = TCP_SYN.slice(14);
    h[2] = 0;
    h[3] = 19;
    expect(checkIpv4(h, 0, h.length)).toBe(Status.BAD_LENGTH);
  });
});

describe('IPv4 options', () => {
  // ipv4_opt_ra_igmp_v2v3.pcap frame 5: IHL 6, option 9404 0000 = Router Alert, length 4, value 0.
  it('find Router Alert in a real IGMP report', () => {
    expect(ipv4HeaderLen(IPV4_RA_IGMP, 14)).toBe(24);
    expect(ipv4FindOption(IPV4_RA_IGMP, 14, Ipv4Option.ROUTER_ALERT)).toBe(34);
    expect(checkIpv4Options(IPV4_RA_IGMP, 14)).toBe(Status.OK);
  });

  it('report an absent option as -1', () => {
    expect(ipv4FindOption(IPV4_RA_IGMP, 14, Ipv4Option.RECORD_ROUTE)).toBe(-1);
    expect(ipv4FindOption(TCP_SYN, 14, Ipv4Option.ROUTER_ALERT)).toBe(-1);
  });

  it('step over NOPs and stop at End of List', () => {
    const h = emitted({ options: hex('0101 9404 0000 00 07') });
    expect(ipv4FindOption(h, 0, Ipv4Option.ROUTER_ALERT)).toBe(22);
    expect(ipv4FindOption(h, 0, Ipv4Option.RECORD_ROUTE)).toBe(-1);
    expect(checkIpv4Options(h, 0)).toBe(Status.OK);
  });

  it('call an option with length below 2 or past the header BAD_OPTION (bogus LSRR style)', () => {
    expect(checkIpv4Options(emitted({ options: hex('8301 0000') }), 0)).toBe(Status.BAD_OPTION);
    expect(checkIpv4Options(emitted({ options: hex('8327 0400') }), 0)).toBe(Status.BAD_OPTION);
    expect(checkIpv4Options(emitted({ options: hex('010101 83') }), 0)).toBe(Status.BAD_OPTION);
  });
});

describe('IPv4 Repr', () => {
  it('parses a header with options', () => {
    const r = parseIpv4(IPV4_RA_IGMP, 14, IPV4_RA_IGMP.length) as Ipv4Repr;
    expect(r).toMatchObject({
      tos: 0xc0,
      ident: 0,
      dontFrag: true,
      moreFrags: false,
      fragOffset: 0,
      ttl: 1,
      protocol: IpProto.IGMP,
      src: 0xc0a801de,
      dst: 0xe00000fb,
      payloadLength: 8,
    });
    expect(toHex(r.options)).toBe('94040000');
  });

  it('emits the captured header bytes back, checksum included', () => {
    for (const f of [IPV4_RA_IGMP, TCP_SYN, UDP_DNS, IPV4_FRAG_LATER]) {
      const r = parseIpv4(f, 14, f.length) as Ipv4Repr;
      const out = new Uint8Array(ipv4Length(r));
      emitIpv4(r, out, 0);
      expect(toHex(out)).toBe(toHex(f.subarray(14, 14 + ipv4HeaderLen(f, 14))));
    }
  });

  it('parses a snaplen-cut datagram, keeping the stated payload length', () => {
    const r = parseIpv4(TCP_SYN, 14, 14 + 20) as Ipv4Repr;
    expect(r.payloadLength).toBe(40);
  });

  it('pads options to a multiple of 4 with End of List', () => {
    const h = emitted({ options: hex('9404 00') });
    expect(ipv4HeaderLen(h, 0)).toBe(24);
    expect(toHex(h.subarray(20, 24))).toBe('94040000');
  });
});

function emitted(over: Partial<Ipv4Repr>): Uint8Array {
  const r: Ipv4Repr = {
    tos: 0,
    ident: 1,
    dontFrag: false,
    moreFrags: false,
    fragOffset: 0,
    ttl: 64,
    protocol: 17,
    src: 0x0a000001,
    dst: 0x0a000002,
    options: new Uint8Array(0),
    payloadLength: 0,
    ...over,
  };
  const out = new Uint8Array(ipv4Length(r));
  emitIpv4(r, out, 0);
  return out;
}
