/**
 * The datapath: what happens to one received packet, from bytes to transmitted frames.
 *
 *   receive(port, frame)
 *     -> extract: flow key + layer offsets (src/flow/extract.ts via layers.ts)
 *     -> upcall: xlate runs the OpenFlow pipeline on the key (src/ofproto/xlate.ts) -> datapath actions
 *     -> commit the translation's side effects at the current time (rule stats, MAC learning, learn(), fin_timeout)
 *     -> execute the datapath actions on the bytes (execute.ts) -> frames to ports, packet-ins
 *
 * Every packet is an upcall here: there is no megaflow cache yet (EMC/dpcls come later). That gives exactly OVS's
 * forwarding when its caches are coherent, which is what the reference runner ensures by waiting for a revalidator
 * round after every packet; the side effects a cache hit would replay are committed for every packet instead.
 *
 * Time. The caller owns the clock; `expire(nowMs)` ages OpenFlow rules (idle/hard timeouts) and NORMAL's MAC tables,
 * and `receive` translates at the clock's current time. Replay calls expire before each packet.
 *
 * What a packet did is recorded in `fate` (reused per packet): the frames it produced, packet-ins, whether extract
 * stopped early (a malformed packet is forwarded anyway, as OVS forwards what it extracted), and when nothing came
 * out, why. The datapath never throws for a packet problem.
 */

import type { Clock } from '../base/clock.js';
import { extractStatusName } from '../flow/extract.js';
import { KEY_WORDS, W } from '../flow/key-layout.js';
import type { Port } from '../ofproto/port.js';
import { commitSideEffects } from '../ofproto/side-effects.js';
import type { Switch } from '../ofproto/switch.js';
import { xlate } from '../ofproto/xlate.js';
import type { XlateDrop, XlateDropKind, XlateResult } from '../ofproto/xlate-types.js';
import { DpExecutor, EXEC_DROP_NAMES, ExecDrop, type DpSink, type DpUserspaceAction } from './execute.js';
import { extractPacket } from './layers.js';
import { DpPacket } from './packet.js';

/** Where transmitted frames go. Returns the frame's 1-based number on that port's output, or 0 if not recorded. */
export interface PortTransmit {
  transmit(port: Port, pkt: DpPacket): number;
}

export interface OutputRef {
  readonly port: string;
  /** 1-based frame number in the port's output (0 when the port's output is not recorded). */
  readonly n: number;
}

export interface DropInfo {
  /** The translation's kind of drop, 'datapath' when an action failed on the bytes, 'port' for a bad ingress. */
  readonly kind: XlateDropKind | 'datapath' | 'port';
  /** Bridge where it was decided. */
  readonly bridge: string;
  /** Table and rule (`priority=N`) that decided, when there is one. */
  readonly table?: number;
  readonly rule?: string;
  /** The reason in words, as counted in `dropReasons`. */
  readonly reason: string;
}

/** What one packet did. Reused: copy what you keep. */
export class PacketFate {
  readonly outputs: OutputRef[] = [];
  packetIns = 0;
  /** Extract's status name when it stopped early ("truncated_ipv4", ...), else null. */
  malformed: string | null = null;
  /** Set when no frame came out (and no packet-in). */
  drop: DropInfo | null = null;
  /** The ingress port was unknown or not a datapath port. */
  error: string | null = null;

  reset(): void {
    this.outputs.length = 0;
    this.packetIns = 0;
    this.malformed = null;
    this.drop = null;
    this.error = null;
  }
}

export interface DatapathCounters {
  received: number;
  transmitted: number;
  dropped: number;
  packetIns: number;
  /** Drops by reason ("no match in table 0 of br0", "conntrack not implemented", ...). */
  readonly dropReasons: Map<string, number>;
  /** Packets extract stopped early on, by status name; they were still processed. */
  readonly malformed: Map<string, number>;
}

export class Datapath implements DpSink {
  readonly fate = new PacketFate();
  readonly counters: DatapathCounters = {
    received: 0,
    transmitted: 0,
    dropped: 0,
    packetIns: 0,
    dropReasons: new Map(),
    malformed: new Map(),
  };
  /** The last translation, for callers that want to look (trace, tests). */
  lastXlate: XlateResult | null = null;

