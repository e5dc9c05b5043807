/**
 * IP fragment reassembly for conntrack (OVS 3.1 lib/ipf.c).
 *
 * Conntrack cannot track a fragment (no ports), so before conntrack OVS holds fragments back, per list keyed by
 * (source, destination, IP id, protocol for IPv4, zone, recirc_id), until the first and last have arrived and the
 * pieces are contiguous. It then builds the whole datagram (a copy of the first fragment with the others' data
 * appended, more-fragments cleared, lengths fixed), runs *that* through conntrack, and copies the outcome back onto
 * the fragments: conntrack metadata to all of them, NAT's address rewrite to all of them, and the first fragment's
 * L4 bytes (ports, checksum) from the datagram. The fragments, not the datagram, then continue through the rest of the
 * actions, in offset order. Until then a held fragment goes nowhere.
 *
 * Which fragments are held: well-formed ones (IPv4: header checksum right, total length = bytes present; IPv6: a
 * fragment header, payload length = bytes present). A fragment other than the last smaller than 1200 bytes of IPv4
 * (1280 for IPv6) is "too small" and +inv, as is one overlapping a fragment already held. When holding is not
 * possible (reassembly disabled, 1000 fragments already held, list full, list already completed or failed) the
 * fragment passes to conntrack, which calls it invalid. A list not completed within 15 s is expired: the next
 * conntrack call for the same address family releases its fragments marked invalid (ct_state exactly +inv, no +trk)
 * into that call's output; 10 s later still unsent, they are purged.
 *
 * This is the slow path: fragments are copied and lists kept in a Map; nothing here runs for unfragmented packets.
 */

import { rd16, rd32, wr16 } from '../packet/bytes.js';
import { csumUpdate16, csumUpdate32, finishChecksum, onesSum } from '../packet/checksum.js';
import type { CtPacketView } from './conn-key.js';

const V4_FRAG_SIZE_MIN = 1200;
const V6_FRAG_SIZE_MIN = 1280;
const MAX_FRAGS_DEFAULT = 1000;
const LIST_TIMEOUT_MS = 15000;
const PURGE_ADJ_MS = 10000;
const IPV4_MAX = 65535;
const V4_MAX_LIST = Math.ceil((65535 - 60) / (V4_FRAG_SIZE_MIN - 60));
const V6_MAX_LIST = 65535;

/** One held fragment: a copy of its frame and metadata words. */
export interface HeldFragment {
  bytes: Uint8Array;
  l3: number;
  l4: number;
  l2Pad: number;
  md: Uint32Array;
  startByte: number;
  endByte: number;
}

const enum ListState {
  OTHER_SEEN = 2,
  FIRST_SEEN = 3,
  LAST_SEEN = 4,
  FIRST_LAST_SEEN = 5,
  COMPLETED = 6,
  REASS_FAIL = 1,
}

interface FragList {
  key: string;
  v6: boolean;
  frags: HeldFragment[];
  state: ListState;
  expiration: number;
}

/** What ipf did with a packet. */
export const enum IpfResult {
  /** Not a fragment ipf holds: conntrack processes it as it is. */
  PASS = 0,
  /** Held: the packet stops here for now. */
  HELD = 1,
  /** A malformed, too small or overlapping fragment: conntrack marks it invalid. */
  INVALID = 2,
  /** This fragment completed its datagram: `reassembled` holds it, `list` the fragments. */
  COMPLETED = 3,
}

export interface IpfCounters {
  accepted: number;
  completedSent: number;
  expiredSent: number;
  tooSmall: number;
  overlap: number;
  purged: number;
}

export class Ipf {
  v4Enabled = true;
  v6Enabled = true;
  minV4FragSize = V4_FRAG_SIZE_MIN;
  minV6FragSize = V6_FRAG_SIZE_MIN;
  maxFrags = MAX_FRAGS_DEFAULT;
  readonly v4: IpfCounters = newCounters();
  readonly v6: IpfCounters = newCounters();
  private nfrag = 0;
  /** Lists by key, in creation order (Map iteration order is OVS's expiry-list order). */
  private readonly lists = new Map<string, FragList>();

