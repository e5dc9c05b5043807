/**
 * The connection tracker: OVS 3.1's userspace conntrack (lib/conntrack.c conntrack_execute and process_one), over
 * a shared-memory connection table.
 *
 * What? The datapath's `ct` action hands a packet here with its zone, commit/force flags, mark/label to set, ALG
 * helper and NAT. The packet leaves with its conntrack metadata set (ct_state, ct_zone, ct_mark, ct_label, and the
 * original-direction tuple in the ct_nw_{src,dst}, ct_ipv6_{src,dst}, ct_tp_{src,dst} words), possibly rewritten (NAT, FTP ALG), possibly held
 * (a fragment waiting for the rest of its datagram), and possibly with other packets released beside it (the
 * fragments of a datagram it completed, expired fragments).
 *
 * The decision, in OVS's order (process_one):
 *   1. Entering a zone different from the packet's last one clears its ct_state.
 *   2. Extract the connection key (conn-key.ts); a packet that fails is +inv+trk. A packet already NATed in this zone
 *      is looked up by its reversed key (it no longer looks like the connection's original tuple).
 *   3. Found in the reply direction with `force`: the old connection ends and a new one is considered.
 *   4. Found: the protocol state machine judges the packet (tcp.ts, icmp.ts, other.ts): +est (and +rpl for replies),
 *      +new while unconfirmed, +inv when out of window or malformed; a TCP SYN after both sides closed replaces the
 *      connection. An ICMP error quoting it is +rel (+rpl) without touching its state. A connection made from an ALG
 *      expectation adds +rel to every packet. With `nat`, the packet is translated (once per zone).
 *   5. Not found: ICMP errors are +inv. Anything else is +new (+rel when it matches an ALG expectation), or +inv when
 *      its protocol forbids starting a connection with it (TCP SYN|ACK or bad flags, ICMP non-requests). With
 *      `commit` the connection is created, subject to the zone's limit and the global limit, NATed if asked.
 *   6. Metadata is written: +trk, zone, the connection's mark and label (or the expectation's parent's), the original
 *      tuple (the parent's for ALG-related connections). Then mark/label from `exec` are applied to the connection
 *      (not to ALG-related ones, which keep their inherited values).
 *   7. An FTP/TFTP helper on the connection looks at the packet (alg-ftp.ts, alg-tftp.ts).
 *   8. The packet remembers its connection (unless NAT was asked), so a later ct in the same zone on the same packet
 *      (after a recirculation) reuses the result without re-judging it: OVS's "fast path".
 *
 * Time: every call gets `nowMs` from the datapath's clock; connections expire at their timeout (timeouts.ts);
 * lookups never see an expired connection; `sweep` frees expired connections (OVS's clean thread does this every
 * few seconds; until then they still count against limits).
 *
 * Per packet, nothing is allocated on the common path (established traffic without ALG or fragments): keys and
 * segment parsing use preallocated scratch, the table is typed arrays over shared memory.
 */

import { CtState, KEY_WORDS, W } from '../flow/key-layout.js';
import { rd16 } from '../packet/bytes.js';
import { FtpCtl, handleFtpCtl } from './alg-ftp.js';
import { handleTftpCtl } from './alg-tftp.js';
import {
  CK_DST,
  CK_META,
  CK_SPORT,
  CK_DPORT,
  CK_SRC,
  CK_WORDS,
  ckProto,
  ckZone,
  copyKey,
  ETH_TYPE_IP,
  ETH_TYPE_IPV6,
  ExtractInfo,
  extractConnKey,
  hashKey,
  IPPROTO_ICMP,
  IPPROTO_ICMPV6,
  IPPROTO_TCP,
  IPPROTO_UDP,
  reverseIcmp6Type,
  reverseIcmpType,
  reverseKey,
  type CtPacketView,
} from './conn-key.js';
import { formatEntry, formatStats, tupleMatches, tupleMatchIsFive, tupleMatchIsZero, type CtEntry, type CtTuple, type CtTupleMatch, type FormatOptions } from './dump.js';
import { Expectations, type Expectation } from './expectations.js';
import { icmpConnUpdate, icmpNewConn, icmpValidNew } from './icmp.js';
import { Ipf, IpfResult, type HeldFragment } from './ipf.js';
import { DEFAULT_ZONE, NO_ZONE, ZoneLimits, formatZoneLimits } from './limits.js';
import { chooseNatTuple, natPacket, type NatSpec } from './nat.js';
import { otherConnUpdate, otherNewConn } from './other.js';
import {
  ConnTable,
  F_ADMIT_ZONE,
  F_FLAGS,
  F_KEY,
  F_LABEL,
  F_MARK,
  F_PARENT,
  F_PROTO,
  F_REV,
  F_ZL_SEQ,
  FL_ALG_RELATED,
  FL_HELPER_MASK,
  FL_HELPER_SHIFT,
  FL_LIVE,
  FL_NAT_MASK,
  FL_NAT_NODE,
  FL_NAT_SHIFT,
  FL_SEQ_SKEW_REPLY,
  H_N_CONN_LIMIT,
  H_TCP_SEQ_CHK,
  HELPER_FTP,
  HELPER_NONE,
  HELPER_TFTP,
  NAT_DST,
  NAT_SRC,
} from './table.js';
import { CtUpdate, readSegment, TcpSegment, tcpConnUpdate, tcpDumpState, tcpNewConn, tcpValidNew } from './tcp.js';
import { timeoutMs, type CtTimeout } from './timeouts.js';

