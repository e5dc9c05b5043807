/**
 * A match: a flow key and a mask of the same layout. Bits set in the mask must equal the key's; the rest are
 * wildcards. OpenFlow rules, megaflows and learn's generated rules all use this one type.
 *
 * The key is kept masked (key & mask == key) so two equal matches compare equal word for word, and a packet matches
 * iff (packet & mask) == key over the words the mask covers.
 */

import { getBits, setBits } from './bits.js';
import type { FieldDef } from './fields.js';
import { KEY_WORDS, type FlowKey } from './key-layout.js';

export class Match {
  readonly key: Uint32Array;
  readonly mask: Uint32Array;

  constructor(key?: Uint32Array, mask?: Uint32Array) {
    this.key = key ?? new Uint32Array(KEY_WORDS);
    this.mask = mask ?? new Uint32Array(KEY_WORDS);
  }

  /** Matches every packet. */
  static catchAll(): Match {
    return new Match();
  }

  clone(): Match {
    return new Match(this.key.slice(), this.mask.slice());
  }

  /**
   * Pins `field` to `value` under `mask` (default: exact). Bits outside the field's significant bits are dropped, and
   * bits the field implies (dl_vlan implies a tag is present) are pinned too. Later calls narrow or replace the same
   * bits, as OVS's match_set_* do.
   */
  set(field: FieldDef, value: bigint, mask?: bigint): this {
    const width = (1n << BigInt(field.nbits)) - 1n;
    const m = (mask ?? width) & (field.significant ?? width);
    setBits(this.mask, field, m);
    setBits(this.key, field, value & m);
    for (const imp of field.implied ?? []) {
      this.mask[imp.word] = (this.mask[imp.word] | imp.mask) >>> 0;
      this.key[imp.word] = ((this.key[imp.word] & ~imp.mask) | imp.value) >>> 0;
    }
    return this;
  }

  /** Wildcards `field` entirely. */
  clear(field: FieldDef): this {
    setBits(this.mask, field, 0n);
    setBits(this.key, field, 0n);
    return this;
  }

  value(field: FieldDef): bigint {
    return getBits(this.key, field);
  }

  maskOf(field: FieldDef): bigint {
    return getBits(this.mask, field);
  }

  /** True if no bit of the field is pinned. */
  isWild(field: FieldDef): boolean {
    return getBits(this.mask, field) === 0n;
  }

  /** True if every bit of the field is pinned. */
  isExact(field: FieldDef): boolean {
    const width = (1n << BigInt(field.nbits)) - 1n;
    return getBits(this.mask, field) === (field.significant ?? width);
  }

  /** Whether a packet's flow key satisfies this match. */
  matches(flow: FlowKey): boolean {
    const k = this.key;
    const m = this.mask;
    for (let i = 0; i < KEY_WORDS; i++) {
      if (((flow[i] & m[i]) >>> 0) !== k[i]) return false;
    }
    return true;
  }

  equals(other: Match): boolean {
    for (let i = 0; i < KEY_WORDS; i++) {
      if (this.key[i] !== other.key[i] || this.mask[i] !== other.mask[i]) return false;
    }
    return true;
  }
}
