/**
 * Just enough of classic pcap to feed the packet-layer tests from shared/captures: the 24-byte global header (either
 * byte order, µs or ns magic) and 16-byte record headers. pcapng is not read here. The real reader lives in src/io;
 * the packet layer's tests must not depend on it.
 */

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface PcapRecord {
  data: Uint8Array;
  origLen: number;
}

export interface Pcap {
  linktype: number;
  records: PcapRecord[];
}

export const LINKTYPE_ETHERNET = 1;

export function readPcap(path: string): Pcap {
  const b = readFileSync(path);
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const magic = dv.getUint32(0, true);
  let le: boolean;
  if (magic === 0xa1b2c3d4 || magic === 0xa1b23c4d) le = true;
  else if (magic === 0xd4c3b2a1 || magic === 0x4d3cb2a1) le = false;
  else throw new Error(`${path}: not a classic pcap file (magic ${magic.toString(16)})`);
  const linktype = dv.getUint32(20, le) & 0x0fffffff;
  const records: PcapRecord[] = [];
  for (let p = 24; p + 16 <= b.length; ) {
    const capLen = dv.getUint32(p + 8, le);
    const origLen = dv.getUint32(p + 12, le);
    p += 16;
    records.push({ data: new Uint8Array(b.buffer, b.byteOffset + p, Math.min(capLen, b.length - p)), origLen });
    p += capLen;
  }
  return { linktype, records };
}

/** shared/captures next to the checkout, or the workspace copy; undefined when neither exists (CI without it). */
export function capturesDir(): string | undefined {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [
    process.env.FLOWLAB_CAPTURES,
    resolve(here, '../../shared/captures'),
    resolve(here, '../../../shared/captures'),
    '/work/shared/captures',
  ];
  return candidates.find((d) => d !== undefined && existsSync(join(d, 'MANIFEST.md')));
}

/** Hex string (spaces and newlines ignored) to bytes, for short literals in tests. */
export function hex(text: string): Uint8Array {
  const clean = text.replace(/\s+/g, '');
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
