/**
 * The connection table: fixed-layout records in one SharedArrayBuffer, so several worker threads can track
 * connections in one table (OVS keeps its connections in a cmap of heap objects; we have no pointers to share).
 *
 * Layout (32-bit words unless said otherwise):
 *
 *   header          HDR_WORDS      counters and settings (n_conn, limit, hash basis, free-stack top, ...)
 *   stripe locks    N_STRIPES      one spinlock per stripe of buckets
 *   bucket heads    nBuckets       first node of each hash chain, -1 when empty
 *   free stack      capacity       slots freed and ready for reuse
 *   zone limits     3 * 65537      per zone (and the default, index 65536): created-seq+1, limit, count
 *   records         capacity * REC_WORDS, 8-byte aligned: one per connection
 *
 * A record (REC_WORDS = 54 words = 216 bytes):
 *
 *   F_FLAGS      live bit, has-NAT-node bit, alg-related, ALG helper, NAT action, seq-skew direction
 *   F_GEN        generation: bumped on free, so a slot index held across a lock release can be re-checked
 *   F_EXP        expiration, ms, as a float64 (capture timestamps exceed 32 bits)
 *   F_LOCK       the connection's own lock (mutable fields: mark, label, protocol state, expiration, seq skew)
 *   F_MARK, F_LABEL (4 words, most significant first), F_SEQ_SKEW
 *   F_ADMIT_ZONE, F_ZL_SEQ   which zone-limit counter admitted it (-1 default, -2 none) and that counter's generation
 *   F_NEXT0/1    chain links of the connection's two hash nodes (below)
 *   F_PROTO      6 words of protocol state (TCP: two peers; ICMP/other: one state word)
 *   F_KEY, F_REV, F_PARENT   original, reply and (for ALG-related connections) parent keys, CK_WORDS each
 *
 * Nodes. Node 2*slot hangs in the bucket of hash(key); the hash is symmetric, so plain replies find it too. When NAT
 * makes the reply key differ from the reversed key, node 2*slot+1 hangs in the bucket of hash(rev key) (OVS inserts a
 * second "un-NAT" conn for the same purpose). A lookup compares the packet's key with both keys of the connection
 * behind each node, which also tells the direction.
 *
 * Memory: 216 bytes per record + 4 per bucket (one bucket per slot) + 4 per free-stack slot = 224 bytes per
 * connection; 1M connections take about 214 MiB (plus 0.8 MiB of zone-limit counters).
 *
 * Thread safety. Chains are read and changed under their stripe's lock; a connection's mutable fields under its own
 * lock; creating or freeing a connection (and the free stack) under the table's create lock, which also makes
 * "look up, then insert if absent" atomic as OVS's ct_lock does. A slot index found under a stripe lock may be freed
 * by another thread once the lock is released: users take the connection's lock and check that the generation they
 * saw is still there (`lockConn` does both). Counters change with Atomics. A table built with `create` is attached
 * in a worker with `ConnTable.attach(sab)`.
 */

import { CK_WORDS, copyKey, hashKey, isPlainReverse, keysEqual } from './conn-key.js';

export const REC_WORDS = 54;
export const F_FLAGS = 0;
export const F_GEN = 1;
export const F_EXP = 2; // float64 over words 2-3
export const F_LOCK = 4;
export const F_MARK = 5;
export const F_LABEL = 6;
export const F_SEQ_SKEW = 10;
export const F_ADMIT_ZONE = 11;
export const F_ZL_SEQ = 12;
export const F_NEXT0 = 13;
export const F_NEXT1 = 14;
export const F_PROTO = 15;
export const F_KEY = 21;
export const F_REV = 32;
export const F_PARENT = 43;

/** Record flags. */
export const FL_LIVE = 1;
export const FL_NAT_NODE = 2;
export const FL_ALG_RELATED = 4;
export const FL_SEQ_SKEW_REPLY = 8;
/** helper: 0 none, 1 ftp, 2 tftp, in bits 4-5 */
export const FL_HELPER_SHIFT = 4;
export const FL_HELPER_MASK = 0x30;
/** NAT action bits (NAT_ACTION_*) in bits 8-11 */
export const FL_NAT_SHIFT = 8;
export const FL_NAT_MASK = 0xf00;