// ------------------------------------------------------------------------------------------------------------ types

/** Parameters of one `ct` action, built once per datapath action (not per packet). */
export interface CtParams {
  readonly zone: number;
  readonly commit: boolean;
  /** force implies commit (the caller sets both). */
  readonly force: boolean;
  readonly mark?: { readonly value: number; readonly mask: number };
  /** 128-bit label value and mask as 4 words each, most significant first. */
  readonly label?: { readonly value: Uint32Array; readonly mask: Uint32Array };
  /** HELPER_NONE, HELPER_FTP or HELPER_TFTP (alg=). */
  readonly helper: number;
  /** null: no nat; a NatSpec (possibly with action 0 for a bare `nat`). */
  readonly nat: NatSpec | null;
}

/**
 * A packet as conntrack sees it: bytes and layer offsets (CtPacketView), metadata words in flow-key layout (`md`:
 * the CT_* words and RECIRC_ID are read and written), and the cached connection (OVS's md.conn) that lets a second
 * ct in the same zone skip re-evaluation. `len` changes when the FTP ALG rewrites a payload.
 */
export interface CtPacket extends CtPacketView {
  readonly md: Uint32Array;
  /** Cached connection slot, -1 for none; set and cleared by conntrack (and cleared by any header rewrite). */
  ctConn: number;
  ctConnGen: number;
  ctReply: boolean;
  ctIcmpRelated: boolean;
}

export const enum CtVerdict {
  /** The packet goes on with the following actions. */
  CONTINUE = 0,
  /** The packet was taken by fragment reassembly; it stops here (its fragments may come back in `released`). */
  HELD = 1,
}

/** The metadata words a ct action writes; ipf copies them onto fragments. */
export const CT_MD_WORDS: readonly number[] = [
  W.CT_STATE_ZONE,
  W.CT_MARK,
  W.CT_LABEL,
  W.CT_LABEL + 1,
  W.CT_LABEL + 2,
  W.CT_LABEL + 3,
  W.CT_NW_SRC,
  W.CT_NW_DST,
  W.CT_IPV6_SRC,
  W.CT_IPV6_SRC + 1,
  W.CT_IPV6_SRC + 2,
  W.CT_IPV6_SRC + 3,
  W.CT_IPV6_DST,
  W.CT_IPV6_DST + 1,
  W.CT_IPV6_DST + 2,
  W.CT_IPV6_DST + 3,
  W.CT_NW_PROTO,
  W.CT_TP,
];

const NAT_BITS = CtState.SRC_NAT | CtState.DST_NAT;

export interface ConntrackOptions {
  /** Connection slots in the shared table (default 65536). Ignored when `table` is given. */
  readonly capacity?: number;
  /** Attach to an existing table (another thread's). */
  readonly table?: ConnTable;
  /** Hash seed (OVS: random per process); fix it for reproducible NAT port choices in tests. */
  readonly hashBasis?: number;
  /** Random source for NAT's second-round port picks (default Math.random). */
  readonly random?: () => number;
}

export interface FlushResult {
  readonly flushed: number;
  /** Set when a tuple flush named no connection by its original tuple (OVS: ENOENT and a warning). */
  readonly error?: string;
}

// ------------------------------------------------------------------------------------------------------- conntrack

export class Conntrack {
  readonly table: ConnTable;
  readonly limits: ZoneLimits;
  readonly ipf = new Ipf();
  readonly expectations: Expectations;
  /** Packets released by the last `execute` besides the packet itself (fragments); the caller runs them on. */
  readonly released: HeldFragment[] = [];
  private readonly random: () => number;

  // Scratch (per call, never allocated per packet).
  private readonly key = new Uint32Array(CK_WORDS);
  private readonly key2 = new Uint32Array(CK_WORDS);
  private readonly rev = new Uint32Array(CK_WORDS);
  private readonly info = new ExtractInfo();
  private readonly seg = new TcpSegment();
  private readonly reassembledPkt: CtPacket = {
    buf: new Uint8Array(0),
    start: 0,
    len: 0,
    l3: 0,
    l4: 0,
    l2Pad: 0,
    md: new Uint32Array(KEY_WORDS),
    ctConn: -1,
    ctConnGen: 0,
    ctReply: false,
    ctIcmpRelated: false,
  };

  // Per-call state (OVS's conn_lookup_ctx).
  private reply = false;
  private icmpRelated = false;
  private hash = 0;
  private algExp: Expectation | undefined = undefined;

  constructor(opts: ConntrackOptions = {}) {
    this.table = opts.table ?? ConnTable.create(opts.capacity ?? 65536, opts.hashBasis);
    this.limits = new ZoneLimits(this.table);
    this.expectations = new Expectations(this.table.hashBasis);
    this.random = opts.random ?? Math.random;
  }

  // ------------------------------------------------------------------------------------------------- settings

  /** dpctl/ct-set-maxconns. */
  setMaxConns(n: number): void {
    Atomics.store(this.table.i32, H_N_CONN_LIMIT, n | 0);
  }

  maxConns(): number {
    return Atomics.load(this.table.i32, H_N_CONN_LIMIT) >>> 0;
  }

  /** dpctl/ct-enable-tcp-seq-chk / ct-disable-tcp-seq-chk. */
  setTcpSeqCheck(on: boolean): void {
    Atomics.store(this.table.i32, H_TCP_SEQ_CHK, on ? 1 : 0);
  }

  nConns(): number {
    return this.table.nConn();
  }

  // -------------------------------------------------------------------------------------------------- execute

