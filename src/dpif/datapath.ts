/**
 * The datapath: what happens to one received packet, from bytes to transmitted frames.
 *
 *   receive(port, frame)
 *     -> extract: flow key + layer offsets (src/flow/extract.ts via layers.ts)
 *     -> caches (caches.ts): EMC -> dpcls -> on a miss, upcall: xlate runs the OpenFlow pipeline on the key
 *        (src/ofproto/xlate.ts) and a megaflow is installed; the translation's side effects (rule stats, MAC
 *        learning, learn(), fin_timeout) are committed at the current time, on hits as on upcalls
 *     -> execute the datapath actions on the bytes (execute.ts) -> frames to ports, packet-ins
 *
 * Megaflows are revalidated before the next pass after anything that can change a translation (revalidator.ts), so
 * a packet never follows a stale action and forwarding equals OVS's with coherent caches, which is what the
 * reference runner ensures by waiting for a revalidator round after every packet.
 *
 * Time. The caller owns the clock; `expire(nowMs)` ages OpenFlow rules (idle/hard timeouts) and NORMAL's MAC tables,
 * and `receive` translates at the clock's current time. Replay calls expire before each packet.
 *
 * Cache hits and side effects. A cache hit only counts the megaflow's stats; the side effects its translation
 * recorded (rule stats, MAC refresh, learn, fin_timeout) are pushed later, as OVS's revalidator pushes them
 * (caches.ts). `receive` pushes at the end of every packet, and before each nested pass (recirculation, tunnel
 * pop), which is exactly when the hits' effects used to be committed as far as anything can observe: OpenFlow state
 * after a packet is what the reference runner sees after settling. `receiveBatch` (the fast path, OVS's
 * dp_netdev_input over a batch of up to 32 packets from one port) leaves them pending; the owner calls
 * `maintain(nowMs)` between batches (OVS: the revalidator, every 500 ms), which pushes them, ages rules and MAC
 * entries and revalidates. Anything that changes translation still revalidates before the next lookup, batch or not.
 *
 * What a packet did is recorded in `fate` (reused per packet): the frames it produced, packet-ins, whether extract
 * stopped early (a malformed packet is forwarded anyway, as OVS forwards what it extracted), and when nothing came
 * out, why. The datapath never throws for a packet problem.
 */

import type { Clock } from '../base/clock.js';
import { Conntrack } from '../conntrack/index.js';
import { extractStatusName } from '../flow/extract.js';
import { FIRST_PACKET_WORD, KEY_WORDS, VLAN_CFI, W } from '../flow/key-layout.js';
import type { Bridge } from '../ofproto/bridge.js';
import type { Port } from '../ofproto/port.js';
import type { Switch } from '../ofproto/switch.js';
import type { XlateDrop, XlateDropKind, XlateResult } from '../ofproto/xlate-types.js';
import { DECAP_DROP_NAMES, popVxlan } from '../tunnel/vxlan-decap.js';
import { ovsRssHash } from '../tunnel/vxlan-encap.js';
import { DatapathCaches, type DatapathCacheConfig } from './caches.js';
import { DpExecutor, EXEC_DROP_NAMES, ExecDrop, type DpSink, type DpUserspaceAction } from './execute.js';
import { extractFresh, extractPacket } from './layers.js';
import { actionsKeepMetadata, actionsOnlyRead, Megaflow, type CachedTranslation } from './megaflow.js';
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

/**
 * Frames received on one port, held where they lie (a capture in memory, receive buffers): frame i is
 * `buf[offs[i] .. offs[i] + lens[i])`. `words`, when given, is an Int32Array over the same memory as `buf` starting
 * at the same byte: frames at 4-byte-aligned offsets that must be copied (their actions change bytes) are then
 * copied into the datapath's packet as 32-bit words.
 */
export interface RxBatch {
  readonly buf: Uint8Array;
  readonly words: Int32Array | null;
  readonly offs: Int32Array;
  readonly lens: Int32Array;
  count: number;
}

