import { describe, expect, test } from 'vitest';
import { cidrLength, PrefixTrie, prefixMask } from '../../src/ofproto/prefix-trie.js';
import { ip } from './helpers.js';

// The answers are those of OVS's trie_lookup_value() (lib/classifier.c) on its path-compressed trie.
describe('prefix trie lookups', () => {
  test('an empty trie needs no bits', () => {
    expect(new PrefixTrie().lookup(ip('10.0.0.1'))).toBe(0);
  });

  test('a value that leaves the only prefix needs the bits up to and including the first that differs', () => {
    const t = new PrefixTrie();
    t.insert(ip('10.9.9.9'), 32);
    expect(t.lookup(ip('10.0.0.1'))).toBe(13);
    expect(t.lastPlens).toBe(0);
  });

  test('a value inside a shorter prefix matches its length and needs only that prefix when nothing is longer', () => {
    const t = new PrefixTrie();
    t.insert(ip('10.0.0.0'), 8);
    expect(t.lookup(ip('10.1.2.3'))).toBe(8);
    expect((t.lastPlens >>> 7) & 1).toBe(1);
  });

  test('a longer prefix under the matched one costs the bit that leaves it', () => {
    const t = new PrefixTrie();
    t.insert(ip('10.0.0.0'), 8);
    t.insert(ip('10.0.0.0'), 16);
    expect(t.lookup(ip('10.1.2.3'))).toBe(16);
    expect(t.lastPlens >>> 0).toBe(1 << 7);
  });

  test('a full-length match needs all 32 bits and reports every prefix on the way', () => {
    const t = new PrefixTrie();
    t.insert(ip('10.0.0.1'), 32);
    t.insert(ip('10.0.0.0'), 24);
    expect(t.lookup(ip('10.0.0.1'))).toBe(32);
    expect(t.lastPlens >>> 0).toBe(((1 << 31) | (1 << 23)) >>> 0);
  });

  test('a removed prefix no longer counts, while a copy still inserted does', () => {
    const t = new PrefixTrie();
    t.insert(ip('10.9.9.9'), 32);
    t.insert(ip('10.9.9.9'), 32);
    t.remove(ip('10.9.9.9'), 32);
    expect(t.lookup(ip('10.0.0.1'))).toBe(13);
    t.remove(ip('10.9.9.9'), 32);
    expect(t.lookup(ip('10.0.0.1'))).toBe(0);
  });

  test('ports: tp_dst 80 and 443 are told from 2 by their first ten bits', () => {
    const t = new PrefixTrie();
    t.insert(80, 32);
    t.insert(443, 32);
    expect((prefixMask(t.lookup(2)) & 0xffff) >>> 0).toBe(0xffc0);
  });
});

describe('mask helpers', () => {
  test('cidrLength is the prefix length of a CIDR mask and 0 for any other', () => {
    expect(cidrLength(0xffffff00)).toBe(24);
    expect(cidrLength(0xffffffff)).toBe(32);
    expect(cidrLength(0)).toBe(0);
    expect(cidrLength(0x00ff0000)).toBe(0);
  });
});
