/**
 * A megaflow: one cached translation (OVS's struct dp_netdev_flow plus what ofproto-dpif-upcall's udpif_key keeps).
 *
 * What? An upcall runs xlate on a packet's flow key and learns two things: what to do (datapath actions) and which
 * key bits that decision depended on (the wildcard mask `wc`). Every packet that agrees with the upcalled one on
 * those bits would translate the same way, so the pair {masked key, mask} -> actions is installed and later packets
 * skip xlate. The mask is exactly xlate's `wc`; the key is the upcalled packet's key ANDed with it.
 *
 * Besides the flow-key words, two things identify a megaflow that the flow key does not hold:
 *   - the datapath input port (the key's in_port is an OpenFlow number, unique only within a bridge), and
 *   - the outer VLAN TPID of a tagged packet (0x8100 or 0x88a8; xlate re-tags with it), 0 for an untagged one.
 * Both are always exact.
 *
 * Side effects. A translation also changes OpenFlow state (rule stats and idle timers, NORMAL's MAC learning,
 * learn(), fin_timeout). Those are data in `sideEffects` (OVS's xlate cache). A hit only counts the megaflow's own
 * stats, as OVS's datapath does; the hits not yet accounted for (`pending*`) are pushed through the side effects
 * later, in one commit for all of them at the time of the last hit (OVS's revalidator pushing dp stats through the
 * xlate cache). OpenFlow counters and timers therefore come out as if every packet had been translated, once the
 * stats are pushed: the datapath pushes after every packet on its one-packet path and at each `maintain()` on its
 * batch path.
 *
 * Revalidation keeps `flowKey` (the upcalled packet's full key) so the revalidator can translate it again, compare
 * actions and mask, and modify the megaflow in place or delete it (revalidator.ts). `visited` and `normalBridges`
 * say which bridges' OpenFlow tables and MAC tables the translation depended on, so a change in one bridge only
 * revalidates the megaflows that touched it.
 */

import { KEY_WORDS } from '../flow/key-layout.js';
import type { Bridge } from '../ofproto/bridge.js';
import type { DpAction } from '../ofproto/dp-actions.js';
import { commitSideEffects, type SideEffects } from '../ofproto/side-effects.js';
import { WordSlab } from '../ofproto/xlate-slab.js';
import type { XlateDrop } from '../ofproto/xlate-types.js';

/** What a pass through the caches gives the datapath: actions to execute, and why the packet drops if it does. */
export interface CachedTranslation {
  readonly actions: readonly DpAction[];
  readonly drop: XlateDrop | null;
  /** The bridge the translation started in (for drop reports). */
  readonly bridge: string;
}

/** What the upcall hands over when it installs a megaflow. */
export interface MegaflowInit {
  readonly dpInPort: number;
  readonly tpid: number;
  readonly flowKey: Uint32Array;
  readonly mask: Uint32Array;
  readonly actions: readonly DpAction[];
  readonly sideEffects: SideEffects;
  readonly drop: XlateDrop | null;
  readonly slowPath: 'action' | null;
  readonly bridge: string;
  readonly visited: readonly Bridge[];
  readonly nowMs: number;
}

/** Offsets in Megaflow.words. */
export const MF_MASK = 0;
export const MF_FLOW_KEY = KEY_WORDS;
export const MF_KEY = 2 * KEY_WORDS;