/** OVS's NETDEV_MAX_BURST: the packets a batch holds. */
export const BATCH_SIZE = 32;

/** An empty RxBatch of BATCH_SIZE slots over `buf` (the words view is made once, here, when `buf` allows one). */
export function rxBatch(buf: Uint8Array): RxBatch {
  const words = (buf.byteOffset & 3) === 0 ? new Int32Array(buf.buffer, buf.byteOffset, buf.byteLength >> 2) : null;
  return { buf, words, offs: new Int32Array(BATCH_SIZE), lens: new Int32Array(BATCH_SIZE), count: 0 };
}

/** What one packet did. Reused: copy what you keep. */
export class PacketFate {
  readonly outputs: OutputRef[] = [];
  packetIns = 0;
  /** Extract's status name when it stopped early ("truncated_ipv4", ...), else null. */
  malformed: string | null = null;
  /**
   * Set when no frame came out (and no packet-in): why, as decided by the packet's last datapath pass (after a
   * tnl_pop or a ct recirculation, the pass that dropped it, not the first one that only passed it on).
   */
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
  /** The last translation, for callers that want to look (trace, tests); null when the packet hit a cache. */
  lastXlate: XlateResult | null = null;
  /** EMC -> dpcls -> upcall, consulted once per datapath pass (caches.ts). */
  readonly caches: DatapathCaches;

  /** The connection tracker behind the `ct` action (dpctl/dump-conntrack and friends read it). */
  readonly conntrack: Conntrack;

  private readonly pkt: DpPacket;
  private readonly key = new Uint32Array(KEY_WORDS);
  private readonly recircKey = new Uint32Array(KEY_WORDS);
  private readonly executor: DpExecutor;
  /** Where the packet being processed came in: recirculated passes keep its in_port. */
  private inBridge: Bridge | null = null;
  private inDpPort = 0;
  private recircDepth = 0;
  /**
   * The translation of the last datapath pass the packet in progress made (its first, or a recirculation or tunnel
   * pop after it): when nothing comes out, that pass's drop is the packet's.
   */
  private lastPass: CachedTranslation | null = null;
  /** Frames the host stack sent back (ARP replies), received after the current packet. */
  private readonly hostReplies: { port: Port; frame: Uint8Array }[] = [];
  private lastCtSweepMs = -Infinity;
  /** Frames and packet-ins the packet in progress produced (fate lists them only on the one-packet path). */
  private outputs = 0;
  private packetIns = 0;
  /** True inside receiveBatch: no per-packet fate, side effects stay pending until maintain(). */
  private batching = false;
  private readonly portsByDp: (Port | undefined)[] = [];
  private portsGen = -1;

  constructor(
    readonly sw: Switch,
    private readonly clock: Clock,
    private readonly tx: PortTransmit,
    frameCapacity?: number,
    cacheConfig?: DatapathCacheConfig,
    conntrack?: Conntrack,
  ) {
    this.caches = new DatapathCaches(sw, cacheConfig);
    this.pkt = new DpPacket(frameCapacity);
    this.conntrack = conntrack ?? new Conntrack();
    const ct = this.conntrack;
    this.executor = new DpExecutor(this, frameCapacity, { conntrack: ct, nowMs: () => clock.nowMs() });
  }

  /**
   * Ages rules and MAC entries of every bridge to `nowMs`, and (at most once a second of clock time) frees expired
   * connections, as OVS's conntrack clean thread does; an expired connection is invisible to lookups before that,
   * but still counts against limits.
   */
  expire(nowMs: number): void {
    // Pending hit stats first: a rule's or MAC entry's last use must be known before it is aged.
    this.caches.pushStats();
    for (const br of this.sw.bridges) {
      br.flows.expire(nowMs);
      br.macTable.expire(nowMs);
    }
    if (nowMs - this.lastCtSweepMs >= CT_SWEEP_INTERVAL_MS) {
      this.lastCtSweepMs = nowMs;
      this.conntrack.sweep(nowMs);
    }
  }

