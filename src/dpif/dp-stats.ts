/**
 * Datapath cache statistics and their two OVS-style reports.
 *
 * Counters are per datapath pass (a recirculated packet passes again, and OVS counts each pass as a lookup):
 *   - `dpctl/show`: lookups hit (any cache) / missed (upcalls) / lost (upcalls that failed) and the number of
 *     megaflows (a userspace datapath has no `masks:` line; subtable probes show in pmd-stats-show instead);
 *   - `dpif-netdev/pmd-stats-show`: EMC hits, SMC hits, megaflow (dpcls) hits, average subtables probed per megaflow
 *     hit, upcalls that succeeded and failed, and, when the caller measured it, time per packet.
 * Counters are plain numbers bumped on the fast path; the reports are built on demand.
 */

export class DpStats {
  /** Datapath passes (packets + recirculations). */
  passes = 0;
  /** Passes that were recirculations. */
  recirculations = 0;
  emcHits = 0;
  smcHits = 0;
  /** dpcls hits (after EMC and SMC missed). */
  megaflowHits = 0;
  /** Subtables probed by the dpcls lookups that hit. */
  subtableProbesOnHit = 0;
  /** Subtables probed by every dpcls lookup, hit or miss. */
  subtableProbes = 0;
  /** Misses handed to xlate (OVS: miss with success upcall). */
  upcalls = 0;
  /** Misses whose translation failed (OVS: miss with failed upcall; dpctl/show "lost"). */
  lost = 0;
  /** Megaflows installed. */
  installed = 0;
  /** Upcalls that could not install because the flow limit was reached. */
  flowLimitHits = 0;
  /** Hits on slow-path megaflows (translated again per packet). */
  slowPathHits = 0;
  /** Megaflows translated again by the revalidator, and what came of it. */
  revalidated = 0;
  modified = 0;
  deletedStale = 0;
  deletedIdle = 0;
  deletedLimit = 0;
  /** Nanoseconds spent in the datapath, when the caller measures (0 = not measured). */
  busyNs = 0;

  get hits(): number {
    return this.emcHits + this.smcHits + this.megaflowHits;
  }

  reset(): void {
    for (const k of Object.keys(this) as (keyof DpStats)[]) {
      if (typeof this[k] === 'number') (this as unknown as Record<string, number>)[k] = 0;
    }
  }
}

export interface DpShowPort {
  readonly dpPort: number;
  readonly name: string;
  /** What dpctl/show prints in parentheses: dummy, dummy-internal, `vxlan: packet_type=ptap`, ... */
  readonly type: string;
}

/**
 * dpctl/show for the one userspace datapath, as OVS 3.1 prints a dummy datapath: no `masks:` line (dpif-netdev
 * reports no mask statistics, so dpctl leaves the line out), port 0 is the datapath's own `ovs-dummy`, then the
 * ports in number order. A failed upcall (no tunnel port, unknown recirculation id) counts as lost only, not
 * also as missed (dpif-netdev's fast_path_processing).
 */
export function formatDpctlShow(stats: DpStats, flows: number, ports: readonly DpShowPort[]): string {
  let s = 'dummy@ovs-dummy:\n';
  s += `  lookups: hit:${stats.hits} missed:${stats.upcalls} lost:${stats.lost}\n`;
  s += `  flows: ${flows}\n`;
  s += '  port 0: ovs-dummy (dummy-internal)\n';
  for (const p of [...ports].sort((a, b) => a.dpPort - b.dpPort)) s += `  port ${p.dpPort}: ${p.name} (${p.type})\n`;
  return s;
}

/** dpif-netdev/pmd-stats-show, for the one (main-thread) "PMD". */
export function formatPmdStats(stats: DpStats): string {
  const packets = stats.passes - stats.recirculations;
  const perHit = stats.megaflowHits === 0 ? 0 : stats.subtableProbesOnHit / stats.megaflowHits;
  let s = 'main thread:\n';
  s += `  packets received: ${packets}\n`;
  s += `  packet recirculations: ${stats.recirculations}\n`;
  s += `  avg. datapath passes per packet: ${(packets === 0 ? 0 : stats.passes / packets).toFixed(2)}\n`;
  s += `  emc hits: ${stats.emcHits}\n`;
  s += `  smc hits: ${stats.smcHits}\n`;
  s += `  megaflow hits: ${stats.megaflowHits}\n`;
  s += `  avg. subtable lookups per megaflow hit: ${perHit.toFixed(2)}\n`;
  s += `  miss with success upcall: ${stats.upcalls}\n`;
  s += `  miss with failed upcall: ${stats.lost}\n`;
  s += `  megaflows installed: ${stats.installed} (flow limit refused ${stats.flowLimitHits})\n`;
  s += `  revalidated: ${stats.revalidated} (modified ${stats.modified}, deleted ${stats.deletedStale}; idle-expired ${stats.deletedIdle}, limit-killed ${stats.deletedLimit})\n`;
  if (stats.busyNs > 0 && stats.passes > 0) s += `  avg processing ns per packet: ${(stats.busyNs / stats.passes).toFixed(1)}\n`;
  return s;
}
