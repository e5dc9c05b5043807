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
 * The installed mask is the translation's wildcards as the datapath flow key can carry them (OVS installs what
 * odp_flow_key_from_mask() exports, `datapathMask`): fields the key has no attribute for, for this kind of packet,
 * are left out. That is mostly a no-op (an IPv4 packet has no IPv6 addresses), with one visible exception, kept
 * because OVS 3.1 behaves so: the ND attribute (target, sll, tll) is exported only for a neighbor solicitation or
 * advertisement whose ICMPv6 type *and code* are matched exactly, and OpenFlow rules match `icmp_type=136,
 * nd_target=…` without the code. Such a megaflow is installed without its ND target, wider than its translation;
 * the revalidator's check (new wildcards need a bit the installed mask lacks) then deletes it at the next
 * revalidation, as OVS's revalidate_ukey__() does (flow_wildcards_has_extra). Until then it is OVS's megaflow,
 * hits and all. Megaflows installed narrower than their wildcards are remembered (`isNarrowed`) so that any
 * revalidation, not only one their dependencies ask for, reaches them: OVS revalidates every flow when anything
 * changes.
 *
 * Dependencies. The megaflow records which bridges its translation could have visited — every bridge reachable from
 * the input bridge through patch ports — so the revalidator knows which megaflows a change of one bridge concerns.
 * (xlate does not report the bridges it actually entered; the patch closure is a safe superset.)
 */

import type { Bridge } from '../ofproto/bridge.js';
import type { Switch } from '../ofproto/switch.js';
import { xlate } from '../ofproto/xlate.js';
import type { XlateResult } from '../ofproto/xlate-types.js';
import {
  ETH_TYPE_ARP,
  ETH_TYPE_IP,
  ETH_TYPE_IPV6,
  ETH_TYPE_RARP,
  FRAG_LATER,
  IPPROTO_ICMP,
  IPPROTO_ICMPV6,
  IPPROTO_SCTP,
  IPPROTO_TCP,
  IPPROTO_UDP,
  KEY_WORDS,
  W,
} from '../flow/key-layout.js';
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
  /** Megaflows installed with a mask narrower than their translation's wildcards (see the essay). */
  private readonly narrowed = new WeakSet<Megaflow>();
  /** datapathMask's output, reused: the megaflow copies it. */
  private readonly maskScratch = new Uint32Array(KEY_WORDS);

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
    const mask = datapathMask(res.wc, key, this.maskScratch);
    const mf = new Megaflow({
      dpInPort,
      tpid,
      flowKey: key,
      mask,
      actions: res.dpActions,
      sideEffects: res.sideEffects,
      drop: res.drop,
      slowPath: res.slowPath,
      bridge: res.bridge,
      visited: this.reachable(bridge),
      nowMs,
    });
    this.table.install(mf);
    if (hasExtraBits(res.wc, mask)) this.narrowed.add(mf);
    this.stats.installed++;
    return { translation: mf, xlate: res, megaflow: mf };
  }

  /** A translation of `key` as received on `bridge` (also what revalidation and slow-path hits run). */
  translate(bridge: Bridge, key: Uint32Array, tpid: number, nowMs: number): XlateResult {
    return xlate(this.sw, bridge, key, { nowMs, vlanTpid: tpid === 0 ? 0x8100 : tpid });
  }

  /** Whether `mf` was installed narrower than its translation's wildcards (any revalidation deletes it). */
  isNarrowed(mf: Megaflow): boolean {
    return this.narrowed.has(mf);
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

/** Whether `wc` has a bit that `mask` lacks (OVS flow_wildcards_has_extra). */
export function hasExtraBits(wc: Uint32Array, mask: Uint32Array): boolean {
  for (let i = 0; i < wc.length; i++) if ((wc[i] & ~mask[i]) !== 0) return true;
  return false;
}

/** ICMPv6 neighbor solicitation and advertisement. */
const ND_SOLICIT = 135;
const ND_ADVERT = 136;

/**
 * The part of `wc` that a datapath flow key for a packet with key `key` can carry (odp_flow_key_from_mask): the
 * L3 words of its network protocol only, the L4 words only for the first fragment of TCP/UDP/SCTP/ICMP, ICMP type and
 * code as 8-bit fields, the ND fields only for exactly matched NS/NA, the conntrack original tuple only for a tracked
 * IP packet.
 */
export function datapathMask(wc: Uint32Array, key: Uint32Array, into: Uint32Array = new Uint32Array(KEY_WORDS)): Uint32Array {
  const m = into;
  m.set(wc);
  const dlType = key[W.DL_TYPE_VLAN] >>> 16;
  const ctProto = key[W.CT_NW_PROTO] & 0xff;
  if (ctProto === 0 || dlType !== ETH_TYPE_IP) m.fill(0, W.CT_NW_SRC, W.CT_NW_DST + 1);
  if (ctProto === 0 || dlType !== ETH_TYPE_IPV6) m.fill(0, W.CT_IPV6_SRC, W.CT_IPV6_DST + 4);
  if (ctProto === 0 || (dlType !== ETH_TYPE_IP && dlType !== ETH_TYPE_IPV6)) {
    m[W.CT_NW_PROTO] = 0;
    m[W.CT_TP] = 0;
  }

  const ip = dlType === ETH_TYPE_IP || dlType === ETH_TYPE_IPV6;
  const arp = dlType === ETH_TYPE_ARP || dlType === ETH_TYPE_RARP;
  if (dlType !== ETH_TYPE_IP && !arp) {
    m[W.NW_SRC] = 0;
    m[W.NW_DST] = 0;
  }
  if (dlType !== ETH_TYPE_IPV6) m.fill(0, W.IPV6_SRC, W.IPV6_LABEL + 1);
  if (arp) m[W.NW] &= 0xff000000; // the opcode only
  else if (!ip) m[W.NW] = 0;

  let nd = false;
  let tp = 0;
  let tcpFlags = 0;
  const proto = key[W.NW] >>> 24;
  if (ip && (key[W.NW] & FRAG_LATER) === 0) {
    if (proto === IPPROTO_TCP) {
      tp = m[W.TP];
      tcpFlags = m[W.TCP_FLAGS];
    } else if (proto === IPPROTO_UDP || proto === IPPROTO_SCTP) {
      tp = m[W.TP];
    } else if ((dlType === ETH_TYPE_IP && proto === IPPROTO_ICMP) || (dlType === ETH_TYPE_IPV6 && proto === IPPROTO_ICMPV6)) {
      tp = m[W.TP] & 0x00ff00ff;
      const type = (key[W.TP] >>> 16) & 0xff;
      const code = key[W.TP] & 0xffff;
      nd = proto === IPPROTO_ICMPV6 && (type === ND_SOLICIT || type === ND_ADVERT) && code === 0 && tp === 0x00ff00ff;
    }
  }
  m[W.TP] = tp;
  m[W.TCP_FLAGS] = tcpFlags;
  if (!nd) m.fill(0, W.ND_TARGET, W.ND_TARGET + 4);
  if (!nd && !arp) m.fill(0, W.ARP_SHA, W.ARP_THA + 2);
  return m;
}