export class Megaflow implements CachedTranslation {
  /** Slot in the megaflow table (stable for the megaflow's life; SMC entries name megaflows by it). */
  id = -1;
  readonly dpInPort: number;
  readonly tpid: number;
  /**
   * The mask, the upcalled packet's whole key and the masked key, in that order (MF_MASK, MF_FLOW_KEY, MF_KEY): one
   * view onto a slab. The hot paths (dpcls insertion, SMC matching) read them here by offset; `mask`, `flowKey` and
   * `key` are views made on first use, so a megaflow that is never dumped or revalidated does not carry three more
   * typed-array objects for the garbage collector to copy.
   */
  readonly words: Uint32Array;
  private maskView: Uint32Array | null = null;
  private flowKeyView: Uint32Array | null = null;
  private keyView: Uint32Array | null = null;
  actions: readonly DpAction[];
  sideEffects: SideEffects;
  drop: XlateDrop | null;
  /** Set when every packet must be translated again (OVS's slow-path flows, e.g. ARP field rewrites). */
  slowPath: 'action' | null;
  bridge: string;
  /** Bridges whose OpenFlow tables the translation looked at. */
  visited: readonly Bridge[];
  /** Bridges whose MAC learning table NORMAL consulted. */
  normalBridges: readonly Bridge[];
  /** Hash of the masked key and the two extra identifiers (dpcls.ts computes it). */
  hash = 0;
  /** The hash by which the dpcls finds the mask's subtable (computed once, on insertion; 0 = not yet). */
  maskHash = 0;
  readonly createdMs: number;
  /** Packets and bytes that hit the megaflow (the upcalled packet is not counted, as in OVS). */
  packets = 0;
  bytes = 0;
  /** Last hit, or -1 for never. */
  usedMs = -1;
  /** OR of the TCP flags of the packets that hit it. */
  tcpFlags = 0;
  /** Set when the megaflow has left the table; EMC and SMC entries pointing at it then count as empty. */
  dead = false;
  /** Whether the actions only read the packet (outputs, packet-ins): a borrowed frame need not be copied. */
  readOnly: boolean;
  /** Whether the actions leave the packet's metadata (conntrack, recirc_id, mark, tunnel) as it was. */
  keepsMetadata: boolean;
  /** Hits not yet pushed through the side effects (HitAccounting.push): packets, bytes, OR of their TCP flags. */
  pendingPackets = 0;
  pendingBytes = 0;
  pendingTcpFlags = 0;

  constructor(init: MegaflowInit) {
    this.dpInPort = init.dpInPort;
    this.tpid = init.tpid;
    // From a slab, not allocated one by one (see xlate-slab.ts).
    const words = megaflowWords.take(3 * KEY_WORDS);
    this.words = words;
    words.set(init.mask, MF_MASK);
    words.set(init.flowKey, MF_FLOW_KEY);
    for (let i = 0; i < KEY_WORDS; i++) words[MF_KEY + i] = (init.flowKey[i] & init.mask[i]) >>> 0;
    this.actions = exactSize(init.actions);
    this.readOnly = actionsOnlyRead(init.actions);
    this.keepsMetadata = actionsKeepMetadata(init.actions);
    this.sideEffects = compactSideEffects(init.sideEffects);
    this.drop = init.drop;
    this.slowPath = init.slowPath;
    this.bridge = init.bridge;
    this.visited = init.visited;
    this.normalBridges = normalBridgesOf(init.sideEffects);
    this.createdMs = init.nowMs;
  }

  /** The mask (flow-key layout). */
  get mask(): Uint32Array {
    return (this.maskView ??= this.words.subarray(MF_MASK, MF_MASK + KEY_WORDS));
  }

  /** The upcalled packet's whole key, for re-translation. */
  get flowKey(): Uint32Array {
    return (this.flowKeyView ??= this.words.subarray(MF_FLOW_KEY, MF_FLOW_KEY + KEY_WORDS));
  }

  /** The masked key (flow-key layout). */
  get key(): Uint32Array {
    return (this.keyView ??= this.words.subarray(MF_KEY, MF_KEY + KEY_WORDS));
  }

  /** Whether `key` (with its input port and TPID) falls inside this megaflow. */
  matches(key: Uint32Array, dpInPort: number, tpid: number): boolean {
    if (dpInPort !== this.dpInPort || tpid !== this.tpid) return false;
    const w = this.words;
    for (let i = 0; i < KEY_WORDS; i++) if (((key[i] & w[MF_MASK + i]) >>> 0) !== w[MF_KEY + i]) return false;
    return true;
  }

