/**
 * Big-endian reads and writes on a `Uint8Array`, the only way this layer touches packet bytes.
 *
 * Why not `DataView`: a view per packet is an allocation, and one shared view cannot follow a batch of buffers. Why
 * not `Buffer#readUInt16BE`: it bounds-checks and dispatches per call and measures ~10x slower on the hot path.
 * These four functions are small enough for TurboFan to inline at every call site.
 *
 * No bounds checks: a read past the end of the array yields `undefined`, which the shifts turn into 0. Callers that
 * need to know go through a header's `checkX()` first; after it says OK, every accessor of that header is in bounds.
 */

export function rd16(buf: Uint8Array, off: number): number {
  return (buf[off] << 8) | buf[off + 1];
}

export function rd32(buf: Uint8Array, off: number): number {
  return ((buf[off] << 24) | (buf[off + 1] << 16) | (buf[off + 2] << 8) | buf[off + 3]) >>> 0;
}

/** Typed-array stores wrap modulo 256, so no masking is needed here. */
export function wr16(buf: Uint8Array, off: number, v: number): void {
  buf[off] = v >>> 8;
  buf[off + 1] = v;
}

export function wr32(buf: Uint8Array, off: number, v: number): void {
  buf[off] = v >>> 24;
  buf[off + 1] = v >>> 16;
  buf[off + 2] = v >>> 8;
  buf[off + 3] = v;
}

/** Copies `len` bytes without `subarray` (which allocates a view); used by emitters and address setters. */
export function copyBytes(src: Uint8Array, srcOff: number, dst: Uint8Array, dstOff: number, len: number): void {
  for (let i = 0; i < len; i++) dst[dstOff + i] = src[srcOff + i];
}

/** A fresh copy for `Repr` values, which must not alias the packet buffer (it is reused for the next packet). */
export function sliceCopy(buf: Uint8Array, off: number, end: number): Uint8Array {
  return buf.slice(off, end);
}