  /** The datagram built by the last COMPLETED result, and its list. */
  reassembled: { bytes: Uint8Array; l3: number; l4: number; md: Uint32Array } | null = null;
  completedList: HeldFragment[] | null = null;

  /** Fragments currently held. */
  held(): number {
    return this.nfrag;
  }

  /**
   * ipf_preprocess for one packet: `md` is the packet's metadata (copied with a held fragment; word `recircWord`
   * holds recirc_id).
   */
  preprocess(p: CtPacketView, md: Uint32Array, recircId: number, v6: boolean, zone: number, nowMs: number): IpfResult {
    if (v6 ? !this.v6Enabled : !this.v4Enabled) return IpfResult.PASS;
    const buf = p.buf;
    if (p.l3 < 0) return IpfResult.PASS;
    const l3 = p.start + p.l3;
    const l3Size = p.len - p.l3 - p.l2Pad;
    const c = v6 ? this.v6 : this.v4;
    let startByte: number, endByte: number, ff: boolean, lf: boolean, key: string;
    if (!v6) {
      if (l3Size < 20) return IpfResult.INVALID;
      const fragOff = rd16(buf, l3 + 6);
      if ((fragOff & 0x3fff) === 0) return IpfResult.PASS;
      const tot = rd16(buf, l3 + 2);
      if (tot !== l3Size) return IpfResult.INVALID;
      const ihl = (buf[l3] & 0x0f) << 2;
      if (ihl < 20 || l3Size < ihl) return IpfResult.INVALID;
      if (finishChecksum(onesSum(buf, l3, l3 + ihl)) !== 0) return IpfResult.INVALID;
      const off = fragOff & 0x1fff;
      const mf = (fragOff & 0x2000) !== 0;
      lf = off !== 0 && !mf;
      ff = off === 0 && mf;
      if (!lf && l3Size < this.minV4FragSize) {
        c.tooSmall++;
        return IpfResult.INVALID;
      }
      startByte = off * 8;
      endByte = startByte + tot - ihl - 1;
      key = `4|${rd32(buf, l3 + 12)}|${rd32(buf, l3 + 16)}|${recircId}|${rd16(buf, l3 + 4)}|${zone}|${buf[l3 + 9]}`;
    } else {
      if (l3Size < 40) return IpfResult.INVALID;
      const fh = findV6FragHeader(buf, l3, l3 + l3Size);
      if (fh < 0) return IpfResult.PASS;
      if (rd16(buf, l3 + 4) + 40 !== l3Size) return IpfResult.INVALID;
      const offlg = rd16(buf, fh + 2);
      if ((offlg & 0xfff9) === 0) return IpfResult.PASS;
      const off = offlg & 0xfff8;
      const mf = (offlg & 1) !== 0;
      lf = off !== 0 && !mf;
      ff = off === 0 && mf;
      if (!lf && l3Size < this.minV6FragSize) {
        c.tooSmall++;
        return IpfResult.INVALID;
      }
      const l4Size = p.len - p.l4 - p.l2Pad;
      startByte = off + 8;
      endByte = startByte + l4Size - 1;
      let a = '';
      for (let i = 0; i < 8; i++) a += `${rd32(buf, l3 + 8 + 4 * i)}|`;
      key = `6|${a}${recircId}|${rd32(buf, fh + 4)}|${zone}`;
    }

    if (this.nfrag >= this.maxFrags) return IpfResult.PASS;
    let list = this.lists.get(key);
    if (list === undefined) {
      list = { key, v6, frags: [], state: 0 as ListState, expiration: nowMs + LIST_TIMEOUT_MS };
      this.lists.set(key, list);
    } else if (list.state === ListState.REASS_FAIL || list.state === ListState.COMPLETED) {
      return IpfResult.PASS;
    } else if (list.frags.length >= (v6 ? V6_MAX_LIST : V4_MAX_LIST)) {
      return IpfResult.PASS;
    }
    for (const f of list.frags) {
      if ((startByte >= f.startByte && startByte <= f.endByte) || (endByte >= f.startByte && endByte <= f.endByte)) {
        c.overlap++;
        return IpfResult.INVALID;
      }
    }
    list.frags.push({
      bytes: buf.slice(p.start, p.start + p.len),
      l3: p.l3,
      l4: p.l4,
      l2Pad: p.l2Pad,
      md: md.slice(),
      startByte,
      endByte,
    });
    this.nfrag++;
    c.accepted++;
    return this.transition(list, ff, lf) ? IpfResult.COMPLETED : IpfResult.HELD;
  }

