import { describe, expect, it } from 'vitest';
import { getBits, setBits, getSmall, setSmall } from '../../src/flow/bits.js';
import { FIELDS, fieldByName, fieldNamed } from '../../src/flow/fields.js';
import { KEY_WORDS, W, newKey } from '../../src/flow/key-layout.js';
import { Match } from '../../src/flow/match.js';

describe('field table', () => {
  it('resolves a field by its ofctl name, alias, NXM and OXM names alike', () => {
    const dlSrc = fieldNamed('dl_src');
    expect(fieldByName('eth_src')).toBe(dlSrc);
    expect(fieldByName('NXM_OF_ETH_SRC')).toBe(dlSrc);
    expect(fieldByName('OXM_OF_ETH_SRC')).toBe(dlSrc);
    expect(fieldByName('nxm_nx_reg5')).toBe(fieldNamed('reg5'));
  });

  it('gives every name to exactly one field', () => {
    const seen = new Map<string, string>();
    for (const f of FIELDS) {
      for (const n of [f.name, ...f.aliases, f.nxm, f.oxm]) {
        if (n === undefined) continue;
        expect(seen.get(n.toLowerCase()), `${n} is claimed twice`).toBeUndefined();
        seen.set(n.toLowerCase(), f.name);
      }
    }
  });

  it('keeps every field inside the key', () => {
    for (const f of FIELDS) {
      const first = f.lastWord - ((f.shift + f.nbits - 1) >> 5);
      expect(first).toBeGreaterThanOrEqual(0);
      expect(f.lastWord).toBeLessThan(KEY_WORDS);
    }
  });

  it('lays xreg and xxreg over the 32-bit registers, most significant register first', () => {
    const key = newKey();
    setBits(key, fieldNamed('xreg0'), 0x1122334455667788n);
    expect(key[W.REGS]).toBe(0x11223344);
    expect(key[W.REGS + 1]).toBe(0x55667788);
    setBits(key, fieldNamed('xxreg1'), 0x0102030405060708090a0b0c0d0e0f10n);
    expect(getBits(key, fieldNamed('reg4'))).toBe(0x01020304n);
    expect(getBits(key, fieldNamed('reg7'))).toBe(0x0d0e0f10n);
  });
});

describe('bit access', () => {
  it('reads and writes a MAC split across two words', () => {
    const key = newKey();
    const dlDst = fieldNamed('dl_dst');
    setBits(key, dlDst, 0xfa163e6121c6n);
    expect(key[W.DL_DST]).toBe(0xfa16);
    expect(key[W.DL_DST + 1]).toBe(0x3e6121c6);
    expect(getBits(key, dlDst)).toBe(0xfa163e6121c6n);
  });

  it('writes a subfield without disturbing its neighbours', () => {
    const key = newKey();
    key[W.TP] = 0xffffffff;
    setBits(key, fieldNamed('tcp_dst'), 0x1234n, 4, 8);
    expect(key[W.TP] >>> 0).toBe(0xfffff34f);
  });

  it('agrees between the bigint and the small-field paths', () => {
    const key = newKey();
    const ttl = fieldNamed('nw_ttl');
    setSmall(key, ttl, 63);
    expect(getBits(key, ttl)).toBe(63n);
    setBits(key, ttl, 200n);
    expect(getSmall(key, ttl)).toBe(200);
  });
});

describe('match', () => {
  it('pins the VLAN-present bit when matching dl_vlan', () => {
    const m = new Match().set(fieldNamed('dl_vlan'), 3n);
    expect(m.maskOf(fieldNamed('vlan_tci'))).toBe(0x1fffn);
    expect(m.value(fieldNamed('vlan_tci'))).toBe(0x1003n);
  });

  it('keeps only the DSCP bits of an nw_tos match', () => {
    const m = new Match().set(fieldNamed('nw_tos'), 0xffn);
    expect(m.value(fieldNamed('nw_tos'))).toBe(0xfcn);
    expect(m.isExact(fieldNamed('nw_tos'))).toBe(true);
  });

  it('matches a key only when every masked bit agrees', () => {
    const m = new Match().set(fieldNamed('nw_src'), 0x0a000000n, 0xff000000n);
    const key = newKey();
    key[W.NW_SRC] = 0x0a010203;
    expect(m.matches(key)).toBe(true);
    key[W.NW_SRC] = 0x0b010203;
    expect(m.matches(key)).toBe(false);
  });
});
