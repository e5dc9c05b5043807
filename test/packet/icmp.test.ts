import { describe, expect, it } from 'vitest';
import {
  checkIcmp,
  checkIcmpError,
  emitIcmp,
  fillIcmpChecksum,
  icmpChecksum,
  icmpChecksumOk,
  icmpCode,
  icmpEchoId,
  icmpEchoSeq,
  icmpInnerOffset,
  icmpIsError,
  icmpLength,
  icmpNextHopMtu,
  icmpType,
  IcmpType,
  ipv4PayloadEnd,
  ipv4Proto,
  ipv4ToString,
  ipv4Src,
  IpProto,
  parseIcmp,
  setIcmpEchoId,
  Status,
  udpDstPort,
  udpSrcPort,
  type IcmpRepr,
} from '../../src/packet/index.js';
import { hex, toHex } from './pcap.js';
import { ICMP_PORT_UNREACH, VLAN_ICMP_ECHO } from './samples.js';

// VLAN_ICMP_ECHO: Ethernet + 802.1Q + IPv4 (20) -> ICMP at 38: 0800 949a 0001 0000.
const ECHO = 38;
// ICMP_PORT_UNREACH: Ethernet + IPv4 (20) -> ICMP at 34: 0303 03bb 0000 0000, quoted IPv4/UDP at 42.
const ERR = 34;

describe('ICMP accessors', () => {
  it('read type, code, checksum and the echo identifier and sequence', () => {
    expect(icmpType(VLAN_ICMP_ECHO, ECHO)).toBe(IcmpType.ECHO_REQUEST);
    expect(icmpCode(VLAN_ICMP_ECHO, ECHO)).toBe(0);
    expect(icmpChecksum(VLAN_ICMP_ECHO, ECHO)).toBe(0x949a);
    expect(icmpEchoId(VLAN_ICMP_ECHO, ECHO)).toBe(1);
    expect(icmpEchoSeq(VLAN_ICMP_ECHO, ECHO)).toBe(0);
  });

  it('read the next-hop MTU of a fragmentation-needed error', () => {
    expect(icmpNextHopMtu(hex('0304 0000 0000 05dc'), 0)).toBe(1500);
  });

  it('classify error types, which quote a datagram', () => {
    expect([3, 4, 5, 11, 12].every(icmpIsError)).toBe(true);
    expect([0, 8, 13, 14].some(icmpIsError)).toBe(false);
  });
});

describe('ICMP checksum', () => {
  it('verifies a captured echo request and a captured port unreachable', () => {
    expect(icmpChecksumOk(VLAN_ICMP_ECHO, ECHO, ipv4PayloadEnd(VLAN_ICMP_ECHO, 18, VLAN_ICMP_ECHO.length))).toBe(true);
    const end = ipv4PayloadEnd(ICMP_PORT_UNREACH, 14, ICMP_PORT_UNREACH.length);
    expect(end).toBe(190); // 4 trailing bytes of the frame are not part of the datagram
    expect(icmpChecksumOk(ICMP_PORT_UNREACH, ERR, end)).toBe(true);
  });

  it('is recomputed over the whole message after a change', () => {
    const f = VLAN_ICMP_ECHO.slice();
    setIcmpEchoId(f, ECHO, 0x1234);
    expect(icmpChecksumOk(f, ECHO, f.length)).toBe(false);
    fillIcmpChecksum(f, ECHO, f.length);
    expect(icmpChecksumOk(f, ECHO, f.length)).toBe(true);
  });
});

describe('ICMP errors', () => {
  it('locate the quoted IPv4 header and its UDP ports', () => {
    // Quoted: 192.168.1.1 -> 192.168.1.102, UDP 53 -> 59207.
    const inner = icmpInnerOffset(ERR);
    expect(inner).toBe(42);
    expect(ipv4Proto(ICMP_PORT_UNREACH, inner)).toBe(IpProto.UDP);
    expect(ipv4ToString(ipv4Src(ICMP_PORT_UNREACH, inner))).toBe('192.168.1.1');
    expect(udpSrcPort(ICMP_PORT_UNREACH, inner + 20)).toBe(53);
    expect(udpDstPort(ICMP_PORT_UNREACH, inner + 20)).toBe(59207);
  });

  it('accept a quote cut after the 8 bytes of ports even though its total length says more', () => {
    expect(checkIcmpError(ICMP_PORT_UNREACH, ERR, ERR + 8 + 20 + 8)).toBe(Status.OK);
  });

  it('are TRUNCATED when the quote stops before the ports', () => {
    expect(checkIcmpError(ICMP_PORT_UNREACH, ERR, ERR + 8 + 20 + 7)).toBe(Status.TRUNCATED);
    expect(checkIcmpError(ICMP_PORT_UNREACH, ERR, ERR + 8 + 19)).toBe(Status.TRUNCATED);
  });

  it('pass on the quoted header problem (BAD_VERSION for a non-IPv4 quote)', () => {
    const f = ICMP_PORT_UNREACH.slice();
    f[42] = 0x65;
    expect(checkIcmpError(f, ERR, f.length)).toBe(Status.BAD_VERSION);
  });
});

describe('ICMP Repr', () => {
  it('is TRUNCATED below 8 bytes', () => {
    expect(checkIcmp(VLAN_ICMP_ECHO, ECHO, ECHO + 7)).toBe(Status.TRUNCATED);
    expect(parseIcmp(VLAN_ICMP_ECHO, ECHO, ECHO + 7)).toBe(Status.TRUNCATED);
  });

  it('parses the 8-byte header with the type-specific word as rest', () => {
    expect(parseIcmp(VLAN_ICMP_ECHO, ECHO, VLAN_ICMP_ECHO.length)).toEqual({
      type: 8,
      code: 0,
      checksum: 0x949a,
      rest: 0x00010000,
    });
    expect(parseIcmp(ICMP_PORT_UNREACH, ERR, 190)).toEqual({ type: 3, code: 3, checksum: 0x03bb, rest: 0 });
  });

  it('emits the captured header bytes back', () => {
    const r = parseIcmp(ICMP_PORT_UNREACH, ERR, 190) as IcmpRepr;
    const out = new Uint8Array(icmpLength(r));
    emitIcmp(r, out, 0);
    expect(toHex(out)).toBe(toHex(ICMP_PORT_UNREACH.subarray(ERR, ERR + 8)));
  });
});
