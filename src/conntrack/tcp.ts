/**
 * TCP connection tracking: OVS 3.1's lib/conntrack-tcp.c, itself pf's sequence tracking (Guido van Rooij's
 * "Real Stateful TCP Packet Filtering in IP Filter").
 *
 * Each direction is a peer with the highest sequence number it has sent (seqlo), the highest the other end has
 * acknowledged plus its window (seqhi), its largest unscaled window (max_win), its window scale and its state in
 * the CT_DPIF_TCPS_* numbering. A segment is in-window when its last octet is within what the receiver advertised,
 * it repeats at most one window of old data, and its acknowledgement is not more than a window (plus fudge) away from
 * what the other side sent; resets must match the expected sequence number (or be one off). Out-of-window segments
 * are invalid (`+inv`) and change nothing. A "loose" second chance accepts segments within a window of slack when
 * the connection is half open or closing, without refreshing the timeout (SYN floods, state-table pickups, and the
 * stray FIN/ACKs after a close).
 *
 * First packets: SYN opens a connection, and so does anything without SYN that has a valid flag combination (a
 * mid-stream pickup: both window scales are then unknown and the maximum scale is assumed); SYN|ACK never does.
 * Invalid flag combinations (SYN with RST or FIN; neither ACK nor RST; FIN/PSH/URG without ACK) are always invalid.
 *
 * State storage: six words of the connection record (see table.ts), per peer
 *   seqlo, seqhi, max_win << 16 | wscale << 8 | state
 * and all sequence arithmetic is modulo 2^32, as in C.
 */

import { CtTimeout } from './timeouts.js';

/** CT_DPIF_TCPS_*: the states a peer moves through, in OVS's numbering (the dump prints their names). */
export const enum TcpState {
  CLOSED = 0,
  LISTEN = 1,
  SYN_SENT = 2,
  SYN_RECV = 3,
  ESTABLISHED = 4,
  CLOSE_WAIT = 5,
  FIN_WAIT_1 = 6,
  CLOSING = 7,
  LAST_ACK = 8,
  FIN_WAIT_2 = 9,
  TIME_WAIT = 10,
}

export const TCP_STATE_NAMES: readonly string[] = [
  'CLOSED', 'LISTEN', 'SYN_SENT', 'SYN_RECV', 'ESTABLISHED', 'CLOSE_WAIT', 'FIN_WAIT_1', 'CLOSING', 'LAST_ACK',
  'FIN_WAIT_2', 'TIME_WAIT',
];

/** ct_update_res */
export const enum CtUpdate {
  INVALID = 0,
  VALID = 1,
  /** A SYN after both sides closed: the old connection ends and a new one starts. */
  NEW = 2,
  /** Valid, but the connection is still not confirmed in both directions: the packet is `+new`. */
  VALID_NEW = 3,
}

export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_RST = 0x04;
export const TCP_PSH = 0x08;
export const TCP_ACK = 0x10;
export const TCP_URG = 0x20;

const TCP_MAX_WSCALE = 14;
const WSCALE_FLAG = 0x80;
const WSCALE_UNKNOWN = 0x40;
const WSCALE_MASK = 0xf;
const MAXACKWINDOW = 0xffff + 1500;

/** The fields of one segment the tracker reads (filled by the caller from the packet; reused). */
export class TcpSegment {
  flags = 0;
  seq = 0;
  ack = 0;
  win = 0;
  payloadLen = 0;
  /** tcp_get_wscale's result for the segment's options: 0, or WSCALE_FLAG | scale. */
  wscale = 0;
}

/** Fills `seg` from the TCP header at `l4` (absolute) with `l4Size` bytes of header and payload. */
export function readSegment(buf: Uint8Array, l4: number, l4Size: number, seg: TcpSegment): void {
  const hlen = (buf[l4 + 12] >>> 4) << 2;
  seg.flags = ((buf[l4 + 12] << 8) | buf[l4 + 13]) & 0x0fff;
  seg.seq = ((buf[l4 + 4] << 24) | (buf[l4 + 5] << 16) | (buf[l4 + 6] << 8) | buf[l4 + 7]) >>> 0;
  seg.ack = ((buf[l4 + 8] << 24) | (buf[l4 + 9] << 16) | (buf[l4 + 10] << 8) | buf[l4 + 11]) >>> 0;
  seg.win = (buf[l4 + 14] << 8) | buf[l4 + 15];
  seg.payloadLen = l4Size - hlen;
  seg.wscale = windowScaleOption(buf, l4 + 20, hlen - 20);
}

