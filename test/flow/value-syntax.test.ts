import { describe, expect, test } from 'vitest';
import { FlowSyntaxError } from '../../src/base/errors.js';
import { fieldNamed } from '../../src/flow/fields.js';
import {
  formatFieldValue,
  formatFlagsMasked,
  formatIpv4Masked,
  formatIpv6,
  formatIpv6Masked,
  formatPort,
  parseFieldValue,
  parseIpv6,
  parsePortNumber,
  quotePortName,
  type PortNamer,
} from '../../src/flow/value-syntax.js';

const parse = (field: string, text: string, column?: number) => parseFieldValue(fieldNamed(field), text, { column });
const namer: PortNamer = {
  portNumber: (n) => ({ 'tap648437e1-0d': 6, p1: 1 })[n],
  portName: (p) => ({ 6: 'tap648437e1-0d', 1: 'p1' })[p],
};

function errorOf(fn: () => unknown): FlowSyntaxError {
  try {
    fn();
  } catch (e) {
    if (e instanceof FlowSyntaxError) return e;
    throw e;
  }
  throw new Error('expected a FlowSyntaxError');
}

describe('integers', () => {
  test('decimal and hex values are exact unless masked', () => {
    expect(parse('reg0', '42')).toEqual({ value: 42n, mask: 0xffffffffn });
    expect(parse('reg0', '0x10/0xf0')).toEqual({ value: 0x10n, mask: 0xf0n });
  });
  test('a leading zero means octal, as C strtoull does', () => {
    expect(parse('tcp_dst', '010').value).toBe(8n);
  });
  test('the range is the field width in bytes, not bits', () => {
    expect(parse('dl_vlan', '5000').value).toBe(5000n);
    expect(errorOf(() => parse('tcp_dst', '65536')).detail).toBe('65536: value too large for 2-byte field tcp_dst');
  });
  test('a negative number wraps and is then too large', () => {
    expect(errorOf(() => parse('tcp_dst', '-1')).detail).toBe('-1: value too large for 2-byte field tcp_dst');
  });
  test('bad syntax names the value or the mask', () => {
    expect(errorOf(() => parse('reg0', 'xyz')).detail).toBe('xyz: bad syntax for reg0 value');
    expect(errorOf(() => parse('reg0', '1/xyz')).detail).toBe('1/xyz: bad syntax for reg0 mask');
  });
  test('a field without arbitrary masks refuses partial masks', () => {
    expect(errorOf(() => parse('dl_type', '0x0800/0xff00')).detail).toBe('0x0800/0xff00: invalid mask for field eth_type');
  });
  test('the error carries the column of the value', () => {
    expect(errorOf(() => parse('reg0', 'xyz', 17)).location.column).toBe(17);
  });
  test('* wildcards the field', () => {
    expect(parse('reg0', '*')).toEqual({ value: 0n, mask: 0n });
  });
});

describe('addresses', () => {
  test('Ethernet addresses take an optional address mask', () => {
    expect(parse('dl_dst', '01:00:00:00:00:00/01:00:00:00:00:00')).toEqual({ value: 0x010000000000n, mask: 0x010000000000n });
    expect(errorOf(() => parse('dl_src', '00:11:22:33:44')).detail).toBe('00:11:22:33:44: invalid Ethernet address');
  });
  test('IPv4 takes a prefix length or a dotted mask', () => {
    expect(parse('nw_src', '10.0.0.0/8')).toEqual({ value: 0x0a000000n, mask: 0xff000000n });
    expect(parse('nw_src', '10.0.0.0/255.255.0.0').mask).toBe(0xffff0000n);
  });
  test('IPv4 octets wrap modulo 256 as %hhu does', () => {
    expect(parse('nw_src', '300.1.1.1').value).toBe(0x2c010101n);
  });
  test('IPv4 prefix lengths beyond 32 are refused', () => {
    expect(errorOf(() => parse('nw_src', '10.0.0.0/33')).detail).toBe(
      '10.0.0.0/33: IPv4 network prefix bits not between 0 and 32, inclusive',
    );
  });
  test('IPv4 prints CIDR masks as /N and others as addresses', () => {
    expect(formatIpv4Masked(0x0a000000n, 0xff000000n)).toBe('10.0.0.0/8');
    expect(formatIpv4Masked(0x0a000200n, 0xff00ff00n)).toBe('10.0.2.0/255.0.255.0');
  });
  test('IPv6 text parses with :: and a dotted tail', () => {
    expect(parseIpv6('::ffff:10.0.0.1')).toBe(0xffff0a000001n);
    expect(parseIpv6('2001:db8::g')).toBeUndefined();
  });
  test('IPv6 prints as glibc inet_ntop does', () => {
    expect(formatIpv6(parseIpv6('2001:0db8:0000:0000:0000:0000:0000:0001') ?? 0n)).toBe('2001:db8::1');
    expect(formatIpv6(parseIpv6('1:0:0:2:0:0:0:3') ?? 0n)).toBe('1:0:0:2::3');
    expect(formatIpv6(parseIpv6('2001:db8:0:1:1:1:1:1') ?? 0n)).toBe('2001:db8:0:1:1:1:1:1');
    expect(formatIpv6(parseIpv6('::1:2') ?? 0n)).toBe('::0.1.0.2');
    expect(formatIpv6(0n)).toBe('::');
  });
  test('IPv6 masks print as /N when CIDR and as an address otherwise', () => {
    expect(formatIpv6Masked(parseIpv6('2001:db8::') ?? 0n, parseIpv6('ffff:ffff::') ?? 0n)).toBe('2001:db8::/32');
    expect(formatIpv6Masked(parseIpv6('2001::1') ?? 0n, parseIpv6('ffff::ffff') ?? 0n)).toBe('2001::1/ffff::ffff');
  });
});

