/**
 * The datapath's fast path: EMC -> (SMC) -> dpcls -> upcall, for one datapath pass (OVS's dfc_processing,
 * fast_path_processing and handle_packet_upcall in lib/dpif-netdev.c).
 *
 *   translate(bridge, dpInPort, key, tpid, bytes, now)
 *     0. revalidator.run(now): megaflows made stale by any change since the last pass are revalidated first, idle
 *        ones expire when the sweep is due; subtables are re-ranked every second of clock time;
 *     1. EMC: exact key -> megaflow (two probes);
 *     2. SMC (optional): signature -> megaflow id, confirmed by a masked compare;
 *     3. dpcls of the input port: tuple-space search over masks, ranked by hits;
 *     4. miss: upcall (xlate, side effects, install).
 *   A hit counts the megaflow's stats only, as OVS's datapath does; its side effects (rule stats and idle timers,
 *   MAC learning refresh, learn(), fin_timeout) are pending until `pushStats()` commits them, once per megaflow for
 *   all its hits since the last push (OVS's revalidator pushing datapath stats through the xlate cache). The owner
 *   decides when: the datapath's one-packet path pushes after every packet (so OpenFlow state is exactly as if each
 *   packet had been translated, as the reference runner sees it after settling), its batch path at `maintain()`.
 *   Pending stats are also pushed before any revalidation or idle sweep, so no megaflow leaves with stats unpushed
 *   and a revalidation sees the state the hits left. A hit on a slow-path megaflow is translated again, and
 *   commits its own side effects at once.
 *
 * The result is a `CachedTranslation` (datapath actions + drop reason), which the caller executes. A recirculated
 * pass is the same call with recirc_id set in the key: recirc_id is a key word, always exact in every mask, so each
 * recirculation stage has megaflows of its own.
 *
 * With `enabled: false` every pass is an upcall and nothing is installed: exactly the datapath without caches, for
 * comparisons and debugging.
 *
 * The hit paths allocate nothing: keys and hashes are typed arrays and integers, counters are plain fields, and
 * side effects are committed through one reused record.
 *
 * Fresh packets. A packet that has just come in from a port has all-zero metadata in its key except in_port (no
 * recirculation, conntrack, mark or tunnel state yet). `translateFresh` is `translate` for such a packet: the EMC
 * hashes a dozen packet-header words instead of the whole key (OVS indexes its EMC by the packet's 5-tuple RSS
 * hash, for the same reason) and compares only in_port and the packet-header words, against entries inserted from
 * such keys.
 */

import { W } from '../flow/key-layout.js';
import type { Bridge } from '../ofproto/bridge.js';
import type { Switch } from '../ofproto/switch.js';
import type { XlateResult } from '../ofproto/xlate-types.js';
import { DpStats } from './dp-stats.js';
import { EMC_DEFAULT_ENTRIES, EMC_DEFAULT_INSERT_INV_PROB, ExactMatchCache } from './emc.js';
import { exactHash, freshKeyHash } from './key-hash.js';
import { type CachedTranslation, HitAccounting, type Megaflow } from './megaflow.js';
import { MegaflowTable } from './megaflow-table.js';
import { DEFAULT_MAX_IDLE_MS, DEFAULT_REVALIDATOR_INTERVAL_MS, Revalidator } from './revalidator.js';
import { SMC_DEFAULT_ENTRIES, SignatureMatchCache } from './smc.js';
import { DEFAULT_FLOW_LIMIT, Upcaller } from './upcall.js';

/** OVS: DPCLS_OPTIMIZATION_INTERVAL (1 s). */
export const SUBTABLE_SORT_INTERVAL_MS = 1000;

export interface DatapathCacheConfig {
  /** false: no caching at all, every pass is translated (default true). */
  readonly enabled?: boolean;
  /** EMC entries, a power of two (OVS: 8192). */
  readonly emcEntries?: number;
  /** other_config:emc-insert-inv-prob (OVS default 100; 0 disables the EMC, 1 always inserts). */
  readonly emcInsertInvProb?: number;
  /** other_config:smc-enable (default false). */
  readonly smcEnabled?: boolean;
  readonly smcEntries?: number;
  /** other_config:flow-limit (default 200000). */
  readonly flowLimit?: number;
  /** other_config:max-idle in ms (default 10000). */
  readonly maxIdleMs?: number;
  /** other_config:max-revalidator in ms: the idle sweep's period (default 500). */
  readonly revalidatorIntervalMs?: number;
}

/** How a pass was served. */
export const enum PassSource {
  EMC = 0,
  SMC = 1,
  MEGAFLOW = 2,
  UPCALL = 3,
  SLOW_PATH = 4,
  LOST = 5,
}