/** tcp_get_wscale: the window-scale option among `len` option bytes at `p`, flagged, or 0 when absent. */
function windowScaleOption(buf: Uint8Array, p: number, len: number): number {
  let wscale = 0;
  while (len >= 3) {
    const kind = buf[p];
    if (kind === 0) return wscale;
    if (kind === 1) {
      p++;
      len--;
      continue;
    }
    if (kind === 3) wscale = Math.min(buf[p + 2], TCP_MAX_WSCALE) | WSCALE_FLAG;
    let optlen = buf[p + 1];
    if (optlen < 2) optlen = 2;
    len -= optlen;
    p += optlen;
  }
  return wscale;
}

/** tcp_invalid_flags (pf's normalisation check). */
export function tcpInvalidFlags(flags: number): boolean {
  if (flags & TCP_SYN) {
    if (flags & (TCP_RST | TCP_FIN)) return true;
  } else if (!(flags & (TCP_ACK | TCP_RST))) {
    return true;
  }
  if (!(flags & TCP_ACK) && flags & (TCP_FIN | TCP_PSH | TCP_URG)) return true;
  return false;
}

/** tcp_valid_new: may this segment create a connection? */
export function tcpValidNew(flags: number): boolean {
  if (tcpInvalidFlags(flags)) return false;
  return !((flags & TCP_SYN) && (flags & TCP_ACK));
}

// Peer word accessors (`p` = first word of the peer in the record).
const SEQLO = 0;
const SEQHI = 1;
const MISC = 2;

function state(s: Int32Array, p: number): number {
  return s[p + MISC] & 0xff;
}
function wscaleOf(s: Int32Array, p: number): number {
  return (s[p + MISC] >>> 8) & 0xff;
}
function maxWin(s: Int32Array, p: number): number {
  return (s[p + MISC] >>> 16) & 0xffff;
}
function setMisc(s: Int32Array, p: number, maxWin: number, wscale: number, st: number): void {
  s[p + MISC] = ((maxWin & 0xffff) << 16) | ((wscale & 0xff) << 8) | (st & 0xff);
}
function setState(s: Int32Array, p: number, st: number): void {
  s[p + MISC] = (s[p + MISC] & ~0xff) | st;
}

function seqGeq(a: number, b: number): boolean {
  return ((a - b) | 0) >= 0;
}
function seqGt(a: number, b: number): boolean {
  return ((a - b) | 0) > 0;
}

/** tcp_new_conn: initialises both peers in `s` at `base` (6 words) from the first segment. Returns its timeout. */
export function tcpNewConn(s: Int32Array, base: number, seg: TcpSegment): CtTimeout {
  const src = base;
  const dst = base + 3;
  const seqlo = seg.seq;
  let seqhi = (seqlo + seg.payloadLen + 1) >>> 0;
  let srcWscale: number;
  let dstWscale = 0;
  if (seg.flags & TCP_SYN) {
    seqhi = (seqhi + 1) >>> 0;
    srcWscale = seg.wscale;
  } else {
    srcWscale = WSCALE_UNKNOWN;
    dstWscale = WSCALE_UNKNOWN;
  }
  let mw = Math.max(seg.win, 1);
  if (srcWscale & WSCALE_MASK) {
    const sws = srcWscale & WSCALE_MASK;
    mw = Math.ceil(mw / (1 << sws));
  }
  if (seg.flags & TCP_FIN) seqhi = (seqhi + 1) >>> 0;
  s[src + SEQLO] = seqlo | 0;
  s[src + SEQHI] = seqhi | 0;
  setMisc(s, src, mw, srcWscale, TcpState.SYN_SENT);
  s[dst + SEQLO] = 0;
  s[dst + SEQHI] = 1;
  setMisc(s, dst, 1, dstWscale, TcpState.CLOSED);
  return CtTimeout.TCP_FIRST_PACKET;
}

/**
 * tcp_conn_update: one segment in direction `reply`. Returns CtUpdate in the low 4 bits and, when the connection's
 * timeout must be refreshed, (CtTimeout + 1) << 4.
 */
