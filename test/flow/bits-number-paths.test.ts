import { describe, expect, it } from 'vitest';
import { copyBits, getBits, getNum, setBits, setNum, setOnes } from '../../src/flow/bits.js';
import { FIELDS, fieldNamed } from '../../src/flow/fields.js';
import { KEY_WORDS } from '../../src/flow/key-layout.js';

/** A deterministic pseudo-random key: every word has bits set, so a read of the wrong bits shows. */
function noisyKey(seed: number): Uint32Array {
  const k = new Uint32Array(KEY_WORDS);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < KEY_WORDS; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    k[i] = x >>> 0;
  }
  return k;
}

/** Every (field, ofs, nbits) range of at most 32 bits that starts on a 3-bit step, for every field. */
function ranges(): Array<[(typeof FIELDS)[number], number, number]> {
  const out: Array<[(typeof FIELDS)[number], number, number]> = [];
  for (const f of FIELDS) {
    for (let ofs = 0; ofs < f.nbits; ofs += 3) {
      for (const nbits of [1, 7, 16, 31, 32]) if (ofs + nbits <= f.nbits) out.push([f, ofs, nbits]);
    }
  }
  return out;
}

describe('number paths of the bit helpers (≤ 32 bits, no bigint)', () => {
  it('getNum reads what getBits reads, straddling words included', () => {
    const key = noisyKey(7);
    for (const [f, ofs, nbits] of ranges()) expect(getNum(key, f, ofs, nbits), `${f.name}[${ofs}+${nbits}]`).toBe(Number(getBits(key, f, ofs, nbits)));
  });

  it('setNum writes what setBits writes and leaves the other bits alone', () => {
    let seed = 11;
    for (const [f, ofs, nbits] of ranges()) {
      const value = noisyKey(seed++)[0];
      const a = noisyKey(seed);
      const b = a.slice();
      setNum(a, f, value, ofs, nbits);
      setBits(b, f, BigInt(value), ofs, nbits);
      expect(a, `${f.name}[${ofs}+${nbits}]`).toEqual(b);
    }
  });

  it('setOnes un-wildcards exactly the stored bits of the range, for wide fields too', () => {
    for (const f of FIELDS) {
      const a = new Uint32Array(KEY_WORDS);
      const b = new Uint32Array(KEY_WORDS);
      setOnes(a, f, 1, f.nbits - 1);
      setBits(b, f, (1n << BigInt(f.nbits - 1)) - 1n, 1, f.nbits - 1);
      expect(a, f.name).toEqual(b);
    }
  });

  it('copyBits moves a sub-word range between registers as the bigint path does', () => {
    const src = { field: fieldNamed('reg3'), ofs: 5, nbits: 20 };
    const dst = { field: fieldNamed('tun_id'), ofs: 30, nbits: 20 };
    const key = noisyKey(3);
    const expected = key.slice();
    setBits(expected, dst.field, getBits(expected, src.field, src.ofs, src.nbits), dst.ofs, dst.nbits);
    copyBits(key, src, key, dst);
    expect(key).toEqual(expected);
  });
});