export const NAT_SRC = 1;
export const NAT_SRC_PORT = 2;
export const NAT_DST = 4;
export const NAT_DST_PORT = 8;

export const HELPER_NONE = 0;
export const HELPER_FTP = 1;
export const HELPER_TFTP = 2;

// Header words.
const H_CREATE_LOCK = 0;
export const H_N_CONN = 1;
export const H_N_CONN_LIMIT = 2;
const H_FREE_TOP = 3;
const H_CAPACITY = 4;
const H_NBUCKETS = 5;
const H_HASH_BASIS = 6;
export const H_ZL_SEQ = 7;
export const H_TCP_SEQ_CHK = 8;
const H_HIGH_WATER = 9;
/** Statistics counters start here (see CtCounter). */
export const H_COUNTERS = 16;
const HDR_WORDS = 32;

const N_STRIPES = 1024;
export const ZONE_DEFAULT_INDEX = 65536;
const ZONE_SLOTS = 65537;

/** OVS's DEFAULT_N_CONN_LIMIT. */
export const DEFAULT_CONN_LIMIT = 3_000_000;

export class ConnTable {
  readonly sab: SharedArrayBuffer;
  readonly i32: Int32Array;
  readonly u32: Uint32Array;
  readonly f64: Float64Array;
  readonly capacity: number;
  readonly nBuckets: number;
  readonly hashBasis: number;
  private readonly stripeBase: number;
  private readonly bucketBase: number;
  private readonly freeBase: number;
  /** First word of the zone-limit area. */
  readonly zoneBase: number;
  /** First word of record 0. */
  readonly recBase: number;

  /** Direction of the last successful `lookup`: true when the key matched the reply key. */
  lastReply = false;
  /** Generation of the slot the last `lookup` returned. */
  lastGen = 0;

  private constructor(sab: SharedArrayBuffer) {
    this.sab = sab;
    this.i32 = new Int32Array(sab);
    this.u32 = new Uint32Array(sab);
    this.f64 = new Float64Array(sab);
    this.capacity = this.i32[H_CAPACITY];
    this.nBuckets = this.i32[H_NBUCKETS];
    this.hashBasis = this.i32[H_HASH_BASIS] >>> 0;
    const l = layout(this.capacity, this.nBuckets);
    this.stripeBase = l.stripeBase;
    this.bucketBase = l.bucketBase;
    this.freeBase = l.freeBase;
    this.zoneBase = l.zoneBase;
    this.recBase = l.recBase;
  }

