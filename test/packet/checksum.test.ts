import { describe, expect, it } from 'vitest';
import {
  crc32c,
  csumUpdate16,
  csumUpdate32,
  csumUpdateBytes,
  foldSum,
  internetChecksum,
  IpProto,
  l4Checksum,
  onesSum,
  pseudoSumIpv4,
  pseudoSumIpv6,
  udpChecksumValue,
} from '../../src/packet/index.js';
import { hex } from './pcap.js';
import { randBytes, randInt, rng } from './rng.js';

describe('Internet checksum', () => {
  it('matches the RFC 1071 section 3 worked example', () => {
    // 00 01 f2 03 f4 f5 f6 f7: sum ddf2, checksum 220d.
    const b = hex('0001f203f4f5f6f7');
    expect(foldSum(onesSum(b, 0, b.length))).toBe(0xddf2);
    expect(internetChecksum(b, 0, b.length)).toBe(0x220d);
  });

  it('gives the stored value of a real IPv4 header when its checksum field is zero', () => {
    // 4500 0073 0000 4000 4011 [b861] c0a8 0001 c0a8 00c7
    const h = hex('450000730000400040110000c0a80001c0a800c7');
    expect(internetChecksum(h, 0, h.length)).toBe(0xb861);
  });

  it('is zero over data that includes a correct checksum', () => {
    const h = hex('45000073000040004011b861c0a80001c0a800c7');
    expect(internetChecksum(h, 0, h.length)).toBe(0);
  });

  it('pads an odd trailing byte as the high half of a word', () => {
    expect(onesSum(hex('0102ab'), 0, 3)).toBe(0x0102 + 0xab00);
  });

  it('composes piecewise when only the last piece is odd', () => {
    const r = rng(1);
    const b = randBytes(r, 301);
    const whole = internetChecksum(b, 0, b.length);
    const pieces = foldSum(onesSum(b, 100, 301, onesSum(b, 40, 100, onesSum(b, 0, 40))));
    expect(~pieces & 0xffff).toBe(whole);
  });

  it('folds sums far beyond 32 bits without losing carries', () => {
    const b = new Uint8Array(65534).fill(0xff);
    expect(internetChecksum(b, 0, b.length)).toBe(0);
  });
});

describe('pseudo-header sums', () => {
  it('IPv4: a real UDP datagram verifies to zero', () => {
    // dns_udp_edns.pcap frame 1, IPv4 header then UDP (checksum 7824) and the DNS query.
    const pkt = hex(`
      4500 0054 59cd 0000 4011 94ae c0a8 010b d157 f912
      abbe 0035 0040 7824 5934 0120 0001 0000 0000 0001 0377 7777 0774 6370 6475 6d70 036f 7267 0000
      0100 0100 0029 1000 0000 0000 000c 000a 0008 42f5 d009 96f9 0b13`);
    const l4Len = pkt.length - 20;
    expect(l4Len).toBe(0x40);
    expect(l4Checksum(pseudoSumIpv4(pkt, 0, IpProto.UDP, l4Len), pkt, 20, pkt.length)).toBe(0);
  });

  it('IPv6: a real ICMPv6 neighbour solicitation verifies to zero', () => {
    // icmpv6_nd_options_mld.pcap frame 1 from the IPv6 header on; ICMPv6 checksum 673c.
    const pkt = hex(`
      6e00 0000 0018 3aff 0000 0000 0000 0000 0000 0000 0000 0000 ff02 0000 0000 0000 0000 0001 fff5 0000
      8700 673c 0000 0000 fe80 0000 0000 0000 c000 54ff fef5 0000`);
    expect(l4Checksum(pseudoSumIpv6(pkt, 0, IpProto.ICMPV6, 24), pkt, 40, 64)).toBe(0);
  });

  it('UDP maps a computed zero to 0xffff and leaves others alone', () => {
    expect(udpChecksumValue(0)).toBe(0xffff);
    expect(udpChecksumValue(0x1234)).toBe(0x1234);
  });
});

describe('incremental update (RFC 1624)', () => {
  const r = rng(42);

  it('equals a full recompute after random 16-bit field changes', () => {
    for (let n = 0; n < 2000; n++) {
      const b = randBytes(r, 20 + 2 * randInt(r, 30));
      b[0] |= 1; // never all zero: that is the one input where +0 and -0 differ
      const csum = internetChecksum(b, 0, b.length);
      const at = 2 * randInt(r, b.length / 2);
      const old = (b[at] << 8) | b[at + 1];
      const nu = n % 10 === 0 ? 0 : n % 10 === 1 ? 0xffff : randInt(r, 0x10000);
      b[at] = nu >>> 8;
      b[at + 1] = nu & 0xff;
      expect(csumUpdate16(csum, old, nu)).toBe(internetChecksum(b, 0, b.length));
    }
  });

  it('equals a full recompute after random 32-bit field changes', () => {
    for (let n = 0; n < 2000; n++) {
      const b = randBytes(r, 40);
      b[1] |= 1;
      const csum = internetChecksum(b, 0, b.length);
      const at = 4 * randInt(r, 10);
      const old = ((b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]) >>> 0;
      const nu = n % 7 === 0 ? 0 : (randInt(r, 0x10000) * 0x10000 + randInt(r, 0x10000)) >>> 0;
      b[at] = nu >>> 24;
      b[at + 1] = (nu >>> 16) & 0xff;
      b[at + 2] = (nu >>> 8) & 0xff;
      b[at + 3] = nu & 0xff;
      expect(csumUpdate32(csum, old, nu)).toBe(internetChecksum(b, 0, b.length));
    }
  });

  it('equals a full recompute after replacing a 16-byte field in place', () => {
    for (let n = 0; n < 500; n++) {
      const b = randBytes(r, 64);
      b[0] |= 1;
      const csum = internetChecksum(b, 0, b.length);
      const nu = randBytes(r, 16);
      const at = 8 + 2 * randInt(r, 8);
      const updated = csumUpdateBytes(csum, b, at, nu, 0, 16);
      b.set(nu, at);
      expect(updated).toBe(internetChecksum(b, 0, b.length));
    }
  });

  it('adjusts a real IPv4 header for a TTL decrement', () => {
    const h = hex('45000073000040004011b861c0a80001c0a800c7');
    const oldWord = (h[8] << 8) | h[9];
    h[8] -= 1;
    const nu = csumUpdate16(0xb861, oldWord, (h[8] << 8) | h[9]);
    h[10] = 0;
    h[11] = 0;
    expect(nu).toBe(internetChecksum(h, 0, h.length));
    expect(nu).toBe(0xb961);
  });
});

describe('CRC32c', () => {
  it('gives 0xE3069283 for "123456789" (RFC 3720 check value)', () => {
    const b = new TextEncoder().encode('123456789');
    expect(crc32c(b, 0, b.length)).toBe(0xe3069283);
  });

  it('matches RFC 3720 B.4 vectors: 32 zero bytes and 32 0xff bytes', () => {
    expect(crc32c(new Uint8Array(32), 0, 32)).toBe(0x8a9136aa);
    expect(crc32c(new Uint8Array(32).fill(0xff), 0, 32)).toBe(0x62a8ab43);
  });

  it('chains across pieces to the same result as one pass', () => {
    const b = randBytes(rng(7), 1000);
    expect(crc32c(b, 500, 1000, crc32c(b, 0, 500))).toBe(crc32c(b, 0, 1000));
  });

  it('is 0 for empty input', () => {
    expect(crc32c(new Uint8Array(0), 0, 0)).toBe(0);
  });
});