  /**
   * conntrack_execute for one packet. `dlType` is the packet's EtherType (0x0800/0x86dd; anything else is +inv).
   * `tpSrc`/`tpDst` are the flow's L4 ports as the datapath flow saw them (OVS passes the megaflow's), used only to
   * recognise FTP/TFTP control traffic on non-standard ports when a helper is given.
   */
  execute(pkt: CtPacket, dlType: number, p: CtParams, nowMs: number, tpSrc = 0, tpDst = 0): CtVerdict {
    if (this.released.length !== 0) this.released.length = 0;
    const v6 = dlType === ETH_TYPE_IPV6;
    const isIp = v6 || dlType === ETH_TYPE_IP;
    let verdict: CtVerdict = CtVerdict.CONTINUE;

    if (isIp) {
      const r = this.ipf.preprocess(pkt, pkt.md, pkt.md[W.RECIRC_ID], v6, p.zone, nowMs);
      if (r === IpfResult.HELD) {
        verdict = CtVerdict.HELD;
      } else if (r === IpfResult.COMPLETED) {
        this.runReassembled(dlType, p, nowMs, tpSrc, tpDst);
        verdict = CtVerdict.HELD;
      } else {
        if (r === IpfResult.INVALID) setState(pkt.md, CtState.INVALID);
        this.executeOne(pkt, dlType, p, nowMs, tpSrc, tpDst);
      }
      if (this.ipf.held() > 0) {
        const from = this.released.length;
        this.ipf.releaseExpired(v6, nowMs, this.released);
        for (let i = from; i < this.released.length; i++) setState(this.released[i].md, CtState.INVALID);
      }
    } else {
      this.executeOne(pkt, dlType, p, nowMs, tpSrc, tpDst);
    }
    return verdict;
  }

  /** Runs the datagram ipf just completed through conntrack and releases its fragments with the outcome. */
  private runReassembled(dlType: number, p: CtParams, nowMs: number, tpSrc: number, tpDst: number): void {
    const ra = this.ipf.reassembled!;
    const rp = this.reassembledPkt;
    rp.buf = ra.bytes;
    rp.start = 0;
    rp.len = ra.bytes.length;
    rp.l3 = ra.l3;
    rp.l4 = ra.l4;
    rp.l2Pad = 0;
    rp.md.set(ra.md.subarray(0, Math.min(ra.md.length, rp.md.length)));
    rp.ctConn = -1;
    this.executeOne(rp, dlType, p, nowMs, tpSrc, tpDst);
    for (const f of this.ipf.releaseCompleted(rp.buf, rp.md, CT_MD_WORDS)) this.released.push(f);
  }

  private executeOne(pkt: CtPacket, dlType: number, p: CtParams, nowMs: number, tpSrc: number, tpDst: number): void {
    const md = pkt.md;
    if (state(md) === CtState.INVALID) {
      this.writeMd(pkt, p.zone, -1, null);
      return;
    }
    const cached = pkt.ctConn;
    if (
      cached >= 0 &&
      !p.force &&
      this.cachedConnIn(cached, pkt.ctConnGen, p.zone) &&
      this.algCtlType(pkt, tpSrc, tpDst, p.helper) === HELPER_NONE
    ) {
      this.processFast(pkt, p, cached);
      return;
    }
    if (!extractConnKey(pkt, dlType, p.zone, this.key, this.info)) {
      setState(md, CtState.INVALID);
      this.writeMd(pkt, p.zone, -1, null);
      return;
    }
    this.icmpRelated = this.info.icmpRelated;
    this.processOne(pkt, p, nowMs, tpSrc, tpDst);
  }

  /** Is the cached connection still the one the packet saw, and in `zone`? */
  private cachedConnIn(slot: number, gen: number, zone: number): boolean {
    const t = this.table;
    if (!t.lockConn(slot, gen)) return false;
    const z = ckZone(t.u32, t.rec(slot) + F_KEY);
    t.unlockConn(slot);
    return z === zone;
  }

  /** process_one_fast: the packet's cached connection, same zone, no force, no ALG. */
  private processFast(pkt: CtPacket, p: CtParams, slot: number): void {
    const md = pkt.md;
    if (p.nat !== null) {
      this.handleNat(pkt, slot, p.zone, pkt.ctReply, pkt.ctIcmpRelated);
      pkt.ctConn = -1;
    }
    md[W.CT_STATE_ZONE] = (md[W.CT_STATE_ZONE] & 0xffff0000) | p.zone;
    const r = this.table.rec(slot);
    md[W.CT_MARK] = this.table.u32[r + F_MARK];
    for (let i = 0; i < 4; i++) md[W.CT_LABEL + i] = this.table.u32[r + F_LABEL + i];
    this.applyMarkLabel(pkt, p, slot);
  }