  private readonly pkt: DpPacket;
  private readonly key = new Uint32Array(KEY_WORDS);
  private readonly executor: DpExecutor;

  constructor(
    readonly sw: Switch,
    private readonly clock: Clock,
    private readonly tx: PortTransmit,
    frameCapacity?: number,
  ) {
    this.pkt = new DpPacket(frameCapacity);
    this.executor = new DpExecutor(this, frameCapacity);
  }

  /** Ages rules and MAC entries of every bridge to `nowMs`. */
  expire(nowMs: number): void {
    for (const br of this.sw.bridges) {
      br.flows.expire(nowMs);
      br.macTable.expire(nowMs);
    }
  }

  /** Processes one frame received on `port`; see `fate` for what happened. */
  receive(port: Port, frame: Uint8Array, off = 0, len = frame.length): PacketFate {
    const fate = this.fate;
    fate.reset();
    this.counters.received++;
    const bridge = this.sw.bridge(port.bridgeName);
    if (bridge === undefined || port.isPatch) {
      fate.error = `port ${port.name} cannot receive packets`;
      return this.dropped({ kind: 'port', bridge: port.bridgeName, reason: fate.error });
    }
    const pkt = this.pkt;
    pkt.load(frame, off, len);
    pkt.md[W.IN_PORT] = port.ofport;
    const status = extractPacket(pkt, this.key);
    if (status !== 0) {
      fate.malformed = extractStatusName(status);
      bump(this.counters.malformed, fate.malformed);
    }

    const nowMs = this.clock.nowMs();
    const res = xlate(this.sw, bridge, this.key, { nowMs, vlanTpid: outerTpid(pkt) });
    this.lastXlate = res;
    commitSideEffects(res.sideEffects, { bytes: pkt.len, tcpFlags: this.key[W.TCP_FLAGS] }, nowMs);

    const drop = this.executor.execute(pkt, res.dpActions);
    if (fate.outputs.length === 0 && fate.packetIns === 0) {
      if (drop !== ExecDrop.NONE) return this.dropped({ kind: 'datapath', bridge: bridge.name, reason: EXEC_DROP_NAMES[drop] });
      return this.dropped(dropInfo(res.drop ?? { kind: 'no_output', bridge: res.bridge, text: 'no output action' }));
    }
    if (drop !== ExecDrop.NONE) bump(this.counters.dropReasons, EXEC_DROP_NAMES[drop]);
    return fate;
  }

  private dropped(info: DropInfo): PacketFate {
    this.fate.drop = info;
    this.counters.dropped++;
    bump(this.counters.dropReasons, info.reason);
    return this.fate;
  }

  // -- DpSink ------------------------------------------------------------------------------------------------------

  output(dpPort: number, pkt: DpPacket): void {
    const port = this.sw.portByDp(dpPort);
    if (port === undefined) return;
    this.counters.transmitted++;
    this.fate.outputs.push({ port: port.name, n: this.tx.transmit(port, pkt) });
  }

  userspace(_action: DpUserspaceAction, _pkt: DpPacket): void {
    this.fate.packetIns++;
    this.counters.packetIns++;
  }
}

function bump(m: Map<string, number>, k: string): void {
  m.set(k, (m.get(k) ?? 0) + 1);
}

/** The TPID of the packet's outer VLAN tag, which the flow key does not carry (xlate needs it to re-tag). */
function outerTpid(pkt: DpPacket): number {
  if (pkt.len < 18) return 0x8100;
  const t = (pkt.buf[pkt.start + 12] << 8) | pkt.buf[pkt.start + 13];
  return t === 0x88a8 ? 0x88a8 : 0x8100;
}

/** A translation's drop as the packet's fate reports it. */
export function dropInfo(d: XlateDrop): DropInfo {
  const rule = d.priority === undefined ? undefined : `priority=${d.priority}`;
  return { kind: d.kind, bridge: d.bridge, table: d.table, rule, reason: d.text };
}
