/**
 * The revalidator: keeps installed megaflows true to the current OpenFlow and MAC-learning state, and expires idle
 * ones (OVS's revalidator threads, ofproto/ofproto-dpif-upcall.c revalidate / revalidate_ukey__).
 *
 * When. OVS revalidates asynchronously, a few hundred milliseconds after a change, so a packet can follow a stale
 * megaflow in between. Here revalidation is synchronous and happens before the next datapath pass after any change:
 * `run()` is called at the start of every pass, compares the generation counters of the switch (bridges, ports),
 * of every bridge's flow tables (flow add/modify/delete, rule timeouts, learn) and MAC table (learning, moves,
 * aging) and ports with what it saw last, and when one moved revalidates the megaflows that depend on it before the
 * packet is looked up. A packet therefore never follows a stale action. When nothing changed the check is a handful
 * of integer comparisons.
 *
 * Which megaflows. A change in bridge B's tables or ports concerns the megaflows whose translation could have visited
 * B (megaflow.visited); a change in B's MAC table only those whose translation ran NORMAL in B
 * (megaflow.normalBridges); a switch-level change (bridges or ports added) all of them. Megaflows installed narrower
 * than their translation (upcall.ts: ND fields the datapath key could not carry) are revalidated, and so deleted, by
 * any change: OVS revalidates every megaflow whenever anything changed, and this is where that shows.
 *
 * How (revalidate_ukey__). The megaflow's original packet key is translated again:
 *   - the translation failed                         -> delete;
 *   - the new wildcards need a bit the megaflow's mask
 *     leaves out (the megaflow is now too wide)       -> delete;
 *   - the actions differ                             -> modify in place (key and mask stay; EMC entries follow);
 *   - otherwise                                      -> keep, with the new side effects (a rule may have been
 *                                                       replaced by an equal one: stats must go to the new one).
 * The re-translation's own side effects are not committed: hits commit theirs when their stats are pushed. Pending
 * hit stats are pushed before any revalidation or sweep (as OVS's revalidator pushes a flow's stats when it dumps
 * it): so they reach the side effects the hits were translated with, a deleted megaflow's last stats are not lost,
 * and changes the push itself makes (a MAC entry refreshed back into existence) are seen by this revalidation.
 *
 * Idle expiry and the flow limit (revalidate's sweep), every `intervalMs` of clock time (OVS max-revalidator,
 * 500 ms): a megaflow unused (or, if never hit, created) more than max-idle ago (default 10 s) is deleted; when
 * there are more megaflows than the flow limit, max-idle drops to 100 ms, and past twice the limit every megaflow
 * goes. OVS also adapts its limit to how long a dump takes; this datapath does not dump, so the limit is the
 * configured one.
 */

import type { Bridge } from '../ofproto/bridge.js';
import type { Switch } from '../ofproto/switch.js';
import type { DpStats } from './dp-stats.js';
import { dpActionsEqual, type HitAccounting, type Megaflow } from './megaflow.js';
import type { MegaflowTable } from './megaflow-table.js';
import { hasExtraBits, type Upcaller } from './upcall.js';

/** OVS's other_config:max-idle default (ms). */
export const DEFAULT_MAX_IDLE_MS = 10_000;
/** OVS's other_config:max-revalidator default (ms): how often the sweep runs. */
export const DEFAULT_REVALIDATOR_INTERVAL_MS = 500;
/** max-idle while the datapath holds more megaflows than the flow limit. */
const OVER_LIMIT_MAX_IDLE_MS = 100;

export type RevalidateResult = 'keep' | 'modify' | 'delete';

export class Revalidator {
  maxIdleMs: number;
  intervalMs: number;
  private bridges: Bridge[] = [];
  private swGeneration = -1;
  private flowGen = new Float64Array(0);
  private macGen = new Float64Array(0);
  private portGen = new Float64Array(0);
  private lastSweepMs = -Infinity;

  constructor(
    private readonly sw: Switch,
    private readonly table: MegaflowTable,
    private readonly stats: DpStats,
    private readonly upcaller: Upcaller,
    private readonly accounting: HitAccounting,
    maxIdleMs = DEFAULT_MAX_IDLE_MS,
    intervalMs = DEFAULT_REVALIDATOR_INTERVAL_MS,
  ) {
    this.maxIdleMs = maxIdleMs;
    this.intervalMs = intervalMs;
  }

  /** Called before every datapath pass: revalidate what changed, sweep when due. */
  run(nowMs: number): void {
    if (this.changed()) {
      if (this.accounting.hasPending) this.accounting.push();
      this.revalidateChanged(nowMs);
    }
    if (nowMs - this.lastSweepMs >= this.intervalMs) this.sweep(nowMs);
  }

