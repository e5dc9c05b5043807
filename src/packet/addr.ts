/**
 * Address text forms: MAC, IPv4 and IPv6, to and from what people type and what OVS prints.
 *
 * On the wire and in the flow key addresses are bytes or 32-bit words; text only appears at the edges (flow syntax,
 * traces, test fixtures). Printing follows what `ovs-ofctl` shows, which for IPv6 is the C library's `inet_ntop`:
 * RFC 5952 canonical form (lower case, leading zeros dropped, the longest run of two or more zero groups written as
 * `::`, the first such run on a tie) plus glibc's habit of writing the last 32 bits as dotted IPv4 for IPv4-mapped
 * (`::ffff:1.2.3.4`) and deprecated IPv4-compatible (`::1.2.3.4`) addresses.
 *
 * Parsing is user input, so it throws an `InputError` naming the text and what is wrong with it.
 */

import { InputError } from '../base/errors.js';

const HEX = '0123456789abcdef';

function hex2(b: number): string {
  return HEX[b >>> 4] + HEX[b & 15];
}

// ---------------------------------------------------------------------------------------------------------------- MAC

/** "aa:bb:cc:dd:ee:ff" from 6 bytes at `off`. */
export function macToString(bytes: Uint8Array, off = 0): string {
  let s = hex2(bytes[off]);
  for (let i = 1; i < 6; i++) s += ':' + hex2(bytes[off + i]);
  return s;
}

/** Accepts six 1-2 digit hex groups separated by `:` (or `-`, as Windows prints them), in either case. */
export function macFromString(text: string): Uint8Array {
  const parts = text.split(/[:-]/);
  if (parts.length !== 6) throw new InputError(`invalid MAC address "${text}": expected 6 hex groups like aa:bb:cc:dd:ee:ff`);
  const out = new Uint8Array(6);
  for (let i = 0; i < 6; i++) {
    if (!/^[0-9a-fA-F]{1,2}$/.test(parts[i])) {
      throw new InputError(`invalid MAC address "${text}": group ${i + 1} "${parts[i]}" is not 1-2 hex digits`);
    }
    out[i] = parseInt(parts[i], 16);
  }
  return out;
}

// --------------------------------------------------------------------------------------------------------------- IPv4

/** Dotted quad from a 32-bit value in host order (as the accessors return it). */
export function ipv4ToString(addr: number): string {
  return `${addr >>> 24}.${(addr >>> 16) & 255}.${(addr >>> 8) & 255}.${addr & 255}`;
}

/** Strict dotted quad: four decimal octets 0-255, no leading zeros (which some libcs read as octal), no shorthand. */
export function ipv4FromString(text: string): number {
  const r = tryIpv4(text);
  if (typeof r === 'string') throw new InputError(`invalid IPv4 address "${text}": ${r}`);
  return r;
}

/** Parses or returns the reason it cannot. Shared with the IPv6 parser for its dotted tail. */
function tryIpv4(text: string): number | string {
  const parts = text.split('.');
  if (parts.length !== 4) return 'expected 4 decimal octets like 192.0.2.1';
  let v = 0;
  for (let i = 0; i < 4; i++) {
    const p = parts[i];
    if (!/^[0-9]{1,3}$/.test(p)) return `octet ${i + 1} "${p}" is not a decimal number`;
    if (p.length > 1 && p[0] === '0') return `octet ${i + 1} "${p}" has a leading zero`;
    const n = Number(p);
    if (n > 255) return `octet ${i + 1} is ${n}, above 255`;
    v = v * 256 + n;
  }
  return v;
}

// --------------------------------------------------------------------------------------------------------------- IPv6