  /** A new empty table for `capacity` connections; `hashBasis` seeds the hash (OVS: random per process). */
  static create(capacity: number, hashBasis = (Math.random() * 0x100000000) >>> 0): ConnTable {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`conntrack capacity must be a positive integer, got ${capacity}`);
    let nBuckets = 16;
    while (nBuckets < capacity) nBuckets *= 2;
    const l = layout(capacity, nBuckets);
    const sab = new SharedArrayBuffer(l.totalWords * 4);
    const i32 = new Int32Array(sab);
    i32[H_CAPACITY] = capacity;
    i32[H_NBUCKETS] = nBuckets;
    i32[H_HASH_BASIS] = hashBasis | 0;
    i32[H_N_CONN_LIMIT] = DEFAULT_CONN_LIMIT;
    i32[H_TCP_SEQ_CHK] = 1;
    i32.fill(-1, l.bucketBase, l.bucketBase + nBuckets);
    return new ConnTable(sab);
  }

  /** Another thread's view of a table made by `create` (pass `table.sab` to the worker). */
  static attach(sab: SharedArrayBuffer): ConnTable {
    return new ConnTable(sab);
  }

  /** Bytes of shared memory per connection slot, all areas included (zone limits excluded: fixed 0.8 MiB). */
  static bytesPerConnection(): number {
    return REC_WORDS * 4 + 4 + 4;
  }

  rec(slot: number): number {
    return this.recBase + slot * REC_WORDS;
  }

  expiration(slot: number): number {
    return this.f64[(this.rec(slot) + F_EXP) >> 1];
  }

  setExpiration(slot: number, ms: number): void {
    this.f64[(this.rec(slot) + F_EXP) >> 1] = ms;
  }

  isLive(slot: number): boolean {
    return (Atomics.load(this.i32, this.rec(slot) + F_FLAGS) & FL_LIVE) !== 0;
  }

  /** Slots ever used (live or freed); a dump scans 0..highWater. */
  highWater(): number {
    return Atomics.load(this.i32, H_HIGH_WATER);
  }

  nConn(): number {
    return Atomics.load(this.i32, H_N_CONN);
  }

  // ------------------------------------------------------------------------------------------------------ locks

  lockCreate(): void {
    spinLock(this.i32, H_CREATE_LOCK);
  }

  unlockCreate(): void {
    spinUnlock(this.i32, H_CREATE_LOCK);
  }

  /** Takes the connection's lock; false (and unlocked) if the slot was freed or reused since `gen` was read. */
  lockConn(slot: number, gen: number): boolean {
    const r = this.rec(slot);
    spinLock(this.i32, r + F_LOCK);
    if ((this.i32[r + F_FLAGS] & FL_LIVE) === 0 || this.i32[r + F_GEN] !== gen) {
      spinUnlock(this.i32, r + F_LOCK);
      return false;
    }
    return true;
  }

  unlockConn(slot: number): void {
    spinUnlock(this.i32, this.rec(slot) + F_LOCK);
  }

  // ---------------------------------------------------------------------------------------------------- lookup

  /**
   * The live, unexpired connection whose original or reply key equals `key[kb..]`, or -1. Sets `lastReply` and
   * `lastGen`. `hash` is hashKey(key).
   */
  lookup(key: Uint32Array, kb: number, hash: number, nowMs: number): number {
    const i32 = this.i32;
    const b = hash & (this.nBuckets - 1);
    const lock = this.stripeBase + (b & (N_STRIPES - 1));
    spinLock(i32, lock);
    let node = i32[this.bucketBase + b];
    let found = -1;
    while (node >= 0) {
      const slot = node >> 1;
      const r = this.rec(slot);
      if (this.f64[(r + F_EXP) >> 1] > nowMs) {
        if (keysEqual(i32, r + F_KEY, key, kb)) {
          this.lastReply = false;
          found = slot;
          break;
        }
        if (keysEqual(i32, r + F_REV, key, kb)) {
          this.lastReply = true;
          found = slot;
          break;
        }
      }
      node = i32[r + ((node & 1) === 0 ? F_NEXT0 : F_NEXT1)];
    }
    if (found >= 0) this.lastGen = i32[this.rec(found) + F_GEN];
    spinUnlock(i32, lock);
    return found;
  }

  // ---------------------------------------------------------------------------------------------- create/free

  /**
   * A fresh slot with zeroed fields, not yet in any chain; -1 when the table is full. Caller holds the create lock.
   */
  allocate(): number {
    const i32 = this.i32;
    let slot: number;
    const top = i32[H_FREE_TOP];
    if (top > 0) {
      slot = i32[this.freeBase + top - 1];
      i32[H_FREE_TOP] = top - 1;
    } else {
      slot = i32[H_HIGH_WATER];
      if (slot >= this.capacity) return -1;
      Atomics.store(i32, H_HIGH_WATER, slot + 1);
    }
    const r = this.rec(slot);
    const gen = i32[r + F_GEN];
    i32.fill(0, r, r + REC_WORDS);
    i32[r + F_GEN] = gen;
    return slot;
  }

  /**
   * Links a prepared record (keys, flags, expiration filled) into its chains and marks it live. Caller holds the
   * create lock.
   */
  publish(slot: number): void {
    const i32 = this.i32;
    const r = this.rec(slot);
    let flags = i32[r + F_FLAGS] | FL_LIVE;
    if (!isPlainReverse(i32, r + F_KEY, i32, r + F_REV)) flags |= FL_NAT_NODE;
    Atomics.store(i32, r + F_FLAGS, flags);
    this.link(slot * 2, hashKey(i32, r + F_KEY, this.hashBasis), r + F_NEXT0);
    if (flags & FL_NAT_NODE) this.link(slot * 2 + 1, hashKey(i32, r + F_REV, this.hashBasis), r + F_NEXT1);
    Atomics.add(i32, H_N_CONN, 1);
  }

  /** Unlinks a live connection and returns its slot to the free stack. Caller holds the create lock. */
  free(slot: number): void {
    const i32 = this.i32;
    const r = this.rec(slot);
    const flags = i32[r + F_FLAGS];
    if ((flags & FL_LIVE) === 0) return;
    this.unlink(slot * 2, hashKey(i32, r + F_KEY, this.hashBasis));
    if (flags & FL_NAT_NODE) this.unlink(slot * 2 + 1, hashKey(i32, r + F_REV, this.hashBasis));
    spinLock(i32, r + F_LOCK);
    Atomics.store(i32, r + F_FLAGS, 0);
    i32[r + F_GEN] = (i32[r + F_GEN] + 1) | 0;
    spinUnlock(i32, r + F_LOCK);
    i32[this.freeBase + i32[H_FREE_TOP]] = slot;
    i32[H_FREE_TOP]++;
    Atomics.sub(i32, H_N_CONN, 1);
  }

  private link(node: number, hash: number, nextWord: number): void {
    const i32 = this.i32;
    const b = hash & (this.nBuckets - 1);
    const lock = this.stripeBase + (b & (N_STRIPES - 1));
    spinLock(i32, lock);
    i32[nextWord] = i32[this.bucketBase + b];
    i32[this.bucketBase + b] = node;
    spinUnlock(i32, lock);
  }

  private unlink(node: number, hash: number): void {
    const i32 = this.i32;
    const b = hash & (this.nBuckets - 1);
    const lock = this.stripeBase + (b & (N_STRIPES - 1));
    spinLock(i32, lock);
    let prevWord = this.bucketBase + b;
    let cur = i32[prevWord];
    while (cur >= 0) {
      const nextWord = this.rec(cur >> 1) + ((cur & 1) === 0 ? F_NEXT0 : F_NEXT1);
      if (cur === node) {
        i32[prevWord] = i32[nextWord];
        break;
      }
      prevWord = nextWord;
      cur = i32[nextWord];
    }
    spinUnlock(i32, lock);
  }

  /** Copies a record's key (at field F_KEY/F_REV/F_PARENT) out to `dst`. */
  readKey(slot: number, field: number, dst: Uint32Array, db = 0): void {
    copyKey(this.u32, this.rec(slot) + field, dst, db);
  }

  writeKey(slot: number, field: number, src: Uint32Array, sb = 0): void {
    copyKey(src, sb, this.u32, this.rec(slot) + field);
  }
}

