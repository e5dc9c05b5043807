/**
 * Key-sized word arrays carved out of larger slabs.
 *
 * Why? A Uint32Array of a flow key's size (324 bytes) is too big for V8 to keep inside the JS heap: each `new
 * Uint32Array(KEY_WORDS)` or `.slice()` mallocs a backing store and registers it with the garbage collector, about
 * a microsecond apiece, and the collector then sweeps every one of them. The slow path makes several per packet
 * (the translation's flow, base and wildcards; the megaflow's key, mask and upcalled key). A view onto a slab costs a
 * tenth of that and nothing extra to collect.
 *
 * The cost is retention: a slab lives while any view onto it does. So slabs are sized to what their users' lifetimes
 * allow: translation state dies with the translation (large slabs are fine), megaflows die at different times (small
 * slabs bound what one long-lived megaflow can pin).
 *
 * Views are zero-filled when handed out (a fresh slab is, and no region is handed out twice).
 */

export class WordSlab {
  private slab = new Uint32Array(0);
  private used = 0;

  /** `slabWords`: the size of each slab, at least the largest request. */
  constructor(private readonly slabWords: number) {}

  /** A fresh zeroed view of `n` words. */
  take(n: number): Uint32Array {
    if (this.used + n > this.slab.length) {
      this.slab = new Uint32Array(Math.max(this.slabWords, n));
      this.used = 0;
    }
    const at = this.used;
    this.used = at + n;
    return this.slab.subarray(at, at + n);
  }
}
