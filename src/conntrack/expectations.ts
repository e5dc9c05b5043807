/**
 * ALG expectations: data connections a control connection has announced (OVS's alg_exp_node, expectation_create,
 * expectation_lookup, expectation_clean).
 *
 * An FTP PORT/PASV/EPRT/EPSV or a TFTP request creates an expectation: the key the data connection will have, with
 * the source port wildcarded (0), the parent's key, mark and label (the data connection inherits them), and for NAT
 * the address the data connection must be translated to and in which direction. A new connection whose key matches
 * one (with its source port zeroed) is `+rel`. Expectations live as long as their parent connection; using one does
 * not remove it. Identical expectations are not duplicated.
 *
 * Expectations are per Conntrack instance (not in the shared table): the ALG slow path stays simple, and a
 * deployment that shards by connection keeps a control connection and its data connections on one thread only if
 * they hash alike, which they do not in general. See the report's gaps.
 */

import { CK_SPORT, CK_WORDS, copyKey, hashKey, keysEqual } from './conn-key.js';

export interface Expectation {
  readonly key: Uint32Array;
  readonly parentKey: Uint32Array;
  readonly parentMark: number;
  readonly parentLabel: Uint32Array;
  readonly replAddr: Uint32Array;
  /** True: the data connection's reply destination becomes replAddr (source NAT); false: its reply source (DNAT). */
  readonly natRplDst: boolean;
}

export class Expectations {
  private readonly byHash = new Map<number, Expectation[]>();
  private readonly check = new Uint32Array(CK_WORDS);
  private n = 0;

  constructor(private readonly basis: number) {}

  get size(): number {
    return this.n;
  }

  /** The expectation matching a new connection's key (its source port ignored), or undefined. */
  lookup(key: Uint32Array): Expectation | undefined {
    if (this.n === 0) return undefined;
    copyKey(key, 0, this.check, 0);
    this.check[CK_SPORT] = 0;
    const list = this.byHash.get(hashKey(this.check, 0, this.basis));
    if (list === undefined) return undefined;
    for (const e of list) if (keysEqual(e.key, 0, this.check, 0)) return e;
    return undefined;
  }

  /** Adds `e` unless an expectation with the same key exists. */
  add(e: Expectation): void {
    const h = hashKey(e.key, 0, this.basis);
    let list = this.byHash.get(h);
    if (list === undefined) this.byHash.set(h, (list = []));
    for (const x of list) if (keysEqual(x.key, 0, e.key, 0)) return;
    list.push(e);
    this.n++;
  }

  /** Removes every expectation whose parent key equals `parentKey` (the parent connection went away). */
  removeParent(parentKey: Uint32Array | Int32Array, pb: number): void {
    if (this.n === 0) return;
    for (const [h, list] of this.byHash) {
      const kept = list.filter((e) => !keysEqual(e.parentKey, 0, parentKey, pb));
      this.n -= list.length - kept.length;
      if (kept.length === 0) this.byHash.delete(h);
      else if (kept.length !== list.length) this.byHash.set(h, kept);
    }
  }

  clear(): void {
    this.byHash.clear();
    this.n = 0;
  }
}