  /** Whether any generation moved since the last revalidation (no allocation). */
  private changed(): boolean {
    if (this.sw.generation !== this.swGeneration) return true;
    const bs = this.bridges;
    for (let i = 0; i < bs.length; i++) {
      const b = bs[i];
      if (b.flows.generation !== this.flowGen[i] || b.macTable.generation !== this.macGen[i] || b.portGeneration !== this.portGen[i]) return true;
    }
    return false;
  }

  private revalidateChanged(nowMs: number): void {
    let all = false;
    const flows = new Set<Bridge>();
    const macs = new Set<Bridge>();
    if (this.sw.generation !== this.swGeneration) {
      all = true;
    } else {
      this.bridges.forEach((b, i) => {
        if (b.flows.generation !== this.flowGen[i] || b.portGeneration !== this.portGen[i]) flows.add(b);
        if (b.macTable.generation !== this.macGen[i]) macs.add(b);
        if (b.portGeneration !== this.portGen[i]) this.upcaller.forgetReach();
      });
    }
    if (all) this.upcaller.forgetReach();
    this.snapshot();
    for (const mf of this.table.all()) {
      if (all || this.upcaller.isNarrowed(mf) || mf.visited.some((b) => flows.has(b)) || mf.normalBridges.some((b) => macs.has(b))) {
        this.revalidate(mf, nowMs);
      }
    }
  }

  /** Records the current generations. */
  private snapshot(): void {
    this.swGeneration = this.sw.generation;
    this.bridges = [...this.sw.bridges];
    const n = this.bridges.length;
    this.flowGen = new Float64Array(n);
    this.macGen = new Float64Array(n);
    this.portGen = new Float64Array(n);
    this.bridges.forEach((b, i) => {
      this.flowGen[i] = b.flows.generation;
      this.macGen[i] = b.macTable.generation;
      this.portGen[i] = b.portGeneration;
    });
  }

  /** Every megaflow, now (e.g. after a configuration change made behind the generations' back). */
  revalidateAll(nowMs: number): void {
    if (this.accounting.hasPending) this.accounting.push();
    this.snapshot();
    this.upcaller.forgetReach();
    for (const mf of this.table.all()) this.revalidate(mf, nowMs);
  }

  /** revalidate_ukey__ for one megaflow. */
  revalidate(mf: Megaflow, nowMs: number): RevalidateResult {
    this.stats.revalidated++;
    const bridge = this.ingressBridge(mf);
    if (bridge === undefined) return this.delete(mf);
    const res = this.upcaller.translate(bridge, mf.flowKey, mf.tpid, nowMs);
    if (res.error !== null) return this.delete(mf);
    if (hasExtraBits(res.wc, mf.mask)) return this.delete(mf);
    const visited = this.upcaller.reachable(bridge);
    if (res.slowPath !== mf.slowPath || !dpActionsEqual(res.dpActions, mf.actions)) {
      mf.retranslate(res.dpActions, res.sideEffects, res.drop, res.slowPath, res.bridge, visited);
      this.stats.modified++;
      return 'modify';
    }
    mf.setDependencies(res.sideEffects, visited);
    mf.drop = res.drop;
    return 'keep';
  }

  /**
   * The bridge a megaflow's packets enter: the owner of its datapath in_port or, for packets tnl_pop re-injected on a
   * tunnel vport (vxlan_sys_4789 has no OpenFlow port), the bridge of the tunnel port their outer header selects, as
   * Datapath.tunnelPop chose it. A tunnel port that no longer matches deletes the megaflow.
   */
  private ingressBridge(mf: Megaflow): Bridge | undefined {
    const port = this.sw.portByDp(mf.dpInPort);
    if (port !== undefined) return this.sw.bridge(port.bridgeName);
    const tp = this.sw.tunnels === null ? null : this.sw.tunnels.ports.receive(mf.flowKey, mf.dpInPort);
    return tp === null ? undefined : this.sw.bridge(tp.bridge);
  }

  private delete(mf: Megaflow): RevalidateResult {
    this.table.remove(mf);
    this.stats.deletedStale++;
    return 'delete';
  }

  /** Idle expiry and flow-limit enforcement. */
  sweep(nowMs: number): void {
    this.lastSweepMs = nowMs;
    const n = this.table.count;
    if (n === 0) return;
    if (this.accounting.hasPending) {
      // A push can change what translations depend on: revalidate that first, as run() would before a lookup.
      if (this.accounting.push() && this.changed()) this.revalidateChanged(nowMs);
    }
    const limit = this.upcaller.flowLimit;
    const killAll = n > 2 * limit;
    const maxIdle = n > limit ? OVER_LIMIT_MAX_IDLE_MS : this.maxIdleMs;
    for (const mf of this.table.all()) {
      const used = mf.usedMs >= 0 ? mf.usedMs : mf.createdMs;
      if (killAll) {
        this.table.remove(mf);
        this.stats.deletedLimit++;
      } else if (used < nowMs - maxIdle) {
        this.table.remove(mf);
        if (n > limit) this.stats.deletedLimit++;
        else this.stats.deletedIdle++;
      }
    }
  }
}