  private processOne(pkt: CtPacket, p: CtParams, nowMs: number, tpSrc: number, tpDst: number): void {
    const md = pkt.md;
    const t = this.table;
    const key = this.key;
    if (state(md) !== 0 && mdZone(md) !== p.zone) setState(md, 0);

    // initial_conn_lookup
    const natted = (state(md) & NAT_BITS) !== 0;
    if (natted) reverseKey(key);
    this.hash = hashKey(key, 0, t.hashBasis);
    let conn = t.lookup(key, 0, this.hash, nowMs);
    let gen = t.lastGen;
    this.reply = conn >= 0 && t.lastReply;
    if (natted) {
      if (conn >= 0) {
        this.reply = !this.reply;
        t.readKey(conn, this.reply ? F_REV : F_KEY, key);
        this.hash = hashKey(key, 0, t.hashBasis);
      } else {
        reverseKey(key);
      }
    }

    if (p.force && this.reply && conn >= 0) {
      this.removeConn(conn, gen);
      conn = -1;
    }

    const algCtl = this.algCtlType(pkt, tpSrc, tpDst, p.helper);
    let createNew = false;
    const nat = p.nat !== null;

    if (conn >= 0) {
      if (algCtl === HELPER_FTP) {
        createNew = this.updateStateFtp(pkt, conn, gen, nat, nowMs);
      } else {
        createNew = this.updateState(pkt, conn, gen, nowMs);
      }
      if (nat && !createNew) this.handleNat(pkt, conn, p.zone, this.reply, this.icmpRelated);
    } else if ((conn = this.checkOrigTuple(pkt, nat, nowMs)) >= 0) {
      gen = t.lastGen;
      createNew = this.updateState(pkt, conn, gen, nowMs);
    } else if (this.icmpRelated) {
      setState(md, CtState.INVALID);
    } else {
      createNew = true;
    }

    this.algExp = undefined;
    if (createNew) {
      this.algExp = this.expectations.lookup(key);
      t.lockCreate();
      try {
        if (t.lookup(key, 0, this.hash, nowMs) < 0) {
          conn = this.connNotFound(pkt, p, algCtl, nowMs);
          gen = conn >= 0 ? t.i32[t.rec(conn) + 1] : 0;
        }
      } finally {
        t.unlockCreate();
      }
    }

    this.writeMd(pkt, p.zone, conn, key);
    if (conn >= 0) this.applyMarkLabel(pkt, p, conn);

    // handle_alg_ctl
    if (conn >= 0 && algCtl !== HELPER_NONE) {
      const helper = (t.i32[t.rec(conn) + F_FLAGS] & FL_HELPER_MASK) >>> FL_HELPER_SHIFT;
      if (helper !== HELPER_NONE) {
        const rplState = (state(md) & CtState.REPLY_DIR) !== 0;
        if (algCtl === HELPER_FTP) {
          const bits = handleFtpCtl(t, conn, pkt, ckIsV6Key(key), this.reply, rplState, nat, FtpCtl.INTEREST, this.expectations);
          if (bits) setState(md, state(md) | bits);
        } else {
          handleTftpCtl(this.expectations, t, conn, rplState);
        }
      }
    }

    // set_cached_conn
    if (!nat && conn >= 0) {
      pkt.ctConn = conn;
      pkt.ctConnGen = gen;
      pkt.ctReply = this.reply;
      pkt.ctIcmpRelated = this.icmpRelated;
    } else {
      pkt.ctConn = -1;
    }
  }

  /** conn_update_state_alg for FTP control connections: seq/ack un-skewing around the TCP update. */
  private updateStateFtp(pkt: CtPacket, conn: number, gen: number, nat: boolean, nowMs: number): boolean {
    const t = this.table;
    const v6 = ckIsV6Key(this.key);
    const skewReply = (t.i32[t.rec(conn) + F_FLAGS] & FL_SEQ_SKEW_REPLY) !== 0;
    const rpl = (state(pkt.md) & CtState.REPLY_DIR) !== 0;
    if (this.reply !== skewReply) {
      handleFtpCtl(t, conn, pkt, v6, this.reply, rpl, nat, FtpCtl.OTHER, this.expectations);
      return this.updateState(pkt, conn, gen, nowMs);
    }
    const createNew = this.updateState(pkt, conn, gen, nowMs);
    if (!createNew) handleFtpCtl(t, conn, pkt, v6, this.reply, rpl, nat, FtpCtl.OTHER, this.expectations);
    return createNew;
  }

  /** conn_update_state: returns true when a new connection must replace this one. */
  private updateState(pkt: CtPacket, conn: number, gen: number, nowMs: number): boolean {
    const md = pkt.md;
    const t = this.table;
    if (this.icmpRelated) {
      let s = state(md) | CtState.RELATED;
      if (this.reply) s |= CtState.REPLY_DIR;
      setState(md, s);
      return false;
    }
    const r = t.rec(conn);
    if (t.i32[r + F_FLAGS] & FL_ALG_RELATED) setState(md, state(md) | CtState.RELATED);
    if (!t.lockConn(conn, gen)) return true;
    const proto = ckProto(t.u32, r + F_KEY);
    let res: number;
    if (proto === IPPROTO_TCP) {
      readSegment(pkt.buf, this.info.l4Abs, this.info.l4Size, this.seg);
      res = tcpConnUpdate(t.i32, r + F_PROTO, this.reply, this.seg, t.i32[H_TCP_SEQ_CHK] !== 0);
    } else if (proto === IPPROTO_ICMP || proto === IPPROTO_ICMPV6) {
      res = icmpConnUpdate(t.i32, r + F_PROTO, this.reply);
    } else {
      res = otherConnUpdate(t.i32, r + F_PROTO, this.reply);
    }
    const tm = (res >>> 4) - 1;
    if (tm >= 0) t.setExpiration(conn, nowMs + timeoutMs(tm as CtTimeout));
    t.unlockConn(conn);
    switch (res & 0xf) {
      case CtUpdate.VALID: {
        let s = (state(md) | CtState.ESTABLISHED) & ~CtState.NEW;
        if (this.reply) s |= CtState.REPLY_DIR;
        setState(md, s);
        return false;
      }
      case CtUpdate.INVALID:
        setState(md, CtState.INVALID);
        return false;
      case CtUpdate.NEW:
        this.removeConn(conn, gen);
        return true;
      default:
        setState(md, state(md) | CtState.NEW);
        return false;
    }
  }

