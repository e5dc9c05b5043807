/**
 * Hashes of flow keys for the datapath caches: murmur3's 32-bit mixing step per word and its finaliser, on plain
 * integers (Math.imul), so hashing allocates nothing.
 *
 * The EMC hashes a fixed set of words of the whole key (exact match: any word will do, and the words that vary
 * between packets are the packet headers and in_port); dpcls hashes only the words its subtable's mask covers, each
 * masked, so every packet inside one megaflow hashes alike.
 */

import { FIRST_PACKET_WORD, KEY_WORDS, W } from '../flow/key-layout.js';

export const HASH_SEED = 0x5bd1e995;

export function mixWord(h: number, v: number): number {
  let k = Math.imul(v, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, 0x1b873593);
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

export function finishHash(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  // A signed 32-bit result stays a small integer in V8: an unsigned one above 2^31 would be boxed as a heap number
  // each time it is passed around, which is an allocation per packet.
  return h | 0;
}

/**
 * The exact-match hash (EMC and SMC): packet-header words, in_port, recirc_id and ct_state/zone, the datapath port
 * and the TPID. Keys that differ only elsewhere (registers never reach a datapath key; tunnel and other conntrack
 * words rarely differ for one packet header) collide and are told apart by the full comparison.
 */
export function exactHash(key: Uint32Array, dpInPort: number, tpid: number): number {
  let h = mixWord(HASH_SEED, dpInPort);
  h = mixWord(h, key[W.IN_PORT]);
  h = mixWord(h, key[W.RECIRC_ID]);
  h = mixWord(h, key[W.CT_STATE_ZONE]);
  h = mixWord(h, key[W.TUN_DST]);
  h = mixWord(h, tpid);
  for (let i = FIRST_PACKET_WORD; i < KEY_WORDS; i++) h = mixWord(h, key[i]);
  return finishHash(h);
}

/**
 * The exact-match hash of a fresh packet's key (metadata all zero but in_port), for the EMC: the datapath port and
 * TPID, in_port, and the packet-header words that tell flows apart (Ethernet addresses, EtherType and VLAN, IPv4
 * addresses, the low words of IPv6 addresses, the nw_proto/tos/ttl/frag word, ports), each folded in with one
 * multiply, then murmur3's finaliser. Keys that differ only in the words left out share slots; the EMC's full
 * comparison tells them apart.
 */
export function freshKeyHash(key: Uint32Array, dpInPort: number, tpid: number): number {
  // Two independent lanes, joined at the end: each fold waits for the previous one's multiply, so one chain of
  // twelve is twice as long on the CPU as two chains of six.
  let a = HASH_SEED ^ dpInPort ^ (tpid << 16);
  let b = LANE_SEED ^ key[W.IN_PORT];
  a = fold(a, key[W.DL_DST]);
  b = fold(b, key[W.DL_DST + 1]);
  a = fold(a, key[W.DL_SRC]);
  b = fold(b, key[W.DL_SRC + 1]);
  a = fold(a, key[W.DL_TYPE_VLAN]);
  b = fold(b, key[W.NW_SRC]);
  a = fold(a, key[W.NW_DST]);
  b = fold(b, key[W.IPV6_SRC + 3]);
  a = fold(a, key[W.IPV6_DST + 3]);
  b = fold(b, key[W.NW]);
  a = fold(a, key[W.TP]);
  return finishHash(fold(a, b));
}

/** The second lane's seed (any odd constant unlike HASH_SEED). */
const LANE_SEED = 0x27d4eb2f;

/** One word into a running hash: a multiply and a shift (cheaper than mixWord; finishHash does the avalanche). */
export function fold(h: number, v: number): number {
  h = Math.imul(h ^ v, 0x9e3779b1);
  return h ^ (h >>> 15);
}
