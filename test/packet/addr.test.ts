import { describe, expect, it } from 'vitest';
import {
  ipv4FromString,
  ipv4ToString,
  ipv6FromString,
  ipv6ToString,
  macFromString,
  macToString,
} from '../../src/packet/index.js';
import { hex, toHex } from './pcap.js';

describe('MAC text', () => {
  it('prints six lower-case two-digit groups', () => {
    expect(macToString(hex('000D549C5C0B'))).toBe('00:0d:54:9c:5c:0b');
  });

  it('prints from an offset inside a frame', () => {
    expect(macToString(hex('ffffffffffff000d549c5c0b'), 6)).toBe('00:0d:54:9c:5c:0b');
  });

  it('parses colon, dash, upper case and single-digit groups', () => {
    expect(toHex(macFromString('AA:bb:c:0D:e:FF'))).toBe('aabb0c0d0eff');
    expect(toHex(macFromString('aa-bb-cc-dd-ee-ff'))).toBe('aabbccddeeff');
  });

  it.each(['', 'aa:bb:cc:dd:ee', 'aa:bb:cc:dd:ee:ff:00', 'aa:bb:cc:dd:ee:fg', 'aaa:bb:cc:dd:ee:ff', 'aa::cc:dd:ee:ff'])(
    'rejects %j with a message naming the text',
    (text) => {
      expect(() => macFromString(text)).toThrow(/invalid MAC address/);
    },
  );
});

describe('IPv4 text', () => {
  it('round-trips dotted quads through uint32', () => {
    expect(ipv4FromString('192.150.187.14')).toBe(0xc096bb0e);
    expect(ipv4ToString(0xc096bb0e)).toBe('192.150.187.14');
    expect(ipv4ToString(ipv4FromString('255.255.255.255'))).toBe('255.255.255.255');
    expect(ipv4FromString('0.0.0.0')).toBe(0);
  });

  it.each([
    ['1.2.3', /4 decimal octets/],
    ['1.2.3.4.5', /4 decimal octets/],
    ['1.2.3.256', /above 255/],
    ['01.2.3.4', /leading zero/],
    ['1.2.3.x', /not a decimal/],
    ['1..3.4', /not a decimal/],
    [' 1.2.3.4', /not a decimal/],
  ])('rejects %j', (text, why) => {
    expect(() => ipv4FromString(text)).toThrow(why);
  });
});

describe('IPv6 text', () => {
  // Expected strings are glibc inet_ntop output (python3 socket.inet_ntop on Linux), which is what OVS prints.
  const vectors: [string, string][] = [
    ['00000000000000000000000000000000', '::'],
    ['00000000000000000000000000000001', '::1'],
    ['00010000000000000000000000000000', '1::'],
    ['00010000000000020000000000000003', '1:0:0:2::3'],
    ['20010db8000000000000000000000001', '2001:db8::1'],
    ['20010db8000000000001000000000001', '2001:db8::1:0:0:1'],
    ['20010000000000010000000000000001', '2001:0:0:1::1'],
    ['00000000000000000000ffff01020304', '::ffff:1.2.3.4'],
    ['00000000000000000000000001020304', '::1.2.3.4'],
    ['00000000000000000000000000020003', '::0.2.0.3'],
    ['0000000000000000ffff000001020304', '::ffff:0:102:304'],
    ['00000000000000000000ffff00000000', '::ffff:0.0.0.0'],
    ['fe80000000000000c00054fffef50000', 'fe80::c000:54ff:fef5:0'],
    ['00010000000200000003000000040000', '1:0:2:0:3:0:4:0'],
    ['00000001000000000001000000000000', '0:1:0:0:1::'],
    ['0000000000000000000000000000ffff', '::ffff'],
    ['00010002000300040005000600070000', '1:2:3:4:5:6:7:0'],
    ['00000000000100000000000000000000', '0:0:1::'],
    ['abcdef01000000000000000100000000', 'abcd:ef01::1:0:0'],
    ['0064ff9b0000000000000000c0000221', '64:ff9b::c000:221'],
  ];

  it.each(vectors)('prints %s as inet_ntop does: %s', (bytes, text) => {
    expect(ipv6ToString(hex(bytes))).toBe(text);
  });

  it.each(vectors)('parses back the canonical text of %s', (bytes, text) => {
    expect(toHex(ipv6FromString(text))).toBe(bytes);
  });

  it('parses non-canonical spellings: upper case, leading zeros, full form, dotted tail', () => {
    expect(toHex(ipv6FromString('2001:0DB8:0000:0000:0000:0000:0000:0001'))).toBe('20010db8000000000000000000000001');
    expect(toHex(ipv6FromString('::FFFF:192.0.2.1'))).toBe('00000000000000000000ffffc0000201');
    expect(toHex(ipv6FromString('1:2:3:4:5:6:1.2.3.4'))).toBe('00010002000300040005000601020304');
  });

  it('prints from an offset inside a packet', () => {
    const buf = hex('6000000000003a40 fe80000000000000c00054fffef50000');
    expect(ipv6ToString(buf, 8)).toBe('fe80::c000:54ff:fef5:0');
  });

  it.each([
    ['', /empty/],
    ['1::2::3', /more than one "::"/],
    ['1:2:3:4:5:6:7', /expected 8 groups/],
    ['1:2:3:4:5:6:7:8:9', /expected 8 groups/],
    ['1:2:3:4::5:6:7:8', /at least one zero group/],
    ['12345::', /not 1-4 hex digits/],
    ['g::', /not 1-4 hex digits/],
    [':1:2:3:4:5:6:7', /empty group/],
    ['1:2:3:4:5:6:7:', /empty group/],
    [':::', /empty group/],
    ['fe80::1%eth0', /zone index/],
    ['2001:db8::/32', /prefix length/],
    ['::1.2.3.4:5', /last 32 bits/],
    ['::256.1.1.1', /embedded IPv4/],
    ['1.2.3.4::', /last 32 bits/],
  ])('rejects %j', (text, why) => {
    expect(() => ipv6FromString(text)).toThrow(why);
  });
});
