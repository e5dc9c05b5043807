/** Test helpers: frames through Conntrack.execute with readable ct_state results. */

import { Conntrack, type CtPacket, type CtParams } from '../../src/conntrack/index.js';
import { extract, PacketLayout } from '../../src/flow/extract.js';
import { KEY_WORDS, W } from '../../src/flow/key-layout.js';
import { buildFrame, type FrameSpec } from '../../src/packet/build.js';
import { CT_STATE_NAMES } from '../../src/flow/fields.js';
import { finishChecksum, onesSum, pseudoSumIpv4 } from '../../src/packet/checksum.js';

const layout = new PacketLayout();
const key = new Uint32Array(KEY_WORDS);

/** A CtPacket over a copy of the frame, in a buffer with room to grow (FTP rewrites). */
/** `room` 0 gives a buffer exactly the frame's size. */
export function packet(spec: FrameSpec | Uint8Array, room = 2048): CtPacket {
  const frame = spec instanceof Uint8Array ? spec : buildFrame(spec);
  const buf = new Uint8Array(room === 0 ? frame.length : Math.max(room, frame.length + 64));
  buf.set(frame, 0);
  extract(buf, 0, frame.length, 1, key, layout);
  return { buf, start: 0, len: frame.length, l3: layout.l3, l4: layout.l4, l2Pad: layout.l2Pad, md: new Uint32Array(KEY_WORDS), ctConn: -1, ctConnGen: 0, ctReply: false, ctIcmpRelated: false };
}

export function frameOf(p: CtPacket): Uint8Array {
  return p.buf.slice(p.start, p.start + p.len);
}

export function dlTypeOf(p: CtPacket): number {
  return (p.buf[p.start + p.l3 - 2] << 8) | p.buf[p.start + p.l3 - 1];
}

export const params = (o: Partial<CtParams> = {}): CtParams => ({ zone: 0, commit: false, force: false, helper: 0, nat: null, ...o });

/** ct_state as OVS prints it: "+new+trk" etc. in OVS's bit order ('' for 0). */
export function stateText(md: Uint32Array): string {
  const s = (md[W.CT_STATE_ZONE] >>> 16) & 0xff;
  let out = '';
  for (const [name, bit] of CT_STATE_NAMES) if (s & bit) out += `+${name}`;
  return out;
}

/** Runs one fresh packet (no metadata from earlier passes) through ct; returns its ct_state text. */
export function ct(c: Conntrack, spec: FrameSpec | Uint8Array, p: Partial<CtParams> = {}, nowMs = 0): string {
  const pkt = packet(spec);
  c.execute(pkt, dlTypeOf(pkt), params(p), nowMs);
  return stateText(pkt.md);
}

/** Same, returning the packet for inspection. */
export function ctPacket(c: Conntrack, spec: FrameSpec | Uint8Array, p: Partial<CtParams> = {}, nowMs = 0): CtPacket {
  const pkt = packet(spec);
  c.execute(pkt, dlTypeOf(pkt), params(p), nowMs);
  return pkt;
}

export const A = '10.0.0.1';
export const B = '10.0.0.2';

export function tcp(src: string, dst: string, sport: number, dport: number, flags: string, seq: number, ack = 0, payload?: string | Uint8Array, window = 65535): FrameSpec {
  return { ipv4: { src, dst }, tcp: { srcPort: sport, dstPort: dport, flags, seq, ack, window }, payload };
}

export function udp(src: string, dst: string, sport: number, dport: number, payload = 'x'): FrameSpec {
  return { ipv4: { src, dst }, udp: { srcPort: sport, dstPort: dport }, payload };
}

/** True when the IPv4 header checksum and the TCP/UDP/ICMP checksum of an untagged IPv4 frame are right. */
export function checksumsOk(frame: Uint8Array): boolean {
  const l3 = 14;
  const ihl = (frame[l3] & 0x0f) * 4;
  if (finishChecksum(onesSum(frame, l3, l3 + ihl)) !== 0) return false;
  const tot = (frame[l3 + 2] << 8) | frame[l3 + 3];
  const proto = frame[l3 + 9];
  const l4 = l3 + ihl;
  const end = l3 + tot;
  if (proto === 1) return finishChecksum(onesSum(frame, l4, end)) === 0;
  if (proto === 17 && frame[l4 + 6] === 0 && frame[l4 + 7] === 0) return true;
  return finishChecksum(onesSum(frame, l4, end, pseudoSumIpv4(frame, l3, proto, end - l4))) === 0;
}

export function ipSrc(f: Uint8Array): string {
  return `${f[26]}.${f[27]}.${f[28]}.${f[29]}`;
}
export function ipDst(f: Uint8Array): string {
  return `${f[30]}.${f[31]}.${f[32]}.${f[33]}`;
}
export function sport(f: Uint8Array): number {
  return (f[34] << 8) | f[35];
}
export function dport(f: Uint8Array): number {
  return (f[36] << 8) | f[37];
}