  /**
   * What OVS's revalidator does between batches, at `nowMs`: pushes the pending stats of cache hits through their
   * side effects, ages rules, MAC entries and connections (`expire`), revalidates megaflows whose translation may
   * have changed, expires idle megaflows when the sweep is due.
   */
  maintain(nowMs: number): void {
    this.expire(nowMs);
    this.caches.maintain(nowMs);
  }

  /** Processes one frame received on `port`; see `fate` for what happened. */
  receive(port: Port, frame: Uint8Array, off = 0, len = frame.length): PacketFate {
    this.fate.reset();
    const fate = this.fate;
    this.ingest(port, frame, off, len);
    // Frames the host stack answered meanwhile (ARP replies from an underlay address) arrive next, as OVS's
    // netdev-dummy queues them; what they cause belongs to this packet's fate.
    while (this.hostReplies.length > 0) {
      const r = this.hostReplies.shift()!;
      const drop = fate.drop;
      this.ingest(r.port, r.frame, 0, r.frame.length);
      fate.drop = fate.outputs.length > 0 || fate.packetIns > 0 ? null : drop;
    }
    return fate;
  }

  /**
   * Processes a batch of frames received on `port` (OVS dp_netdev_input): each is extracted where it lies (copied
   * into the datapath's packet only if its actions change bytes), looked up (EMC -> dpcls -> upcall) and executed,
   * with the clock read, the port resolved and the caches' change check done once per batch (and again after an
   * upcall). No fate is recorded (the counters are kept) and cache hits leave their side effects pending for
   * `maintain()`. Returns the number of frames transmitted.
   */
  receiveBatch(port: Port, batch: RxBatch): number {
    const before = this.counters.transmitted;
    const bridge = this.sw.bridge(port.bridgeName);
    if (bridge === undefined || port.isPatch) {
      for (let i = 0; i < batch.count; i++) {
        this.counters.received++;
        this.countDrop(`port ${port.name} cannot receive packets`);
      }
      return 0;
    }
    const nowMs = this.clock.nowMs();
    const { buf, words, offs, lens } = batch;
    this.batching = true;
    this.caches.beginBatch();
    try {
      for (let i = 0; i < batch.count; i++) {
        this.counters.received++;
        this.pkt.borrow(buf, words, offs[i], lens[i]);
        this.process(port, bridge, nowMs);
        if (this.hostReplies.length > 0) this.answerHost();
      }
    } finally {
      this.batching = false;
      this.caches.endBatch();
    }
    return this.counters.transmitted - before;
  }

  /** Host-stack replies queued by the batch's packets, each as a packet received after them. */
  private answerHost(): void {
    while (this.hostReplies.length > 0) {
      const r = this.hostReplies.shift()!;
      const bridge = this.sw.bridge(r.port.bridgeName);
      this.counters.received++;
      if (bridge === undefined) continue;
      this.pkt.load(r.frame, 0, r.frame.length);
      this.process(r.port, bridge, this.clock.nowMs());
    }
  }

  /** One frame from a port through the datapath (one-packet path), adding to `fate`. */
  private ingest(port: Port, frame: Uint8Array, off: number, len: number): void {
    const fate = this.fate;
    this.counters.received++;
    const bridge = this.sw.bridge(port.bridgeName);
    if (bridge === undefined || port.isPatch) {
      fate.error = `port ${port.name} cannot receive packets`;
      this.dropped({ kind: 'port', bridge: port.bridgeName, reason: fate.error });
      return;
    }
    this.pkt.load(frame, off, len);
    this.process(port, bridge, this.clock.nowMs());
    // Settle: the hits' side effects are committed before anything else can look (the next packet, a dump).
    this.caches.pushStats();
  }

