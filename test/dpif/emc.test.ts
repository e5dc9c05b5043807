import { describe, expect, it } from 'vitest';
import { ExactMatchCache } from '../../src/dpif/emc.js';
import { exactHash } from '../../src/dpif/key-hash.js';
import { Megaflow } from '../../src/dpif/megaflow.js';
import { KEY_WORDS, W } from '../../src/flow/key-layout.js';
import { emptySideEffects } from '../../src/ofproto/side-effects.js';

function keyWith(port: number): Uint32Array {
  const k = new Uint32Array(KEY_WORDS);
  k[W.IN_PORT] = port;
  k[W.DL_TYPE_VLAN] = 0x08000000;
  k[W.NW_SRC] = 0x0a000001;
  return k;
}

function flow(k: Uint32Array): Megaflow {
  const mask = new Uint32Array(KEY_WORDS).fill(0xffffffff);
  return new Megaflow({ dpInPort: 1, tpid: 0, flowKey: k, mask, actions: [], sideEffects: emptySideEffects(), drop: null, slowPath: null, bridge: 'br0', visited: [], nowMs: 0 });
}

describe('ExactMatchCache', () => {
  it('finds an inserted key and only that exact key', () => {
    const emc = new ExactMatchCache(64, 1);
    const k = keyWith(1);
    const f = flow(k);
    emc.maybeInsert(k, exactHash(k, 1, 0), 1, 0, f);
    expect(emc.lookup(k, exactHash(k, 1, 0), 1, 0)).toBe(f);
    const other = keyWith(1);
    other[W.TP] = 80;
    expect(emc.lookup(other, exactHash(other, 1, 0), 1, 0)).toBeNull();
  });

  it('tells apart keys that differ only in datapath input port or TPID', () => {
    const emc = new ExactMatchCache(64, 1);
    const k = keyWith(1);
    emc.maybeInsert(k, exactHash(k, 1, 0), 1, 0, flow(k));
    expect(emc.lookup(k, exactHash(k, 2, 0), 2, 0)).toBeNull();
    expect(emc.lookup(k, exactHash(k, 1, 0x88a8), 1, 0x88a8)).toBeNull();
  });

  it('treats an entry whose megaflow died as empty', () => {
    const emc = new ExactMatchCache(64, 1);
    const k = keyWith(1);
    const f = flow(k);
    emc.maybeInsert(k, exactHash(k, 1, 0), 1, 0, f);
    f.dead = true;
    expect(emc.lookup(k, exactHash(k, 1, 0), 1, 0)).toBeNull();
  });

  it('never inserts with emc-insert-inv-prob 0 and always with 1', () => {
    const off = new ExactMatchCache(64, 0);
    const k = keyWith(1);
    off.maybeInsert(k, exactHash(k, 1, 0), 1, 0, flow(k));
    expect(off.lookup(k, exactHash(k, 1, 0), 1, 0)).toBeNull();
    expect(off.enabled).toBe(false);
  });

  it('inserts about 1 in N with emc-insert-inv-prob N (OVS default 100)', () => {
    const emc = new ExactMatchCache(1 << 16, 100);
    let inserted = 0;
    for (let i = 0; i < 20000; i++) {
      const k = keyWith(1);
      k[W.NW_DST] = i;
      const h = exactHash(k, 1, 0);
      emc.maybeInsert(k, h, 1, 0, flow(k));
      if (emc.lookup(k, h, 1, 0) !== null) inserted++;
    }
    expect(inserted).toBeGreaterThan(120);
    expect(inserted).toBeLessThan(300);
  });

  it('keeps two keys that collide on the first slot in the second one', () => {
    const emc = new ExactMatchCache(16, 1);
    const a = keyWith(1);
    const b = keyWith(1);
    b[W.NW_DST] = 7;
    // Same low bits (first slot), different high bits (second slot).
    const ha = 0x00000015;
    const hb = 0x00000135;
    const fa = flow(a);
    const fb = flow(b);
    emc.insert(a, ha, 1, 0, fa);
    emc.insert(b, hb, 1, 0, fb);
    expect(emc.lookup(a, ha, 1, 0)).toBe(fa);
    expect(emc.lookup(b, hb, 1, 0)).toBe(fb);
  });
});
