/**
 * The "bare JS floor": the least work a JavaScript datapath can do per packet, as DESIGN.md measures it (~14-20 Mpps
 * on this machine kind). Per frame it
 *   1. reads an IPv4 5-tuple at the fixed offsets of an untagged frame through typed-array views (no parsing, no
 *      checks: whatever bytes sit there are hashed, so the cost is the same for every frame kind),
 *   2. hashes it with Math.imul and finds or inserts it in an open-addressing Int32Array table (an exact-match cache),
 *   3. copies the first 64 bytes of the frame to a transmit batch as 16 Int32 word moves.
 * It is the yardstick for extract: what fraction of this floor does a real, complete parse reach. It is not a
 * competitor: it parses nothing, and extract does no lookup or copy, so the ratio says how much headroom the parse
 * leaves, not which is "faster".
 */

import type { FrameBatch } from './frames.js';

/** Table slots (a power of two, 16x the flows of a batch, so probes are short as in a sized EMC). */
const SLOTS = 4096;
/** Words per slot: src, dst, ports, proto|OCCUPIED. */
const SLOT_WORDS = 4;
const OCCUPIED = 0x100;
const COPY_WORDS = 16;

export class BareFloor {
  private readonly table = new Int32Array(SLOTS * SLOT_WORDS);
  private readonly tx: Int32Array;
  /** Table hits and inserts, kept so the work cannot be optimised away (and so the smoke test can check it). */
  hits = 0;
  inserts = 0;

  constructor(readonly batch: FrameBatch) {
    this.tx = new Int32Array(batch.count * COPY_WORDS);
  }

  run(): void {
    const { u16, i32, buf, offs, count } = this.batch;
    const table = this.table;
    const tx = this.tx;
    let hits = 0;
    let inserts = 0;
    for (let i = 0; i < count; i++) {
      const off = offs[i];
      // Bytes 26..37 of an untagged IPv4 frame: addresses and ports, all at even offsets (slots are 4-aligned).
      const h16 = (off + 26) >> 1;
      const src = u16[h16] | (u16[h16 + 1] << 16);
      const dst = u16[h16 + 2] | (u16[h16 + 3] << 16);
      const ports = u16[h16 + 4] | (u16[h16 + 5] << 16);
      const proto = buf[off + 23] | OCCUPIED;

      // Combine, then murmur3's fmix32: the words vary mostly in their high bits (the low half of an address is
      // often a constant network), and a multiply alone never carries high bits down into the slot index.
      let h = Math.imul(src, 0x9e3779b1) ^ dst;
      h = Math.imul(h, 0x85ebca6b) ^ ports ^ proto;
      h ^= h >>> 16;
      h = Math.imul(h, 0x85ebca6b);
      h ^= h >>> 13;
      h = Math.imul(h, 0xc2b2ae35);
      h ^= h >>> 16;
      let slot = h & (SLOTS - 1);
      for (;;) {
        const b = slot * SLOT_WORDS;
        const tag = table[b + 3];
        if (tag === 0) {
          table[b] = src;
          table[b + 1] = dst;
          table[b + 2] = ports;
          table[b + 3] = proto;
          inserts++;
          break;
        }
        if (tag === proto && table[b] === src && table[b + 1] === dst && table[b + 2] === ports) {
          hits++;
          break;
        }
        slot = (slot + 1) & (SLOTS - 1);
      }

      const s = off >> 2;
      const d = i * COPY_WORDS;
      for (let w = 0; w < COPY_WORDS; w++) tx[d + w] = i32[s + w];
    }
    this.hits += hits;
    this.inserts += inserts;
  }

  /** The transmit copy of frame `i`, as bytes (for checks, not for the timed loop). */
  txFrame(i: number): Uint8Array {
    return new Uint8Array(this.tx.buffer, i * COPY_WORDS * 4, COPY_WORDS * 4);
  }
}