  /**
   * The packet loaded in `pkt`, received on `port` of `bridge` at `nowMs`: extract, caches, execute, then what it
   * did (fate on the one-packet path, counters always).
   */
  private process(port: Port, bridge: Bridge, nowMs: number): void {
    const pkt = this.pkt;
    const key = this.key;
    pkt.md[W.IN_PORT] = port.ofport;
    // `key` keeps its metadata words (but in_port) zero between packets, as a fresh packet's are: see below.
    const status = extractFresh(pkt, key);
    if (status !== 0) {
      const name = extractStatusName(status);
      if (!this.batching) this.fate.malformed = name;
      bump(this.counters.malformed, name);
    }

    // --- fast path (caches.ts): EMC -> dpcls -> upcall; a hit leaves its side effects pending ---
    const tpid = key[W.DL_TYPE_VLAN] & VLAN_CFI ? outerTpid(pkt) : 0;
    const res = this.caches.translateFresh(bridge, port.dpPort, key, tpid, pkt.len, nowMs);
    const keepsMd = res instanceof Megaflow ? res.keepsMetadata : actionsKeepMetadata(res.actions);
    // The RSS hash only feeds tnl_push's source port (here or after a recirculation): actions that keep the
    // metadata have neither, so most packets skip it.
    if (!keepsMd) pkt.rssHash = ovsRssHash(key);
    const xl = this.caches.lastXlate;
    this.lastXlate = xl;
    if (xl !== null) {
      this.noteNeighbours(nowMs);
      // The key went through a translation: whatever it did, the next packet starts from zero metadata again.
      key.fill(0, W.IN_PORT + 1, FIRST_PACKET_WORD);
    }
    // --- end of fast path ---

    // A borrowed frame (batch path) is copied only when the actions are going to change it.
    if (pkt.borrowed && !(res instanceof Megaflow ? res.readOnly : actionsOnlyRead(res.actions))) pkt.own();
    this.inBridge = bridge;
    this.inDpPort = port.dpPort;
    this.recircDepth = 0;
    this.outputs = 0;
    this.packetIns = 0;
    this.lastPass = res;
    const drop = this.executor.execute(pkt, res.actions);
    // A packet that recirculated (ct, tnl_pop) was dropped, if at all, by the last pass it made, not by this one.
    const last = this.lastPass ?? res;
    this.lastPass = null;
    if (!keepsMd) pkt.mdDirty = true;
    // On the one-packet path a host reply belongs to the fate of the packet that caused it: what that produced counts.
    const produced = this.batching ? this.outputs + this.packetIns : this.fate.outputs.length + this.fate.packetIns;
    if (produced === 0) {
      if (this.batching) {
        this.countDrop(drop !== ExecDrop.NONE ? EXEC_DROP_NAMES[drop] : last.drop !== null ? last.drop.text : 'no output action');
      } else if (drop !== ExecDrop.NONE) {
        this.dropped({ kind: 'datapath', bridge: bridge.name, reason: EXEC_DROP_NAMES[drop] });
      } else {
        this.dropped(dropInfo(last.drop ?? { kind: 'no_output', bridge: last.bridge, text: 'no output action' }));
      }
    } else if (drop !== ExecDrop.NONE) {
      bump(this.counters.dropReasons, EXEC_DROP_NAMES[drop]);
    }
  }

  private dropped(info: DropInfo): PacketFate {
    this.fate.drop = info;
    this.countDrop(info.reason);
    return this.fate;
  }

  private countDrop(reason: string): void {
    this.counters.dropped++;
    bump(this.counters.dropReasons, reason);
  }

  // -- DpSink ------------------------------------------------------------------------------------------------------