/** Canonical text of the 16 bytes at `off`, exactly as glibc's `inet_ntop(AF_INET6)` writes it. */
export function ipv6ToString(bytes: Uint8Array, off = 0): string {
  const w = [0, 0, 0, 0, 0, 0, 0, 0];
  for (let i = 0; i < 8; i++) w[i] = (bytes[off + 2 * i] << 8) | bytes[off + 2 * i + 1];

  // Longest run of zero groups; strict '>' keeps the first on a tie. A lone zero group is not compressed.
  let bestBase = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (w[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && w[j] === 0) j++;
    if (j - i > bestLen) {
      bestBase = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (bestLen < 2) bestBase = -1;

  let s = '';
  for (let i = 0; i < 8; i++) {
    if (bestBase !== -1 && i >= bestBase && i < bestBase + bestLen) {
      if (i === bestBase) s += ':';
      continue;
    }
    if (i !== 0) s += ':';
    // glibc's test: the zero run starts the address and covers 96 bits, or 80 bits followed by ffff.
    if (i === 6 && bestBase === 0 && (bestLen === 6 || (bestLen === 5 && w[5] === 0xffff))) {
      s += `${bytes[off + 12]}.${bytes[off + 13]}.${bytes[off + 14]}.${bytes[off + 15]}`;
      return s;
    }
    s += w[i].toString(16);
  }
  if (bestBase !== -1 && bestBase + bestLen === 8) s += ':';
  return s;
}

/**
 * RFC 4291 section 2.2 text: eight hex groups, at most one `::`, optionally a dotted IPv4 tail in the last 32 bits.
 * Zone indices (`fe80::1%eth0`) and prefix lengths are not addresses and are rejected.
 */
export function ipv6FromString(text: string): Uint8Array {
  const fail = (why: string): never => {
    throw new InputError(`invalid IPv6 address "${text}": ${why}`);
  };
  if (text.length === 0) fail('empty');
  if (/[%/]/.test(text)) fail('zone index or prefix length is not part of an address');

  const halves = text.split('::');
  if (halves.length > 2) fail('more than one "::"');
  const compressed = halves.length === 2;
  // Only the very end of the text may hold a dotted IPv4 part.
  const head = ipv6Groups(halves[0], !compressed, fail);
  const tail = compressed ? ipv6Groups(halves[1], true, fail) : [];

  const n = head.length + tail.length;
  if (!compressed && n !== 8) fail(`expected 8 groups, found ${n}`);
  if (compressed && n > 7) fail('"::" must stand for at least one zero group');

  const out = new Uint8Array(16);
  const put = (i: number, w: number) => {
    out[2 * i] = w >>> 8;
    out[2 * i + 1] = w & 0xff;
  };
  head.forEach((w, i) => put(i, w));
  tail.forEach((w, i) => put(8 - tail.length + i, w));
  return out;
}

/** 16-bit words of one side of a `::`; a dotted IPv4 last group counts as two words. */
function ipv6Groups(part: string, dottedTailAllowed: boolean, fail: (why: string) => never): number[] {
  if (part === '') return [];
  const groups = part.split(':');
  const words: number[] = [];
  groups.forEach((g, i) => {
    if (g.includes('.')) {
      if (!dottedTailAllowed || i !== groups.length - 1) fail('embedded IPv4 must be the last 32 bits');
      const v4 = tryIpv4(g);
      if (typeof v4 === 'string') fail(`embedded IPv4 "${g}": ${v4}`);
      words.push((v4 as number) >>> 16, (v4 as number) & 0xffff);
    } else if (g === '') {
      fail('empty group (a lone ":" at the start or end, or ":::")');
    } else if (!/^[0-9a-fA-F]{1,4}$/.test(g)) {
      fail(`group "${g}" is not 1-4 hex digits`);
    } else {
      words.push(parseInt(g, 16));
    }
  });
  return words;
}

// -------------------------------------------------------------------------------------------------------- conveniences

/** Builders and tests accept either form. */
export type MacInput = string | Uint8Array;
export type Ipv4Input = string | number;
export type Ipv6Input = string | Uint8Array;

export function toMac(a: MacInput): Uint8Array {
  if (typeof a === 'string') return macFromString(a);
  if (a.length !== 6) throw new InputError(`MAC address must be 6 bytes, got ${a.length}`);
  return a;
}

export function toIpv4(a: Ipv4Input): number {
  return typeof a === 'string' ? ipv4FromString(a) : a >>> 0;
}

export function toIpv6(a: Ipv6Input): Uint8Array {
  if (typeof a === 'string') return ipv6FromString(a);
  if (a.length !== 16) throw new InputError(`IPv6 address must be 16 bytes, got ${a.length}`);
  return a;
}
