/**
 * Reading and writing field bits in a flow key (or mask).
 *
 * Two tiers. `getBits`/`setBits` work for any field width through `bigint` and are for the slow path and control
 * plane (parsing, printing, load/move/learn in xlate). `getSmall`/`setSmall` handle fields that fit one word (≤ 32
 * bits, the common case) with plain integer arithmetic and no allocation.
 *
 * Addressing is from the field's least significant bit (see fields.ts): field bit i is key word
 * `lastWord - ((shift + i) >> 5)`, bit `(shift + i) & 31`.
 */

import type { FieldDef } from './fields.js';

/** A bit range within a field: `NXM_NX_REG6[0..15]` is {field: reg6, ofs: 0, nbits: 16}. */
export interface Subfield {
  readonly field: FieldDef;
  readonly ofs: number;
  readonly nbits: number;
}

export function wholeField(field: FieldDef): Subfield {
  return { field, ofs: 0, nbits: field.nbits };
}

/** Reads `nbits` bits starting at field bit `ofs`. */
export function getBits(words: Uint32Array, field: FieldDef, ofs = 0, nbits = field.nbits): bigint {
  nbits = storedWidth(field, ofs, nbits);
  let result = 0n;
  let done = 0;
  while (done < nbits) {
    const abs = field.shift + ofs + done;
    const word = field.lastWord - (abs >> 5);
    const bit = abs & 31;
    const take = Math.min(32 - bit, nbits - done);
    const chunk = take === 32 ? words[word] : (words[word] >>> bit) & ((1 << take) - 1) >>> 0;
    result |= BigInt(chunk >>> 0) << BigInt(done);
    done += take;
  }
  return result;
}

/** Writes the low `nbits` bits of `value` at field bit `ofs`, leaving the other bits alone. */
export function setBits(words: Uint32Array, field: FieldDef, value: bigint, ofs = 0, nbits = field.nbits): void {
  nbits = storedWidth(field, ofs, nbits);
  let done = 0;
  while (done < nbits) {
    const abs = field.shift + ofs + done;
    const word = field.lastWord - (abs >> 5);
    const bit = abs & 31;
    const take = Math.min(32 - bit, nbits - done);
    const chunk = Number((value >> BigInt(done)) & ((1n << BigInt(take)) - 1n));
    const m = take === 32 ? 0xffffffff : (((1 << take) - 1) << bit) >>> 0;
    words[word] = ((words[word] & ~m) | ((chunk << bit) & m)) >>> 0;
    done += take;
  }
}

/** The part of [ofs, ofs+nbits) that the key stores (see FieldDef.storedBits); bits above it read as zero. */
function storedWidth(field: FieldDef, ofs: number, nbits: number): number {
  const stored = field.storedBits;
  if (stored === undefined || ofs + nbits <= stored) return nbits;
  return Math.max(0, stored - ofs);
}

/** Fast read of a field of at most 32 bits that sits in one word. */
export function getSmall(words: Uint32Array, field: FieldDef): number {
  if (field.nbits === 32) return words[field.lastWord];
  return (words[field.lastWord] >>> field.shift) & ((1 << field.nbits) - 1);
}

/** Fast write of a field of at most 32 bits that sits in one word. */
export function setSmall(words: Uint32Array, field: FieldDef, value: number): void {
  if (field.nbits === 32) {
    words[field.lastWord] = value >>> 0;
    return;
  }
  const m = (((1 << field.nbits) - 1) << field.shift) >>> 0;
  words[field.lastWord] = ((words[field.lastWord] & ~m) | ((value << field.shift) & m)) >>> 0;
}

/** All-ones value of a field's width (its exact-match mask), honouring `significant` bits. */
export function fullMask(field: FieldDef): bigint {
  return field.significant ?? (1n << BigInt(field.nbits)) - 1n;
}

/**
 * `getBits` for at most 32 bits, as an unsigned number: no bigint, so nothing is allocated (xlate's load, move and
 * un-wildcarding run it on every translation). The range may straddle two words.
 */
export function getNum(words: Uint32Array, field: FieldDef, ofs = 0, nbits = field.nbits): number {
  nbits = storedWidth(field, ofs, nbits);
  let result = 0;
  let done = 0;
  while (done < nbits) {
    const abs = field.shift + ofs + done;
    const word = field.lastWord - (abs >> 5);
    const bit = abs & 31;
    const take = Math.min(32 - bit, nbits - done);
    const chunk = take === 32 ? words[word] : (words[word] >>> bit) & ((1 << take) - 1);
    result |= chunk << done;
    done += take;
  }
  return result >>> 0;
}

/** `setBits` for at most 32 bits from an unsigned number (see getNum). */
export function setNum(words: Uint32Array, field: FieldDef, value: number, ofs = 0, nbits = field.nbits): void {
  nbits = storedWidth(field, ofs, nbits);
  let done = 0;
  while (done < nbits) {
    const abs = field.shift + ofs + done;
    const word = field.lastWord - (abs >> 5);
    const bit = abs & 31;
    const take = Math.min(32 - bit, nbits - done);
    const chunk = done === 0 ? value : value >>> done;
    const m = take === 32 ? 0xffffffff : ((1 << take) - 1) << bit;
    words[word] = ((words[word] & ~m) | ((chunk << bit) & m)) >>> 0;
    done += take;
  }
}

/** Sets every stored bit of field bits [ofs, ofs+nbits) (un-wildcarding a subfield in a mask), any width. */
export function setOnes(words: Uint32Array, field: FieldDef, ofs = 0, nbits = field.nbits): void {
  nbits = storedWidth(field, ofs, nbits);
  let done = 0;
  while (done < nbits) {
    const abs = field.shift + ofs + done;
    const word = field.lastWord - (abs >> 5);
    const bit = abs & 31;
    const take = Math.min(32 - bit, nbits - done);
    const m = take === 32 ? 0xffffffff : ((1 << take) - 1) << bit;
    words[word] = (words[word] | m) >>> 0;
    done += take;
  }
}

/** Copies bits src[srcOfs..+n] to dst[dstOfs..+n] (the `move` action, learn's FIELD[]=FIELD[]). */
export function copyBits(
  from: Uint32Array,
  src: Subfield,
  to: Uint32Array,
  dst: Subfield,
): void {
  if (src.nbits <= 32 && dst.nbits <= 32) {
    setNum(to, dst.field, getNum(from, src.field, src.ofs, src.nbits), dst.ofs, dst.nbits);
    return;
  }
  setBits(to, dst.field, getBits(from, src.field, src.ofs, src.nbits), dst.ofs, dst.nbits);
}
