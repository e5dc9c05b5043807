import { describe, expect, it } from 'vitest';
import {
  ArpOp,
  buildDatagram,
  buildFrame,
  checkIcmpError,
  checkIpv4,
  EthLayout,
  ethWalk,
  EthType,
  icmpChecksumOk,
  icmpv6ChecksumOk,
  Icmpv6Type,
  IcmpType,
  ipv4ChecksumOk,
  ipv4FragOffset,
  ipv4MoreFrags,
  ipv4TotalLen,
  ipv6PayloadLen,
  Ipv6Walk,
  ipv6Walk,
  IpProto,
  NdOpt,
  ndFindOption,
  sctpChecksumOk,
  Status,
  tcpChecksumOk,
  tcpFlags,
  TcpFlag,
  udpChecksum,
  udpChecksumOk,
  udpDatagramLen,
  vlanTci,
  vlanTpid,
  vxlanVni,
} from '../../src/packet/index.js';
import { hex, toHex } from './pcap.js';
import { ARP_REQUEST, ICMPV6_NA, SCTP_INIT, TCP_SYN, UDP_DNS, VXLAN_ARP } from './samples.js';

describe('buildFrame reproduces captured frames byte for byte', () => {
  it('ARP request', () => {
    const f = buildFrame({
      eth: { src: '00:0d:54:9c:5c:0b' },
      arp: { op: ArpOp.REQUEST, sha: '00:0d:54:9c:5c:0b', spa: '192.150.187.50', tpa: '192.150.187.14' },
    });
    expect(toHex(f)).toBe(toHex(ARP_REQUEST));
  });

  it('TCP SYN with options over IPv4', () => {
    const f = buildFrame({
      eth: { src: '00:11:22:33:44:55', dst: '00:11:22:33:44:66' },
      ipv4: { src: '192.168.1.11', dst: '209.87.249.18', ident: 0x9b28, df: true },
      tcp: {
        srcPort: 33779,
        dstPort: 53,
        seq: 0x23fec80c,
        flags: 'S',
        window: 64240,
        options: hex('020405b40402080a79e2ca9a0000000001030307'),
      },
    });
    expect(toHex(f)).toBe(toHex(TCP_SYN));
  });

  it('DNS query over UDP', () => {
    const f = buildFrame({
      eth: { src: '00:11:22:33:44:55', dst: '00:11:22:33:44:66' },
      ipv4: { src: '192.168.1.11', dst: '209.87.249.18', ident: 0x59cd },
      udp: { srcPort: 43966, dstPort: 53 },
      payload: UDP_DNS.subarray(42),
    });
    expect(toHex(f)).toBe(toHex(UDP_DNS));
  });

  it('SCTP INIT with its CRC32c', () => {
    const f = buildFrame({
      eth: { src: '00:e0:18:b1:0c:ad', dst: '00:60:08:45:e4:55' },
      ipv4: { src: '192.168.170.8', dst: '192.168.170.56', tos: 0x10, df: true },
      sctp: { srcPort: 7, dstPort: 7 },
      payload: SCTP_INIT.subarray(46),
    });
    expect(toHex(f)).toBe(toHex(SCTP_INIT));
  });

  it('ICMPv6 neighbour advertisement with a TLL option', () => {
    const f = buildFrame({
      eth: { src: 'c2:00:54:f5:00:00', dst: '33:33:00:00:00:01' },
      ipv6: { src: 'fe80::c000:54ff:fef5:0', dst: 'ff02::1', trafficClass: 0xe0, hopLimit: 255 },
      icmpv6: { type: Icmpv6Type.NEIGHBOR_ADVERT, rest: 0xa0000000, target: 'fe80::c000:54ff:fef5:0', tll: 'c2:00:54:f5:00:00' },
    });
    expect(toHex(f)).toBe(toHex(ICMPV6_NA));
  });

  it('VXLAN-encapsulated ARP (outer UDP checksum 0, as the capture has)', () => {
    const f = buildFrame({
      eth: { src: '08:00:27:ae:4d:62', dst: '08:00:27:f2:1d:8c' },
      ipv4: { src: '192.168.56.11', dst: '192.168.56.12', ident: 0xd998, df: true },
      udp: { srcPort: 0x9bf4, checksum: 0 },
      vxlan: {
        vni: 123,
        inner: {
          eth: { src: 'ba:09:2b:6e:f8:be' },
          arp: { sha: 'ba:09:2b:6e:f8:be', spa: '10.0.0.1', tpa: '10.0.0.2' },
        },
      },
    });
    expect(toHex(f)).toBe(toHex(VXLAN_ARP));
    expect(vxlanVni(f, 42)).toBe(123);
  });
});