export function tcpConnUpdate(s: Int32Array, base: number, reply: boolean, seg: TcpSegment, seqCheck: boolean): number {
  const src = reply ? base + 3 : base;
  const dst = reply ? base : base + 3;
  const flags = seg.flags;
  let win = seg.win;
  let sws = 0;
  let dws = 0;

  if (tcpInvalidFlags(flags)) return CtUpdate.INVALID;

  if ((flags & (TCP_SYN | TCP_ACK)) === TCP_SYN) {
    if (state(s, dst) >= TcpState.FIN_WAIT_2 && state(s, src) >= TcpState.FIN_WAIT_2) {
      setState(s, src, TcpState.CLOSED);
      setState(s, dst, TcpState.CLOSED);
      return CtUpdate.NEW;
    } else if (state(s, src) <= TcpState.SYN_SENT) {
      setState(s, src, TcpState.SYN_SENT);
      return CtUpdate.VALID_NEW | ((CtTimeout.TCP_FIRST_PACKET + 1) << 4);
    }
  }

  const srcWs = wscaleOf(s, src);
  const dstWs = wscaleOf(s, dst);
  if (srcWs & WSCALE_FLAG && dstWs & WSCALE_FLAG && !(flags & TCP_SYN)) {
    sws = srcWs & WSCALE_MASK;
    dws = dstWs & WSCALE_MASK;
  } else if (srcWs & WSCALE_UNKNOWN && dstWs & WSCALE_UNKNOWN && !(flags & TCP_SYN)) {
    sws = TCP_MAX_WSCALE;
    dws = TCP_MAX_WSCALE;
  }

  const origSeq = seg.seq;
  let seq = origSeq;
  let ack = seg.ack;
  let end: number;
  let checkAckskew = true;

  if (state(s, src) < TcpState.SYN_SENT) {
    // First packet from this end.
    end = (seq + seg.payloadLen) >>> 0;
    if (flags & TCP_SYN) {
      end = (end + 1) >>> 0;
      if (wscaleOf(s, dst) & WSCALE_FLAG) {
        const ws = seg.wscale;
        setMisc(s, src, maxWin(s, src), ws, state(s, src));
        if (ws & WSCALE_FLAG) {
          sws = ws & WSCALE_MASK;
          win = Math.ceil(win / (1 << sws));
          dws = wscaleOf(s, dst) & WSCALE_MASK;
        } else {
          // The other side offered scaling but this one did not: undo it (a retransmitted SYN|ACK).
          const dws0 = wscaleOf(s, dst) & WSCALE_MASK;
          setMisc(s, dst, (maxWin(s, dst) << dws0) & 0xffff, 0, state(s, dst));
        }
      }
    }
    if (flags & TCP_FIN) end = (end + 1) >>> 0;
    s[src + SEQLO] = seq | 0;
    setState(s, src, TcpState.SYN_SENT);
    const slide = (end + Math.max(1, maxWin(s, dst) << dws)) >>> 0;
    const srcSeqhi = s[src + SEQHI] >>> 0;
    if (srcSeqhi === 1 || seqGeq(slide, srcSeqhi)) {
      s[src + SEQHI] = slide | 0;
      checkAckskew = false;
    }
    if (win > maxWin(s, src)) setMisc(s, src, win, wscaleOf(s, src), state(s, src));
  } else {
    end = (seq + seg.payloadLen) >>> 0;
    if (flags & TCP_SYN) end = (end + 1) >>> 0;
    if (flags & TCP_FIN) end = (end + 1) >>> 0;
  }

  const dstSeqlo = s[dst + SEQLO] >>> 0;
  if ((flags & TCP_ACK) === 0) {
    ack = dstSeqlo;
  } else if (ack === 0 && (flags & (TCP_ACK | TCP_RST)) === (TCP_ACK | TCP_RST)) {
    ack = dstSeqlo;
  }

  if (seq === end) {
    // No data: ease sequencing restrictions.
    seq = s[src + SEQLO] >>> 0;
    end = seq;
  }

  const srcSeqlo = s[src + SEQLO] >>> 0;
  const srcSeqhi = s[src + SEQHI] >>> 0;
  const ackskew = checkAckskew ? (dstSeqlo - ack) | 0 : 0;
  const dstMaxWin = maxWin(s, dst);

  const inWindow =
    seqGeq(srcSeqhi, end) &&
    seqGeq(seq, (srcSeqlo - dstMaxWin * 2 ** dws) >>> 0) &&
    ackskew >= -MAXACKWINDOW &&
    ackskew <= MAXACKWINDOW * 2 ** sws &&
    ((flags & TCP_RST) === 0 || origSeq === srcSeqlo || origSeq === ((srcSeqlo + 1) >>> 0) || ((origSeq + 1) >>> 0) === srcSeqlo);

  if (inWindow || !seqCheck) {
    if (maxWin(s, src) < win) setMisc(s, src, win, wscaleOf(s, src), state(s, src));
    if (seqGt(end, srcSeqlo)) s[src + SEQLO] = end | 0;
    const winScaled = win * 2 ** sws;
    if (seqGeq((ack + winScaled) >>> 0, s[dst + SEQHI] >>> 0)) s[dst + SEQHI] = (ack + Math.max(winScaled, 1)) | 0;

    if (flags & TCP_SYN && state(s, src) < TcpState.SYN_SENT) setState(s, src, TcpState.SYN_SENT);
    if (flags & TCP_FIN && state(s, src) < TcpState.CLOSING) setState(s, src, TcpState.CLOSING);
    if (flags & TCP_ACK) {
      if (state(s, dst) === TcpState.SYN_SENT) setState(s, dst, TcpState.ESTABLISHED);
      else if (state(s, dst) === TcpState.CLOSING) setState(s, dst, TcpState.FIN_WAIT_2);
    }
    if (flags & TCP_RST) {
      setState(s, src, TcpState.TIME_WAIT);
      setState(s, dst, TcpState.TIME_WAIT);
    }

    const ss = state(s, src);
    const ds = state(s, dst);
    let tm: CtTimeout;
    if (ss >= TcpState.FIN_WAIT_2 && ds >= TcpState.FIN_WAIT_2) tm = CtTimeout.TCP_CLOSED;
    else if (ss >= TcpState.CLOSING && ds >= TcpState.CLOSING) tm = CtTimeout.TCP_FIN_WAIT;
    else if (ss < TcpState.ESTABLISHED || ds < TcpState.ESTABLISHED) tm = CtTimeout.TCP_OPENING;
    else if (ss >= TcpState.CLOSING || ds >= TcpState.CLOSING) tm = CtTimeout.TCP_CLOSING;
    else tm = CtTimeout.TCP_ESTABLISHED;
    return CtUpdate.VALID | ((tm + 1) << 4);
  }

  const ds0 = state(s, dst);
  const ss0 = state(s, src);
  if (
    (ds0 < TcpState.SYN_SENT || ds0 >= TcpState.FIN_WAIT_2 || ss0 >= TcpState.FIN_WAIT_2) &&
    seqGeq((srcSeqhi + MAXACKWINDOW) >>> 0, end) &&
    seqGeq(seq, (srcSeqlo - MAXACKWINDOW) >>> 0)
  ) {
    // Loose acceptance: shotgunned SYNs, a pickup of an established stream, stray packets after a close.
    if (maxWin(s, src) < win) setMisc(s, src, win, wscaleOf(s, src), state(s, src));
    if (seqGt(end, srcSeqlo)) s[src + SEQLO] = end | 0;
    const winScaled = win * 2 ** sws;
    if (seqGeq((ack + winScaled) >>> 0, s[dst + SEQHI] >>> 0)) s[dst + SEQHI] = (ack + Math.max(winScaled, 1)) | 0;
    if (flags & TCP_FIN && state(s, src) < TcpState.CLOSING) setState(s, src, TcpState.CLOSING);
    if (flags & TCP_RST) {
      setState(s, src, TcpState.TIME_WAIT);
      setState(s, dst, TcpState.TIME_WAIT);
    }
    return CtUpdate.VALID;
  }
  return CtUpdate.INVALID;
}

/** The state the dump prints: the larger of the two peers', with FIN_WAIT_2 shown as TIME_WAIT, SYN_RECV as ESTABLISHED. */
export function tcpDumpState(s: Int32Array, base: number): number {
  let st = Math.max(state(s, base), state(s, base + 3));
  if (st === TcpState.FIN_WAIT_2) st = TcpState.TIME_WAIT;
  else if (st === TcpState.SYN_RECV) st = TcpState.ESTABLISHED;
  return st;
}

export function tcpPeerState(s: Int32Array, base: number, reply: boolean): number {
  return state(s, reply ? base + 3 : base);
}
