/**
 * The exact-match cache (OVS's EMC, lib/dpif-netdev.c emc_*).
 *
 * What? A small hash table from a packet's whole flow key to the megaflow it hit, so a packet of a flow seen
 * recently skips the megaflow search. Each key hashes to two candidate slots (OVS's EM_FLOW_HASH_SEGS = 2: the low
 * bits of the hash, and the bits above them); a lookup checks both. Entries are never removed: an entry whose
 * megaflow has left the table (`dead`) counts as empty and is the first to be replaced.
 *
 * Insertion is probabilistic, as OVS's emc-insert-inv-prob: an entry is written with probability 1/invProb
 * (default 100, so 1%; 1 = always; 0 = never, which turns the EMC off). That keeps a flood of short flows from
 * thrashing the entries of the long ones. The draw uses a seeded xorshift generator, so replays are deterministic.
 * Replacement follows emc_insert: the same key is overwritten in place; otherwise a dead slot, else the candidate
 * with the smaller stored hash.
 *
 * Storage: keys in one flat Uint32Array (entries x KEY_WORDS), hashes, input ports and TPIDs in typed arrays, and
 * megaflow references in a plain array. A lookup allocates nothing.
 *
 * Fresh keys. Most lookups are for packets that just came in from a port, whose key metadata is all zero except
 * in_port. Each entry records whether its key was such a key (`fresh`); `lookupFresh` matches only those entries, so
 * it compares in_port and the 28 packet-header words instead of all 81 (the 52 metadata words are known zero on
 * both sides). An IPv4 entry whose IPv6, ARP/ND and inner-VLAN words are zero is marked as such (FRESH_IPV4): extract
 * writes zeros there for every IPv4 packet, so against a fresh IPv4 key only the ten words an IPv4 packet can set
 * (Ethernet, EtherType/VLAN, addresses, the nw_proto/tos/ttl/frag word, ports, TCP flags) need comparing.
 */

import { FIRST_PACKET_WORD, KEY_WORDS, W } from '../flow/key-layout.js';
import type { Megaflow } from './megaflow.js';

/** OVS: EM_FLOW_HASH_SHIFT 13. */
export const EMC_DEFAULT_ENTRIES = 8192;
/** OVS: DEFAULT_EM_FLOW_INSERT_INV_PROB. */
export const EMC_DEFAULT_INSERT_INV_PROB = 100;

/** Entry kinds for `lookupFresh`: metadata not all zero; fresh; fresh IPv4 with the non-IPv4 words zero. */
const NOT_FRESH = 0;
const FRESH = 1;
const FRESH_IPV4 = 2;

function freshness(key: Uint32Array): number {
  for (let i = W.IN_PORT + 1; i < FIRST_PACKET_WORD; i++) if (key[i] !== 0) return NOT_FRESH;
  if (key[W.DL_TYPE_VLAN] >>> 16 !== 0x0800) return FRESH;
  for (let i = W.IPV6_SRC; i < W.NW; i++) if (key[i] !== 0) return FRESH;
  for (let i = W.ARP_SHA; i < W.TP; i++) if (key[i] !== 0) return FRESH;
  return key[W.VLAN_TCI1] === 0 ? FRESH_IPV4 : FRESH;
}

export class ExactMatchCache {
  readonly entries: number;
  private readonly shift: number;
  private readonly mask: number;
  private readonly keys: Uint32Array;
  private readonly hashes: Int32Array;
  private readonly ports: Uint32Array;
  private readonly tpids: Uint32Array;
  private readonly flows: (Megaflow | null)[];
  /** 1 when the entry's key has all-zero metadata words except in_port. */
  private readonly fresh: Uint8Array;
  /** Insert when the draw is at or below this (0xffffffff / invProb); -1 = never. */
  private insertMin: number;
  private rng = 0x2545f491;

  constructor(entries = EMC_DEFAULT_ENTRIES, insertInvProb = EMC_DEFAULT_INSERT_INV_PROB) {
    if (entries < 2 || (entries & (entries - 1)) !== 0) throw new RangeError(`EMC size ${entries} is not a power of two >= 2`);
    this.entries = entries;
    this.shift = Math.log2(entries);
    this.mask = entries - 1;
    this.keys = new Uint32Array(entries * KEY_WORDS);
    this.hashes = new Int32Array(entries);
    this.ports = new Uint32Array(entries);
    this.tpids = new Uint32Array(entries);
    this.flows = new Array<Megaflow | null>(entries).fill(null);
    this.fresh = new Uint8Array(entries);
    this.insertMin = -1;
    this.setInsertInvProb(insertInvProb);
  }

  /** emc-insert-inv-prob: 0 disables insertion, 1 inserts always, N inserts with probability 1/N. */
  setInsertInvProb(invProb: number): void {
    this.insertMin = invProb <= 0 ? -1 : Math.floor(0xffffffff / invProb);
  }

  get enabled(): boolean {
    return this.insertMin >= 0;
  }

  /** The live megaflow cached for this exact key, or null. */
  lookup(key: Uint32Array, hash: number, dpInPort: number, tpid: number): Megaflow | null {
    let slot = hash & this.mask;
    for (let seg = 0; seg < 2; seg++) {
      if (this.hashes[slot] === hash) {
        const f = this.flows[slot];
        if (f !== null && !f.dead && this.ports[slot] === dpInPort && this.tpids[slot] === tpid && this.sameKey(slot, key)) return f;
      }
      slot = (hash >>> this.shift) & this.mask;
    }
    return null;
  }