describe('buildFrame derives lengths, types and checksums', () => {
  it('stacks VLAN tags with their TPIDs and the final EtherType', () => {
    const f = buildFrame({
      vlans: [{ tpid: EthType.QINQ, vid: 100 }, { vid: 10, pcp: 5 }],
      ipv4: { src: '10.0.0.1', dst: '10.0.0.2' },
      udp: { srcPort: 1, dstPort: 2 },
    });
    expect(vlanTpid(f, 12)).toBe(EthType.QINQ);
    expect(vlanTci(f, 12)).toBe(100);
    expect(vlanTpid(f, 16)).toBe(EthType.VLAN);
    expect(vlanTci(f, 16)).toBe((5 << 13) | 10);
    const l = new EthLayout();
    ethWalk(f, 0, f.length, l);
    expect(l).toMatchObject({ tags: 2, ethertype: EthType.IPV4, l3Offset: 22 });
  });

  it('fills IPv4 total length and header checksum, and TCP checksum', () => {
    const f = buildFrame({ ipv4: { src: '10.0.0.1', dst: '10.0.0.2' }, tcp: { srcPort: 1, dstPort: 80, flags: 'PA' }, payload: 'hello' });
    expect(ipv4TotalLen(f, 14)).toBe(20 + 20 + 5);
    expect(ipv4ChecksumOk(f, 14)).toBe(true);
    expect(tcpFlags(f, 34)).toBe(TcpFlag.PSH | TcpFlag.ACK);
    expect(tcpChecksumOk(f, 14, 34, f.length)).toBe(true);
  });

  it('chains IPv6 extension headers to the upper layer and counts them in the payload length', () => {
    const f = buildFrame({
      ipv6: {
        src: '2001:db8::1',
        dst: '2001:db8::2',
        ext: [
          { type: 'hopopts', options: hex('0502 0000') },
          { type: 'routing', addresses: ['2001:db8::3'] },
          { type: 'fragment', ident: 7 },
          { type: 'dstopts' },
        ],
      },
      udp: { srcPort: 1000, dstPort: 2000 },
      payload: new Uint8Array(10),
    });
    expect(ipv6PayloadLen(f, 14)).toBe(8 + 24 + 8 + 8 + 8 + 10);
    const w = new Ipv6Walk();
    expect(ipv6Walk(f, 14, f.length, w)).toBe(Status.OK);
    expect(w).toMatchObject({ proto: IpProto.UDP, extCount: 4, hasFragment: true, fragIdent: 7, laterFragment: false });
    expect(udpChecksumOk(f, 14, w.l4Offset, f.length)).toBe(true);
    expect(udpChecksum(f, w.l4Offset)).not.toBe(0);
  });

  it('builds a later IPv6 fragment whose fragment header names the upper protocol', () => {
    const f = buildDatagram({
      ipv6: { src: '2001:db8::1', dst: '2001:db8::2', ext: [{ type: 'fragment', offset: 1432, ident: 2 }], protocol: IpProto.UDP },
      payload: new Uint8Array(16),
    });
    const w = new Ipv6Walk();
    ipv6Walk(f, 0, f.length, w);
    expect(w).toMatchObject({ proto: IpProto.UDP, laterFragment: true, fragOffset: 1432, l4Offset: 48 });
  });

  it('builds IPv4 fragments from flags and offset', () => {
    const f = buildFrame({ ipv4: { src: '10.0.0.1', dst: '10.0.0.2', mf: true, fragOffset: 1480, protocol: IpProto.UDP }, payload: new Uint8Array(8) });
    expect(ipv4MoreFrags(f, 14)).toBe(true);
    expect(ipv4FragOffset(f, 14)).toBe(1480);
  });

  it('builds an ICMP error quoting a datagram built with buildDatagram', () => {
    const quoted = buildDatagram({ ipv4: { src: '192.168.1.1', dst: '192.168.1.102' }, udp: { srcPort: 53, dstPort: 59207 }, payload: new Uint8Array(20) });
    const f = buildFrame({
      ipv4: { src: '192.168.1.102', dst: '192.168.1.1' },
      icmp: { type: IcmpType.DEST_UNREACH, code: 3 },
      payload: quoted.subarray(0, 28),
    });
    expect(icmpChecksumOk(f, 34, f.length)).toBe(true);
    expect(checkIcmpError(f, 34, f.length)).toBe(Status.OK);
  });

  it('builds an ND solicitation with SLL and a correct ICMPv6 checksum', () => {
    const f = buildFrame({
      ipv6: { src: 'fe80::1', dst: 'ff02::1:ff00:2', hopLimit: 255 },
      icmpv6: { type: Icmpv6Type.NEIGHBOR_SOLICIT, target: 'fe80::2', sll: '02:00:00:00:00:01' },
    });
    expect(f.length).toBe(14 + 40 + 32);
    expect(icmpv6ChecksumOk(f, 14, 54, f.length)).toBe(true);
    expect(ndFindOption(f, 54 + 24, f.length, NdOpt.SOURCE_LL_ADDR)).toBe(78);
  });

  it('fills the SCTP CRC32c over a payload', () => {
    const f = buildFrame({ ipv6: { src: '::1', dst: '::2' }, sctp: { srcPort: 5000, dstPort: 5001, verificationTag: 9 }, payload: new Uint8Array(20).fill(7) });
    expect(sctpChecksumOk(f, 54, f.length)).toBe(true);
  });

  it('defaults the VXLAN outer UDP to port 4789 and computes its checksum', () => {
    const f = buildFrame({ ipv4: { src: '1.1.1.1', dst: '2.2.2.2' }, vxlan: { vni: 5000, inner: { ipv4: { src: '10.0.0.1', dst: '10.0.0.2' }, icmp: { type: IcmpType.ECHO_REQUEST, id: 1, seq: 1 } } } });
    expect((f[36] << 8) | f[37]).toBe(4789);
    expect(udpDatagramLen(f, 34)).toBe(8 + 8 + 14 + 20 + 8);
    expect(udpChecksumOk(f, 14, 34, f.length)).toBe(true);
    expect(vxlanVni(f, 42)).toBe(5000);
  });

  it('pads to the Ethernet minimum without counting the padding in IP lengths', () => {
    const f = buildFrame({ ipv4: { src: '10.0.0.1', dst: '10.0.0.2' }, udp: { srcPort: 1, dstPort: 2 }, padTo: 60 });
    expect(f.length).toBe(60);
    expect(ipv4TotalLen(f, 14)).toBe(28);
    expect(udpChecksumOk(f, 14, 34, 42)).toBe(true);
  });
});

