/**
 * The upcall: what happens when a packet misses every cache (OVS's handle_packet_upcall in dpif-netdev.c and
 * process_upcall / should_install_flow in ofproto-dpif-upcall.c).
 *
 *   1. xlate runs the OpenFlow pipeline on the packet's key: datapath actions, the wildcard mask `wc` of every key
 *      bit the result depended on, and the side effects as data;
 *   2. the side effects are committed for this packet (rule stats, MAC learning, learn(), fin_timeout);
 *   3. unless the datapath already holds `flowLimit` megaflows, a megaflow {key & wc, wc} -> actions is installed.
 *      Past the limit the packet is still forwarded, by its own translation, but nothing is cached (OVS's
 *      "upcall: datapath reached the dynamic limit" path).
 *
 * A translation that fails as a whole (resubmit depth, too many resubmits) still yields a drop megaflow, as OVS
 * installs one for it; a recirculation id nobody knows is a failed upcall ("lost" in dpctl/show), not installed.
 * A slow-path translation (OVS slow_path reasons, e.g. ARP field rewrites) installs a megaflow whose hits are
 * translated again every time (dump-flows shows `userspace(pid=0,slow_path(action))`).
 *
 * Dependencies. The megaflow records which bridges its translation could have visited — every bridge reachable from
 * the input bridge through patch ports — so the revalidator knows which megaflows a change of one bridge concerns.
 * (xlate does not report the bridges it actually entered; the patch closure is a safe superset.)
 */

import type { Bridge } from '../ofproto/bridge.js';
import type { Switch } from '../ofproto/switch.js';
import { xlate } from '../ofproto/xlate.js';
import type { XlateResult } from '../ofproto/xlate-types.js';
import { W } from '../flow/key-layout.js';
import type { DpStats } from './dp-stats.js';
import { type CachedTranslation, HitAccounting, Megaflow } from './megaflow.js';
import type { MegaflowTable } from './megaflow-table.js';

/** OVS's other_config:flow-limit default. */
export const DEFAULT_FLOW_LIMIT = 200_000;

export interface UpcallOutcome {
  readonly translation: CachedTranslation;
  readonly xlate: XlateResult;
  /** The megaflow installed for it, or null (flow limit, failed upcall, caching off). */
  readonly megaflow: Megaflow | null;
}

export class Upcaller {
  flowLimit: number;
  private readonly reach = new Map<Bridge, Bridge[]>();
  private reachGeneration = -1;

  constructor(
    private readonly sw: Switch,
    private readonly table: MegaflowTable,
    private readonly stats: DpStats,
    private readonly accounting: HitAccounting,
    flowLimit = DEFAULT_FLOW_LIMIT,
  ) {
    this.flowLimit = flowLimit;
  }

  /** Translates, commits the side effects, installs when allowed. */
  handle(bridge: Bridge, dpInPort: number, key: Uint32Array, tpid: number, bytes: number, nowMs: number, install: boolean): UpcallOutcome {
    const res = this.translate(bridge, key, tpid, nowMs);
    const translation: CachedTranslation = { actions: res.dpActions, drop: res.drop, bridge: res.bridge };
    if (res.error === 'Recirculation context not found') {
      this.stats.lost++;
      return { translation, xlate: res, megaflow: null };
    }
    this.stats.upcalls++;
    this.accounting.replay(res.sideEffects, bytes, key[W.TCP_FLAGS], nowMs);
    if (!install) return { translation, xlate: res, megaflow: null };
    if (this.table.count >= this.flowLimit) {
      this.stats.flowLimitHits++;
      return { translation, xlate: res, megaflow: null };
    }
    const mf = new Megaflow({
      dpInPort,
      tpid,
      flowKey: key,
      mask: res.wc,
      actions: res.dpActions,
      sideEffects: res.sideEffects,
      drop: res.drop,
      slowPath: res.slowPath,
      bridge: res.bridge,
      visited: this.reachable(bridge),
      nowMs,
    });
    this.table.install(mf);
    this.stats.installed++;
    return { translation: mf, xlate: res, megaflow: mf };
  }

  /** A translation of `key` as received on `bridge` (also what revalidation and slow-path hits run). */
  translate(bridge: Bridge, key: Uint32Array, tpid: number, nowMs: number): XlateResult {
    return xlate(this.sw, bridge, key, { nowMs, vlanTpid: tpid === 0 ? 0x8100 : tpid });
  }

  /** Forgets the patch closures (ports changed). */
  forgetReach(): void {
    this.reach.clear();
  }

  /** `bridge` and every bridge reachable from it through patch ports. */
  reachable(bridge: Bridge): Bridge[] {
    if (this.reachGeneration !== this.sw.generation) {
      this.reach.clear();
      this.reachGeneration = this.sw.generation;
    }
    let list = this.reach.get(bridge);
    if (list !== undefined) return list;
    list = [bridge];
    for (let i = 0; i < list.length; i++) {
      for (const p of list[i].portList) {
        const peer = this.sw.patchPeer(p);
        const peerBridge = peer === undefined ? undefined : this.sw.bridge(peer.bridgeName);
        if (peerBridge !== undefined && !list.includes(peerBridge)) list.push(peerBridge);
      }
    }
    this.reach.set(bridge, list);
    return list;
  }
}
