/**
 * Executing datapath actions on packet bytes (OVS's odp-execute.c).
 *
 * What? Xlate turns the OpenFlow pipeline into a short list of `DpAction`s; this applies them to one packet, in
 * order: masked header rewrites (`set_masked`), VLAN push/pop, outputs to ports, packet-ins, clones. It is the whole
 * of the fast path's work once a flow is cached, so it reads and writes the frame in place through the offsets that
 * extract found (layers.ts), and allocates nothing: clones use preallocated packets, one per nesting level.
 *
 * Checksums. Every rewrite keeps the packet's checksums as OVS keeps them, incrementally (RFC 1624), so a wrong
 * checksum stays exactly as wrong and a right one stays right:
 * - IPv4 addresses, TOS and TTL adjust the IPv4 header checksum; addresses also adjust the TCP checksum, and the UDP
 *   checksum unless it is 0 ("none"), which stays 0; a UDP checksum that comes out 0 is sent as 0xffff.
 * - IPv6 addresses adjust the TCP, UDP (same 0 rule) or ICMPv6 checksum, except where OVS does not: not for the
 *   destination when a routing header with segments left is present, and not at all behind a fragment header
 *   unless it is a first fragment (OVS's packet_rh_present).
 * - Ports adjust TCP/UDP checksums; SCTP's CRC32c is recomputed before and after and the difference applied to the
 *   stored value (so a bad CRC stays bad), as packet_set_sctp_port does.
 * - ICMP type/code and ND target/link-layer options adjust the ICMP(v6) checksum.
 * A rewrite of a header the packet does not have (too short, not parsed) is skipped, as in OVS.
 *
 * Masked sets. A `set_masked` carries a key and a mask in flow-key layout; for every mask bit the packet's bit takes
 * the key's. Which key words belong to which header is fixed by `DpHeader`.
 *
 * Conntrack and recirculation. `ct` hands the packet to the datapath's Conntrack (src/conntrack), which sets its
 * conntrack metadata and may rewrite it (NAT, FTP ALG). A fragment may be held for reassembly (the packet stops here,
 * counted as "held for fragment reassembly"); when a datapath is complete, its fragments come back and each runs the
 * rest of the action list, as OVS's ipf puts them back into the batch. `recirc(id)` goes back to the sink
 * (the datapath), which runs the packet through extract and the caches again with recirc_id set: the packet itself
 * when the recirculation is the last action, a copy otherwise. An executor built without conntrack (unit tests of
 * the other actions) still stops at `ct` with "conntrack not implemented", and a sink that cannot recirculate at
 * `recirc` with "recirculation not implemented". Header rewrites and ct_clear forget the packet's cached connection,
 * as OVS's packet_set_* functions do.
 */

import { CtVerdict, type Conntrack, type HeldFragment } from '../conntrack/index.js';
import { csumUpdate16, crc32c } from '../packet/checksum.js';
import { W } from '../flow/key-layout.js';
import type { DpAction, DpHeader } from '../ofproto/dp-actions.js';
import { pushTunnelHeader, tunnelSourcePort } from '../tunnel/vxlan-encap.js';
import { ctParams } from './ct-action.js';
import { DpPacket } from './packet.js';

// ---------------------------------------------------------------------------------------------------------------
// Drop reasons and the sink
// ---------------------------------------------------------------------------------------------------------------

/** Why execution stopped early; 0 = it did not. Indexes `DROP_REASON_NAMES`. */
export const enum ExecDrop {
  NONE = 0,
  CONNTRACK_NOT_IMPLEMENTED = 1,
  RECIRC_NOT_IMPLEMENTED = 2,
  CLONE_TOO_DEEP = 3,
  PUSH_VLAN_NO_ROOM = 4,
  FRAGMENT_HELD = 5,
  RECIRC_TOO_DEEP = 6,
  TNL_PUSH_NO_ROOM = 7,
  TUNNEL_NOT_IMPLEMENTED = 8,
  /** tnl_pop refused the packet; the sink counted its own reason. */
  TUNNEL_POP_FAILED = 9,
}

