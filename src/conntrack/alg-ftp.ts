/**
 * FTP ALG (OVS 3.1 lib/conntrack.c: handle_ftp_ctl, process_ftp_ctl_v4/v6, repl_ftp_v4/v6_addr).
 *
 * Control packets "of interest" announce a data connection: PORT and a 227 reply (PASV) for IPv4, EPRT and an
 * "EXTENDED PASSIVE" (EPSV, 229) reply for IPv6. The first 127 bytes of the TCP payload (up to a NUL) are parsed the
 * way OVS parses them; the announced address must be the client's (PORT/EPRT: the connection's original source or
 * its NAT address) or the server's (PASV: reply source or the original destination), else the packet is marked
 * `+inv` ("Invalid FTP control packet format") on top of what conntrack decided. A valid one creates an expectation
 * for the data connection (expectations.ts).
 *
 * Under NAT (the ct action has nat), the announced address is rewritten to the translated one, in place. When its
 * text length changes, the packet grows or shrinks, the IP length follows, and the connection remembers the
 * difference (seq skew) and its direction: later packets in that direction have their sequence numbers shifted by it,
 * packets in the other direction their acknowledgements shifted back. The rewrite needs room in the buffer (8 spare
 * bytes for IPv4, 45 for IPv6); without it OVS silently skips the rewrite ("Unsupported effective MTU"), and so do
 * we. Every control packet the helper handles gets its TCP checksum recomputed.
 */

import { rd16, rd32, wr16, wr32 } from '../packet/bytes.js';
import { csumUpdate16, finishChecksum, onesSum, pseudoSumIpv6 } from '../packet/checksum.js';
import { ipv6FromString, ipv6ToString } from '../packet/addr.js';
import { CK_DST, CK_SRC, CK_WORDS } from './conn-key.js';
import { createExpectation } from './alg-tftp.js';
import type { Expectations } from './expectations.js';
import { F_FLAGS, F_KEY, F_REV, F_SEQ_SKEW, FL_SEQ_SKEW_REPLY, type ConnTable } from './table.js';

export const enum FtpCtl {
  INTEREST = 0,
  OTHER = 1,
  INVALID = 2,
}

const LARGEST_FTP_MSG = 128;

/** What the FTP helper needs of the packet (a CtPacketView plus the room in its buffer). */
export interface FtpPacket {
  buf: Uint8Array;
  start: number;
  len: number;
  l3: number;
  l4: number;
  l2Pad: number;
}

function ftpMessage(p: FtpPacket): string {
  const l4 = p.start + p.l4;
  const hlen = (p.buf[l4 + 12] >>> 4) << 2;
  const payload = l4 + hlen;
  const tail = p.start + p.len - p.l2Pad;
  const n = Math.min(Math.max(tail - payload, 0), LARGEST_FTP_MSG);
  let s = '';
  for (let i = 0; i < n - 1; i++) {
    const c = p.buf[payload + i];
    if (c === 0) break;
    s += String.fromCharCode(c);
  }
  return s;
}

function detect(msg: string, v6: boolean): FtpCtl {
  const head = msg.slice(0, 4).toUpperCase();
  if (v6) return head === 'EPRT' || msg.toUpperCase().includes('EXTENDED PASSIVE') ? FtpCtl.INTEREST : FtpCtl.OTHER;
  return head === 'PORT' || msg.startsWith('227') ? FtpCtl.INTEREST : FtpCtl.OTHER;
}

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';

function skipNonDigits(s: string, i: number): number {
  while (i < s.length && !isDigit(s[i])) i++;
  return i;
}

/** str_to_int on a whole string: digits only, non-empty. */
function toInt(s: string): number {
  return /^[0-9]+$/.test(s) ? Number(s) : -1;
}

/** glibc inet_pton(AF_INET): four decimal parts 0-255 without leading zeros. */
function parseDotted(s: string): number {
  const parts = s.split('.');
  if (parts.length !== 4) return -1;
  let v = 0;
  for (const p of parts) {
    if (!/^[0-9]{1,3}$/.test(p) || (p.length > 1 && p[0] === '0') || Number(p) > 255) return -1;
    v = v * 256 + Number(p);
  }
  return v;
}

/** Parsed announcement. */
class Parsed {
  port = 0;
  addrOffset = 0;
  addrSize = 0;
  passive = false;
  replAddr = new Uint32Array(4);
}
const parsed = new Parsed();
const keyScratch = new Uint32Array(CK_WORDS);
const revScratch = new Uint32Array(CK_WORDS);