describe('ports', () => {
  test('reserved names are case-insensitive and NONE means ANY', () => {
    expect(parsePortNumber('local')).toBe(0xfffe);
    expect(parsePortNumber('NONE')).toBe(0xffff);
  });
  test('OpenFlow 1.1 reserved numbers map down to OpenFlow 1.0 ones', () => {
    expect(parsePortNumber('4294967294')).toBe(0xfffe);
  });
  test('port names resolve bare or JSON-quoted through the namer', () => {
    expect(parsePortNumber('tap648437e1-0d', namer)).toBe(6);
    expect(parsePortNumber('"tap648437e1-0d"', namer)).toBe(6);
    expect(parsePortNumber('0xfffe', namer)).toBeUndefined();
  });
  test('names are quoted unless a letter followed by letters and digits', () => {
    expect(quotePortName('eth0')).toBe('eth0');
    expect(quotePortName('under_score')).toBe('"under_score"');
    expect(quotePortName('9lives')).toBe('"9lives"');
  });
  test('ports print reserved names, then bridge names, then numbers', () => {
    expect(formatPort(0xfffe, namer)).toBe('LOCAL');
    expect(formatPort(6, namer)).toBe('"tap648437e1-0d"');
    expect(formatPort(99, namer)).toBe('99');
  });
});

describe('flags and fragments', () => {
  test('+flag-flag matches only the named bits', () => {
    expect(parse('tcp_flags', '+syn-ack')).toEqual({ value: 0x002n, mask: 0x012n });
  });
  test('flag|flag matches all bits', () => {
    expect(parse('tcp_flags', 'syn|ack')).toEqual({ value: 0x012n, mask: 0xffffn });
  });
  test('a flag given twice is refused', () => {
    expect(errorOf(() => parse('tcp_flags', '+syn-syn')).detail).toBe('syn: Each TCP flag can be specified only once');
  });
  test('unknown flags are refused with the rest of the text', () => {
    expect(errorOf(() => parse('ct_state', '+trk+bogus')).detail).toBe('bogus: unknown ct_state flag(s)');
  });
  test('exact flags print joined by | and masked ones as +/- lowest bit first', () => {
    expect(formatFlagsMasked('ct-state', 0x21, 0xff, 0xff)).toBe('new|trk');
    expect(formatFlagsMasked('tcp-flags', 0x012, 0x0ff, 0xfff)).toBe('-fin+syn-rst-psh+ack-urg-ece-cwr');
    expect(formatFlagsMasked('tcp-flags', 0x800, 0x800, 0xfff)).toBe('+[800]');
  });
  test('fragment names choose the bits they pin', () => {
    expect(parse('nw_frag', 'first')).toEqual({ value: 1n, mask: 0xffn });
    expect(parse('nw_frag', 'not_later')).toEqual({ value: 0n, mask: 0xfen });
    expect(errorOf(() => parse('nw_frag', 'maybe')).detail).toMatch(/^maybe: unknown fragment type/);
  });
});

test('formatFieldValue prints a value in its field syntax, with the mask when partial', () => {
  expect(formatFieldValue(fieldNamed('reg0'), 5n)).toBe('0x5');
  expect(formatFieldValue(fieldNamed('tcp_dst'), 80n)).toBe('80');
  expect(formatFieldValue(fieldNamed('nw_dst'), 0x0a000000n, 0xff000000n)).toBe('10.0.0.0/8');
});