  /** handle_nat: translate, unless the packet was already translated in this zone. */
  private handleNat(pkt: CtPacket, conn: number, zone: number, reply: boolean, related: boolean): void {
    const t = this.table;
    const r = t.rec(conn);
    const natAction = (t.i32[r + F_FLAGS] & FL_NAT_MASK) >>> FL_NAT_SHIFT;
    const md = pkt.md;
    const s = state(md);
    if (natAction !== 0 && ((s & NAT_BITS) === 0 || mdZone(md) !== zone)) {
      const tail = pkt.start + pkt.len - pkt.l2Pad;
      const bit = natPacket(
        pkt.buf, pkt.start, pkt.len, pkt.start + pkt.l3, pkt.start + pkt.l4, tail,
        t.u32, r + F_KEY, r + F_REV, natAction, reply, related,
      );
      setState(md, (s & ~NAT_BITS) | bit);
    }
  }

  /** check_orig_tuple: a packet NATed earlier in this zone, found again by the original tuple it carries. */
  private checkOrigTuple(pkt: CtPacket, nat: boolean, nowMs: number): number {
    const md = pkt.md;
    const key = this.key;
    const v6 = ckIsV6Key(key);
    const origProto = md[W.CT_NW_PROTO] & 0xff;
    if ((state(md) & NAT_BITS) === 0 || origProto === 0 || nat) return -1;
    const k = this.key2;
    k.fill(0);
    if (!v6) {
      k[CK_SRC] = md[W.CT_NW_SRC];
      k[CK_DST] = md[W.CT_NW_DST];
    } else {
      for (let i = 0; i < 4; i++) {
        k[CK_SRC + i] = md[W.CT_IPV6_SRC + i];
        k[CK_DST + i] = md[W.CT_IPV6_DST + i];
      }
    }
    const tpSrc = md[W.CT_TP] >>> 16;
    const tpDst = md[W.CT_TP] & 0xffff;
    const proto = ckProto(key);
    if (proto === (v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP)) {
      const type = tpSrc & 0xff;
      k[CK_SPORT] = ((key[CK_SPORT] & 0xffff0000) | (type << 8)) >>> 0;
      k[CK_DPORT] = ((key[CK_DPORT] & 0xffff0000) | ((v6 ? reverseIcmp6Type(type) : reverseIcmpType(type)) << 8)) >>> 0;
    } else {
      k[CK_SPORT] = (tpSrc << 16) >>> 0;
      k[CK_DPORT] = (tpDst << 16) >>> 0;
    }
    k[CK_META] = ((mdZone(md) << 16) | (origProto << 8) | (v6 ? 1 : 0)) >>> 0;
    return this.table.lookup(k, 0, hashKey(k, 0, this.table.hashBasis), nowMs);
  }

  /** conn_not_found: judge a first packet and, with commit, create its connection. Caller holds the create lock. */
  private connNotFound(pkt: CtPacket, p: CtParams, algCtl: number, nowMs: number): number {
    const md = pkt.md;
    const t = this.table;
    const key = this.key;
    const proto = ckProto(key);
    const l4 = this.info.l4Abs;
    let validNew: boolean;
    if (proto === IPPROTO_TCP) validNew = tcpValidNew(((pkt.buf[l4 + 12] << 8) | pkt.buf[l4 + 13]) & 0x0fff);
    else if (proto === IPPROTO_ICMP) validNew = icmpValidNew(false, pkt.buf[l4]);
    else if (proto === IPPROTO_ICMPV6) validNew = icmpValidNew(true, pkt.buf[l4]);
    else validNew = true;
    if (!validNew) {
      setState(md, CtState.INVALID);
      return -1;
    }
    const exp = this.algExp;
    setState(md, exp !== undefined ? CtState.NEW | CtState.RELATED : CtState.NEW);
    if (!p.commit) return -1;

    const admitZone = this.limits.admittingZone(p.zone);
    if (admitZone !== NO_ZONE && this.limits.full(admitZone)) return -1;
    if (t.nConn() >= this.maxConns()) return -1;
    const slot = t.allocate();
    if (slot < 0) return -1;
    const r = t.rec(slot);
    const i32 = t.i32;

    let tm: CtTimeout;
    if (proto === IPPROTO_TCP) {
      readSegment(pkt.buf, l4, this.info.l4Size, this.seg);
      tm = tcpNewConn(i32, r + F_PROTO, this.seg);
    } else if (proto === IPPROTO_ICMP || proto === IPPROTO_ICMPV6) {
      tm = icmpNewConn(i32, r + F_PROTO);
    } else {
      tm = otherNewConn(i32, r + F_PROTO);
    }
    t.setExpiration(slot, nowMs + timeoutMs(tm));
    t.writeKey(slot, F_KEY, key);
    copyKey(key, 0, this.rev, 0);
    reverseKey(this.rev);

    let flags = 0;
    // ct_verify_helper: a helper is kept unless the packet is another helper's control traffic.
    if (algCtl === HELPER_NONE || algCtl === p.helper) flags |= p.helper << FL_HELPER_SHIFT;
    if (exp !== undefined) {
      flags |= FL_ALG_RELATED;
      i32[r + F_MARK] = exp.parentMark | 0;
      for (let i = 0; i < 4; i++) i32[r + F_LABEL + i] = exp.parentLabel[i] | 0;
      t.writeKey(slot, F_PARENT, exp.parentKey);
    }
    if (p.nat !== null) {
      let natAction = p.nat.action;
      if (exp !== undefined) {
        if (exp.natRplDst) {
          for (let i = 0; i < 4; i++) this.rev[CK_DST + i] = exp.replAddr[i];
          natAction = NAT_SRC;
        } else {
          for (let i = 0; i < 4; i++) this.rev[CK_SRC + i] = exp.replAddr[i];
          natAction = NAT_DST;
        }
      } else if (!chooseNatTuple(t, key, this.rev, p.nat, nowMs, this.random)) {
        // Tuple space exhausted: nothing is created (OVS logs "Unable to NAT due to tuple space exhaustion").
        t.free(slot);
        return -1;
      }
      flags |= natAction << FL_NAT_SHIFT;
      t.writeKey(slot, F_REV, this.rev);
      const tail = pkt.start + pkt.len - pkt.l2Pad;
      const bit = natPacket(pkt.buf, pkt.start, pkt.len, pkt.start + pkt.l3, l4, tail, t.u32, r + F_KEY, r + F_REV, natAction, false, this.icmpRelated);
      setState(md, state(md) | bit);
    } else {
      t.writeKey(slot, F_REV, this.rev);
    }
    i32[r + F_FLAGS] = flags;
    if (admitZone !== NO_ZONE) {
      i32[r + F_ADMIT_ZONE] = admitZone;
      i32[r + F_ZL_SEQ] = this.limits.admit(admitZone);
    } else {
      i32[r + F_ADMIT_ZONE] = NO_ZONE;
    }
    t.publish(slot);
    return slot;
  }

