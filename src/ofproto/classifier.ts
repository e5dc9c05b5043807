/**
 * The OpenFlow classifier of one table: tuple-space search with staged lookup, priorities and conjunctive matches.
 *
 * What? Rules are grouped into subtables by mask (OVS's cls_subtable). Within a subtable a hash of the masked key finds
 * the rules with that exact match; rules with an identical match but different priorities share a chain sorted by
 * priority, highest first (OVS's cls_match list). Subtables are visited in order of the highest priority they hold,
 * so once a match of priority P is certain, subtables whose best rule cannot beat P are skipped.
 *
 * Un-wildcarding. A megaflow built from a translation must match exactly the packets that would translate the same
 * way, so every lookup ORs into a wildcard mask (`wc`, flow-key layout) the key bits it consulted:
 *   - a subtable that is skipped because it cannot beat the current best priority contributes nothing;
 *   - a visited subtable is probed in stages like OVS's staged lookup (metadata, L2, L3, L4 words of the key): if no
 *     rule of the subtable agrees with the packet on the stages seen so far, only the mask bits of those stages are
 *     recorded; otherwise all of the subtable's mask bits are.
 * The stage filters are sets of prefix hashes, so a hash collision can only make the recorded mask larger (safe).
 * What we do not do (yet): OVS's prefix tries on IP addresses and its L4 port trie, which narrow an address match to
 * the prefix bits actually needed to tell rules apart. Our megaflows are therefore sometimes more specific than
 * OVS's (e.g. a full /32 where OVS records /27) — never less, so they are correct but may be more numerous.
 *
 * Ties. OVS leaves the choice among overlapping rules of equal priority undefined; we take the rule from the subtable
 * created first, which is deterministic.
 *
 * Conjunctive matches follow classifier_lookup__(): rules whose actions are conjunction(id,k/n) are "soft" matches;
 * when the best soft priority beats the best ordinary ("hard") match, the soft matches of that priority are checked
 * for a conjunction id whose n clauses all matched; if one has, the table is looked up again with conj_id set (soft
 * matches ignored) and whatever that finds is the result. If none is complete, lower-priority rules with identical
 * matches are considered, and so on down.
 */

import { FIRST_PACKET_WORD, KEY_WORDS, W } from '../flow/key-layout.js';
import type { Match } from '../flow/match.js';
import type { Rule } from './rule.js';

/** Stage boundaries over key words (exclusive ends): metadata, L2, L3, L4. */
const STAGE_ENDS = [FIRST_PACKET_WORD, W.NW_SRC, W.TP, KEY_WORDS] as const;

interface Chain {
  /** Masked key values, one per entry of the subtable's `words`. */
  readonly key: Uint32Array;
  /** Rules with this exact match, highest priority first. */
  readonly rules: Rule[];
}

let nextSubtableSeq = 0;