  /** Replaces the translation after revalidation found different actions under a compatible mask (UKEY_MODIFY). */
  retranslate(actions: readonly DpAction[], se: SideEffects, drop: XlateDrop | null, slowPath: 'action' | null, bridge: string, visited: readonly Bridge[]): void {
    this.actions = actions;
    this.readOnly = actionsOnlyRead(actions);
    this.keepsMetadata = actionsKeepMetadata(actions);
    this.setDependencies(se, visited);
    this.drop = drop;
    this.slowPath = slowPath;
    this.bridge = bridge;
  }

  /** New side effects and dependencies from a re-translation (rules may have been replaced by equal ones). */
  setDependencies(se: SideEffects, visited: readonly Bridge[]): void {
    this.sideEffects = se;
    this.visited = visited;
    this.normalBridges = normalBridgesOf(se);
  }
}

/**
 * The megaflows' key, mask and upcalled key, 16 megaflows per slab (15.5 KiB). Megaflows die at different times and
 * a slab lives while any of its megaflows does, so the slab size bounds what one long-lived megaflow can keep alive
 * (15 others' worth, 14.6 KiB); the cost of an allocation barely depends on its size up to some 30 KiB (about
 * 2.5 us on the development machine), so 16 per slab costs a tenth of allocating each megaflow's arrays on its own.
 */
const megaflowWords = new WordSlab(16 * 3 * KEY_WORDS);

/** The last list normalBridgesOf made: consecutive megaflows mostly share it (see compactSideEffects). */
let lastNormalBridges: readonly Bridge[] = [];

/** The empty lists compacted side effects share (see compactSideEffects). */
const NO_LEARNS: SideEffects['learns'] = [];
const NO_FIN_TIMEOUTS: SideEffects['finTimeouts'] = [];

/** What a pushed slot of the pending list holds, so the list keeps no dead megaflow alive. */
const PLACEHOLDER = new Megaflow({
  dpInPort: -1,
  tpid: 0,
  flowKey: new Uint32Array(KEY_WORDS),
  mask: new Uint32Array(KEY_WORDS),
  actions: [],
  sideEffects: { ruleHits: [], macLearning: [], learns: [], finTimeouts: [] },
  drop: null,
  slowPath: null,
  bridge: '',
  visited: [],
  nowMs: 0,
});

function normalBridgesOf(se: SideEffects): readonly Bridge[] {
  const out: Bridge[] = [];
  for (const m of se.macLearning) if (!out.includes(m.bridge)) out.push(m.bridge);
  const last = lastNormalBridges;
  if (out.length === last.length && out.every((b, i) => b === last[i])) return last;
  lastNormalBridges = out;
  return out;
}

/**
 * Why compact? A megaflow keeps its actions and side effects as long as it lives, and arrays grown by push() carry
 * spare capacity (17 slots for the first few elements), which the garbage collector copies with every megaflow it
 * moves. Exact-size copies of the lists (and one shared empty list per kind) roughly halve what a megaflow retains.
 */
function exactSize<T>(list: readonly T[]): T[] {
  return list.slice();
}

function compactSideEffects(se: SideEffects): SideEffects {
  return {
    ruleHits: exactSize(se.ruleHits),
    macLearning: exactSize(se.macLearning),
    learns: se.learns.length === 0 ? NO_LEARNS : exactSize(se.learns),
    finTimeouts: se.finTimeouts.length === 0 ? NO_FIN_TIMEOUTS : exactSize(se.finTimeouts),
  };
}

/**
 * The per-hit accounting. A hit counts the megaflow's stats and remembers the megaflow as having pending stats
 * (once, however many hits follow); `push` later commits each pending megaflow's side effects once, for all its
 * pending packets and bytes, at the time of its last hit, as OVS's revalidator pushes datapath stats through a
 * ukey's xlate cache. Allocates nothing per hit: the pending list is an array that only grows, and the commit record
 * is reused.
 */
export class HitAccounting {
  private readonly commit = { bytes: 0, packets: 1, tcpFlags: 0 };
  private pending: Megaflow[] = [];
  private nPending = 0;