export class DatapathCaches {
  readonly stats = new DpStats();
  readonly table = new MegaflowTable();
  readonly emc: ExactMatchCache;
  readonly smc: SignatureMatchCache | null;
  readonly upcaller: Upcaller;
  readonly revalidator: Revalidator;
  readonly enabled: boolean;
  /** How the last pass was served, and the megaflow it used or installed (null when none). */
  lastSource: PassSource = PassSource.UPCALL;
  lastMegaflow: Megaflow | null = null;
  /** The last pass's translation when it ran one (upcall or slow path), else null. */
  lastXlate: XlateResult | null = null;

  private readonly accounting = new HitAccounting();
  private lastSortMs = -Infinity;
  /** Outside a batch (beginBatch/endBatch) every pass checks for changes; inside, only when `checkDue`. */
  private checkEachPass = true;
  private checkDue = true;

  constructor(
    private readonly sw: Switch,
    config: DatapathCacheConfig = {},
  ) {
    this.enabled = config.enabled ?? true;
    this.emc = new ExactMatchCache(config.emcEntries ?? EMC_DEFAULT_ENTRIES, config.emcInsertInvProb ?? EMC_DEFAULT_INSERT_INV_PROB);
    this.smc = config.smcEnabled ? new SignatureMatchCache(config.smcEntries ?? SMC_DEFAULT_ENTRIES) : null;
    this.upcaller = new Upcaller(sw, this.table, this.stats, this.accounting, config.flowLimit ?? DEFAULT_FLOW_LIMIT);
    this.revalidator = new Revalidator(
      sw,
      this.table,
      this.stats,
      this.upcaller,
      this.accounting,
      config.maxIdleMs ?? DEFAULT_MAX_IDLE_MS,
      config.revalidatorIntervalMs ?? DEFAULT_REVALIDATOR_INTERVAL_MS,
    );
  }

  /**
   * One datapath pass for a packet whose key is `key`, received on datapath port `dpInPort` of `bridge`, with outer
   * VLAN TPID `tpid` (0 if untagged) and `bytes` bytes, at `nowMs`.
   */
  translate(bridge: Bridge, dpInPort: number, key: Uint32Array, tpid: number, bytes: number, nowMs: number): CachedTranslation {
    return this.pass(bridge, dpInPort, key, tpid, bytes, nowMs, false);
  }

  /** `translate` for a packet fresh from a port: its key's metadata words are zero except in_port. */
  translateFresh(bridge: Bridge, dpInPort: number, key: Uint32Array, tpid: number, bytes: number, nowMs: number): CachedTranslation {
    return this.pass(bridge, dpInPort, key, tpid, bytes, nowMs, true);
  }

  private pass(bridge: Bridge, dpInPort: number, key: Uint32Array, tpid: number, bytes: number, nowMs: number, freshMeta: boolean): CachedTranslation {
    const stats = this.stats;
    stats.passes++;
    if (key[W.RECIRC_ID] !== 0) stats.recirculations++;
    if (this.checkEachPass || this.checkDue) this.check(nowMs);
    if (!this.enabled) return this.miss(bridge, dpInPort, key, tpid, bytes, nowMs, false);

    const emc = this.emc;
    const smc = this.smc;
    const hash = emc.enabled || smc !== null ? (freshMeta ? freshKeyHash(key, dpInPort, tpid) : exactHash(key, dpInPort, tpid)) : 0;
    if (emc.enabled) {
      const mf = freshMeta ? emc.lookupFresh(key, hash, dpInPort, tpid) : emc.lookup(key, hash, dpInPort, tpid);
      if (mf !== null) {
        stats.emcHits++;
        if (mf.slowPath !== null) return this.hit(mf, PassSource.EMC, bridge, key, tpid, bytes, nowMs);
        // The common case inline: count the hit (side effects stay pending), nothing else.
        this.accounting.hit(mf, bytes, key[W.TCP_FLAGS], nowMs);
        this.lastMegaflow = mf;
        this.lastXlate = null;
        this.lastSource = PassSource.EMC;
        return mf;
      }
    }
    if (smc !== null) {
      const mf = this.table.byId(smc.lookup(hash));
      if (mf !== null && mf.matches(key, dpInPort, tpid)) {
        stats.smcHits++;
        emc.maybeInsert(key, hash, dpInPort, tpid, mf);
        return this.hit(mf, PassSource.SMC, bridge, key, tpid, bytes, nowMs);
      }
    }
    const cls = this.table.classifier(dpInPort);
    if (cls !== undefined) {
      const mf = cls.lookup(key, dpInPort, tpid);
      stats.subtableProbes += cls.lastProbes;
      if (mf !== null) {
        stats.megaflowHits++;
        stats.subtableProbesOnHit += cls.lastProbes;
        emc.maybeInsert(key, hash, dpInPort, tpid, mf);
        if (smc !== null) smc.insert(hash, mf.id);
        return this.hit(mf, PassSource.MEGAFLOW, bridge, key, tpid, bytes, nowMs);
      }
    }
    const t = this.miss(bridge, dpInPort, key, tpid, bytes, nowMs, true);
    const mf = this.lastMegaflow;
    if (mf !== null) {
      emc.maybeInsert(key, hash, dpInPort, tpid, mf);
      if (smc !== null) smc.insert(hash, mf.id);
    }
    return t;
  }

