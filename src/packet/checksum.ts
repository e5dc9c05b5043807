/**
 * Checksums: the Internet checksum (RFC 1071) with its incremental update (RFC 1624), the IPv4/IPv6 pseudo-headers
 * that TCP, UDP and ICMPv6 fold in, and CRC32c (RFC 3309) for SCTP.
 *
 * The Internet checksum is a ones'-complement sum of 16-bit big-endian words. We keep the running sum as a plain JS
 * number and fold carries only at the end: a double holds integers to 2^53, so even a 64 KiB datagram's worth of
 * 16-bit words cannot overflow, and the loop stays a tight add. Sums compose: `onesSum` takes a starting sum, so a
 * pseudo-header, a header and a payload can be added piecewise, as long as only the last piece has an odd length
 * (an odd piece in the middle would shift every later byte to the wrong half of its word).
 *
 * The datapath rewrites fields (set_field, NAT, TTL decrement) far more often than it builds packets, and rewriting
 * a field must not cost a pass over the payload. RFC 1624 eqn. 3, HC' = ~(~HC + ~m + m'), adjusts a checksum for one
 * changed 16-bit word; a 32-bit field is two words. Unlike RFC 1141's older formula it never produces the -0 form
 * (0x0000 from a sum that should give 0xffff), so the result always matches a full recompute of a non-zero header.
 *
 * UDP over IPv4 uses a checksum of 0 to mean "none"; a computed 0 must be sent as 0xffff (`udpChecksumValue`). That
 * rule lives here because both the builder and the datapath's set-field path need it.
 */

import { rd16 } from './bytes.js';

// ------------------------------------------------------------------------------------------------ Internet checksum

/** Adds the 16-bit big-endian words of `buf[off..end)` to `sum` (unfolded). A trailing odd byte is the high half. */
export function onesSum(buf: Uint8Array, off: number, end: number, sum = 0): number {
  let i = off;
  for (; i + 1 < end; i += 2) sum += (buf[i] << 8) | buf[i + 1];
  if (i < end) sum += buf[i] << 8;
  return sum;
}

/** Folds carries back in until the sum fits 16 bits (end-around carry). */
export function foldSum(sum: number): number {
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return sum;
}

/** The checksum to store: complement of the folded sum. */
export function finishChecksum(sum: number): number {
  return ~foldSum(sum) & 0xffff;
}

/** RFC 1071 checksum of `buf[off..end)`. Over data that includes a correct checksum field, the result is 0. */
export function internetChecksum(buf: Uint8Array, off: number, end: number): number {
  return finishChecksum(onesSum(buf, off, end));
}

// ---------------------------------------------------------------------------------------------- pseudo-header sums

/**
 * Unfolded sum of the IPv4 pseudo-header (RFC 793/768): source and destination read from the IPv4 header at `ipOff`
 * (so the addresses are never copied), zero, protocol, and the upper-layer length.
 */
export function pseudoSumIpv4(buf: Uint8Array, ipOff: number, proto: number, l4Len: number): number {
  return onesSum(buf, ipOff + 12, ipOff + 20) + proto + (l4Len & 0xffff) + Math.floor(l4Len / 0x10000);
}

/** Unfolded sum of the IPv6 pseudo-header (RFC 8200 section 8.1) for the header at `ipOff`; 32-bit length. */
export function pseudoSumIpv6(buf: Uint8Array, ipOff: number, proto: number, l4Len: number): number {
  return onesSum(buf, ipOff + 8, ipOff + 40) + proto + (l4Len & 0xffff) + Math.floor(l4Len / 0x10000);
}

/** The pseudo-header sum for whichever IP version the header at `ipOff` is (by its version nibble). */
export function pseudoSum(buf: Uint8Array, ipOff: number, proto: number, l4Len: number): number {
  return buf[ipOff] >>> 4 === 6 ? pseudoSumIpv6(buf, ipOff, proto, l4Len) : pseudoSumIpv4(buf, ipOff, proto, l4Len);
}

/**
 * Checksum of an upper-layer segment `buf[l4Off..l4End)` under a pseudo-header sum. To fill a checksum field, zero it
 * first and store the result; to verify, run it over the segment as received: 0 means correct.
 */
export function l4Checksum(pseudoSum: number, buf: Uint8Array, l4Off: number, l4End: number): number {
  return finishChecksum(onesSum(buf, l4Off, l4End, pseudoSum));
}

/** UDP over IPv4 reserves 0 for "no checksum", so a computed 0 goes on the wire as its ones'-complement twin. */
export function udpChecksumValue(computed: number): number {
  return computed === 0 ? 0xffff : computed;
}

// --------------------------------------------------------------------------------------------- incremental update

/** RFC 1624 eqn. 3: the checksum `csum` after one 16-bit word covered by it changed from `oldVal` to `newVal`. */
export function csumUpdate16(csum: number, oldVal: number, newVal: number): number {
  return ~foldSum((~csum & 0xffff) + (~oldVal & 0xffff) + (newVal & 0xffff)) & 0xffff;
}

/** The same for a 32-bit field (an IPv4 address, a TCP sequence number): two 16-bit words at once. */
export function csumUpdate32(csum: number, oldVal: number, newVal: number): number {
  return (
    ~foldSum(
      (~csum & 0xffff) +
        (~(oldVal >>> 16) & 0xffff) +
        (~oldVal & 0xffff) +
        ((newVal >>> 16) & 0xffff) +
        (newVal & 0xffff),
    ) & 0xffff
  );
}

/**
 * The same for an n-byte field about to be overwritten in place: `buf[off..off+len)` holds the old value, `src[srcOff..)`
 * the new one (an IPv6 address is 16 bytes). `off` must be even relative to the checksummed data, as header fields are.
 */
export function csumUpdateBytes(
  csum: number,
  buf: Uint8Array,
  off: number,
  src: Uint8Array,
  srcOff: number,
  len: number,
): number {
  let sum = ~csum & 0xffff;
  for (let i = 0; i < len; i += 2) sum += (~rd16(buf, off + i) & 0xffff) + rd16(src, srcOff + i);
  return ~foldSum(sum) & 0xffff;
}

// ------------------------------------------------------------------------------------------------------------ CRC32c

/** Castagnoli polynomial, reflected (0x1EDC6F41 bit-reversed). One 1 KiB table, built once at load. */
const CRC32C_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/**
 * CRC32c of `buf[off..end)`. `crc` is the result over the preceding bytes (0 to start), so a message can be fed in
 * pieces: `crc32c(b, 8, n, crc32c(zeros, 0, 4, crc32c(b, 0, 8)))`. "123456789" gives 0xE3069283.
 */
export function crc32c(buf: Uint8Array, off: number, end: number, crc = 0): number {
  let c = ~crc >>> 0;
  for (let i = off; i < end; i++) c = CRC32C_TABLE[(c ^ buf[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}
