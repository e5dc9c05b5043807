import { describe, expect, it } from 'vitest';
import {
  checkUdp,
  emitUdp,
  fillUdpChecksum,
  parseUdp,
  Status,
  udpChecksum,
  udpChecksumOk,
  udpDatagramLen,
  udpDstPort,
  udpLength,
  udpPayloadEnd,
  udpSrcPort,
  type UdpRepr,
} from '../../src/packet/index.js';
import { hex, toHex } from './pcap.js';
import { UDP_DNS } from './samples.js';

// dns_udp_edns.pcap frame 1: IPv4 at 14, UDP at 34: abbe 0035 0040 7824.
const IP = 14;
const UDP = 34;

describe('UDP accessors', () => {
  it('read ports, length and checksum', () => {
    expect(udpSrcPort(UDP_DNS, UDP)).toBe(43966);
    expect(udpDstPort(UDP_DNS, UDP)).toBe(53);
    expect(udpDatagramLen(UDP_DNS, UDP)).toBe(64);
    expect(udpChecksum(UDP_DNS, UDP)).toBe(0x7824);
  });
});

describe('UDP checksum', () => {
  it('verifies a captured datagram', () => {
    expect(udpChecksumOk(UDP_DNS, IP, UDP, UDP_DNS.length)).toBe(true);
  });

  it('accepts 0 as "no checksum"', () => {
    const f = UDP_DNS.slice();
    f[UDP + 6] = 0;
    f[UDP + 7] = 0;
    expect(udpChecksumOk(f, IP, UDP, f.length)).toBe(true);
  });

  it('never fills in 0: a computed 0 is sent as 0xffff', () => {
    // Choose a payload word so that the sum folds to 0xffff: the complement is then 0.
    const f = UDP_DNS.slice();
    f[UDP + 6] = 0;
    f[UDP + 7] = 0;
    const lastWord = f.length - 2;
    f[lastWord] = 0;
    f[lastWord + 1] = 0;
    fillUdpChecksum(f, IP, UDP, f.length);
    const c = udpChecksum(f, UDP);
    // Put c into the zeroed payload word: the new sum gains c, so the checksum (which must stay) becomes 0 -> 0xffff.
    f[lastWord] = c >>> 8;
    f[lastWord + 1] = c & 0xff;
    fillUdpChecksum(f, IP, UDP, f.length);
    expect(udpChecksum(f, UDP)).toBe(0xffff);
    expect(udpChecksumOk(f, IP, UDP, f.length)).toBe(true);
  });
});

describe('UDP check', () => {
  it('is OK for a whole datagram', () => {
    expect(checkUdp(UDP_DNS, UDP, UDP_DNS.length)).toBe(Status.OK);
  });

  it('is PAYLOAD_TRUNCATED when the length runs past the capture, and udpPayloadEnd clamps', () => {
    expect(checkUdp(UDP_DNS, UDP, UDP + 20)).toBe(Status.PAYLOAD_TRUNCATED);
    expect(udpPayloadEnd(UDP_DNS, UDP, UDP + 20)).toBe(UDP + 20);
    expect(udpPayloadEnd(UDP_DNS, UDP, UDP_DNS.length + 10)).toBe(UDP + 64);
  });

  it('is TRUNCATED below 8 bytes and BAD_LENGTH for a length below 8', () => {
    expect(checkUdp(UDP_DNS, UDP, UDP + 7)).toBe(Status.TRUNCATED);
    expect(checkUdp(hex('0035 0035 0007 0000'), 0, 8)).toBe(Status.BAD_LENGTH);
  });
});

describe('UDP Repr', () => {
  it('parses with the payload length the header states', () => {
    expect(parseUdp(UDP_DNS, UDP, UDP_DNS.length)).toEqual({ srcPort: 43966, dstPort: 53, checksum: 0x7824, payloadLength: 56 });
  });

  it('emits the captured header back', () => {
    const r = parseUdp(UDP_DNS, UDP, UDP_DNS.length) as UdpRepr;
    const out = new Uint8Array(udpLength(r));
    emitUdp(r, out, 0);
    expect(toHex(out)).toBe(toHex(UDP_DNS.subarray(UDP, UDP + 8)));
  });
});
