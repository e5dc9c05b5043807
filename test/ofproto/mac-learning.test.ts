import { describe, expect, test } from 'vitest';
import { MacLearningTable } from '../../src/ofproto/mac-learning.js';

// fa:16:3e:63:54:85 (an OpenStack MAC, well above 2^41) as a number.
const HIGH_MAC = 0xfa163e635485;

describe('MAC learning table', () => {
  test('a MAC above 2^41 learned in one VLAN is unknown in the neighbouring VLANs', () => {
    const t = new MacLearningTable();
    t.learn(HIGH_MAC, 2, 7, false, 0);
    expect(t.lookup(HIGH_MAC, 2, 0)).toBe(7);
    expect(t.lookup(HIGH_MAC, 1, 0)).toBeUndefined();
    expect(t.lookup(HIGH_MAC, 3, 0)).toBeUndefined();
  });

  test('the same high MAC in two VLANs keeps two entries on their own ports', () => {
    const t = new MacLearningTable();
    t.learn(HIGH_MAC, 1, 4, false, 0);
    t.learn(HIGH_MAC, 2, 5, false, 0);
    expect(t.size).toBe(2);
    expect([t.lookup(HIGH_MAC, 1, 0), t.lookup(HIGH_MAC, 2, 0)]).toEqual([4, 5]);
  });

  test('expiry removes entries from every VLAN and the size follows', () => {
    const t = new MacLearningTable(15);
    t.learn(HIGH_MAC, 1, 4, false, 0);
    t.learn(HIGH_MAC, 2, 5, false, 10_000);
    expect(t.expire(15_000)).toBe(1);
    expect(t.size).toBe(1);
    expect([t.lookup(HIGH_MAC, 1, 15_000), t.lookup(HIGH_MAC, 2, 15_000)]).toEqual([undefined, 5]);
  });

  test('thousands of entries learned, expired and flushed stay exactly as a plain map of (VLAN, MAC) says', () => {
    // Growth and deletion by backward shift must never lose or resurrect an entry: compare with a model.
    const t = new MacLearningTable(15, 100_000);
    const model = new Map<string, { port: number; expiresS: number }>();
    let seed = 12345;
    const rnd = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    const macOf = (i: number): number => 0x020000000000 + i * 0x10001;
    for (let step = 0; step < 20_000; step++) {
      const nowMs = step * 10;
      const nowS = Math.floor(nowMs / 1000);
      const mac = macOf(rnd(3000));
      const vlan = rnd(3);
      const port = 1 + rnd(5);
      t.learn(mac, vlan, port, false, nowMs);
      model.set(`${vlan}/${mac}`, { port, expiresS: nowS + 15 });
      if (step % 997 === 0) {
        t.expire(nowMs);
        for (const [k, v] of model) if (nowS >= v.expiresS) model.delete(k);
      }
      if (step % 4999 === 0) {
        t.flushPort(3);
        for (const [k, v] of model) if (v.port === 3) model.delete(k);
      }
    }
    const nowMs = 20_000 * 10;
    const nowS = Math.floor(nowMs / 1000);
    for (const [k, v] of model) {
      const [vlan, mac] = k.split('/').map(Number);
      expect(t.lookup(mac, vlan, nowMs)).toBe(nowS >= v.expiresS ? undefined : v.port);
    }
    t.expire(nowMs);
    expect(t.size).toBe([...model.values()].filter((v) => nowS < v.expiresS).length);
  });

  test('a full table evicts the least recently refreshed entry of the port with the most entries', () => {
    const t = new MacLearningTable(300, 3);
    t.learn(0x020000000001, 0, 1, false, 0);
    t.learn(0x020000000002, 0, 1, false, 0);
    t.learn(0x020000000003, 0, 2, false, 0);
    t.learn(0x020000000001, 0, 1, false, 1000); // refreshed: ...02 is now port 1's oldest
    t.learn(0x020000000004, 0, 3, false, 2000);
    expect(t.size).toBe(3);
    expect(t.lookup(0x020000000002, 0, 2000)).toBeUndefined();
    expect([t.lookup(0x020000000001, 0, 2000), t.lookup(0x020000000003, 0, 2000), t.lookup(0x020000000004, 0, 2000)]).toEqual([1, 2, 3]);
  });
});
