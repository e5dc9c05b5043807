/**
 * The megaflow classifier (OVS's dpcls, lib/dpif-netdev.c and dpif-netdev-lookup-generic.c).
 *
 * What? Tuple-space search: megaflows are grouped into subtables by mask, one subtable per distinct mask. Within a
 * subtable every megaflow has the same mask, so a packet's key, masked, either equals one megaflow's key or none: one
 * hash probe per subtable. A lookup visits subtables until one hits. Megaflows never overlap (an upcall installs only
 * what missed every subtable, and revalidation deletes rather than widen), so the first hit is the answer.
 *
 * Only the words a subtable's mask covers are hashed and compared (OVS hashes the miniflow blocks the mask has):
 * the subtable keeps its covered word indexes and their mask words, and each megaflow its masked words in the same
 * order. The TPID is mixed into every hash, and it and the datapath input port are compared first, since they are
 * part of the megaflow's identity but not of the flow key (one dpcls serves one input port, so hashing the port
 * would change nothing).
 *
 * Ranking. Each subtable counts its hits; `sortSubtables()` orders them by hits since the last sort, most first, and
 * restarts the counts (OVS's dpcls_sort_subtable_vector, run every DPCLS_OPTIMIZATION_INTERVAL = 1 s by the PMD);
 * the owner decides when. So the masks most traffic needs are probed first.
 *
 * One `Dpcls` serves one datapath input port, as OVS keeps a dpcls per in_port: a packet only searches the masks its
 * port's traffic produced.
 *
 * Buckets are an open hash of chains over Int32Arrays (head per bucket, next per megaflow), grown by doubling; a
 * lookup allocates nothing.
 */

import { KEY_WORDS } from '../flow/key-layout.js';
import { finishHash, fold, HASH_SEED } from './key-hash.js';
import { MF_KEY, MF_MASK, type Megaflow } from './megaflow.js';

/** Subtables with at most this many slots in use are scanned, not hashed (see Subtable.scan). */
const SCAN_SLOTS = 4;

export class Subtable {
  readonly mask: Uint32Array;
  /** Key words the mask covers, ascending. */
  readonly words: Int32Array;
  readonly maskWords: Uint32Array;
  /** Hits since the last sort. */
  hits = 0;
  private heads: Int32Array;
  private next: Int32Array;
  /**
   * Each slot's megaflow hash, beside the chain links: a probe that misses (most probes do: a packet tries several
   * subtables) compares hashes here without touching the megaflow objects.
   */
  private hashes: Int32Array;
  private flows: (Megaflow | null)[];
  /** Masked covered words per flow slot, flat (slot x words.length). */
  private packed: Uint32Array;
  private free: number[] = [];
  private used = 0;
  count = 0;

  constructor(mask: Uint32Array) {
    this.mask = mask.slice();
    const ws: number[] = [];
    for (let i = 0; i < KEY_WORDS; i++) if (mask[i] !== 0) ws.push(i);
    this.words = Int32Array.from(ws);
    this.maskWords = Uint32Array.from(ws.map((w) => mask[w]));
    this.heads = new Int32Array(16).fill(-1);
    this.next = new Int32Array(16);
    this.hashes = new Int32Array(16);
    this.flows = new Array<Megaflow | null>(16).fill(null);
    this.packed = new Uint32Array(16 * Math.max(1, ws.length));
  }

  /**
   * The hash of `key` under this subtable's mask, with the TPID (the input port is the same for every megaflow of a
   * dpcls, so it need not be hashed; it is still compared).
   */
  hashKey(key: Uint32Array, tpid: number): number {
    return this.hashAt(key, 0, tpid);
  }

  /** `hashKey` of the key at offset `at` of `words` (a megaflow's masked key inside Megaflow.words). */
  private hashAt(key: Uint32Array, at: number, tpid: number): number {
    const words = this.words;
    const mw = this.maskWords;
    let h = HASH_SEED ^ tpid;
    for (let i = 0; i < words.length; i++) h = fold(h, key[at + words[i]] & mw[i]);
    return finishHash(h);
  }

  find(key: Uint32Array, dpInPort: number, tpid: number): Megaflow | null {
    if (this.used <= SCAN_SLOTS) return this.scan(key, dpInPort, tpid);
    const hash = this.hashKey(key, tpid);
    const words = this.words;
    const mw = this.maskWords;
    const n = words.length;
    const packed = this.packed;
    const hashes = this.hashes;
    const next = this.next;
    for (let s = this.heads[hash & (this.heads.length - 1)]; s >= 0; s = next[s]) {
      if (hashes[s] !== hash) continue;
      const f = this.flows[s]!;
      if (f.dpInPort !== dpInPort || f.tpid !== tpid) continue;
      const b = s * n;
      let i = 0;
      while (i < n && ((key[words[i]] & mw[i]) >>> 0) === packed[b + i]) i++;
      if (i === n) return f;
    }
    return null;
  }

  /**
   * `find` for a subtable of a few slots: compare each megaflow's words directly, the packet-header words (the high
   * indexes, where keys differ) first. The same answer as hashing (equal words and TPID mean an equal hash), and a
   * miss, the usual outcome of a probe, costs a word or two instead of a hash over every covered word.
   */
  private scan(key: Uint32Array, dpInPort: number, tpid: number): Megaflow | null {
    const words = this.words;
    const mw = this.maskWords;
    const n = words.length;
    const packed = this.packed;
    for (let s = 0; s < this.used; s++) {
      const f = this.flows[s];
      if (f === null) continue;
      const b = s * n;
      let i = n - 1;
      while (i >= 0 && ((key[words[i]] & mw[i]) >>> 0) === packed[b + i]) i--;
      if (i < 0 && f.dpInPort === dpInPort && f.tpid === tpid) return f;
    }
    return null;
  }