export const EXEC_DROP_NAMES: readonly string[] = [
  'none',
  'conntrack not implemented',
  'recirculation not implemented',
  'clone nesting too deep',
  'no room to push a VLAN header',
  'held for fragment reassembly',
  'max recirculation depth exceeded',
  'no room to push a tunnel header',
  'tunnels not configured',
  'tunnel pop failed',
];

export type DpUserspaceAction = Extract<DpAction, { kind: 'userspace' }>;

/** Where executed packets go. Implementations copy what they keep: the packet is reused right after the call. */
export interface DpSink {
  /** Transmit on datapath port `port`. */
  output(port: number, pkt: DpPacket): void;
  /** A packet-in (controller) or slow-path upcall. */
  userspace(action: DpUserspaceAction, pkt: DpPacket): void;
  /**
   * Runs `pkt` through the datapath again with recirc_id `id` (the sink owns extract and the caches). Returns
   * ExecDrop.RECIRC_TOO_DEEP past the depth limit. A sink without it cannot recirculate.
   */
  recirculate?(pkt: DpPacket, id: number): ExecDrop;
  /**
   * tnl_pop: decapsulate `pkt` and run the inner frame through the datapath as received on tunnel vport `vport`
   * (the sink owns the tunnel tables). A sink without it cannot terminate tunnels.
   */
  tunnelPop?(pkt: DpPacket, vport: number): ExecDrop;
}

/** What the `ct` action needs besides the packet: the tracker and the datapath's clock. */
export interface DpConntrack {
  readonly conntrack: Conntrack;
  nowMs(): number;
}

/** Clone nesting OVS allows in a datapath action list is bounded by xlate's recursion limit; this is ample. */
export const MAX_CLONE_DEPTH = 16;

// ---------------------------------------------------------------------------------------------------------------
// The executor
// ---------------------------------------------------------------------------------------------------------------

export class DpExecutor {
  private readonly clones: DpPacket[] = [];
  /** Re-entrant executions in progress (a recirculation executes again before the outer list is done). */
  private nest = 0;

  constructor(
    private readonly sink: DpSink,
    private readonly cloneCapacity?: number,
    private readonly ct?: DpConntrack,
  ) {}

  /** Runs `actions` on `pkt`. Returns why execution stopped early, or ExecDrop.NONE. */
  execute(pkt: DpPacket, actions: readonly DpAction[]): ExecDrop {
    // The commonest list of all, one output: no nesting level, no dispatch (what run() would do for it).
    if (actions.length === 1) {
      const a = actions[0];
      if (a.kind === 'output') {
        this.sink.output(a.port, pkt);
        return ExecDrop.NONE;
      }
    }
    // Each nesting level has its own scratch packets, so a recirculation inside a clone cannot reuse the clone's.
    const base = this.nest++ * (MAX_CLONE_DEPTH + 2);
    try {
      return this.run(pkt, actions, base, 0);
    } finally {
      this.nest--;
    }
  }