function mix(h: number, v: number): number {
  let k = Math.imul(v, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, 0x1b873593);
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

class Subtable {
  readonly mask: Uint32Array;
  /** Key words the mask covers, ascending. */
  readonly words: Int32Array;
  readonly maskWords: Uint32Array;
  /** For each stage that has mask bits: the index into `words` where it ends. */
  readonly stageEnds: number[] = [];
  /** Prefix-hash filters for every used stage but the last. */
  readonly stageFilters: Map<number, number>[] = [];
  readonly chains = new Map<number, Chain[]>();
  readonly seq = nextSubtableSeq++;
  maxPriority = -1;
  nRules = 0;

  constructor(mask: Uint32Array) {
    this.mask = mask.slice();
    const ws: number[] = [];
    for (let i = 0; i < KEY_WORDS; i++) if (mask[i] !== 0) ws.push(i);
    this.words = Int32Array.from(ws);
    this.maskWords = Uint32Array.from(ws.map((w) => mask[w]));
    let idx = 0;
    for (const end of STAGE_ENDS) {
      const start = idx;
      while (idx < ws.length && ws[idx] < end) idx++;
      if (idx > start) this.stageEnds.push(idx);
    }
    for (let s = 0; s + 1 < this.stageEnds.length; s++) this.stageFilters.push(new Map());
  }

  /** Hash of masked `words[0..end)` taken from a full-layout key. */
  private hashPrefix(flow: Uint32Array, end: number, masked: boolean): number {
    let h = 0x5bd1e995;
    for (let i = 0; i < end; i++) {
      const v = masked ? flow[this.words[i]] & this.maskWords[i] : flow[this.words[i]];
      h = mix(h, v);
    }
    return h;
  }

  private hashCompact(key: Uint32Array, end: number): number {
    let h = 0x5bd1e995;
    for (let i = 0; i < end; i++) h = mix(h, key[i]);
    return h;
  }

  insert(rule: Rule): void {
    const key = new Uint32Array(this.words.length);
    for (let i = 0; i < key.length; i++) key[i] = rule.match.key[this.words[i]] & this.maskWords[i];
    const h = this.hashCompact(key, key.length);
    let list = this.chains.get(h);
    if (!list) this.chains.set(h, (list = []));
    let chain = list.find((c) => sameWords(c.key, key));
    if (!chain) {
      chain = { key, rules: [] };
      list.push(chain);
      for (let s = 0; s < this.stageFilters.length; s++) {
        const ph = this.hashCompact(key, this.stageEnds[s]);
        const f = this.stageFilters[s];
        f.set(ph, (f.get(ph) ?? 0) + 1);
      }
    }
    let pos = 0;
    while (pos < chain.rules.length && chain.rules[pos].priority >= rule.priority) pos++;
    chain.rules.splice(pos, 0, rule);
    this.nRules++;
    if (rule.priority > this.maxPriority) this.maxPriority = rule.priority;
  }

  /** Removes `rule`; returns whether the max priority may have changed. */
  remove(rule: Rule): boolean {
    const key = new Uint32Array(this.words.length);
    for (let i = 0; i < key.length; i++) key[i] = rule.match.key[this.words[i]] & this.maskWords[i];
    const h = this.hashCompact(key, key.length);
    const list = this.chains.get(h);
    if (!list) return false;
    const ci = list.findIndex((c) => sameWords(c.key, key));
    if (ci < 0) return false;
    const chain = list[ci];
    const ri = chain.rules.indexOf(rule);
    if (ri < 0) return false;
    chain.rules.splice(ri, 1);
    this.nRules--;
    if (chain.rules.length === 0) {
      list.splice(ci, 1);
      if (list.length === 0) this.chains.delete(h);
      for (let s = 0; s < this.stageFilters.length; s++) {
        const ph = this.hashCompact(key, this.stageEnds[s]);
        const f = this.stageFilters[s];
        const n = (f.get(ph) ?? 1) - 1;
        if (n <= 0) f.delete(ph);
        else f.set(ph, n);
      }
    }
    if (rule.priority >= this.maxPriority) {
      this.maxPriority = -1;
      for (const l of this.chains.values()) for (const c of l) if (c.rules[0].priority > this.maxPriority) this.maxPriority = c.rules[0].priority;
      return true;
    }
    return false;
  }

  /**
   * The chain whose match the packet satisfies, or null; records consulted bits into `wc` (staged).
   */
  find(flow: Uint32Array, wc: Uint32Array | null): Chain | null {
    const nStages = this.stageEnds.length;
    for (let s = 0; s + 1 < nStages; s++) {
      const end = this.stageEnds[s];
      if (!this.stageFilters[s].has(this.hashPrefix(flow, end, true))) {
        if (wc) this.unwildcard(wc, end);
        return null;
      }
    }
    if (wc) this.unwildcard(wc, this.words.length);
    const list = this.chains.get(this.hashPrefix(flow, this.words.length, true));
    if (!list) return null;
    outer: for (const c of list) {
      for (let i = 0; i < this.words.length; i++) {
        if ((flow[this.words[i]] & this.maskWords[i]) >>> 0 !== c.key[i]) continue outer;
      }
      return c;
    }
    return null;
  }

  private unwildcard(wc: Uint32Array, end: number): void {
    for (let i = 0; i < end; i++) wc[this.words[i]] |= this.maskWords[i];
  }

  findExact(match: Match): Chain | null {
    const key = new Uint32Array(this.words.length);
    for (let i = 0; i < key.length; i++) key[i] = match.key[this.words[i]] & this.maskWords[i];
    const list = this.chains.get(this.hashCompact(key, key.length));
    return list?.find((c) => sameWords(c.key, key)) ?? null;
  }
}

function sameWords(a: Uint32Array, b: Uint32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function maskKey(mask: Uint32Array): string {
  // Subtables are created rarely (per distinct mask), so a string key is fine here.
  let s = '';
  for (let i = 0; i < KEY_WORDS; i++) if (mask[i] !== 0) s += `${i}:${mask[i].toString(16)},`;
  return s;
}

interface Soft {
  chain: Chain;
  idx: number;
}

export class Classifier {
  private readonly subtables = new Map<string, Subtable>();
  /** Subtables ordered by max priority (desc), then creation order. */
  private ordered: Subtable[] = [];
  private dirty = false;
  private count = 0;

  get size(): number {
    return this.count;
  }

  insert(rule: Rule): void {
    const k = maskKey(rule.match.mask);
    let st = this.subtables.get(k);
    if (!st) {
      st = new Subtable(rule.match.mask);
      this.subtables.set(k, st);
      this.ordered.push(st);
    }
    st.insert(rule);
    this.count++;
    this.dirty = true;
  }

  remove(rule: Rule): boolean {
    const k = maskKey(rule.match.mask);
    const st = this.subtables.get(k);
    if (!st) return false;
    const before = st.nRules;
    st.remove(rule);
    if (st.nRules === before) return false;
    this.count--;
    if (st.nRules === 0) {
      this.subtables.delete(k);
      this.ordered = this.ordered.filter((s) => s !== st);
    }
    this.dirty = true;
    return true;
  }

  /** The rule with exactly this match and priority (OVS classifier_find_match_exactly). */
  findExactly(match: Match, priority: number): Rule | null {
    const st = this.subtables.get(maskKey(match.mask));
    const chain = st?.findExact(match);
    return chain?.rules.find((r) => r.priority === priority) ?? null;
  }

  /** Every rule, in no particular order. */
  *rules(): IterableIterator<Rule> {
    for (const st of this.subtables.values()) for (const l of st.chains.values()) for (const c of l) yield* c.rules;
  }

  private order(): Subtable[] {
    if (this.dirty) {
      this.ordered.sort((a, b) => b.maxPriority - a.maxPriority || a.seq - b.seq);
      this.dirty = false;
    }
    return this.ordered;
  }

  /**
   * The highest-priority rule matching `flow` (conjunctions resolved), or null. Records consulted key bits into `wc`.
   * `flow[W.CONJ_ID]` is used and restored during conjunction resolution.
   */
  lookup(flow: Uint32Array, wc: Uint32Array | null): Rule | null {
    return this.lookup__(flow, wc, true);
  }

  private lookup__(flow: Uint32Array, wc: Uint32Array | null, allowConjunctive: boolean): Rule | null {
    let hard: Rule | null = null;
    let hardPri = -Infinity;
    let soft: Soft[] | null = null;
    let softPri = -Infinity;
    for (const st of this.order()) {
      if (st.maxPriority <= hardPri) break;
      const chain = st.find(flow, wc);
      if (!chain) continue;
      const top = chain.rules[0];
      if (top.priority <= hardPri) continue;
      if (top.conjunctions === null) {
        hard = top;
        hardPri = top.priority;
      } else if (allowConjunctive) {
        (soft ??= []).push({ chain, idx: 0 });
        if (top.priority > softPri) softPri = top.priority;
      }
    }
    if (soft === null || hardPri >= softPri) return hard;

    for (;;) {
      soft = soft.filter((s) => s.chain.rules[s.idx].priority > hardPri);
      if (soft.length === 0) break;
      softPri = -Infinity;
      for (const s of soft) softPri = Math.max(softPri, s.chain.rules[s.idx].priority);
      const atPri = soft.filter((s) => s.chain.rules[s.idx].priority === softPri);
      const id = completeConjunction(atPri.map((s) => s.chain.rules[s.idx]));
      if (id !== null) {
        const saved = flow[W.CONJ_ID];
        flow[W.CONJ_ID] = id;
        const rule = this.lookup__(flow, wc, false);
        flow[W.CONJ_ID] = saved;
        if (rule) return rule;
      }
      // No complete conjunction at this priority: fall back to lower-priority rules with identical matches.
      const next: Soft[] = [];
      for (const s of soft) {
        if (s.chain.rules[s.idx].priority !== softPri) {
          next.push(s);
          continue;
        }
        const lower = s.idx + 1 < s.chain.rules.length ? s.chain.rules[s.idx + 1] : null;
        if (!lower) continue;
        if (lower.conjunctions === null) {
          if (lower.priority > hardPri) {
            hard = lower;
            hardPri = lower.priority;
          }
        } else {
          next.push({ chain: s.chain, idx: s.idx + 1 });
        }
      }
      soft = next;
    }
    return hard;
  }
}

/**
 * Among rules of one priority (each a set of conjunction(id,k/n) clauses), the first conjunction id whose n clauses
 * are all present (OVS find_conjunctive_match), or null.
 */
function completeConjunction(rules: readonly Rule[]): number | null {
  const seen = new Map<number, number>();
  for (const r of rules) {
    for (const c of r.conjunctions ?? []) {
      if (c.nClauses > rules.length) continue;
      const bits = (seen.get(c.id) ?? 0) | (1 << (c.clause - 1));
      seen.set(c.id, bits);
      if (bits === (1 << c.nClauses) - 1) return c.id;
    }
  }
  return null;
}
