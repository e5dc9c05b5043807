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
 * Storage is two-level: VLAN -> Map per VLAN (created on first use), keyed by the 48-bit MAC as a number. A 48-bit MAC
 * is exact in a double, and keeping the VLAN out of the key means no packing (mac * 4096 + vlan needs 60 bits, which
 * a double cannot hold exactly once the MAC reaches 2^41: VLANs then collide) and no string keys per packet.
 */

export const MAC_DEFAULT_AGING_S = 300;
export const MAC_DEFAULT_MAX = 8192;
const GRAT_ARP_LOCK_S = 5;

export interface MacEntry {
  /** 48-bit MAC as a number (exact in a double). */
  readonly mac: number;
  readonly vlan: number;
  port: number;
  /** Second at which the entry expires. */
  expiresS: number;
  gratArpLockUntilS: number;
  /** Refresh order, for LRU eviction. */
  lru: number;
}

export function isMulticastMac(mac: number): boolean {
  return Math.floor(mac / 2 ** 40) % 2 === 1;
}

export class MacLearningTable {
  /** VLAN -> (MAC -> entry in that VLAN); only VLANs something was learned in. */
  private readonly byVlan = new Map<number, Map<number, MacEntry>>();
  private count = 0;
  private lruSeq = 0;
  readonly idleTimeS: number;
  readonly maxEntries: number;
  generation = 0;

  constructor(agingTimeS = MAC_DEFAULT_AGING_S, maxEntries = MAC_DEFAULT_MAX) {
    this.idleTimeS = agingTimeS < 15 ? 15 : agingTimeS > 3600 ? 3600 : agingTimeS;
    this.maxEntries = maxEntries;
  }

  get size(): number {
    return this.count;
  }

  private vlanMap(vlan: number): Map<number, MacEntry> {
    let m = this.byVlan.get(vlan);
    if (!m) this.byVlan.set(vlan, (m = new Map<number, MacEntry>()));
    return m;
  }

  private remove(e: MacEntry): void {
    if (this.byVlan.get(e.vlan)?.delete(e.mac)) this.count--;
  }

  /** Every stored entry, expired ones included (not for the per-packet path). */
  private *allEntries(): IterableIterator<MacEntry> {
    for (const m of this.byVlan.values()) yield* m.values();
  }

  /** The port `mac` was learned on in `vlan`, or undefined (expired entries count as absent). */
  lookup(mac: number, vlan: number, nowMs: number): number | undefined {
    if (isMulticastMac(mac)) return undefined;
    const e = this.byVlan.get(vlan)?.get(mac);
    if (!e || Math.floor(nowMs / 1000) >= e.expiresS) return undefined;
    return e.port;
  }

  /**
   * Learns that `mac` in `vlan` is on `port` (mac_learning_update). Returns true if the port association changed
   * (new entry or move), which is what invalidates cached translations.
   */
  learn(mac: number, vlan: number, port: number, isGratuitousArp: boolean, nowMs: number): boolean {
    if (isMulticastMac(mac)) return false;
    const nowS = Math.floor(nowMs / 1000);
    const inVlan = this.vlanMap(vlan);
    let e = inVlan.get(mac);
    if (e && nowS >= e.expiresS) {
      this.remove(e);
      e = undefined;
    }
    let changed = false;
    if (!e) {
      if (this.count >= this.maxEntries) this.evictFairly();
      e = { mac, vlan, port, expiresS: 0, gratArpLockUntilS: -Infinity, lru: 0 };
      inVlan.set(mac, e);
      this.count++;
      changed = true;
    } else if (e.port !== port) {
      e.port = port;
      changed = true;
    }
    e.expiresS = nowS + this.idleTimeS;
    e.lru = ++this.lruSeq;
    if (isGratuitousArp) e.gratArpLockUntilS = nowS + GRAT_ARP_LOCK_S;
    if (changed) this.generation++;
    return changed;
  }

  /** Drops entries whose time has come (mac_learning_run). Returns how many went. */
  expire(nowMs: number): number {
    const nowS = Math.floor(nowMs / 1000);
    let n = 0;
    // Deleting the entry just visited is safe while iterating a Map.
    for (const m of this.byVlan.values()) {
      for (const e of m.values()) {
        if (nowS >= e.expiresS) {
          m.delete(e.mac);
          n++;
        }
      }
    }
    this.count -= n;
    if (n) this.generation++;
    return n;
  }

  /** Forgets everything learned on `port` (port deleted or reconfigured). */
  flushPort(port: number): void {
    for (const e of this.allEntries()) if (e.port === port) this.remove(e);
    this.generation++;
  }

  flush(): void {
    this.byVlan.clear();
    this.count = 0;
    this.generation++;
  }

  /** Live entries, for fdb/show: port, VLAN, MAC, age in seconds. */
  dump(nowMs: number): { port: number; vlan: number; mac: number; ageS: number }[] {
    const nowS = Math.floor(nowMs / 1000);
    const out: { port: number; vlan: number; mac: number; ageS: number }[] = [];
    for (const e of this.allEntries()) {
      if (nowS >= e.expiresS) continue;
      out.push({ port: e.port, vlan: e.vlan, mac: e.mac, ageS: this.idleTimeS - (e.expiresS - nowS) });
    }
    return out;
  }

  private evictFairly(): void {
    const perPort = new Map<number, MacEntry[]>();
    for (const e of this.allEntries()) {
      let l = perPort.get(e.port);
      if (!l) perPort.set(e.port, (l = []));
      l.push(e);
    }
    let victims: MacEntry[] = [];
    for (const l of perPort.values()) if (l.length > victims.length) victims = l;
    let oldest: MacEntry | undefined;
    for (const e of victims) if (!oldest || e.lru < oldest.lru) oldest = e;
    if (oldest) this.remove(oldest);
  }
}