  /** write_ct_md. `key` is the packet's key, used for the original tuple when there is no connection. */
  private writeMd(pkt: CtPacket, zone: number, conn: number, key: Uint32Array | null): void {
    const md = pkt.md;
    const t = this.table;
    setState(md, state(md) | CtState.TRACKED);
    md[W.CT_STATE_ZONE] = (md[W.CT_STATE_ZONE] & 0xffff0000) | (zone & 0xffff);
    let src: Uint32Array | null = key;
    let sb = 0;
    if (conn >= 0) {
      const r = t.rec(conn);
      md[W.CT_MARK] = t.u32[r + F_MARK];
      for (let i = 0; i < 4; i++) md[W.CT_LABEL + i] = t.u32[r + F_LABEL + i];
      src = t.u32;
      sb = r + ((t.i32[r + F_FLAGS] & FL_ALG_RELATED) !== 0 ? F_PARENT : F_KEY);
    } else {
      md[W.CT_MARK] = 0;
      for (let i = 0; i < 4; i++) md[W.CT_LABEL + i] = 0;
      if (this.algExp !== undefined) {
        md[W.CT_MARK] = this.algExp.parentMark;
        for (let i = 0; i < 4; i++) md[W.CT_LABEL + i] = this.algExp.parentLabel[i];
        src = this.algExp.parentKey;
        sb = 0;
      }
    }
    this.algExp = undefined;
    writeOrigTuple(md, src, sb);
  }

  /** set_mark / set_label from the action's exec(): ALG-related connections keep their inherited values. */
  private applyMarkLabel(pkt: CtPacket, p: CtParams, conn: number): void {
    if (p.mark === undefined && p.label === undefined) return;
    const md = pkt.md;
    const t = this.table;
    const r = t.rec(conn);
    const related = (t.i32[r + F_FLAGS] & FL_ALG_RELATED) !== 0;
    if (p.mark !== undefined) {
      if (related) md[W.CT_MARK] = t.u32[r + F_MARK];
      else {
        md[W.CT_MARK] = (p.mark.value | (md[W.CT_MARK] & ~p.mark.mask)) >>> 0;
        t.i32[r + F_MARK] = md[W.CT_MARK] | 0;
      }
    }
    if (p.label !== undefined) {
      for (let i = 0; i < 4; i++) {
        if (related) md[W.CT_LABEL + i] = t.u32[r + F_LABEL + i];
        else {
          md[W.CT_LABEL + i] = (p.label.value[i] | (md[W.CT_LABEL + i] & ~p.label.mask[i])) >>> 0;
          t.i32[r + F_LABEL + i] = md[W.CT_LABEL + i] | 0;
        }
      }
    }
  }

  /** get_alg_ctl_type: is this FTP (TCP port 21) or TFTP (UDP port 69) control traffic? */
  private algCtlType(pkt: CtPacket, tpSrc: number, tpDst: number, helper: number): number {
    if (pkt.l3 < 0 || pkt.l4 < 0) return HELPER_NONE;
    const l3 = pkt.start + pkt.l3;
    const l4 = pkt.start + pkt.l4;
    const proto = pkt.buf[l3] >>> 4 === 6 ? pkt.buf[l3 + 6] : pkt.buf[l3 + 9];
    let ftpSrc = 21;
    let ftpDst = 21;
    let tftpDst = 69;
    if (tpDst !== 0) {
      if (helper === HELPER_FTP) ftpDst = tpDst;
      else if (helper === HELPER_TFTP) tftpDst = tpDst;
    } else if (tpSrc !== 0 && helper === HELPER_FTP) {
      ftpSrc = tpSrc;
    }
    if (proto === IPPROTO_UDP && rd16(pkt.buf, l4 + 2) === tftpDst) return HELPER_TFTP;
    if (proto === IPPROTO_TCP && (rd16(pkt.buf, l4) === ftpSrc || rd16(pkt.buf, l4 + 2) === ftpDst)) return HELPER_FTP;
    return HELPER_NONE;
  }