  hit(mf: Megaflow, bytes: number, tcpFlags: number, nowMs: number): void {
    mf.packets++;
    mf.bytes += bytes;
    mf.tcpFlags |= tcpFlags;
    if (nowMs > mf.usedMs) mf.usedMs = nowMs;
    if (mf.pendingPackets++ === 0) {
      if (this.nPending === this.pending.length) this.pending.push(mf);
      else this.pending[this.nPending] = mf;
      this.nPending++;
    }
    mf.pendingBytes += bytes;
    mf.pendingTcpFlags |= tcpFlags;
  }

  /** Whether some megaflow has hits whose side effects are not committed yet. */
  get hasPending(): boolean {
    return this.nPending > 0;
  }

  /**
   * Commits the side effects of every pending hit (megaflows deleted meanwhile included: their rules may still be
   * installed, and OVS pushes a deleted flow's final stats too). Returns whether OpenFlow or MAC state that
   * translations depend on changed (the revalidator notices that through generations anyway).
   */
  push(): boolean {
    let changed = false;
    const list = this.pending;
    // A commit can change state whose revalidation pushes again (re-entrantly): take each entry off the list first.
    while (this.nPending > 0) {
      const mf = list[--this.nPending];
      list[this.nPending] = PLACEHOLDER;
      if (this.pushOne(mf)) changed = true;
    }
    return changed;
  }

  private pushOne(mf: Megaflow): boolean {
    const c = this.commit;
    c.packets = mf.pendingPackets;
    c.bytes = mf.pendingBytes;
    c.tcpFlags = mf.pendingTcpFlags;
    mf.pendingPackets = 0;
    mf.pendingBytes = 0;
    mf.pendingTcpFlags = 0;
    const changed = commitSideEffects(mf.sideEffects, c, mf.usedMs);
    c.packets = 1;
    return changed;
  }

  /** Commits side effects for one packet now (the upcalled packet and slow-path hits, which have no pending stats). */
  replay(se: SideEffects, bytes: number, tcpFlags: number, nowMs: number): boolean {
    const c = this.commit;
    c.bytes = bytes;
    c.tcpFlags = tcpFlags;
    return commitSideEffects(se, c, nowMs);
  }
}

/** Whether executing `actions` leaves the packet's bytes and metadata untouched: only outputs and packet-ins. */
export function actionsOnlyRead(actions: readonly DpAction[]): boolean {
  for (let i = 0; i < actions.length; i++) {
    const k = actions[i].kind;
    if (k !== 'output' && k !== 'userspace') return false;
  }
  return true;
}

/**
 * Whether executing `actions` leaves the packet's metadata words untouched: outputs, packet-ins, VLAN push/pop and
 * header rewrites do; conntrack, recirculation, tunnels, clones and sets of skb_mark or tunnel fields may not.
 */
export function actionsKeepMetadata(actions: readonly DpAction[]): boolean {
  for (let i = 0; i < actions.length; i++) {
    const a = actions[i];
    switch (a.kind) {
      case 'output':
      case 'userspace':
      case 'push_vlan':
      case 'pop_vlan':
        break;
      case 'set_masked':
        if (a.header === 'skb_mark' || a.header === 'tunnel') return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

/** Structural equality of datapath action lists (what revalidation compares, as OVS compares ODP action bytes). */
export function dpActionsEqual(a: readonly DpAction[], b: readonly DpAction[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!valueEqual(a[i], b[i])) return false;
  return true;
}

function valueEqual(x: unknown, y: unknown): boolean {
  if (x === y) return true;
  if (typeof x !== 'object' || typeof y !== 'object' || x === null || y === null) return false;
  if (x instanceof Uint32Array) {
    if (!(y instanceof Uint32Array) || x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
    return true;
  }
  if (Array.isArray(x)) {
    if (!Array.isArray(y) || x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) if (!valueEqual(x[i], y[i])) return false;
    return true;
  }
  const kx = Object.keys(x).filter((k) => (x as Record<string, unknown>)[k] !== undefined);
  const ky = Object.keys(y).filter((k) => (y as Record<string, unknown>)[k] !== undefined);
  if (kx.length !== ky.length) return false;
  for (const k of kx) if (!valueEqual((x as Record<string, unknown>)[k], (y as Record<string, unknown>)[k])) return false;
  return true;
}