function parseV4(msg: string, keys: Uint32Array, rev: Uint32Array): FtpCtl {
  let i: number;
  if (msg.slice(0, 4).toUpperCase() === 'PORT') {
    i = 4;
    parsed.passive = false;
  } else {
    i = 3;
    parsed.passive = true;
  }
  i = msg.indexOf(' ', i);
  if (i < 0) return FtpCtl.INVALID;
  i = skipNonDigits(msg, i);
  if (i >= msg.length) return FtpCtl.INVALID;
  const addrStart = i;
  parsed.addrOffset = addrStart;
  let commas = 0;
  let addrText = '';
  while (commas < 4 && i < msg.length) {
    const c = msg[i];
    if (c === ',') {
      commas++;
      if (commas < 4) addrText += '.';
    } else {
      addrText += c;
    }
    i++;
  }
  if (commas !== 4) return FtpCtl.INVALID;
  const addr = parseDotted(addrText);
  if (addr < 0) return FtpCtl.INVALID;
  parsed.addrSize = i - addrStart - 1;
  // High byte: up to four digits (terminate_number_str's off-by-one), then one separator of any kind.
  let j = i;
  while (j < msg.length && isDigit(msg[j]) && j - i <= 3) j++;
  const hi = toInt(msg.slice(i, j));
  if (hi < 0 || hi > 255) return FtpCtl.INVALID;
  j++;
  const loStart = j;
  while (j < msg.length && isDigit(msg[j])) j++;
  if (j === loStart) return FtpCtl.INVALID;
  const lo = toInt(msg.slice(loStart, j));
  if (lo < 0 || lo > 255) return FtpCtl.INVALID;
  parsed.port = (hi << 8) | lo;
  let connAddr: number;
  if (!parsed.passive) {
    parsed.replAddr[0] = rev[CK_DST];
    connAddr = keys[CK_SRC];
  } else {
    parsed.replAddr[0] = keys[CK_DST];
    connAddr = rev[CK_SRC];
  }
  if (addr !== connAddr >>> 0 && addr !== parsed.replAddr[0] >>> 0) return FtpCtl.INVALID;
  return FtpCtl.INTEREST;
}

function parseIpv6Text(s: string): Uint32Array | null {
  let bytes: Uint8Array;
  try {
    bytes = ipv6FromString(s);
  } catch {
    return null;
  }
  const w = new Uint32Array(4);
  for (let k = 0; k < 4; k++) w[k] = rd32(bytes, 4 * k);
  return w;
}

function parseV6(msg: string, keys: Uint32Array, rev: Uint32Array): FtpCtl {
  let i: number;
  let ip: Uint32Array | null = null;
  if (msg.slice(0, 4).toUpperCase() === 'EPRT') {
    i = skipNonDigits(msg, 4);
    if (msg[i] !== '2' || isDigit(msg[i + 1])) return FtpCtl.INVALID;
    i += 2;
    const addrStart = i;
    parsed.addrOffset = addrStart;
    while (i < msg.length && /[0-9a-fA-F:.]/.test(msg[i])) i++;
    parsed.addrSize = i - addrStart;
    ip = parseIpv6Text(msg.slice(addrStart, i));
    if (ip === null) return FtpCtl.INVALID;
    i++;
    parsed.passive = false;
  } else {
    const paren = msg.indexOf('(');
    i = skipNonDigits(msg, paren < 0 ? msg.length : paren);
    if (!isDigit(msg[i])) return FtpCtl.INVALID;
    parsed.addrOffset = 0;
    parsed.addrSize = 0;
    parsed.passive = true;
  }
  let j = i;
  while (j < msg.length && isDigit(msg[j]) && j - i <= 5) j++;
  const port = toInt(msg.slice(i, j));
  if (port < 0 || port > 65535) return FtpCtl.INVALID;
  parsed.port = port;
  if (!parsed.passive) {
    for (let k = 0; k < 4; k++) parsed.replAddr[k] = rev[CK_DST + k];
    let eqRepl = true;
    let eqSrc = true;
    for (let k = 0; k < 4; k++) {
      if (ip![k] !== parsed.replAddr[k]) eqRepl = false;
      if (ip![k] !== keys[CK_SRC + k]) eqSrc = false;
    }
    if (!eqRepl && !eqSrc) return FtpCtl.INVALID;
  } else {
    for (let k = 0; k < 4; k++) parsed.replAddr[k] = keys[CK_DST + k];
  }
  return FtpCtl.INTEREST;
}

