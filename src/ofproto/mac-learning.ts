/**
 * NORMAL's MAC learning table (OVS lib/mac-learning.c).
 *
 * Entries map (MAC, VLAN) to the OpenFlow port a frame with that source was last seen on. Time is in whole seconds,
 * as OVS keeps it (time_now()): an entry learned or refreshed at second t expires at t + idle_time, and is gone once
 * the clock reaches that second. idle_time is `mac-aging-time` clamped to 15..3600 s (default 300). When the table is
 * full (`mac-table-size`, default 8192) the least recently refreshed entry of the port with the most entries is evicted
 * (OVS's "fair" eviction). Multicast sources are never learned, multicast destinations never looked up.
 *
 * A gratuitous ARP sets a 5-second lock on its entry; OVS consults the lock only for bonded ports, which flowlab does
 * not model, so here it is bookkeeping that `fdb/show`-style dumps can report.
 *
 * `generation` changes with every change that could alter a NORMAL translation (new entry, port move, expiry), so
 * megaflows that depended on the table can be revalidated.
 *
 * Storage is an open-addressing hash table over typed arrays, keyed exactly by (VLAN, high 16 bits of the MAC, low
 * 32 bits of the MAC): a lookup or refresh is integer arithmetic and array reads, with no Map and no boxed number per
 * call. Linear probing, at most half full (it doubles past that), and deletion by backward shift, so there are no
 * tombstones and a probe stops at the first empty slot. Each entry also keeps its creation order, which dumps and
 * fair eviction use to stay deterministic.
 */

export const MAC_DEFAULT_AGING_S = 300;
export const MAC_DEFAULT_MAX = 8192;
const GRAT_ARP_LOCK_S = 5;

export function isMulticastMac(mac: number): boolean {
  return Math.floor(mac / 2 ** 40) % 2 === 1;
}

const MIN_SLOTS = 64;
const TWO_32 = 4294967296;

export class MacLearningTable {
  private count = 0;
  private lruSeq = 0;
  private createSeq = 0;
  readonly idleTimeS: number;
  readonly maxEntries: number;
  generation = 0;

  private mask = MIN_SLOTS - 1;
  private used = new Uint8Array(MIN_SLOTS);
  /** Home slot hash of each entry (for backward-shift deletion and growth). */
  private hashes = new Int32Array(MIN_SLOTS);
  private vlans = new Int32Array(MIN_SLOTS);
  private macHi = new Int32Array(MIN_SLOTS);
  private macLo = new Int32Array(MIN_SLOTS);
  private ports = new Float64Array(MIN_SLOTS);
  /** Second at which the entry expires. */
  private expiresS = new Float64Array(MIN_SLOTS);
  private gratLockS = new Float64Array(MIN_SLOTS);
  /** Refresh order (LRU eviction) and creation order (dumps, eviction ties). */
  private lru = new Float64Array(MIN_SLOTS);
  private created = new Float64Array(MIN_SLOTS);

  constructor(agingTimeS = MAC_DEFAULT_AGING_S, maxEntries = MAC_DEFAULT_MAX) {
    this.idleTimeS = agingTimeS < 15 ? 15 : agingTimeS > 3600 ? 3600 : agingTimeS;
    this.maxEntries = maxEntries;
  }

  get size(): number {
    return this.count;
  }

  /** The slot holding (mac, vlan), or -1. */
  private find(hi: number, lo: number, vlan: number): number {
    const mask = this.mask;
    const used = this.used;
    for (let s = hashOf(hi, lo, vlan) & mask; used[s] !== 0; s = (s + 1) & mask) {
      if (this.macLo[s] === lo && this.macHi[s] === hi && this.vlans[s] === vlan) return s;
    }
    return -1;
  }

  /** The port `mac` was learned on in `vlan`, or undefined (expired entries count as absent). */
  lookup(mac: number, vlan: number, nowMs: number): number | undefined {
    if (isMulticastMac(mac)) return undefined;
    const lo = mac % TWO_32;
    const s = this.find((mac - lo) / TWO_32, lo | 0, vlan);
    if (s < 0 || Math.floor(nowMs / 1000) >= this.expiresS[s]) return undefined;
    return this.ports[s];
  }

