/**
 * A binary trie of prefixes of one 32-bit key word, answering OVS's trie_lookup_value() question (lib/classifier.c):
 * how many leading bits of a value must be looked at to know which stored prefixes it has, and which prefix lengths
 * it matches.
 *
 * Why. The classifier uses two kinds of such tries to keep megaflows wide:
 *   - per table, one trie per prefix field (OVS's default: nw_dst and nw_src) over the masked field of every distinct
 *     rule match whose mask on the field is a CIDR prefix. If a subtable's prefix length is not among the lengths the
 *     packet matches, the subtable cannot match; the megaflow then needs only the bits that decided it, which is why
 *     OVS prints `ipv4(src=192.168.101.99/255.255.255.224)` where the rule said /32;
 *   - per subtable, a ports trie over the masked (tp_src, tp_dst) word, used when the subtable's last stage missed, so
 *     that `tcp(dst=80/0xffc0)` rather than `tcp(dst=80)` is recorded.
 *
 * The answer (`lookup`) is the one OVS's path-compressed trie gives: walking the value's bits from the top, `d` bits
 * agree with some stored prefix; if d reaches 32 the answer is 32; otherwise it is d + 1 when a stored prefix agrees
 * on those d bits and goes on (bit d is what tells the value apart from it), else d. `lastPlens` has bit (len - 1) set
 * for every stored prefix of length len that the value matches.
 *
 * Representation. An uncompressed trie in typed arrays (a node per prefix bit), nodes never freed: `through[n]` counts
 * the stored prefixes (with multiplicity) that pass through or end at node n, so a branch whose count fell to zero is
 * absent. Insert and remove are rare (flow mods); lookup allocates nothing.
 */

const ROOT = 0;

export class PrefixTrie {
  private child0: Int32Array = new Int32Array(64);
  private child1: Int32Array = new Int32Array(64);
  private through: Int32Array = new Int32Array(64);
  private ends: Int32Array = new Int32Array(64);
  private nNodes = 1;
  /** Prefix lengths the last `lookup` value matched: bit (len - 1) for each. */
  lastPlens = 0;

  /** Stores the top `plen` bits of `value` (1..32). */
  insert(value: number, plen: number): void {
    let node = ROOT;
    this.through[ROOT]++;
    for (let d = 0; d < plen; d++) {
      const bit = (value >>> (31 - d)) & 1;
      let next = bit ? this.child1[node] : this.child0[node];
      if (next === 0) {
        next = this.newNode();
        if (bit) this.child1[node] = next;
        else this.child0[node] = next;
      }
      node = next;
      this.through[node]++;
    }
    this.ends[node]++;
  }

  /** Removes one copy of the top `plen` bits of `value`, which must have been inserted. */
  remove(value: number, plen: number): void {
    let node = ROOT;
    this.through[ROOT]--;
    for (let d = 0; d < plen; d++) {
      node = (value >>> (31 - d)) & 1 ? this.child1[node] : this.child0[node];
      this.through[node]--;
    }
    this.ends[node]--;
  }

  /** trie_lookup_value over 32 bits: the number of leading bits of `value` needed; sets `lastPlens`. */
  lookup(value: number): number {
    let node = ROOT;
    let plens = 0;
    for (let d = 0; ; d++) {
      if (d > 0 && this.ends[node] > 0) plens |= 1 << (d - 1);
      if (d === 32) {
        this.lastPlens = plens;
        return 32;
      }
      const bit = (value >>> (31 - d)) & 1;
      const next = bit ? this.child1[node] : this.child0[node];
      if (next === 0 || this.through[next] === 0) {
        const other = bit ? this.child0[node] : this.child1[node];
        this.lastPlens = plens;
        return other !== 0 && this.through[other] > 0 ? d + 1 : d;
      }
      node = next;
    }
  }

  private newNode(): number {
    if (this.nNodes === this.child0.length) {
      const n = this.nNodes * 2;
      this.child0 = grow(this.child0, n);
      this.child1 = grow(this.child1, n);
      this.through = grow(this.through, n);
      this.ends = grow(this.ends, n);
    }
    return this.nNodes++;
  }
}

function grow(a: Int32Array, n: number): Int32Array {
  const b = new Int32Array(n);
  b.set(a);
  return b;
}

/** The top `n` bits of a 32-bit word set (n in 0..32). */
export function prefixMask(n: number): number {
  return n === 0 ? 0 : (0xffffffff << (32 - n)) >>> 0;
}

/** The length of `mask` as a CIDR prefix (its ones all at the top), or 0 if it is not one (minimask_get_prefix_len). */
export function cidrLength(mask: number): number {
  const m = mask >>> 0;
  if (m === 0) return 0;
  const len = Math.clz32(~m);
  return prefixMask(len) === m ? len : 0;
}