  // --------------------------------------------------------------------------------------------- maintenance

  /** conn_clean: frees a connection (if still the one seen), its expectations and its zone-limit count. */
  private removeConn(slot: number, gen: number): void {
    const t = this.table;
    t.lockCreate();
    try {
      const r = t.rec(slot);
      if ((t.i32[r + F_FLAGS] & FL_LIVE) === 0 || t.i32[r + 1] !== gen) return;
      this.freeLocked(slot);
    } finally {
      t.unlockCreate();
    }
  }

  private freeLocked(slot: number): void {
    const t = this.table;
    const r = t.rec(slot);
    if (t.i32[r + F_FLAGS] & FL_HELPER_MASK) this.expectations.removeParent(t.u32, r + F_KEY);
    const admit = t.i32[r + F_ADMIT_ZONE];
    const zlSeq = t.i32[r + F_ZL_SEQ];
    t.free(slot);
    this.limits.release(admit, zlSeq);
  }

  /** Frees every connection expired at `nowMs` (OVS's ct_clean thread). Returns how many. */
  sweep(nowMs: number): number {
    const t = this.table;
    const hw = t.highWater();
    let n = 0;
    for (let s = 0; s < hw; s++) {
      if (t.isLive(s) && t.expiration(s) <= nowMs) {
        t.lockCreate();
        try {
          if (t.isLive(s) && t.expiration(s) <= nowMs) {
            this.freeLocked(s);
            n++;
          }
        } finally {
          t.unlockCreate();
        }
      }
    }
    return n;
  }

  /** dpctl/flush-conntrack [zone=N]: every connection, or those of one zone. */
  flush(zone?: number): number {
    const t = this.table;
    const hw = t.highWater();
    let n = 0;
    t.lockCreate();
    try {
      for (let s = 0; s < hw; s++) {
        if (!t.isLive(s)) continue;
        if (zone !== undefined && ckZone(t.u32, t.rec(s) + F_KEY) !== zone) continue;
        this.freeLocked(s);
        n++;
      }
    } finally {
      t.unlockCreate();
    }
    return n;
  }

  /**
   * dpctl/flush-conntrack [zone=N] ORIG [REPLY]: a full original 5-tuple (and no reply tuple) flushes that
   * connection in the zone (0 by default), and must be the pre-NAT tuple; otherwise every connection (of the zone,
   * if given) matching the partial tuples is flushed.
   */
  flushTuple(zone: number | undefined, orig: CtTupleMatch, reply: CtTupleMatch | null, nowMs: number): FlushResult {
    const proto = orig.proto;
    if (tupleMatchIsFive(orig) && (reply === null || tupleMatchIsZero(reply))) {
      const k = this.key2;
      k.fill(0);
      k.set(orig.src, CK_SRC);
      k.set(orig.dst, CK_DST);
      if (proto === IPPROTO_ICMP || proto === IPPROTO_ICMPV6) {
        const v6 = orig.v6 === true;
        k[CK_SPORT] = ((orig.icmpId << 16) | (orig.icmpType << 8) | orig.icmpCode) >>> 0;
        const rt = v6 ? reverseIcmp6Type(orig.icmpType) : reverseIcmpType(orig.icmpType);
        k[CK_DPORT] = ((orig.icmpId << 16) | (rt << 8) | orig.icmpCode) >>> 0;
      } else {
        k[CK_SPORT] = (orig.sport << 16) >>> 0;
        k[CK_DPORT] = (orig.dport << 16) >>> 0;
      }
      k[CK_META] = (((zone ?? 0) << 16) | (proto << 8) | (orig.v6 ? 1 : 0)) >>> 0;
      const t = this.table;
      const slot = t.lookup(k, 0, hashKey(k, 0, t.hashBasis), nowMs);
      if (slot >= 0 && !(t.lastReply && (t.i32[t.rec(slot) + F_FLAGS] & FL_NAT_NODE) !== 0)) {
        this.removeConn(slot, t.lastGen);
        return { flushed: 1 };
      }
      return { flushed: 0, error: 'Must flush tuple using the original pre-NATed tuple' };
    }
    let n = 0;
    const t = this.table;
    const hw = t.highWater();
    for (let s = 0; s < hw; s++) {
      if (!t.isLive(s) || t.expiration(s) <= nowMs) continue;
      const e = this.entryOf(s, nowMs);
      if (zone !== undefined && e.zone !== zone) continue;
      if (orig.v6 !== null && orig.v6 !== e.orig.v6) continue;
      if (proto && proto !== e.orig.proto) continue;
      if (!tupleMatches(orig, e.orig, proto)) continue;
      if (reply !== null && !tupleMatches(reply, e.reply, proto)) continue;
      this.removeConn(s, t.i32[t.rec(s) + 1]);
      n++;
    }
    return { flushed: n };
  }

  // ---------------------------------------------------------------------------------------------------- dump

  /** The live connections (of one zone, if given) at `nowMs`, in table order. */
  entries(nowMs: number, zone?: number): CtEntry[] {
    const t = this.table;
    const out: CtEntry[] = [];
    const hw = t.highWater();
    for (let s = 0; s < hw; s++) {
      if (!t.isLive(s) || t.expiration(s) <= nowMs) continue;
      if (zone !== undefined && ckZone(t.u32, t.rec(s) + F_KEY) !== zone) continue;
      out.push(this.entryOf(s, nowMs));
    }
    return out;
  }

