/**
 * Flow keys for the lookup benches, made the way the datapath makes them: a frame built by the packet layer, run
 * through extract, then metadata (registers, conntrack state) filled in as the pipeline would have by then.
 * Setup only; allocates freely.
 */

import { extract, ExtractStatus, PacketLayout } from '../src/flow/extract.js';
import { KEY_WORDS, W } from '../src/flow/key-layout.js';
import { buildFrame, type FrameSpec } from '../src/packet/build.js';

/** `n` keys as views into one block (one allocation, adjacent in memory, as a batch's keys would be). */
export function keyBlock(n: number): Uint32Array[] {
  const block = new Uint32Array(n * KEY_WORDS);
  const keys: Uint32Array[] = [];
  for (let i = 0; i < n; i++) keys.push(block.subarray(i * KEY_WORDS, (i + 1) * KEY_WORDS));
  return keys;
}

/** Extracts `spec`'s frame into `key` as received on `inPort`; throws if the frame does not parse completely. */
export function extractInto(key: Uint32Array, spec: FrameSpec, inPort: number): Uint32Array {
  const frame = buildFrame(spec);
  const st = extract(frame, 0, frame.length, inPort, key, new PacketLayout());
  if (st !== ExtractStatus.OK) throw new Error(`bench key: frame does not parse (extract status ${st})`);
  return key;
}

/** Pipeline metadata a key can carry into a table: registers and conntrack results. */
export interface KeyMeta {
  readonly regs?: Readonly<Record<number, number>>;
  readonly ctState?: number;
  readonly ctZone?: number;
  readonly ctMark?: number;
}

export function setMeta(key: Uint32Array, meta: KeyMeta): void {
  for (const [r, v] of Object.entries(meta.regs ?? {})) key[W.REGS + Number(r)] = v;
  key[W.CT_STATE_ZONE] = (((meta.ctState ?? 0) << 16) | (meta.ctZone ?? 0)) >>> 0;
  key[W.CT_MARK] = meta.ctMark ?? 0;
}
