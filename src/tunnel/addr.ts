/**
 * Tunnel addresses: one representation for IPv4 and IPv6 underlay endpoints.
 *
 * OVS keeps every tunnel endpoint, route and neighbour as an `in6_addr`, IPv4 ones in the v4-mapped form
 * (::ffff:a.b.c.d), so one code path serves both families and "is it IPv4?" is a prefix test. We do the same with
 * four 32-bit words (the flow key's own width for IPv6 addresses), which makes comparing against the key's
 * TUN_IPV6_* words, hashing and prefix masking word operations, with no strings on the packet path.
 *
 * Printing follows OVS's ipv6_format_mapped: a v4-mapped address prints as a dotted quad, anything else as IPv6.
 */

import { ipv4FromString, ipv4ToString, ipv6FromString, ipv6ToString } from '../packet/addr.js';

/** Four big-endian words; IPv4 as ::ffff:a.b.c.d. Treat as immutable once built. */
export type TunnelAddr = Uint32Array;

export const ANY_ADDR: TunnelAddr = new Uint32Array(4);

export function addrFromIpv4(v4: number): TunnelAddr {
  return Uint32Array.of(0, 0, 0xffff, v4 >>> 0);
}

export function addrFromIpv6Bytes(b: Uint8Array, off = 0): TunnelAddr {
  const w = new Uint32Array(4);
  for (let i = 0; i < 4; i++) {
    const o = off + i * 4;
    w[i] = ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
  }
  return w;
}

/** Whether the words are a v4-mapped address (::ffff:0:0/96). */
export function isV4Mapped(w: ArrayLike<number>, off = 0): boolean {
  return w[off] === 0 && w[off + 1] === 0 && w[off + 2] === 0xffff;
}

/** The IPv4 address of a v4-mapped address, 0 for anything else (OVS's in6_addr_get_mapped_ipv4). */
export function mappedIpv4(w: ArrayLike<number>, off = 0): number {
  return isV4Mapped(w, off) ? w[off + 3] >>> 0 : 0;
}

export function isAnyAddr(w: ArrayLike<number>, off = 0): boolean {
  return w[off] === 0 && w[off + 1] === 0 && w[off + 2] === 0 && w[off + 3] === 0;
}

export function addrEquals(a: ArrayLike<number>, aOff: number, b: ArrayLike<number>, bOff: number): boolean {
  return a[aOff] === b[bOff] && a[aOff + 1] === b[bOff + 1] && a[aOff + 2] === b[bOff + 2] && a[aOff + 3] === b[bOff + 3];
}

/** Parses `1.2.3.4` or an IPv6 literal; returns null for anything else (callers report it with their context). */
export function parseTunnelAddr(text: string): TunnelAddr | null {
  try {
    if (text.includes(':')) return addrFromIpv6Bytes(ipv6FromString(text));
    return addrFromIpv4(ipv4FromString(text));
  } catch {
    return null;
  }
}

/** OVS's ipv6_format_mapped. */
export function formatTunnelAddr(w: ArrayLike<number>, off = 0): string {
  if (isV4Mapped(w, off)) return ipv4ToString(w[off + 3] >>> 0);
  const b = new Uint8Array(16);
  for (let i = 0; i < 4; i++) {
    const v = w[off + i];
    b[i * 4] = v >>> 24;
    b[i * 4 + 1] = (v >>> 16) & 0xff;
    b[i * 4 + 2] = (v >>> 8) & 0xff;
    b[i * 4 + 3] = v & 0xff;
  }
  return ipv6ToString(b);
}

/** Whether `addr` lies in `prefix`/`plen` (plen counted over all 128 bits, so an IPv4 /24 is 120). */
export function inPrefix(addr: ArrayLike<number>, addrOff: number, prefix: TunnelAddr, plen: number): boolean {
  for (let i = 0; i < 4; i++) {
    const bits = Math.max(0, Math.min(32, plen - i * 32));
    if (bits === 0) return true;
    const mask = bits === 32 ? 0xffffffff : ~(0xffffffff >>> bits) >>> 0;
    if (((addr[addrOff + i] ^ prefix[i]) & mask) !== 0) return false;
  }
  return true;
}

/** A 32-bit mix of the four words (for hash maps keyed by address). */
export function addrHash(w: ArrayLike<number>, off: number, basis: number): number {
  let h = basis | 0;
  for (let i = 0; i < 4; i++) h = Math.imul(h ^ w[off + i], 0x9e3779b1) ^ (h >>> 15);
  return h | 0;
}