  /** `dpctl/dump-conntrack [zone=N]` lines. */
  dump(nowMs: number, zone?: number, opts?: FormatOptions): string[] {
    return this.entries(nowMs, zone).map((e) => formatEntry(e, opts));
  }

  /** `dpctl/ct-stats-show [zone=N]`. */
  stats(nowMs: number, zone?: number, verbose = false): string {
    return formatStats(this.entries(nowMs, zone), verbose);
  }

  /** `dpctl/ct-set-limits [default=N] [zone=Z,limit=L]...` */
  setLimits(defaultLimit: number | undefined, zones: readonly { zone: number; limit: number }[]): void {
    if (defaultLimit !== undefined) this.limits.set(DEFAULT_ZONE, defaultLimit);
    for (const z of zones) this.limits.set(z.zone, z.limit);
  }

  /** `dpctl/ct-del-limits zone=Z[,Z]...` */
  deleteLimits(zones: readonly number[]): void {
    for (const z of zones) this.limits.delete(z);
  }

  /** `dpctl/ct-get-limits [zone=Z[,Z]...]` output. */
  getLimits(zones?: readonly number[]): string {
    return formatZoneLimits(this.limits.defaultLimit(), this.limits.get(zones));
  }

  private entryOf(slot: number, nowMs: number): CtEntry {
    const t = this.table;
    const r = t.rec(slot);
    const flags = t.i32[r + F_FLAGS];
    const proto = ckProto(t.u32, r + F_KEY);
    const helper = (flags & FL_HELPER_MASK) >>> FL_HELPER_SHIFT;
    let label = 0n;
    for (let i = 0; i < 4; i++) label = (label << 32n) | BigInt(t.u32[r + F_LABEL + i]);
    const left = t.expiration(slot) - nowMs;
    return {
      orig: tupleOf(t.u32, r + F_KEY),
      reply: tupleOf(t.u32, r + F_REV),
      parent: flags & FL_ALG_RELATED ? tupleOf(t.u32, r + F_PARENT) : null,
      zone: ckZone(t.u32, r + F_KEY),
      mark: t.u32[r + F_MARK],
      label,
      tcpState: proto === IPPROTO_TCP ? tcpDumpState(t.i32, r + F_PROTO) : -1,
      helper: helper === HELPER_FTP ? 'ftp' : helper === HELPER_TFTP ? 'tftp' : null,
      timeout: left > 0 ? Math.floor(left / 1000) : 0,
    };
  }
}

// ------------------------------------------------------------------------------------------------------- helpers

function state(md: Uint32Array): number {
  return (md[W.CT_STATE_ZONE] >>> 16) & 0xff;
}

function setState(md: Uint32Array, s: number): void {
  md[W.CT_STATE_ZONE] = (((s & 0xff) << 16) | (md[W.CT_STATE_ZONE] & 0xffff)) >>> 0;
}

function mdZone(md: Uint32Array): number {
  return md[W.CT_STATE_ZONE] & 0xffff;
}

function ckIsV6Key(key: Uint32Array): boolean {
  return (key[CK_META] & 1) !== 0;
}

/** The ct_nw_{src,dst}, ct_ipv6_{src,dst}, ct_tp_{src,dst}/ct_nw_proto words from a key (all zero when there is none). */
function writeOrigTuple(md: Uint32Array, k: Uint32Array | null, b: number): void {
  md[W.CT_NW_SRC] = 0;
  md[W.CT_NW_DST] = 0;
  for (let i = 0; i < 4; i++) {
    md[W.CT_IPV6_SRC + i] = 0;
    md[W.CT_IPV6_DST + i] = 0;
  }
  md[W.CT_NW_PROTO] = 0;
  md[W.CT_TP] = 0;
  if (k === null) return;
  const meta = k[b + CK_META];
  const proto = (meta >>> 8) & 0xff;
  const v6 = (meta & 1) !== 0;
  if (!v6) {
    md[W.CT_NW_SRC] = k[b + CK_SRC];
    md[W.CT_NW_DST] = k[b + CK_DST];
  } else {
    for (let i = 0; i < 4; i++) {
      md[W.CT_IPV6_SRC + i] = k[b + CK_SRC + i];
      md[W.CT_IPV6_DST + i] = k[b + CK_DST + i];
    }
  }
  const sp = k[b + CK_SPORT];
  if (proto === (v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP)) {
    md[W.CT_TP] = ((((sp >>> 8) & 0xff) << 16) | (sp & 0xff)) >>> 0;
  } else {
    md[W.CT_TP] = ((sp & 0xffff0000) | (k[b + CK_DPORT] >>> 16)) >>> 0;
  }
  md[W.CT_NW_PROTO] = proto;
}

function tupleOf(u32: Uint32Array, b: number): CtTuple {
  const meta = u32[b + CK_META];
  const sp = u32[b + CK_SPORT];
  return {
    v6: (meta & 1) !== 0,
    src: u32.slice(b + CK_SRC, b + CK_SRC + 4),
    dst: u32.slice(b + CK_DST, b + CK_DST + 4),
    proto: (meta >>> 8) & 0xff,
    sport: sp >>> 16,
    dport: u32[b + CK_DPORT] >>> 16,
    icmpId: sp >>> 16,
    icmpType: (sp >>> 8) & 0xff,
    icmpCode: sp & 0xff,
  };
}
