/**
 * Connection limits per zone (OVS 3.1 zone_limit_* in lib/conntrack.c, set by `dpctl/ct-set-limits`).
 *
 * A zone may have its own limit; a zone without one falls back to the default limit, if one was set. OVS 3.1's
 * userspace datapath has quirks we keep: the default limit is one shared counter (every zone without its own limit
 * counts against the same `default` entry), and a limit of 0 admits nothing. A new connection is refused (the
 * packet stays +new, nothing is committed) when its entry's count has reached the limit. A connection remembers which
 * entry admitted it and that entry's generation, so deleting and re-creating a limit does not decrement the new
 * counter when old connections go.
 *
 * Storage: three words per zone, and one more triple for the default, in the shared table (table.ts): generation + 1
 * (0 = no limit set), limit, count.
 */

import { H_ZL_SEQ, ZONE_DEFAULT_INDEX, type ConnTable } from './table.js';

/** The zone-limit index of the default limit (OVS's DEFAULT_ZONE = -1). */
export const DEFAULT_ZONE = -1;
/** "Not admitted under any limit" (OVS's INVALID_ZONE). */
export const NO_ZONE = -2;

export interface ZoneLimitInfo {
  readonly zone: number;
  readonly limit: number;
  readonly count: number;
}

export class ZoneLimits {
  constructor(private readonly table: ConnTable) {}

  private base(idx: number): number {
    return this.table.zoneBase + 3 * idx;
  }

  private index(zone: number): number {
    return zone === DEFAULT_ZONE ? ZONE_DEFAULT_INDEX : zone;
  }

  exists(zone: number): boolean {
    return Atomics.load(this.table.i32, this.base(this.index(zone))) !== 0;
  }

  /** The zone's own entry, else the default entry, else NO_ZONE: the entry a new connection counts against. */
  admittingZone(zone: number): number {
    if (this.exists(zone)) return zone;
    if (this.exists(DEFAULT_ZONE)) return DEFAULT_ZONE;
    return NO_ZONE;
  }

  /** True when the entry's count has reached its limit. */
  full(entry: number): boolean {
    const b = this.base(this.index(entry));
    return Atomics.load(this.table.i32, b + 2) >>> 0 >= Atomics.load(this.table.i32, b + 1) >>> 0;
  }

  /** Counts a connection against `entry`; returns the entry's generation to store with the connection. */
  admit(entry: number): number {
    const b = this.base(this.index(entry));
    Atomics.add(this.table.i32, b + 2, 1);
    return Atomics.load(this.table.i32, b) - 1;
  }

  /** A connection admitted under (entry, generation) went away. */
  release(entry: number, generation: number): void {
    if (entry === NO_ZONE) return;
    const b = this.base(this.index(entry));
    if (Atomics.load(this.table.i32, b) - 1 === generation) Atomics.sub(this.table.i32, b + 2, 1);
  }

  /** zone_limit_update: sets the limit, creating the entry (count 0) if needed. zone DEFAULT_ZONE = default. */
  set(zone: number, limit: number): void {
    const i32 = this.table.i32;
    const b = this.base(this.index(zone));
    if (Atomics.load(i32, b) === 0) {
      const gen = Atomics.add(i32, H_ZL_SEQ, 1);
      Atomics.store(i32, b + 1, limit | 0);
      Atomics.store(i32, b + 2, 0);
      Atomics.store(i32, b, gen + 1);
    } else {
      Atomics.store(i32, b + 1, limit | 0);
    }
  }

  /** zone_limit_delete. */
  delete(zone: number): void {
    const b = this.base(this.index(zone));
    Atomics.store(this.table.i32, b, 0);
    Atomics.store(this.table.i32, b + 2, 0);
  }

  private info(zone: number): ZoneLimitInfo {
    const b = this.base(this.index(zone));
    const i32 = this.table.i32;
    return { zone, limit: i32[b + 1] >>> 0, count: i32[b + 2] >>> 0 };
  }

  /** The default limit (0 when none was set, as OVS reports it). */
  defaultLimit(): number {
    return this.exists(DEFAULT_ZONE) ? this.info(DEFAULT_ZONE).limit : 0;
  }

  /**
   * dpctl/ct-get-limits: for the zones asked, each zone's own entry or the default's (limit and count); without a
   * query, every zone that has its own limit.
   */
  get(query?: readonly number[]): ZoneLimitInfo[] {
    const out: ZoneLimitInfo[] = [];
    if (query !== undefined && query.length > 0) {
      for (const z of query) {
        const e = this.admittingZone(z);
        if (e === NO_ZONE) out.push({ zone: z, limit: 0, count: 0 });
        else {
          const i = this.info(e);
          out.push({ zone: z, limit: i.limit, count: i.count });
        }
      }
    } else {
      for (let z = 0; z <= 0xffff; z++) if (this.exists(z)) out.push(this.info(z));
    }
    return out;
  }
}

/** `ct_dpif_format_zone_limits`: "default limit=N" then one "zone=Z,limit=L,count=C" line per entry. */
export function formatZoneLimits(defaultLimit: number, zones: readonly ZoneLimitInfo[]): string {
  let s = `default limit=${defaultLimit}`;
  for (const z of zones) s += `\nzone=${z.zone},limit=${z.limit},count=${z.count}`;
  return s;
}