  /**
   * Learns that `mac` in `vlan` is on `port` (mac_learning_update). Returns true if the port association changed
   * (new entry or move), which is what invalidates cached translations.
   */
  learn(mac: number, vlan: number, port: number, isGratuitousArp: boolean, nowMs: number): boolean {
    if (isMulticastMac(mac)) return false;
    const nowS = Math.floor(nowMs / 1000);
    const lo32 = mac % TWO_32;
    const hi = (mac - lo32) / TWO_32;
    const lo = lo32 | 0;
    let s = this.find(hi, lo, vlan);
    if (s >= 0 && nowS >= this.expiresS[s]) {
      this.removeSlot(s);
      s = -1;
    }
    let changed = false;
    if (s < 0) {
      if (this.count >= this.maxEntries) this.evictFairly();
      s = this.insert(hi, lo, vlan);
      this.ports[s] = port;
      this.gratLockS[s] = -Infinity;
      this.created[s] = ++this.createSeq;
      changed = true;
    } else if (this.ports[s] !== port) {
      this.ports[s] = port;
      changed = true;
    }
    this.expiresS[s] = nowS + this.idleTimeS;
    this.lru[s] = ++this.lruSeq;
    if (isGratuitousArp) this.gratLockS[s] = nowS + GRAT_ARP_LOCK_S;
    if (changed) this.generation++;
    return changed;
  }

  /** Drops entries whose time has come (mac_learning_run). Returns how many went. */
  expire(nowMs: number): number {
    if (this.count === 0) return 0;
    const nowS = Math.floor(nowMs / 1000);
    const used = this.used;
    const expiresS = this.expiresS;
    // Expiry runs before every replayed packet: a scan that finds nothing changes nothing.
    let n = 0;
    for (let s = 0; s <= this.mask; s++) if (used[s] !== 0 && nowS >= expiresS[s]) n++;
    if (n === 0) return 0;
    // A removal shifts later entries of the cluster back into the hole: look at the same slot again.
    for (let s = 0; s <= this.mask; s++) {
      while (used[s] !== 0 && nowS >= expiresS[s]) this.removeSlot(s);
    }
    this.generation++;
    return n;
  }

  /** Forgets everything learned on `port` (port deleted or reconfigured). */
  flushPort(port: number): void {
    for (let s = 0; s <= this.mask; s++) {
      while (this.used[s] !== 0 && this.ports[s] === port) this.removeSlot(s);
    }
    this.generation++;
  }

  flush(): void {
    this.used.fill(0);
    this.count = 0;
    this.generation++;
  }

  /** Live entries, for fdb/show: port, VLAN, MAC, age in seconds (in the order they were created). */
  dump(nowMs: number): { port: number; vlan: number; mac: number; ageS: number }[] {
    const nowS = Math.floor(nowMs / 1000);
    const slots: number[] = [];
    for (let s = 0; s <= this.mask; s++) if (this.used[s] !== 0 && nowS < this.expiresS[s]) slots.push(s);
    slots.sort((a, b) => this.created[a] - this.created[b]);
    return slots.map((s) => ({
      port: this.ports[s],
      vlan: this.vlans[s],
      mac: this.macOf(s),
      ageS: this.idleTimeS - (this.expiresS[s] - nowS),
    }));
  }

  private macOf(s: number): number {
    return this.macHi[s] * TWO_32 + (this.macLo[s] >>> 0);
  }

  private insert(hi: number, lo: number, vlan: number): number {
    if ((this.count + 1) * 2 > this.mask + 1) this.grow();
    const h = hashOf(hi, lo, vlan);
    const mask = this.mask;
    let s = h & mask;
    while (this.used[s] !== 0) s = (s + 1) & mask;
    this.used[s] = 1;
    this.hashes[s] = h;
    this.vlans[s] = vlan;
    this.macHi[s] = hi;
    this.macLo[s] = lo;
    this.count++;
    return s;
  }

