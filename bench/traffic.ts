/**
 * Traffic for the cache benchmark: N flows, a popularity law, a size mix, laid out as a capture held in memory.
 *
 * Flow i is one frame (built once by the packet layer's builders; the timed loop only reads it), placed in one big
 * buffer at a 4-byte-aligned offset. The packet sequence is an Int32Array of flow indices drawn from the popularity
 * law: uniform (every flow equally likely) or Zipf with exponent 1 (flow k has weight 1/(k+1), the shape of real
 * traffic where a few elephant flows carry most packets). Sizes: 64-byte frames, or IMIX (7:4:1 of 64, 594 and
 * 1514 bytes by flow). Everything is seeded, so a run is reproducible.
 */

import { buildFrame, type FrameSpec } from '../src/packet/build.js';
import { prng } from './acl.js';

export type Popularity = 'uniform' | 'zipf';
export type SizeMix = '64' | 'imix';

export interface TrafficSpec {
  readonly flows: number;
  readonly packets: number;
  readonly popularity: Popularity;
  readonly sizes: SizeMix;
  readonly seed?: number;
}

export interface Traffic {
  readonly spec: TrafficSpec;
  readonly buf: Uint8Array;
  /** Offset and length of flow i's frame. */
  readonly offs: Int32Array;
  readonly lens: Int32Array;
  /** Flow index of each packet, in order. */
  readonly seq: Int32Array;
  /** Bytes of all packets of the sequence. */
  readonly bytes: number;
}

const IMIX_SIZES = [64, 64, 64, 64, 64, 64, 64, 594, 594, 594, 594, 1514];

/** Builds the frames with `frameOf(i)` (a FrameSpec for flow i) and draws the sequence. */
export function makeTraffic(spec: TrafficSpec, frameOf: (i: number) => FrameSpec): Traffic {
  const lens = new Int32Array(spec.flows);
  const frames: Uint8Array[] = [];
  let total = 0;
  for (let i = 0; i < spec.flows; i++) {
    const target = spec.sizes === '64' ? 64 : IMIX_SIZES[i % IMIX_SIZES.length];
    const f = sized(frameOf(i), target);
    frames.push(f);
    lens[i] = f.length;
    total += (f.length + 3) & ~3;
  }
  const buf = new Uint8Array(total);
  const offs = new Int32Array(spec.flows);
  let at = 0;
  for (let i = 0; i < spec.flows; i++) {
    offs[i] = at;
    buf.set(frames[i], at);
    at += (lens[i] + 3) & ~3;
  }
  const seq = drawSequence(spec);
  let bytes = 0;
  for (let i = 0; i < seq.length; i++) bytes += lens[seq[i]];
  return { spec, buf, offs, lens, seq, bytes };
}

function sized(spec: FrameSpec, len: number): Uint8Array {
  const bare = buildFrame(spec);
  if (bare.length >= len) return bare;
  return buildFrame({ ...spec, payload: new Uint8Array(len - bare.length) });
}

function drawSequence(spec: TrafficSpec): Int32Array {
  const rnd = prng(spec.seed ?? 0x7aff1c);
  const seq = new Int32Array(spec.packets);
  const n = spec.flows;
  if (spec.popularity === 'uniform') {
    // Every flow at least once (in order) when the sequence is long enough, then uniform draws.
    for (let i = 0; i < seq.length; i++) seq[i] = i < n ? i : Math.floor(rnd() * n);
    return seq;
  }
  const cdf = new Float64Array(n);
  let sum = 0;
  for (let k = 0; k < n; k++) cdf[k] = sum += 1 / (k + 1);
  for (let i = 0; i < seq.length; i++) {
    const u = rnd() * sum;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid] < u) lo = mid + 1;
      else hi = mid;
    }
    seq[i] = lo;
  }
  return seq;
}

/** A MAC address from a number (for generated hosts). */
export function macOf(n: number): string {
  const b = [0x02, (n / 2 ** 32) & 0xff, (n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
  return b.map((x) => x.toString(16).padStart(2, '0')).join(':');
}

/** An IPv4 address from a base and an offset. */
export function ipOf(base: number, n: number): string {
  const a = (base + n) >>> 0;
  return `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
}