  /** Revalidates what changed (and sweeps, and re-ranks subtables, when due): before a lookup that needs it. */
  private check(nowMs: number): void {
    this.checkDue = false;
    this.revalidator.run(nowMs);
    if (nowMs - this.lastSortMs >= SUBTABLE_SORT_INTERVAL_MS) {
      this.lastSortMs = nowMs;
      this.table.sortSubtables();
    }
  }

  /**
   * Starts a batch of passes at one time: the generations are checked (and the revalidator run) before the first
   * lookup and again only after a pass that translated (an upcall or a slow-path hit: the only things inside a
   * batch that can change OpenFlow or MAC state; everything else happens between batches, before the next
   * `beginBatch`). Outside a batch every pass checks.
   */
  beginBatch(): void {
    this.checkEachPass = false;
    this.checkDue = true;
  }

  endBatch(): void {
    this.checkEachPass = true;
  }

  private hit(mf: Megaflow, source: PassSource, bridge: Bridge, key: Uint32Array, tpid: number, bytes: number, nowMs: number): CachedTranslation {
    this.lastMegaflow = mf;
    if (mf.slowPath !== null) {
      this.checkDue = true;
      // A slow-path megaflow only says "ask userspace": translate this packet again and commit its own effects.
      this.stats.slowPathHits++;
      mf.packets++;
      mf.bytes += bytes;
      mf.tcpFlags |= key[W.TCP_FLAGS];
      if (nowMs > mf.usedMs) mf.usedMs = nowMs;
      const res = this.upcaller.translate(bridge, key, tpid, nowMs);
      this.accounting.replay(res.sideEffects, bytes, key[W.TCP_FLAGS], nowMs);
      this.lastXlate = res;
      this.lastSource = PassSource.SLOW_PATH;
      return { actions: res.dpActions, drop: res.drop, bridge: res.bridge };
    }
    this.accounting.hit(mf, bytes, key[W.TCP_FLAGS], nowMs);
    this.lastXlate = null;
    this.lastSource = source;
    return mf;
  }

  private miss(bridge: Bridge, dpInPort: number, key: Uint32Array, tpid: number, bytes: number, nowMs: number, install: boolean): CachedTranslation {
    this.checkDue = true;
    const out = this.upcaller.handle(bridge, dpInPort, key, tpid, bytes, nowMs, install);
    this.lastXlate = out.xlate;
    this.lastMegaflow = out.megaflow;
    this.lastSource = out.xlate.error === 'Recirculation context not found' ? PassSource.LOST : PassSource.UPCALL;
    return out.translation;
  }

  /**
   * Commits the side effects of every hit since the last push (rule stats and idle timers, MAC refresh, learn(),
   * fin_timeout), each megaflow's at the time of its last hit. Returns whether translation state changed (the next
   * pass revalidates what it concerns before its lookup).
   */
  pushStats(): boolean {
    return this.accounting.hasPending ? this.accounting.push() : false;
  }

  /** Hits whose side effects are not yet committed. */
  get hasPendingStats(): boolean {
    return this.accounting.hasPending;
  }

  /**
   * What OVS's revalidator threads do between batches: push pending stats, revalidate what changed, expire idle
   * megaflows when the sweep is due, and re-rank subtables when due.
   */
  maintain(nowMs: number): void {
    this.pushStats();
    this.revalidator.run(nowMs);
    if (nowMs - this.lastSortMs >= SUBTABLE_SORT_INTERVAL_MS) {
      this.lastSortMs = nowMs;
      this.table.sortSubtables();
    }
  }

  /** Empties every cache (dpctl/del-flows), after pushing pending stats. */
  flush(): void {
    this.pushStats();
    this.table.clear();
    this.emc.clear();
    this.smc?.clear();
  }

  /** Bytes held by the caches (typed arrays and an estimate per megaflow). */
  get memoryBytes(): number {
    return this.emc.memoryBytes + (this.smc?.memoryBytes ?? 0) + this.table.memoryBytes;
  }

  get switch(): Switch {
    return this.sw;
  }
}