  /**
   * recirc(id): the packet goes through extract and the caches again with recirc_id = id and the conntrack fields
   * the ct action left in its metadata (OVS dp_netdev_recirculate; at most MAX_RECIRC_DEPTH nested passes).
   */
  recirculate(pkt: DpPacket, id: number): ExecDrop {
    const bridge = this.inBridge;
    if (bridge === null) return ExecDrop.RECIRC_NOT_IMPLEMENTED;
    if (this.recircDepth >= MAX_RECIRC_DEPTH) return ExecDrop.RECIRC_TOO_DEEP;
    this.recircDepth++;
    // One-packet path: the previous pass's hit effects are committed before this pass looks anything up.
    if (!this.batching) this.caches.pushStats();
    try {
      pkt.md[W.RECIRC_ID] = id;
      const key = this.recircKey;
      extractPacket(pkt, key);
      const tpid = key[W.DL_TYPE_VLAN] & VLAN_CFI ? outerTpid(pkt) : 0;
      const res = this.caches.translate(bridge, this.inDpPort, key, tpid, pkt.len, this.clock.nowMs());
      this.noteNeighbours(this.clock.nowMs());
      this.lastPass = res;
      return this.executor.execute(pkt, res.actions);
    } finally {
      this.recircDepth--;
    }
  }

  /**
   * tnl_pop(vport): validate and strip the outer headers (src/tunnel/vxlan-decap.ts), find the tunnel port the
   * packet belongs to by its outer addresses, VNI and vport (ofproto/tunnel.c), and run the inner frame through the
   * datapath as received on that port, with the tunnel metadata set. A bad outer header is dropped with its reason;
   * no matching tunnel port is OVS's "receive tunnel port not found", counted as a lost upcall.
   */
  tunnelPop(pkt: DpPacket, vport: number): ExecDrop {
    const tunnels = this.sw.tunnels;
    if (tunnels === null) return ExecDrop.TUNNEL_NOT_IMPLEMENTED;
    if (this.recircDepth >= MAX_RECIRC_DEPTH) return ExecDrop.RECIRC_TOO_DEEP;
    const md = pkt.md;
    const n = popVxlan(pkt.buf, pkt.start, pkt.len, pkt.l3, pkt.l4, md);
    if (n < 0) {
      bump(this.counters.dropReasons, DECAP_DROP_NAMES[-n]);
      return ExecDrop.TUNNEL_POP_FAILED;
    }
    pkt.start += n;
    pkt.len -= n;
    pkt.ctConn = -1;
    // A decapsulated packet starts afresh: only its tunnel metadata survives (pkt_metadata_init_tnl + recirculate).
    md.fill(0, 0, W.TUN_ID);
    md.fill(0, W.TUN_FLAGS_TOS_TTL + 1);
    const port = tunnels.ports.receive(md, vport);
    const tport = port === null ? undefined : this.sw.bridge(port.bridge)?.port(port.ofport);
    if (port === null || tport === undefined) {
      this.caches.stats.lost++;
      bump(this.counters.dropReasons, 'receive tunnel port not found');
      return ExecDrop.TUNNEL_POP_FAILED;
    }
    const bridge = this.sw.bridge(port.bridge)!;
    md[W.IN_PORT] = port.ofport;
    const savedBridge = this.inBridge;
    const savedDp = this.inDpPort;
    this.inBridge = bridge;
    this.inDpPort = vport;
    this.recircDepth++;
    if (!this.batching) this.caches.pushStats();
    try {
      const key = this.recircKey;
      extractPacket(pkt, key);
      pkt.rssHash = ovsRssHash(key);
      const tpid = key[W.DL_TYPE_VLAN] & VLAN_CFI ? outerTpid(pkt) : 0;
      const nowMs = this.clock.nowMs();
      // OVS re-enters a popped packet through dp_netdev_recirculate, so pmd-stats counts it as a recirculation.
      if (key[W.RECIRC_ID] === 0) this.caches.stats.recirculations++;
      const res = this.caches.translate(bridge, vport, key, tpid, pkt.len, nowMs);
      this.noteNeighbours(nowMs);
      this.lastPass = res;
      return this.executor.execute(pkt, res.actions);
    } finally {
      this.recircDepth--;
      this.inBridge = savedBridge;
      this.inDpPort = savedDp;
    }
  }