function layout(capacity: number, nBuckets: number) {
  const stripeBase = HDR_WORDS;
  const bucketBase = stripeBase + N_STRIPES;
  const freeBase = bucketBase + nBuckets;
  const zoneBase = freeBase + capacity;
  let recBase = zoneBase + 3 * ZONE_SLOTS;
  if (recBase & 1) recBase++; // records start 8-byte aligned; REC_WORDS is even, so every F_EXP is too
  return { stripeBase, bucketBase, freeBase, zoneBase, recBase, totalWords: recBase + capacity * REC_WORDS };
}

const SPINS_BEFORE_WAIT = 64;

/** Test-and-set spinlock on one Int32 word; after a few spins it sleeps on the word (Atomics.wait) until unlocked. */
function spinLock(i32: Int32Array, idx: number): void {
  let spins = 0;
  while (Atomics.compareExchange(i32, idx, 0, 1) !== 0) {
    if (++spins > SPINS_BEFORE_WAIT) {
      Atomics.compareExchange(i32, idx, 1, 2);
      Atomics.wait(i32, idx, 2, 1);
    }
  }
}

function spinUnlock(i32: Int32Array, idx: number): void {
  if (Atomics.exchange(i32, idx, 0) === 2) Atomics.notify(i32, idx);
}

export { CK_WORDS };
