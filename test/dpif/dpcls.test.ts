import { describe, expect, it } from 'vitest';
import { Dpcls } from '../../src/dpif/dpcls.js';
import { Megaflow } from '../../src/dpif/megaflow.js';
import { KEY_WORDS, W } from '../../src/flow/key-layout.js';
import { emptySideEffects } from '../../src/ofproto/side-effects.js';

function mf(values: Record<number, number>, masks: Record<number, number>, dpInPort = 1): Megaflow {
  const key = new Uint32Array(KEY_WORDS);
  const mask = new Uint32Array(KEY_WORDS);
  for (const [w, v] of Object.entries(values)) key[Number(w)] = v;
  for (const [w, m] of Object.entries(masks)) mask[Number(w)] = m;
  return new Megaflow({ dpInPort, tpid: 0, flowKey: key, mask, actions: [], sideEffects: emptySideEffects(), drop: null, slowPath: null, bridge: 'br0', visited: [], nowMs: 0 });
}

function pkt(values: Record<number, number>): Uint32Array {
  const k = new Uint32Array(KEY_WORDS);
  for (const [w, v] of Object.entries(values)) k[Number(w)] = v;
  return k;
}

describe('Dpcls (tuple-space search over megaflow masks)', () => {
  it('makes one subtable per distinct mask', () => {
    const cls = new Dpcls();
    cls.insert(mf({ [W.NW_SRC]: 0x0a000001 }, { [W.NW_SRC]: 0xffffffff }));
    cls.insert(mf({ [W.NW_SRC]: 0x0a000002 }, { [W.NW_SRC]: 0xffffffff }));
    cls.insert(mf({ [W.NW_DST]: 0x0a000000 }, { [W.NW_DST]: 0xffffff00 }));
    expect(cls.subtableCount).toBe(2);
    expect(cls.count).toBe(3);
  });

  it('matches on the masked words only: other words may take any value', () => {
    const cls = new Dpcls();
    const f = mf({ [W.NW_DST]: 0x0a000000 }, { [W.NW_DST]: 0xffffff00 });
    cls.insert(f);
    expect(cls.lookup(pkt({ [W.NW_DST]: 0x0a0000fe, [W.TP]: 12345, [W.NW_SRC]: 7 }), 1, 0)).toBe(f);
    expect(cls.lookup(pkt({ [W.NW_DST]: 0x0a0001fe }), 1, 0)).toBeNull();
  });

  it('never matches a megaflow of another datapath input port', () => {
    const cls = new Dpcls();
    cls.insert(mf({ [W.NW_DST]: 1 }, { [W.NW_DST]: 0xffffffff }, 1));
    expect(cls.lookup(pkt({ [W.NW_DST]: 1 }), 2, 0)).toBeNull();
  });

  it('ranks subtables by hits: after sorting, the busiest mask is probed first', () => {
    const cls = new Dpcls();
    const rare = mf({ [W.NW_SRC]: 1 }, { [W.NW_SRC]: 0xffffffff });
    const busy = mf({ [W.NW_DST]: 2 }, { [W.NW_DST]: 0xffffffff });
    cls.insert(rare);
    cls.insert(busy);
    for (let i = 0; i < 5; i++) cls.lookup(pkt({ [W.NW_DST]: 2 }), 1, 0);
    expect(cls.lastProbes).toBe(2);
    cls.sortSubtables();
    cls.lookup(pkt({ [W.NW_DST]: 2 }), 1, 0);
    expect(cls.lastProbes).toBe(1);
    expect(cls.subtables[0].mask[W.NW_DST]).toBe(0xffffffff);
  });

  it('drops a subtable when its last megaflow is removed', () => {
    const cls = new Dpcls();
    const f = mf({ [W.NW_SRC]: 1 }, { [W.NW_SRC]: 0xffffffff });
    cls.insert(f);
    expect(cls.remove(f)).toBe(true);
    expect(cls.subtableCount).toBe(0);
    expect(cls.lookup(pkt({ [W.NW_SRC]: 1 }), 1, 0)).toBeNull();
  });

  it('keeps finding every megaflow while its buckets grow', () => {
    const cls = new Dpcls();
    const flows: Megaflow[] = [];
    for (let i = 0; i < 5000; i++) {
      const f = mf({ [W.NW_SRC]: i }, { [W.NW_SRC]: 0xffffffff });
      flows.push(f);
      cls.insert(f);
    }
    for (let i = 0; i < 5000; i += 97) expect(cls.lookup(pkt({ [W.NW_SRC]: i }), 1, 0)).toBe(flows[i]);
    for (let i = 0; i < 5000; i += 2) cls.remove(flows[i]);
    expect(cls.lookup(pkt({ [W.NW_SRC]: 4 }), 1, 0)).toBeNull();
    expect(cls.lookup(pkt({ [W.NW_SRC]: 5 }), 1, 0)).toBe(flows[5]);
  });
});