  /** Applies the tunnel neighbours an upcall's translation saw (never a cache hit's: OVS learns them in the upcall). */
  private noteNeighbours(nowMs: number): void {
    const seen = this.caches.lastXlate?.neighbours;
    const tunnels = this.sw.tunnels;
    if (seen === undefined || tunnels === null) return;
    const before = tunnels.underlay.seq;
    for (const s of seen) tunnels.underlay.setNeighbour(s.bridge, s.ip, 0, s.mac, 0, nowMs);
    // A changed neighbour changes tnl_push headers: every megaflow is revalidated (OVS: tnl_conf_seq).
    if (tunnels.underlay.seq !== before) this.sw.generation++;
  }

  output(dpPort: number, pkt: DpPacket): void {
    const port = this.portOf(dpPort);
    if (port === undefined) return;
    this.counters.transmitted++;
    this.outputs++;
    const n = this.tx.transmit(port, pkt);
    if (!this.batching) this.fate.outputs.push({ port: port.name, n });
    if (this.sw.tunnels !== null) this.answerArp(port, pkt);
  }

  /** `sw.portByDp` through an array cache, emptied whenever the switch's ports change (its generation moves). */
  private portOf(dpPort: number): Port | undefined {
    const sw = this.sw;
    if (this.portsGen !== sw.generation) {
      this.portsByDp.length = 0;
      this.portsGen = sw.generation;
    }
    if (dpPort < 0 || dpPort >= 65536) return sw.portByDp(dpPort);
    let port = dpPort < this.portsByDp.length ? this.portsByDp[dpPort] : undefined;
    if (port === undefined) {
      port = sw.portByDp(dpPort);
      if (port !== undefined) {
        while (this.portsByDp.length <= dpPort) this.portsByDp.push(undefined);
        this.portsByDp[dpPort] = port;
      }
    }
    return port;
  }

  /**
   * The host stack behind a device with an underlay address answers ARP requests for that address (what the kernel
   * does on a real host, and what OVS's netdev-dummy emulates): the reply comes back in on the same port.
   */
  private answerArp(port: Port, pkt: DpPacket): void {
    const tunnels = this.sw.tunnels!;
    if (!tunnels.underlay.hasAddress(port.name)) return;
    const b = pkt.buf;
    const f = pkt.start;
    if (pkt.len < 42 || b[f + 12] !== 0x08 || b[f + 13] !== 0x06 || b[f + 20] !== 0 || b[f + 21] !== 1) return;
    const tpa = ((b[f + 38] << 24) | (b[f + 39] << 16) | (b[f + 40] << 8) | b[f + 41]) >>> 0;
    if (!tunnels.underlay.addressesOf(port.name).some((a) => a.addr[2] === 0xffff && a.addr[0] === 0 && a.addr[3] === tpa)) return;
    const mac = tunnels.deviceMac(port.name);
    if (mac === undefined) return;
    const r = new Uint8Array(42);
    r.set(b.subarray(f + 6, f + 12), 0); // to the requester's Ethernet source
    r.set(mac, 6);
    r.set([0x08, 0x06, 0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x02], 12);
    r.set(mac, 22);
    r.set(b.subarray(f + 38, f + 42), 28); // spa: the requested address
    r.set(b.subarray(f + 6, f + 12), 32); // tha: the requester's Ethernet source
    r.set(b.subarray(f + 28, f + 32), 38); // tpa: the requester's spa
    this.hostReplies.push({ port, frame: r });
  }

  userspace(_action: DpUserspaceAction, _pkt: DpPacket): void {
    this.packetIns++;
    if (!this.batching) this.fate.packetIns++;
    this.counters.packetIns++;
  }
}

/** OVS's MAX_RECIRC_DEPTH (dpif-netdev). */
const MAX_RECIRC_DEPTH = 6;
/** How often (clock time) expire() frees expired connections. */
const CT_SWEEP_INTERVAL_MS = 1000;

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