  /** ipf_list_state_transition; true when the list completed and `reassembled` is set. */
  private transition(list: FragList, ff: boolean, lf: boolean): boolean {
    let next: ListState;
    switch (list.state) {
      case ListState.FIRST_SEEN:
        next = lf ? ListState.FIRST_LAST_SEEN : ListState.FIRST_SEEN;
        break;
      case ListState.LAST_SEEN:
        next = ff ? ListState.FIRST_LAST_SEEN : ListState.LAST_SEEN;
        break;
      case ListState.FIRST_LAST_SEEN:
        next = ListState.FIRST_LAST_SEEN;
        break;
      default:
        next = ff ? ListState.FIRST_SEEN : lf ? ListState.LAST_SEEN : ListState.OTHER_SEEN;
    }
    if (next === ListState.FIRST_LAST_SEEN) {
      list.frags.sort((a, b) => a.startByte - b.startByte);
      let complete = true;
      for (let i = 1; i < list.frags.length; i++) {
        if (list.frags[i - 1].endByte + 1 !== list.frags[i].startByte) complete = false;
      }
      if (complete) {
        const ok = list.v6 ? this.reassembleV6(list) : this.reassembleV4(list);
        list.state = ok ? ListState.COMPLETED : ListState.REASS_FAIL;
        if (ok) this.completedList = list.frags;
        return ok;
      }
    }
    list.state = next;
    return false;
  }

  private reassembleV4(list: FragList): boolean {
    const f0 = list.frags[0];
    const l3 = f0.l3;
    const len0 = f0.bytes.length - f0.l2Pad;
    const totLen = rd16(f0.bytes, l3 + 2);
    const last = list.frags[list.frags.length - 1];
    const rest = list.frags.length > 1 ? last.endByte - list.frags[1].startByte + 1 : 0;
    if (totLen + rest > IPV4_MAX) return false;
    const out = new Uint8Array(len0 + rest);
    out.set(f0.bytes.subarray(0, len0));
    let at = len0;
    for (let i = 1; i < list.frags.length; i++) {
      const f = list.frags[i];
      const n = f.endByte - f.startByte + 1;
      out.set(f.bytes.subarray(f.l4, f.l4 + n), at);
      at += n;
    }
    const oldOff = rd16(out, l3 + 6);
    const newOff = oldOff & ~0x2000;
    let cs = csumUpdate16(rd16(out, l3 + 10), oldOff, newOff);
    cs = csumUpdate16(cs, totLen, totLen + rest);
    wr16(out, l3 + 10, cs);
    wr16(out, l3 + 2, totLen + rest);
    wr16(out, l3 + 6, newOff);
    this.reassembled = { bytes: out, l3, l4: f0.l4, md: f0.md.slice() };
    return true;
  }

  private reassembleV6(list: FragList): boolean {
    const f0 = list.frags[0];
    const l3 = f0.l3;
    const len0 = f0.bytes.length - f0.l2Pad;
    let pl = rd16(f0.bytes, l3 + 4) - 8;
    const last = list.frags[list.frags.length - 1];
    const rest = list.frags.length > 1 ? last.endByte - list.frags[1].startByte + 1 : 0;
    if (pl + rest > 65535) return false;
    const out = new Uint8Array(len0 + rest);
    out.set(f0.bytes.subarray(0, len0));
    let at = len0;
    for (let i = 1; i < list.frags.length; i++) {
      const f = list.frags[i];
      const n = f.endByte - f.startByte + 1;
      out.set(f.bytes.subarray(f.l4, f.l4 + n), at);
      at += n;
    }
    pl += rest;
    const fh = findV6FragHeader(out, l3, out.length);
    if (fh < 0) return false;
    out[fh + 2] = 0;
    out[fh + 3] = 0;
    // Like OVS: the next-header becomes the upper-layer protocol; the (now neutral) fragment header stays in place.
    out[l3 + 6] = out[fh];
    wr16(out, l3 + 4, pl);
    this.reassembled = { bytes: out, l3, l4: f0.l4, md: f0.md.slice() };
    return true;
  }

