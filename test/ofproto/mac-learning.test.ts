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
});