  /**
   * `lookup` for a fresh key (metadata zero except in_port: the caller vouches for it): only entries inserted from
   * fresh keys can match, and only in_port and the packet-header words are compared.
   */
  lookupFresh(key: Uint32Array, hash: number, dpInPort: number, tpid: number): Megaflow | null {
    const hashes = this.hashes;
    let slot = hash & this.mask;
    if (hashes[slot] !== hash || !this.sameFresh(slot, key, dpInPort, tpid)) {
      slot = (hash >>> this.shift) & this.mask;
      if (hashes[slot] !== hash || !this.sameFresh(slot, key, dpInPort, tpid)) return null;
    }
    const f = this.flows[slot];
    return f !== null && !f.dead ? f : null;
  }

  private sameFresh(slot: number, key: Uint32Array, dpInPort: number, tpid: number): boolean {
    const fresh = this.fresh[slot];
    if (fresh === NOT_FRESH || this.ports[slot] !== dpInPort || this.tpids[slot] !== tpid) return false;
    const keys = this.keys;
    const b = slot * KEY_WORDS;
    if (keys[b + W.TP] !== key[W.TP] || keys[b + W.NW_DST] !== key[W.NW_DST] || keys[b + W.NW_SRC] !== key[W.NW_SRC]) return false;
    if (keys[b + W.DL_TYPE_VLAN] !== key[W.DL_TYPE_VLAN] || keys[b + W.IN_PORT] !== key[W.IN_PORT]) return false;
    if (keys[b + W.DL_DST + 1] !== key[W.DL_DST + 1] || keys[b + W.DL_DST] !== key[W.DL_DST]) return false;
    if (keys[b + W.DL_SRC + 1] !== key[W.DL_SRC + 1] || keys[b + W.DL_SRC] !== key[W.DL_SRC]) return false;
    if (keys[b + W.NW] !== key[W.NW] || keys[b + W.TCP_FLAGS] !== key[W.TCP_FLAGS]) return false;
    // Equal EtherTypes: an IPv4 entry's other words are zero, and so are a fresh IPv4 key's (extract zeroes them).
    if (fresh === FRESH_IPV4) return true;
    for (let i = W.IPV6_SRC; i < W.NW; i++) if (keys[b + i] !== key[i]) return false;
    for (let i = W.ARP_SHA; i < W.TP; i++) if (keys[b + i] !== key[i]) return false;
    return keys[b + W.VLAN_TCI1] === key[W.VLAN_TCI1];
  }

  private sameKey(slot: number, key: Uint32Array): boolean {
    const keys = this.keys;
    const b = slot * KEY_WORDS;
    // Packet headers first: that is where two keys with one hash usually differ.
    for (let i = KEY_WORDS - 1; i >= 0; i--) if (keys[b + i] !== key[i]) return false;
    return true;
  }

  /** emc_probabilistic_insert. */
  maybeInsert(key: Uint32Array, hash: number, dpInPort: number, tpid: number, flow: Megaflow): void {
    if (this.insertMin < 0) return;
    if (this.insertMin !== 0xffffffff && this.draw() > this.insertMin) return;
    this.insert(key, hash, dpInPort, tpid, flow);
  }

  /** emc_insert: overwrite the same key, else a dead slot, else the candidate with the smaller stored hash. */
  insert(key: Uint32Array, hash: number, dpInPort: number, tpid: number, flow: Megaflow): void {
    const first = hash & this.mask;
    const second = (hash >>> this.shift) & this.mask;
    let victim = -1;
    for (let seg = 0; seg < 2; seg++) {
      const slot = seg === 0 ? first : second;
      const f = this.flows[slot];
      if (f !== null && this.hashes[slot] === hash && this.ports[slot] === dpInPort && this.tpids[slot] === tpid && this.sameKey(slot, key)) {
        this.flows[slot] = flow;
        return;
      }
      if (victim < 0) {
        victim = slot;
      } else {
        const vAlive = this.alive(victim);
        if ((vAlive && !this.alive(slot)) || this.hashes[slot] >>> 0 < this.hashes[victim] >>> 0) victim = slot;
      }
    }
    const b = victim * KEY_WORDS;
    for (let i = 0; i < KEY_WORDS; i++) this.keys[b + i] = key[i];
    this.hashes[victim] = hash;
    this.ports[victim] = dpInPort;
    this.tpids[victim] = tpid;
    this.flows[victim] = flow;
    this.fresh[victim] = freshness(key);
  }

  private alive(slot: number): boolean {
    const f = this.flows[slot];
    return f !== null && !f.dead;
  }

  /** Live entries (for statistics; walks the table). */
  liveEntries(): number {
    let n = 0;
    for (let i = 0; i < this.entries; i++) if (this.alive(i)) n++;
    return n;
  }

  clear(): void {
    this.flows.fill(null);
    this.hashes.fill(0);
  }

  /** Bytes held by the table's arrays. */
  get memoryBytes(): number {
    return this.keys.byteLength + this.hashes.byteLength + this.ports.byteLength + this.tpids.byteLength + this.entries * 8;
  }

  private draw(): number {
    let x = this.rng;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.rng = x;
    return x >>> 0;
  }
}