  private run(pkt: DpPacket, actions: readonly DpAction[], depth: number, from: number): ExecDrop {
    for (let i = from; i < actions.length; i++) {
      const a = actions[i];
      switch (a.kind) {
        case 'output':
          this.sink.output(a.port, pkt);
          break;
        case 'set_masked':
          setMasked(pkt, a.header, a.key, a.mask);
          if (a.header !== 'eth' && a.header !== 'skb_mark' && a.header !== 'tunnel') pkt.ctConn = -1;
          break;
        case 'push_vlan':
          if (!pushVlan(pkt, a.tpid, a.tci)) return ExecDrop.PUSH_VLAN_NO_ROOM;
          break;
        case 'pop_vlan':
          popVlan(pkt);
          break;
        case 'userspace':
          this.sink.userspace(a, pkt);
          break;
        case 'clone': {
          if (depth % (MAX_CLONE_DEPTH + 2) >= MAX_CLONE_DEPTH) return ExecDrop.CLONE_TOO_DEEP;
          const copy = this.clonePacket(depth);
          copy.copyFrom(pkt);
          // A drop inside the clone ends the clone only; the original continues.
          this.run(copy, a.actions, depth + 1, 0);
          break;
        }
        case 'ct_clear':
          clearConntrack(pkt);
          break;
        case 'ct':
          return this.conntrack(pkt, a, actions, i, depth);
        case 'tnl_push':
          if (!pushTunnel(pkt, a.header)) return ExecDrop.TNL_PUSH_NO_ROOM;
          break;
        case 'tnl_pop': {
          if (this.sink.tunnelPop === undefined) return ExecDrop.TUNNEL_NOT_IMPLEMENTED;
          if (i === actions.length - 1) return this.sink.tunnelPop(pkt, a.tnlPort);
          const copy = this.clonePacket(depth);
          copy.copyFrom(pkt);
          this.sink.tunnelPop(copy, a.tnlPort);
          break;
        }
        case 'recirc': {
          if (this.sink.recirculate === undefined) return ExecDrop.RECIRC_NOT_IMPLEMENTED;
          if (i === actions.length - 1) return this.sink.recirculate(pkt, a.id);
          const copy = this.clonePacket(depth);
          copy.copyFrom(pkt);
          this.sink.recirculate(copy, a.id);
          break;
        }
      }
    }
    return ExecDrop.NONE;
  }

  /**
   * The ct action at `actions[i]`: conntrack, then the rest of the list for the packet (unless a fragment was held)
   * and for every fragment conntrack released (a completed datagram's, or an expired list's), in that order.
   */
  private conntrack(pkt: DpPacket, a: Extract<DpAction, { kind: 'ct' }>, actions: readonly DpAction[], i: number, depth: number): ExecDrop {
    const env = this.ct;
    if (env === undefined) return ExecDrop.CONNTRACK_NOT_IMPLEMENTED;
    const c = env.conntrack;
    const dlType = pkt.l3 >= 2 ? (pkt.buf[pkt.start + pkt.l3 - 2] << 8) | pkt.buf[pkt.start + pkt.l3 - 1] : 0;
    const tp = pkt.l4 >= 0 && pkt.len - pkt.l4 >= 4 ? (pkt.buf[pkt.start + pkt.l4] << 8) | pkt.buf[pkt.start + pkt.l4 + 1] : 0;
    const tpDst = pkt.l4 >= 0 && pkt.len - pkt.l4 >= 4 ? (pkt.buf[pkt.start + pkt.l4 + 2] << 8) | pkt.buf[pkt.start + pkt.l4 + 3] : 0;
    const verdict = c.execute(pkt, dlType, ctParams(a), env.nowMs(), tp, tpDst);
    const released: readonly HeldFragment[] | null = c.released.length > 0 ? c.released.slice() : null;
    let res = ExecDrop.FRAGMENT_HELD;
    if (verdict === CtVerdict.CONTINUE) res = this.run(pkt, actions, depth, i + 1);
    if (released !== null) {
      const frag = this.clonePacket(depth + 1);
      for (const f of released) {
        frag.load(f.bytes, 0, f.bytes.length);
        frag.md.set(f.md);
        frag.l3 = f.l3;
        frag.l4 = f.l4;
        frag.l2Pad = f.l2Pad;
        this.run(frag, actions, depth + 2, i + 1);
      }
      if (verdict !== CtVerdict.CONTINUE) res = ExecDrop.NONE;
    }
    return res;
  }