describe('buildFrame overrides for malformed packets', () => {
  it('writes a given bad IPv4 checksum and total length', () => {
    const f = buildFrame({ ipv4: { src: '10.0.0.1', dst: '10.0.0.2', totalLength: 500, checksum: 0xdead } });
    expect(ipv4TotalLen(f, 14)).toBe(500);
    expect(ipv4ChecksumOk(f, 14)).toBe(false);
    expect(checkIpv4(f, 14, f.length)).toBe(Status.PAYLOAD_TRUNCATED);
  });

  it('recomputes the header checksum over an overridden total length when no checksum is given', () => {
    const f = buildFrame({ ipv4: { src: '10.0.0.1', dst: '10.0.0.2', totalLength: 10 } });
    expect(ipv4ChecksumOk(f, 14)).toBe(true);
    expect(checkIpv4(f, 14, f.length)).toBe(Status.BAD_LENGTH);
  });

  it('writes a given TCP checksum verbatim', () => {
    const f = buildFrame({ ipv4: { src: '10.0.0.1', dst: '10.0.0.2' }, tcp: { srcPort: 1, dstPort: 2, checksum: 0x1234 } });
    expect(tcpChecksumOk(f, 14, 34, f.length)).toBe(false);
  });
});

describe('buildFrame rejects inconsistent specs', () => {
  const v4 = { src: '1.1.1.1', dst: '2.2.2.2' };
  it.each([
    ['two L3 headers', { ipv4: v4, ipv6: { src: '::1', dst: '::2' } }, /at most one of arp, ipv4, ipv6/],
    ['L4 without IP', { tcp: { srcPort: 1, dstPort: 2 } }, /tcp needs ipv4 or ipv6/],
    ['ICMPv4 over IPv6', { ipv6: { src: '::1', dst: '::2' }, icmp: { type: 8 } }, /icmp needs ipv4/],
    ['two L4 headers', { ipv4: v4, tcp: { srcPort: 1, dstPort: 2 }, udp: {} }, /at most one L4/],
    ['VXLAN over TCP', { ipv4: v4, tcp: { srcPort: 1, dstPort: 2 }, vxlan: { vni: 1, inner: new Uint8Array(14) } }, /vxlan rides on udp/],
    ['a bad address', { ipv4: { src: '1.1.1', dst: '2.2.2.2' } }, /invalid IPv4 address "1.1.1"/],
  ])('%s', (_name, spec, why) => {
    expect(() => buildFrame(spec as never)).toThrow(why);
  });

  it('buildDatagram refuses L2 members', () => {
    expect(() => buildDatagram({ eth: {}, ipv4: { src: '1.1.1.1', dst: '2.2.2.2' } })).toThrow(/from L3 up/);
  });
});