  insert(f: Megaflow): void {
    f.hash = this.hashAt(f.words, MF_KEY, f.tpid);
    if (this.count + 1 > this.heads.length) this.grow();
    const slot = this.free.length > 0 ? this.free.pop()! : this.used++;
    if (slot >= this.flows.length) this.growSlots();
    this.flows[slot] = f;
    this.hashes[slot] = f.hash;
    const n = this.words.length;
    for (let i = 0; i < n; i++) this.packed[slot * n + i] = f.words[MF_KEY + this.words[i]];
    const b = f.hash & (this.heads.length - 1);
    this.next[slot] = this.heads[b];
    this.heads[b] = slot;
    this.count++;
  }

  remove(f: Megaflow): boolean {
    const b = f.hash & (this.heads.length - 1);
    let prev = -1;
    for (let s = this.heads[b]; s >= 0; prev = s, s = this.next[s]) {
      if (this.flows[s] !== f) continue;
      if (prev < 0) this.heads[b] = this.next[s];
      else this.next[prev] = this.next[s];
      this.flows[s] = null;
      this.free.push(s);
      this.count--;
      return true;
    }
    return false;
  }

  *megaflows(): IterableIterator<Megaflow> {
    for (const f of this.flows) if (f !== null) yield f;
  }

  get memoryBytes(): number {
    return this.heads.byteLength + this.next.byteLength + this.hashes.byteLength + this.packed.byteLength + this.flows.length * 8;
  }

  private growSlots(): void {
    const cap = this.flows.length * 2;
    const next = new Int32Array(cap);
    next.set(this.next);
    this.next = next;
    const hashes = new Int32Array(cap);
    hashes.set(this.hashes);
    this.hashes = hashes;
    const packed = new Uint32Array(cap * Math.max(1, this.words.length));
    packed.set(this.packed);
    this.packed = packed;
    const flows = new Array<Megaflow | null>(cap).fill(null);
    for (let i = 0; i < this.flows.length; i++) flows[i] = this.flows[i];
    this.flows = flows;
  }

  /** Doubles the bucket array and rechains every flow. */
  private grow(): void {
    const heads = new Int32Array(this.heads.length * 2).fill(-1);
    for (let s = 0; s < this.used; s++) {
      const f = this.flows[s];
      if (f === null) continue;
      const b = f.hash & (heads.length - 1);
      this.next[s] = heads[b];
      heads[b] = s;
    }
    this.heads = heads;
  }
}

/** A hash of a whole mask, naming its subtable (equal masks hash alike; `sameMask` settles collisions). */
function maskHash(words: Uint32Array, at: number): number {
  let h = HASH_SEED;
  for (let i = 0; i < KEY_WORDS; i++) if (words[at + i] !== 0) h = fold(fold(h, i), words[at + i]);
  return finishHash(h);
}

/** Whether mask `a` equals the mask at offset `at` of `b`. */
function sameMask(a: Uint32Array, b: Uint32Array, at: number): boolean {
  for (let i = 0; i < KEY_WORDS; i++) if (a[i] !== b[at + i]) return false;
  return true;
}

export class Dpcls {
  /** Subtables by mask hash (a list: distinct masks may share a hash). */
  private readonly byMask = new Map<number, Subtable[]>();
  /** Visit order: by hits since the last sort. */
  private ranked: Subtable[] = [];
  /** Subtables visited by the last `lookup` (for the "subtable lookups per hit" statistic). */
  lastProbes = 0;
  count = 0;

  get subtableCount(): number {
    return this.ranked.length;
  }

  get subtables(): readonly Subtable[] {
    return this.ranked;
  }

  lookup(key: Uint32Array, dpInPort: number, tpid: number): Megaflow | null {
    const ranked = this.ranked;
    for (let i = 0; i < ranked.length; i++) {
      const st = ranked[i];
      const f = st.find(key, dpInPort, tpid);
      if (f !== null) {
        st.hits++;
        this.lastProbes = i + 1;
        return f;
      }
    }
    this.lastProbes = ranked.length;
    return null;
  }

  insert(f: Megaflow): void {
    if (f.maskHash === 0) f.maskHash = maskHash(f.words, MF_MASK) || 1;
    let st = this.subtableOf(f);
    if (st === undefined) {
      st = new Subtable(f.mask);
      const list = this.byMask.get(f.maskHash);
      if (list === undefined) this.byMask.set(f.maskHash, [st]);
      else list.push(st);
      this.ranked.push(st);
    }
    st.insert(f);
    this.count++;
  }

  remove(f: Megaflow): boolean {
    if (f.maskHash === 0) f.maskHash = maskHash(f.words, MF_MASK) || 1;
    const st = this.subtableOf(f);
    if (st === undefined || !st.remove(f)) return false;
    this.count--;
    if (st.count === 0) {
      const list = this.byMask.get(f.maskHash)!;
      if (list.length === 1) this.byMask.delete(f.maskHash);
      else list.splice(list.indexOf(st), 1);
      this.ranked = this.ranked.filter((s) => s !== st);
    }
    return true;
  }

  private subtableOf(f: Megaflow): Subtable | undefined {
    const list = this.byMask.get(f.maskHash);
    if (list === undefined) return undefined;
    for (const st of list) if (sameMask(st.mask, f.words, MF_MASK)) return st;
    return undefined;
  }

  /** dpcls_sort_subtable_vector: most hits first, then restart the counts. */
  sortSubtables(): void {
    this.ranked.sort((a, b) => b.hits - a.hits);
    for (const st of this.ranked) st.hits = 0;
  }

  get memoryBytes(): number {
    let n = 0;
    for (const st of this.ranked) n += st.memoryBytes + st.mask.byteLength;
    return n;
  }
}