/**
 * handle_ftp_ctl for connection `slot`. `want` is the kind of packet the caller handles (INTEREST after conntrack,
 * OTHER around the TCP update); packets of the other kind are left alone. `reply` is the lookup direction,
 * `replyDirState` whether ct_state has +rpl (it decides the expectation's direction), `nat` whether the ct action
 * has nat. Returns the ct_state bits to add (+inv+trk for a malformed announcement) and updates `p.len` when the
 * payload was rewritten to a different length.
 */
export function handleFtpCtl(
  table: ConnTable,
  slot: number,
  p: FtpPacket,
  v6: boolean,
  reply: boolean,
  replyDirState: boolean,
  nat: boolean,
  want: FtpCtl,
  exps: Expectations,
): number {
  const msg = ftpMessage(p);
  if (detect(msg, v6) !== want) return 0;
  table.readKey(slot, F_KEY, keyScratch);
  table.readKey(slot, F_REV, revScratch);
  const r = table.rec(slot);
  const i32 = table.i32;
  const buf = p.buf;
  const l3 = p.start + p.l3;
  const l4 = p.start + p.l4;
  let seqSkew = 0;

  if (want === FtpCtl.INTEREST) {
    const rc = v6 ? parseV6(msg, keyScratch, revScratch) : parseV4(msg, keyScratch, revScratch);
    if (rc === FtpCtl.INVALID) return 0x10 | 0x20;
    createExpectation(exps, table, slot, parsed.port, replyDirState);
    if (nat) seqSkew = v6 ? replaceV6(p) : replaceV4(p);
    if (seqSkew !== 0) {
      if (v6) {
        wr16(buf, l3 + 4, rd16(buf, l3 + 4) + seqSkew);
      } else {
        const oldLen = rd16(buf, l3 + 2);
        const newLen = (oldLen + seqSkew) & 0xffff;
        wr16(buf, l3 + 10, csumUpdate16(rd16(buf, l3 + 10), oldLen, newLen));
        wr16(buf, l3 + 2, newLen);
      }
    }
  }

  const connSkew = i32[r + F_SEQ_SKEW];
  if (nat && connSkew !== 0) {
    const skewReply = (i32[r + F_FLAGS] & FL_SEQ_SKEW_REPLY) !== 0;
    if (reply !== skewReply) wr32(buf, l4 + 8, (rd32(buf, l4 + 8) - connSkew) >>> 0);
    else wr32(buf, l4 + 4, (rd32(buf, l4 + 4) + connSkew) >>> 0);
  }

  const tail = p.start + p.len - p.l2Pad;
  buf[l4 + 16] = 0;
  buf[l4 + 17] = 0;
  let sum: number;
  if (v6) sum = pseudoSumIpv6(buf, l3, 6, tail - l4);
  else sum = onesSum(buf, l3 + 12, l3 + 20) + 6 + (tail - l4);
  wr16(buf, l4 + 16, finishChecksum(onesSum(buf, l4, tail, sum)));

  if (seqSkew !== 0) {
    i32[r + F_SEQ_SKEW] = connSkew + seqSkew;
    if (reply) i32[r + F_FLAGS] |= FL_SEQ_SKEW_REPLY;
    else i32[r + F_FLAGS] &= ~FL_SEQ_SKEW_REPLY;
  }
  return 0;
}

/** repl_ftp_v4_addr: the announced address becomes the replacement, as "a,b,c,d". Returns the size change. */
function replaceV4(p: FtpPacket): number {
  if (p.len + 8 > p.buf.length - p.start) return 0;
  const a = parsed.replAddr[0] >>> 0;
  const text = `${a >>> 24},${(a >>> 16) & 0xff},${(a >>> 8) & 0xff},${a & 0xff}`;
  return replaceText(p, text);
}

function replaceV6(p: FtpPacket): number {
  if (parsed.passive) return 0;
  if (p.len + 45 > p.buf.length - p.start) return 0;
  const bytes = new Uint8Array(16);
  for (let k = 0; k < 4; k++) wr32(bytes, 4 * k, parsed.replAddr[k]);
  return replaceText(p, ipv6ToString(bytes));
}

function replaceText(p: FtpPacket, text: string): number {
  const l4 = p.start + p.l4;
  const payload = l4 + ((p.buf[l4 + 12] >>> 4) << 2);
  const at = payload + parsed.addrOffset;
  const oldEnd = at + parsed.addrSize;
  const frameEnd = p.start + p.len;
  const delta = text.length - parsed.addrSize;
  p.buf.copyWithin(at + text.length, oldEnd, frameEnd);
  for (let k = 0; k < text.length; k++) p.buf[at + k] = text.charCodeAt(k);
  p.len += delta;
  return delta;
}
