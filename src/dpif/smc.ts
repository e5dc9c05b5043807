/**
 * The signature match cache (OVS's SMC, optional, off by default as in OVS: other_config:smc-enable).
 *
 * What? A larger, cheaper second level behind the EMC: buckets of four entries, each a 16-bit signature (the top of
 * the packet's exact-match hash) and the id of a megaflow. A signature match is only a hint, so the caller checks
 * that the packet really falls inside the megaflow (masked compare) before using it. Entries are written on every
 * dpcls hit (smc_insert): the same megaflow refreshes its entry, otherwise an empty or random entry of the bucket is
 * replaced. Stale ids (megaflow gone, slot reused) fail the check and behave as misses.
 */

/** OVS: SMC_ENTRIES = 1 << 20, SMC_ENTRY_PER_BUCKET = 4. */
export const SMC_DEFAULT_ENTRIES = 1 << 20;
const PER_BUCKET = 4;

export class SignatureMatchCache {
  private readonly sigs: Uint16Array;
  /** Megaflow id + 1 (0 = empty). */
  private readonly ids: Int32Array;
  private readonly bucketMask: number;
  private rng = 0x6d2b79f5;

  constructor(entries = SMC_DEFAULT_ENTRIES) {
    if (entries < PER_BUCKET || (entries & (entries - 1)) !== 0) throw new RangeError(`SMC size ${entries} is not a power of two >= 4`);
    this.sigs = new Uint16Array(entries);
    this.ids = new Int32Array(entries);
    this.bucketMask = entries / PER_BUCKET - 1;
  }

  /** The id of a megaflow this hash's signature was seen with, or -1. */
  lookup(hash: number): number {
    const b = (hash & this.bucketMask) * PER_BUCKET;
    const sig = hash >>> 16;
    for (let i = 0; i < PER_BUCKET; i++) {
      if (this.sigs[b + i] === sig && this.ids[b + i] !== 0) return this.ids[b + i] - 1;
    }
    return -1;
  }

  insert(hash: number, id: number): void {
    const b = (hash & this.bucketMask) * PER_BUCKET;
    const sig = hash >>> 16;
    for (let i = 0; i < PER_BUCKET; i++) {
      if (this.sigs[b + i] === sig) {
        this.ids[b + i] = id + 1;
        return;
      }
    }
    for (let i = 0; i < PER_BUCKET; i++) {
      if (this.ids[b + i] === 0) {
        this.sigs[b + i] = sig;
        this.ids[b + i] = id + 1;
        return;
      }
    }
    let x = this.rng;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.rng = x;
    const victim = b + ((x >>> 0) % PER_BUCKET);
    this.sigs[victim] = sig;
    this.ids[victim] = id + 1;
  }

  clear(): void {
    this.ids.fill(0);
  }

  get memoryBytes(): number {
    return this.sigs.byteLength + this.ids.byteLength;
  }
}