  /** Deletes slot `hole` by backward shift: entries after it in its cluster that may live there move back. */
  private removeSlot(hole: number): void {
    const mask = this.mask;
    this.used[hole] = 0;
    this.count--;
    for (let j = (hole + 1) & mask; this.used[j] !== 0; j = (j + 1) & mask) {
      const home = this.hashes[j] & mask;
      // j's entry may move to the hole when its home is not cyclically within (hole, j].
      const inRange = hole <= j ? home > hole && home <= j : home > hole || home <= j;
      if (inRange) continue;
      this.moveSlot(j, hole);
      hole = j;
    }
  }

  private moveSlot(from: number, to: number): void {
    this.used[to] = 1;
    this.hashes[to] = this.hashes[from];
    this.vlans[to] = this.vlans[from];
    this.macHi[to] = this.macHi[from];
    this.macLo[to] = this.macLo[from];
    this.ports[to] = this.ports[from];
    this.expiresS[to] = this.expiresS[from];
    this.gratLockS[to] = this.gratLockS[from];
    this.lru[to] = this.lru[from];
    this.created[to] = this.created[from];
    this.used[from] = 0;
  }

  private grow(): void {
    const old = {
      used: this.used,
      hashes: this.hashes,
      vlans: this.vlans,
      macHi: this.macHi,
      macLo: this.macLo,
      ports: this.ports,
      expiresS: this.expiresS,
      gratLockS: this.gratLockS,
      lru: this.lru,
      created: this.created,
    };
    const n = (this.mask + 1) * 2;
    this.mask = n - 1;
    this.used = new Uint8Array(n);
    this.hashes = new Int32Array(n);
    this.vlans = new Int32Array(n);
    this.macHi = new Int32Array(n);
    this.macLo = new Int32Array(n);
    this.ports = new Float64Array(n);
    this.expiresS = new Float64Array(n);
    this.gratLockS = new Float64Array(n);
    this.lru = new Float64Array(n);
    this.created = new Float64Array(n);
    for (let o = 0; o < old.used.length; o++) {
      if (old.used[o] === 0) continue;
      let s = old.hashes[o] & this.mask;
      while (this.used[s] !== 0) s = (s + 1) & this.mask;
      this.used[s] = 1;
      this.hashes[s] = old.hashes[o];
      this.vlans[s] = old.vlans[o];
      this.macHi[s] = old.macHi[o];
      this.macLo[s] = old.macLo[o];
      this.ports[s] = old.ports[o];
      this.expiresS[s] = old.expiresS[o];
      this.gratLockS[s] = old.gratLockS[o];
      this.lru[s] = old.lru[o];
      this.created[s] = old.created[o];
    }
  }

  /** Evicts the least recently refreshed entry of the port with the most entries (ties: the port seen first). */
  private evictFairly(): void {
    const slots: number[] = [];
    for (let s = 0; s <= this.mask; s++) if (this.used[s] !== 0) slots.push(s);
    slots.sort((a, b) => this.created[a] - this.created[b]);
    const perPort = new Map<number, number[]>();
    for (const s of slots) {
      const p = this.ports[s];
      let l = perPort.get(p);
      if (!l) perPort.set(p, (l = []));
      l.push(s);
    }
    let victims: number[] = [];
    for (const l of perPort.values()) if (l.length > victims.length) victims = l;
    let oldest = -1;
    for (const s of victims) if (oldest < 0 || this.lru[s] < this.lru[oldest]) oldest = s;
    if (oldest >= 0) this.removeSlot(oldest);
  }
}

function hashOf(hi: number, lo: number, vlan: number): number {
  let h = Math.imul(lo ^ 0x5bd1e995, 0x9e3779b1);
  h = Math.imul(h ^ (h >>> 15) ^ hi ^ (vlan << 16), 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}