  private clonePacket(depth: number): DpPacket {
    let p = this.clones[depth];
    if (p === undefined) {
      p = new DpPacket(this.cloneCapacity);
      this.clones[depth] = p;
    }
    return p;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// VLAN
// ---------------------------------------------------------------------------------------------------------------

/** Inserts an 802.1Q/802.1ad tag after the addresses. The CFI bit of `tci` means "present" to us; on the wire it is 0. */
export function pushVlan(pkt: DpPacket, tpid: number, tci: number): boolean {
  if (pkt.len < 12 || !pkt.resizeL2(4)) return false;
  const b = pkt.buf;
  const o = pkt.start + 12;
  b[o] = tpid >>> 8;
  b[o + 1] = tpid;
  const t = tci & ~0x1000;
  b[o + 2] = t >>> 8;
  b[o + 3] = t;
  return true;
}

/** Removes the outermost tag, if the frame has one. */
export function popVlan(pkt: DpPacket): void {
  const b = pkt.buf;
  const o = pkt.start + 12;
  if (pkt.len < 18) return;
  const t = (b[o] << 8) | b[o + 1];
  if (t !== 0x8100 && t !== 0x88a8) return;
  pkt.resizeL2(-4);
}

function clearConntrack(pkt: DpPacket): void {
  const md = pkt.md;
  for (let w = W.CT_STATE_ZONE; w <= W.CT_TP; w++) md[w] = 0;
  pkt.ctConn = -1;
}

// ---------------------------------------------------------------------------------------------------------------
// Masked sets
// ---------------------------------------------------------------------------------------------------------------

export function setMasked(pkt: DpPacket, header: DpHeader, key: Uint32Array, mask: Uint32Array): void {
  switch (header) {
    case 'eth':
      if (pkt.len >= 14) {
        setMac(pkt.buf, pkt.start, key, mask, W.DL_DST);
        setMac(pkt.buf, pkt.start + 6, key, mask, W.DL_SRC);
      }
      break;
    case 'ipv4':
      setIpv4(pkt, key, mask);
      break;
    case 'ipv6':
      setIpv6(pkt, key, mask);
      break;
    case 'tcp':
      setTcpPorts(pkt, key, mask);
      break;
    case 'udp':
      setUdpPorts(pkt, key, mask);
      break;
    case 'sctp':
      setSctpPorts(pkt, key, mask);
      break;
    case 'icmpv4':
    case 'icmpv6':
      setIcmp(pkt, key, mask);
      break;
    case 'arp':
      setArp(pkt, key, mask);
      break;
    case 'nd':
      setNd(pkt, key, mask);
      break;
    case 'skb_mark':
      pkt.md[W.PKT_MARK] = masked(pkt.md[W.PKT_MARK], key[W.PKT_MARK], mask[W.PKT_MARK]);
      break;
    case 'tunnel':
      for (let w = W.TUN_ID; w <= W.TUN_FLAGS_TOS_TTL; w++) pkt.md[w] = masked(pkt.md[w], key[w], mask[w]);
      break;
  }
}

function masked(old: number, key: number, mask: number): number {
  return ((key & mask) | (old & ~mask)) >>> 0;
}

/**
 * A MAC in the key: word `w` holds bytes 0-1 in its low 16 bits, word `w + 1` bytes 2-5. Writes it masked at `off`.
 * Returns nothing; the caller adjusts checksums if the MAC is covered by one (ND options).
 */
function setMac(b: Uint8Array, off: number, key: Uint32Array, mask: Uint32Array, w: number): void {
  const hiM = mask[w] & 0xffff;
  const loM = mask[w + 1];
  if (hiM === 0 && loM === 0) return;
  const hi = masked((b[off] << 8) | b[off + 1], key[w], hiM);
  const lo = masked(((b[off + 2] << 24) | (b[off + 3] << 16) | (b[off + 4] << 8) | b[off + 5]) >>> 0, key[w + 1], loM);
  b[off] = hi >>> 8;
  b[off + 1] = hi;
  b[off + 2] = lo >>> 24;
  b[off + 3] = lo >>> 16;
  b[off + 4] = lo >>> 8;
  b[off + 5] = lo;
}

/**
 * OVS's recalc_csum32: two 16-bit updates, the address's first (network-order high) half first. Done in the same
 * steps as OVS so that even the 0x0000/0xffff corner comes out the same bytes.
 */
function csumUpdate32(csum: number, oldVal: number, newVal: number): number {
  return csumUpdate16(csumUpdate16(csum, oldVal >>> 16, newVal >>> 16), oldVal & 0xffff, newVal & 0xffff);
}

function rd16(b: Uint8Array, o: number): number {
  return (b[o] << 8) | b[o + 1];
}

function wr16(b: Uint8Array, o: number, v: number): void {
  b[o] = v >>> 8;
  b[o + 1] = v;
}

function rd32(b: Uint8Array, o: number): number {
  return ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
}

function wr32(b: Uint8Array, o: number, v: number): void {
  b[o] = v >>> 24;
  b[o + 1] = v >>> 16;
  b[o + 2] = v >>> 8;
  b[o + 3] = v;
}

// -- IPv4 -------------------------------------------------------------------------------------------------------

const IPPROTO_TCP = 6;
const IPPROTO_UDP = 17;
const IPPROTO_ICMPV6 = 58;

function setIpv4(pkt: DpPacket, key: Uint32Array, mask: Uint32Array): void {
  if (pkt.l3 < 0 || pkt.len - pkt.l3 < 20) return;
  const b = pkt.buf;
  const nh = pkt.start + pkt.l3;
  if (mask[W.NW_SRC] !== 0) setIpv4Addr(pkt, nh + 12, masked(rd32(b, nh + 12), key[W.NW_SRC], mask[W.NW_SRC]));
  if (mask[W.NW_DST] !== 0) setIpv4Addr(pkt, nh + 16, masked(rd32(b, nh + 16), key[W.NW_DST], mask[W.NW_DST]));
  const tosMask = (mask[W.NW] >>> 16) & 0xff;
  if (tosMask !== 0) {
    const old = b[nh + 1];
    const tos = ((((key[W.NW] >>> 16) & tosMask) | (old & ~tosMask)) & 0xff) >>> 0;
    if (tos !== old) {
      wr16(b, nh + 10, csumUpdate16(rd16(b, nh + 10), old, tos));
      b[nh + 1] = tos;
    }
  }
  const ttlMask = (mask[W.NW] >>> 8) & 0xff;
  if (ttlMask !== 0) {
    const old = b[nh + 8];
    const ttl = (((key[W.NW] >>> 8) & ttlMask) | (old & ~ttlMask)) & 0xff;
    if (ttl !== old) {
      wr16(b, nh + 10, csumUpdate16(rd16(b, nh + 10), old << 8, ttl << 8));
      b[nh + 8] = ttl;
    }
  }
}

/** packet_set_ipv4_addr: the address at `at`, the IPv4 header checksum and the TCP/UDP checksum over it. */
function setIpv4Addr(pkt: DpPacket, at: number, addr: number): void {
  const b = pkt.buf;
  const old = rd32(b, at);
  if (old === addr) return;
  const nh = pkt.start + pkt.l3;
  const proto = b[nh + 9];
  const l4Size = pkt.l4Size();
  const th = pkt.start + pkt.l4;
  if (proto === IPPROTO_TCP && l4Size >= 20) {
    wr16(b, th + 16, csumUpdate32(rd16(b, th + 16), old, addr));
  } else if (proto === IPPROTO_UDP && l4Size >= 8) {
    const c = rd16(b, th + 6);
    if (c !== 0) {
      const n = csumUpdate32(c, old, addr);
      wr16(b, th + 6, n === 0 ? 0xffff : n);
    }
  }
  wr16(b, nh + 10, csumUpdate32(rd16(b, nh + 10), old, addr));
  wr32(b, at, addr);
}

// -- IPv6 -------------------------------------------------------------------------------------------------------

/** What packet_rh_present learns walking the extension headers between l3 and l4. */
let rhProto = 0;
let rhRecalc = true;

/** True if a routing header with segments left is present; sets rhProto (the transport protocol) and rhRecalc. */
function routingHeaderPresent(pkt: DpPacket): boolean {
  rhProto = 0;
  rhRecalc = true;
  const b = pkt.buf;
  const l4 = pkt.l4 >= 0 ? pkt.l4 : 0xffff;
  let remaining = l4 - pkt.l3;
  if (remaining < 40) return false;
  let p = pkt.start + pkt.l3;
  rhProto = b[p + 6];
  p += 40;
  remaining -= 40;
  for (;;) {
    const nh = rhProto;
    if (nh !== 0 && nh !== 43 && nh !== 60 && nh !== 51 && nh !== 44) return false;
    if (remaining < 8) return false;
    let len: number;
    if (nh === 51) {
      rhProto = b[p];
      len = (b[p + 1] + 2) * 4;
    } else if (nh === 44) {
      const offlg = rd16(b, p + 2);
      rhRecalc = (offlg & 0xfff8) === 0 && (offlg & 1) !== 0;
      rhProto = b[p];
      len = 8;
    } else if (nh === 43) {
      if (b[p + 3] > 0) return true;
      rhProto = b[p];
      len = (b[p + 1] + 1) * 8;
    } else {
      rhProto = b[p];
      len = (b[p + 1] + 1) * 8;
    }
    if (remaining < len) return false;
    remaining -= len;
    p += len;
  }
}

function setIpv6(pkt: DpPacket, key: Uint32Array, mask: Uint32Array): void {
  if (pkt.l3 < 0 || pkt.len - pkt.l3 < 40) return;
  const b = pkt.buf;
  const nh = pkt.start + pkt.l3;
  const rh = routingHeaderPresent(pkt);
  const proto = rhProto;
  const recalc = rhRecalc;
  setIpv6Addr(pkt, proto, nh + 8, key, mask, W.IPV6_SRC, recalc);
  setIpv6Addr(pkt, proto, nh + 24, key, mask, W.IPV6_DST, !rh && recalc);
  // Traffic class, flow label, hop limit are written unconditionally (masked), no checksum covers them.
  const first = rd32(b, nh);
  const oldTc = (first >>> 20) & 0xff;
  const tcMask = (mask[W.NW] >>> 16) & 0xff;
  const tc = ((key[W.NW] >>> 16) & tcMask) | (oldTc & ~tcMask & 0xff);
  const labelMask = mask[W.IPV6_LABEL] & 0xfffff;
  const label = (key[W.IPV6_LABEL] & labelMask) | (first & 0xfffff & ~labelMask);
  wr32(b, nh, ((first & 0xf0000000) | (tc << 20) | label) >>> 0);
  const hlMask = (mask[W.NW] >>> 8) & 0xff;
  b[nh + 7] = ((key[W.NW] >>> 8) & hlMask) | (b[nh + 7] & ~hlMask);
}

/** One IPv6 address (src at word `w`), masked, with the L4 checksum over it when `recalc`. */
function setIpv6Addr(pkt: DpPacket, proto: number, at: number, key: Uint32Array, mask: Uint32Array, w: number, recalc: boolean): void {
  const b = pkt.buf;
  let changed = false;
  for (let i = 0; i < 4; i++) {
    if (masked(rd32(b, at + 4 * i), key[w + i], mask[w + i]) !== rd32(b, at + 4 * i)) changed = true;
  }
  if (!changed) return;
  const csumAt = recalc ? l4ChecksumOffset(pkt, proto) : -1;
  for (let i = 0; i < 4; i++) {
    const o = at + 4 * i;
    const old = rd32(b, o);
    const v = masked(old, key[w + i], mask[w + i]);
    if (csumAt >= 0) wr16(b, csumAt, csumUpdate32(rd16(b, csumAt), old, v));
    wr32(b, o, v);
  }
  if (csumAt >= 0 && proto === IPPROTO_UDP && rd16(b, csumAt) === 0) wr16(b, csumAt, 0xffff);
}

/** Where the checksum covering the pseudo-header is, or -1 (no such header, too short, UDP without checksum). */
function l4ChecksumOffset(pkt: DpPacket, proto: number): number {
  const l4Size = pkt.l4Size();
  const th = pkt.start + pkt.l4;
  if (proto === IPPROTO_TCP && l4Size >= 20) return th + 16;
  if (proto === IPPROTO_UDP && l4Size >= 8) return rd16(pkt.buf, th + 6) !== 0 ? th + 6 : -1;
  if (proto === IPPROTO_ICMPV6 && l4Size >= 4) return th + 2;
  return -1;
}

// -- transport ports --------------------------------------------------------------------------------------------

function newPorts(b: Uint8Array, th: number, key: Uint32Array, mask: Uint32Array): number {
  return masked(rd32(b, th), key[W.TP], mask[W.TP]);
}

function setTcpPorts(pkt: DpPacket, key: Uint32Array, mask: Uint32Array): void {
  const l4Size = pkt.l4Size();
  if (l4Size < 20) return;
  const b = pkt.buf;
  const th = pkt.start + pkt.l4;
  const hlen = (b[th + 12] >>> 4) * 4;
  if (hlen < 20 || hlen > l4Size) return;
  const ports = newPorts(b, th, key, mask);
  setPort(b, th, ports >>> 16, th + 16);
  setPort(b, th + 2, ports & 0xffff, th + 16);
}

function setPort(b: Uint8Array, at: number, port: number, csumAt: number): void {
  const old = rd16(b, at);
  if (old === port) return;
  wr16(b, csumAt, csumUpdate16(rd16(b, csumAt), old, port));
  wr16(b, at, port);
}

function setUdpPorts(pkt: DpPacket, key: Uint32Array, mask: Uint32Array): void {
  if (pkt.l4Size() < 8) return;
  const b = pkt.buf;
  const uh = pkt.start + pkt.l4;
  const ports = newPorts(b, uh, key, mask);
  if (rd16(b, uh + 6) !== 0) {
    setPort(b, uh, ports >>> 16, uh + 6);
    setPort(b, uh + 2, ports & 0xffff, uh + 6);
    if (rd16(b, uh + 6) === 0) wr16(b, uh + 6, 0xffff);
  } else {
    wr32(b, uh, ports);
  }
}

/** packet_set_sctp_port: CRC32c before and after, difference applied to what was stored (kept bad if it was). */
function setSctpPorts(pkt: DpPacket, key: Uint32Array, mask: Uint32Array): void {
  const l4Size = pkt.l4Size();
  if (l4Size < 12) return;
  const b = pkt.buf;
  const sh = pkt.start + pkt.l4;
  const end = sh + l4Size;
  const stored = rd32(b, sh + 8);
  wr32(b, sh + 8, 0);
  const before = crc32c(b, sh, end);
  wr32(b, sh, newPorts(b, sh, key, mask));
  const after = crc32c(b, sh, end);
  // The CRC goes on the wire least significant byte first; XOR works bytewise either way.
  const delta = (before ^ after) >>> 0;
  b[sh + 8] = (stored >>> 24) ^ (delta & 0xff);
  b[sh + 9] = (stored >>> 16) ^ ((delta >>> 8) & 0xff);
  b[sh + 10] = (stored >>> 8) ^ ((delta >>> 16) & 0xff);
  b[sh + 11] = stored ^ (delta >>> 24);
}

function setIcmp(pkt: DpPacket, key: Uint32Array, mask: Uint32Array): void {
  if (pkt.l4Size() < 8) return;
  const b = pkt.buf;
  const ih = pkt.start + pkt.l4;
  // ICMP type and code live in tp_src/tp_dst (low 8 bits of each half of the TP word).
  const m = ((mask[W.TP] >>> 8) & 0xff00) | (mask[W.TP] & 0xff);
  const k = ((key[W.TP] >>> 8) & 0xff00) | (key[W.TP] & 0xff);
  const old = rd16(b, ih);
  const v = (k & m) | (old & ~m & 0xffff);
  if (v === old) return;
  wr16(b, ih + 2, csumUpdate16(rd16(b, ih + 2), old, v));
  wr16(b, ih, v);
}

// -- ARP and ND -------------------------------------------------------------------------------------------------

function setArp(pkt: DpPacket, key: Uint32Array, mask: Uint32Array): void {
  if (pkt.l3 < 0 || pkt.len - pkt.l3 < 28) return;
  const b = pkt.buf;
  const a = pkt.start + pkt.l3;
  // arp_op is 16 bits starting at bit 24 of the NW word: its low byte is NW's top byte, its high byte the low byte of
  // the word before (fields.ts). OVS only ever matches and sets the low 8 bits.
  const opMask = ((mask[W.IPV6_LABEL] & 0xff) << 8) | (mask[W.NW] >>> 24);
  const opKey = ((key[W.IPV6_LABEL] & 0xff) << 8) | (key[W.NW] >>> 24);
  wr16(b, a + 6, (opKey & opMask) | (rd16(b, a + 6) & ~opMask & 0xffff));
  setMac(b, a + 8, key, mask, W.ARP_SHA);
  wr32(b, a + 14, masked(rd32(b, a + 14), key[W.NW_SRC], mask[W.NW_SRC]));
  setMac(b, a + 18, key, mask, W.ARP_THA);
  wr32(b, a + 24, masked(rd32(b, a + 24), key[W.NW_DST], mask[W.NW_DST]));
}

const ND_MSG_LEN = 24;
const ND_OPT_SOURCE_LINKADDR = 1;
const ND_OPT_TARGET_LINKADDR = 2;

/** odp_set_nd + packet_set_nd: target address, then the first SLL or TLL option, checksum kept. */
function setNd(pkt: DpPacket, key: Uint32Array, mask: Uint32Array): void {
  const l4Size = pkt.l4Size();
  if (l4Size < ND_MSG_LEN) return;
  const b = pkt.buf;
  const ns = pkt.start + pkt.l4;
  const csumAt = ns + 2;
  let targetChanged = false;
  for (let i = 0; i < 4; i++) {
    const o = ns + 8 + 4 * i;
    if (masked(rd32(b, o), key[W.ND_TARGET + i], mask[W.ND_TARGET + i]) !== rd32(b, o)) targetChanged = true;
  }
  if (targetChanged) {
    // Like recalc_csum128: all four words go through the update once any differs.
    for (let i = 0; i < 4; i++) {
      const o = ns + 8 + 4 * i;
      const old = rd32(b, o);
      const v = masked(old, key[W.ND_TARGET + i], mask[W.ND_TARGET + i]);
      wr16(b, csumAt, csumUpdate32(rd16(b, csumAt), old, v));
      wr32(b, o, v);
    }
  }
  // Walk the options as OVS does: note that it steps by the *next* option's length (a quirk we keep).
  let remain = l4Size - ND_MSG_LEN;
  let opt = ns + ND_MSG_LEN;
  while (remain >= 8 && b[opt + 1] !== 0) {
    const type = b[opt];
    if ((type === ND_OPT_SOURCE_LINKADDR || type === ND_OPT_TARGET_LINKADDR) && b[opt + 1] === 1) {
      const w = type === ND_OPT_SOURCE_LINKADDR ? W.ARP_SHA : W.ARP_THA;
      const mac = opt + 2;
      const o0 = rd16(b, mac);
      const o1 = rd16(b, mac + 2);
      const o2 = rd16(b, mac + 4);
      setMac(b, mac, key, mask, w);
      if (o0 === rd16(b, mac) && o1 === rd16(b, mac + 2) && o2 === rd16(b, mac + 4)) return;
      let c = rd16(b, csumAt);
      c = csumUpdate16(c, o0, rd16(b, mac));
      c = csumUpdate16(c, o1, rd16(b, mac + 2));
      c = csumUpdate16(c, o2, rd16(b, mac + 4));
      wr16(b, csumAt, c);
      return;
    }
    opt += b[opt + 1] * 8;
    remain -= b[opt + 1] * 8;
  }
}

/**
 * tnl_push: the outer header goes in front of the frame (src/tunnel/vxlan-encap.ts), with the UDP source port from
 * the packet's RSS hash; the packet's offsets then describe the outer frame. False when the buffer has no room.
 */
function pushTunnel(pkt: DpPacket, header: Uint8Array): boolean {
  const start = pushTunnelHeader(pkt.buf, pkt.start, pkt.len, header, tunnelSourcePort(pkt.rssHash));
  if (start < 0) return false;
  pkt.start = start;
  pkt.len += header.length;
  pkt.l2_5 = -1;
  pkt.l3 = 14;
  pkt.l4 = header[12] === 0x86 ? 54 : 34;
  pkt.l2Pad = 0;
  pkt.ctConn = -1;
  return true;
}