  /**
   * ipf_post_execute_reass_pkts + ipf_send_completed_frags: copies what conntrack did to the datagram onto the
   * fragments of the completed list and returns them, in offset order. `ctWords` lists the md word indexes that carry
   * conntrack metadata (copied from `mdAfter`).
   */
  releaseCompleted(datagram: Uint8Array, mdAfter: Uint32Array, ctWords: readonly number[]): HeldFragment[] {
    const frags = this.completedList ?? [];
    this.completedList = null;
    const v6 = this.reassembled !== null && (datagram[this.reassembled.l3] >>> 4) === 6;
    const l3r = this.reassembled?.l3 ?? 0;
    if (frags.length > 0) {
      const f0 = frags[0];
      const n = f0.bytes.length - f0.l4 - f0.l2Pad;
      f0.bytes.set(datagram.subarray(this.reassembled!.l4, this.reassembled!.l4 + n), f0.l4);
    }
    for (const f of frags) {
      for (const w of ctWords) f.md[w] = mdAfter[w];
      if (v6) {
        f.bytes.set(datagram.subarray(l3r + 8, l3r + 40), f.l3 + 8);
      } else {
        let cs = rd16(f.bytes, f.l3 + 10);
        cs = csumUpdate32(cs, rd32(f.bytes, f.l3 + 12), rd32(datagram, l3r + 12));
        cs = csumUpdate32(cs, rd32(f.bytes, f.l3 + 16), rd32(datagram, l3r + 16));
        wr16(f.bytes, f.l3 + 10, cs);
        f.bytes.set(datagram.subarray(l3r + 12, l3r + 20), f.l3 + 12);
      }
    }
    for (const [k, l] of this.lists) if (l.state === ListState.COMPLETED && l.frags === frags) this.lists.delete(k);
    this.nfrag -= frags.length;
    (v6 ? this.v6 : this.v4).completedSent += frags.length;
    this.reassembled = null;
    return frags;
  }

  /**
   * ipf_send_expired_frags: the oldest list past its 15 s is removed: its fragments are appended to `out` (to go on
   * with ct_state exactly +inv), or dropped if it is also past the 10 s purge margin. One list per call, whatever its
   * address family, as in OVS.
   */
  releaseExpired(v6: boolean, nowMs: number, out: HeldFragment[]): void {
    for (const [k, l] of this.lists) {
      if (l.state === ListState.COMPLETED) continue;
      if (nowMs <= l.expiration) break;
      this.lists.delete(k);
      this.nfrag -= l.frags.length;
      const c = v6 ? this.v6 : this.v4;
      if (nowMs >= l.expiration + PURGE_ADJ_MS) {
        c.purged += l.frags.length;
      } else {
        c.expiredSent += l.frags.length;
        for (const f of l.frags) out.push(f);
      }
      break;
    }
  }
}

function newCounters(): IpfCounters {
  return { accepted: 0, completedSent: 0, expiredSent: 0, tooSmall: 0, overlap: 0, purged: 0 };
}

/** Absolute offset of the IPv6 fragment header in the chain starting at `l3`, or -1. */
function findV6FragHeader(buf: Uint8Array, l3: number, tail: number): number {
  let proto = buf[l3 + 6];
  let q = l3 + 40;
  for (;;) {
    if (tail - q < 8) return -1;
    if (proto === 44) return q;
    if (proto === 0 || proto === 43 || proto === 60) {
      const next = buf[q];
      q += (buf[q + 1] + 1) << 3;
      proto = next;
    } else if (proto === 51) {
      const next = buf[q];
      q += (buf[q + 1] + 2) << 2;
      proto = next;
    } else {
      return -1;
    }
  }
}
