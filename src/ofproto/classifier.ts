/**
 * The OpenFlow classifier of one table: tuple-space search with staged lookup, priorities and conjunctive matches.
 *
 * What? Rules are grouped into subtables by mask (OVS's cls_subtable). Within a subtable a hash of the masked key finds
 * the rules with that exact match; rules with an identical match but different priorities share a chain sorted by
 * priority, highest first (OVS's cls_match list). Subtables are visited in order of the highest priority they hold,
 * so once a match of priority P is certain, subtables whose best rule cannot beat P are skipped.
 *
 * Un-wildcarding. A megaflow built from a translation must match exactly the packets that would translate the same
 * way, so every lookup ORs into a wildcard mask (`wc`, flow-key layout) the key bits it consulted, the way OVS 3.1's
 * find_match_wc() does (with the fix of 3.1.1, "Fix missing masks on a final stage with ports trie", which the Debian
 * 3.1.0 build carries):
 *   - a subtable that is skipped because it cannot beat the current best priority contributes nothing;
 *   - a visited subtable is probed in stages, OVS's flow segments: metadata, L2, L3, L4 (ND target, ARP/ND hardware
 *     addresses, TCP flags and ports; `WORD_STAGE`). Each stage but the last has a filter of the rules' prefix
 *     hashes; if no rule of the subtable agrees with the packet on the stages seen so far, only the mask bits of those
 *     stages are recorded. Otherwise all of the subtable's mask bits are;
 *   - prefix tries (OVS's default prefix fields, nw_dst and nw_src; `PrefixTrie`): before a stage holding such a
 *     field is probed, the table-wide trie tells whether any rule prefix of this subtable's length matches the packet
 *     at all. If none does, the subtable is skipped, recording the stages before and just as many leading address
 *     bits as the trie needed to know it (e.g. /27 where the rule said /32);
 *   - ports trie: when the last stage of a subtable with an L4-port match finds no rule, the port bits recorded are
 *     cut down to the prefix that the subtable's ports trie needed to tell the packet apart from every rule's ports
 *     (`tcp(dst=80/0xffc0)`); the other last-stage fields are recorded whole.
 * The stage filters are sets of prefix hashes, so a hash collision can only make the recorded mask larger (safe).
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

import { ETH_TYPE_IP, FIRST_PACKET_WORD, KEY_WORDS, W } from '../flow/key-layout.js';
import type { Match } from '../flow/match.js';
import { cidrLength, PrefixTrie, prefixMask } from './prefix-trie.js';
import type { Rule } from './rule.js';

/** Lookup stages (OVS flow segments). */
const enum Stage {
  METADATA = 0,
  L2 = 1,
  L3 = 2,
  L4 = 3,
}
const N_STAGES = 4;

/**
 * The stage of every key word, as OVS's struct flow places the field: the conntrack original-direction addresses sit
 * with L3 and its ports with L4 there, although our key keeps them with the metadata.
 */
const WORD_STAGE: Uint8Array = (() => {
  const st = new Uint8Array(KEY_WORDS);
  for (let w = FIRST_PACKET_WORD; w < KEY_WORDS; w++) {
    st[w] = w < W.NW_SRC ? Stage.L2 : w < W.ARP_SHA ? Stage.L3 : Stage.L4;
  }
  for (let w = W.CT_NW_SRC; w < W.CT_NW_PROTO; w++) st[w] = Stage.L3;
  st[W.CT_TP] = Stage.L4;
  st[W.VLAN_TCI1] = Stage.L2;
  return st;
})();

/** OVS's default prefix fields (ofproto.c default_prefix_fields), in trie order: nw_dst, then nw_src. */
const PREFIX_WORDS = [W.NW_DST, W.NW_SRC] as const;
const N_TRIES = PREFIX_WORDS.length;

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

/** The table-wide prefix tries and what one lookup has asked of them so far (OVS trie_ctx, filled on demand). */
class TrieContext {
  readonly tries: PrefixTrie[] = PREFIX_WORDS.map(() => new PrefixTrie());
  private readonly done = new Uint8Array(N_TRIES);
  /** Per trie: bits of the packet's field the answer needed. */
  private readonly maskbits = new Int32Array(N_TRIES);
  /** Per trie: prefix lengths the packet's field matches (bit len - 1). */
  private readonly plens = new Int32Array(N_TRIES);

  /** Forgets the answers: a new lookup starts. */
  reset(): void {
    // A loop, not fill(): every table lookup of every translation starts here, and the builtin's call costs more than
    // clearing a few bytes.
    const done = this.done;
    for (let j = 0; j < done.length; j++) done[j] = 0;
  }

  /**
   * check_tries() for one stage of `st` (`trieBits`: the tries whose field is in the stage and on which `st` has a
   * prefix): whether some prefix trie shows that no rule of `st` can match, in which case the address bits that
   * showed it are recorded in `wc` and true is returned.
   */
  skips(st: Subtable, trieBits: number, flow: Uint32Array, wc: Uint32Array): boolean {
    for (let j = 0; j < N_TRIES; j++) {
      if (((trieBits >>> j) & 1) === 0) continue;
      const plen = st.triePlen[j];
      const word = PREFIX_WORDS[j];
      if (this.done[j] === 0) {
        this.done[j] = 1;
        // The prefix fields are IPv4 addresses: for other packets the trie says nothing (all lengths "match").
        if (flow[W.DL_TYPE_VLAN] >>> 16 === ETH_TYPE_IP) {
          const trie = this.tries[j];
          this.maskbits[j] = trie.lookup(flow[word]);
          this.plens[j] = trie.lastPlens;
        } else {
          this.maskbits[j] = 0;
          this.plens[j] = -1;
        }
      }
      if (((this.plens[j] >>> (plen - 1)) & 1) !== 0) continue;
      const bits = this.maskbits[j];
      // Never record more address bits than probing the subtable itself would have.
      if (bits <= plen) {
        wc[word] = (wc[word] | prefixMask(bits)) >>> 0;
        return true;
      }
      const need = prefixMask(bits);
      if ((wc[word] & need) >>> 0 === need) return true;
    }
    return false;
  }
}

class Subtable {
  readonly mask: Uint32Array;
  /** Key words the mask covers, by stage, ascending within a stage. */
  readonly words: Int32Array;
  readonly maskWords: Uint32Array;
  /** For each stage that has mask bits: the index into `words` where it ends. */
  readonly stageEnds: number[] = [];
  /** Per entry of `stageEnds`: bit j set when prefix trie j applies to that stage of this subtable. */
  readonly stageTries: Uint8Array;
  /** Prefix-hash filters for every used stage but the last. */
  readonly stageFilters: Map<number, number>[] = [];
  /** Per prefix trie: this subtable's prefix length on the field (0: the trie does not apply). */
  readonly triePlen: Int32Array;
  /** Mask on the (tp_src, tp_dst) word and the length OVS gives its ports trie (0: none). */
  readonly portsMask: number;
  readonly portsMaskLen: number;
  readonly portsTrie: PrefixTrie | null;
  readonly chains = new Map<number, Chain[]>();
  readonly seq = nextSubtableSeq++;
  maxPriority = -1;
  nRules = 0;

  constructor(mask: Uint32Array) {
    this.mask = mask.slice();
    const ws: number[] = [];
    for (let i = 0; i < KEY_WORDS; i++) if (mask[i] !== 0) ws.push(i);
    ws.sort((a, b) => WORD_STAGE[a] - WORD_STAGE[b] || a - b);
    this.words = Int32Array.from(ws);
    this.maskWords = Uint32Array.from(ws.map((w) => mask[w]));
    this.triePlen = Int32Array.from(PREFIX_WORDS, (w) => cidrLength(mask[w]));
    const tries: number[] = [];
    let idx = 0;
    for (let stage = 0; stage < N_STAGES; stage++) {
      const start = idx;
      while (idx < ws.length && WORD_STAGE[ws[idx]] === stage) idx++;
      if (idx > start) {
        this.stageEnds.push(idx);
        let bits = 0;
        for (let j = 0; j < N_TRIES; j++) if (this.triePlen[j] > 0 && WORD_STAGE[PREFIX_WORDS[j]] === stage) bits |= 1 << j;
        tries.push(bits);
      }
    }
    this.stageTries = Uint8Array.from(tries);
    for (let s = 0; s + 1 < this.stageEnds.length; s++) this.stageFilters.push(new Map());
    this.portsMask = mask[W.TP];
    this.portsMaskLen = this.portsMask === 0 ? 0 : 32 - ctz32(this.portsMask);
    this.portsTrie = this.portsMaskLen > 0 ? new PrefixTrie() : null;
  }

  /** Hash of masked `words[0..end)` taken from a full-layout key. */
  private hashPrefix(flow: Uint32Array, end: number): number {
    let h = 0x5bd1e995;
    for (let i = 0; i < end; i++) h = mix(h, flow[this.words[i]] & this.maskWords[i]);
    return h;
  }

  private hashCompact(key: Uint32Array, end: number): number {
    let h = 0x5bd1e995;
    for (let i = 0; i < end; i++) h = mix(h, key[i]);
    return h;
  }

  /** Inserts `rule`; returns the new chain's key if its match is new to the subtable, else null. */
  insert(rule: Rule): Chain | null {
    const key = new Uint32Array(this.words.length);
    for (let i = 0; i < key.length; i++) key[i] = rule.match.key[this.words[i]] & this.maskWords[i];
    const h = this.hashCompact(key, key.length);
    let list = this.chains.get(h);
    if (!list) this.chains.set(h, (list = []));
    let chain = list.find((c) => sameWords(c.key, key));
    let created: Chain | null = null;
    if (!chain) {
      chain = { key, rules: [] };
      created = chain;
      list.push(chain);
      for (let s = 0; s < this.stageFilters.length; s++) {
        const ph = this.hashCompact(key, this.stageEnds[s]);
        const f = this.stageFilters[s];
        f.set(ph, (f.get(ph) ?? 0) + 1);
      }
      this.portsTrie?.insert((rule.match.key[W.TP] & this.portsMask) >>> 0, this.portsMaskLen);
    }
    let pos = 0;
    while (pos < chain.rules.length && chain.rules[pos].priority >= rule.priority) pos++;
    chain.rules.splice(pos, 0, rule);
    this.nRules++;
    if (rule.priority > this.maxPriority) this.maxPriority = rule.priority;
    return created;
  }

  /** Removes `rule`; returns whether it was here and whether its match left the subtable with it. */
  remove(rule: Rule): 'absent' | 'kept' | 'gone' {
    const key = new Uint32Array(this.words.length);
    for (let i = 0; i < key.length; i++) key[i] = rule.match.key[this.words[i]] & this.maskWords[i];
    const h = this.hashCompact(key, key.length);
    const list = this.chains.get(h);
    if (!list) return 'absent';
    const ci = list.findIndex((c) => sameWords(c.key, key));
    if (ci < 0) return 'absent';
    const chain = list[ci];
    const ri = chain.rules.indexOf(rule);
    if (ri < 0) return 'absent';
    chain.rules.splice(ri, 1);
    this.nRules--;
    let result: 'kept' | 'gone' = 'kept';
    if (chain.rules.length === 0) {
      result = 'gone';
      list.splice(ci, 1);
      if (list.length === 0) this.chains.delete(h);
      for (let s = 0; s < this.stageFilters.length; s++) {
        const ph = this.hashCompact(key, this.stageEnds[s]);
        const f = this.stageFilters[s];
        const n = (f.get(ph) ?? 1) - 1;
        if (n <= 0) f.delete(ph);
        else f.set(ph, n);
      }
      this.portsTrie?.remove((rule.match.key[W.TP] & this.portsMask) >>> 0, this.portsMaskLen);
    }
    if (rule.priority >= this.maxPriority) {
      this.maxPriority = -1;
      for (const l of this.chains.values()) for (const c of l) if (c.rules[0].priority > this.maxPriority) this.maxPriority = c.rules[0].priority;
    }
    return result;
  }

  /** The chain whose match the packet satisfies, or null (no un-wildcarding: a lookup that builds no megaflow). */
  find(flow: Uint32Array): Chain | null {
    return this.findInList(flow, this.chains.get(this.hashPrefix(flow, this.words.length)));
  }

  /** find_match_wc(): the chain the packet satisfies, or null; records the key bits the answer needed into `wc`. */
  findWc(flow: Uint32Array, wc: Uint32Array, tries: TrieContext): Chain | null {
    const nStages = this.stageEnds.length;
    let seen = 0; // entries of `words` whose stages were looked at
    const stageTries = this.stageTries;
    for (let s = 0; s + 1 < nStages; s++) {
      if (stageTries[s] !== 0 && tries.skips(this, stageTries[s], flow, wc)) return this.noMatch(wc, seen);
      seen = this.stageEnds[s];
      if (!this.stageFilters[s].has(this.hashPrefix(flow, seen))) return this.noMatch(wc, seen);
    }
    if (stageTries[nStages - 1] !== 0 && tries.skips(this, stageTries[nStages - 1], flow, wc)) return this.noMatch(wc, seen);
    const chain = this.findInList(flow, this.chains.get(this.hashPrefix(flow, this.words.length)));
    if (chain === null && this.portsTrie !== null) {
      // Only the port bits that tell this packet apart from every rule's ports; the rest of the stage whole.
      const value = (flow[W.TP] & this.portsMask) >>> 0;
      const ports = ((this.portsMask & prefixMask(this.portsTrie.lookup(value))) | wc[W.TP]) >>> 0;
      this.unwildcard(wc, this.words.length);
      wc[W.TP] = ports;
      return null;
    }
    this.unwildcard(wc, this.words.length);
    return chain;
  }

  private noMatch(wc: Uint32Array, seen: number): null {
    this.unwildcard(wc, seen);
    return null;
  }

  private findInList(flow: Uint32Array, list: Chain[] | undefined): Chain | null {
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

/** Trailing zero bits of a non-zero 32-bit word. */
function ctz32(v: number): number {
  return 31 - Math.clz32(v & -v);
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
  private readonly tries = new TrieContext();
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
    if (st.insert(rule) !== null) this.addToTries(st, rule);
    this.count++;
    this.dirty = true;
  }

  remove(rule: Rule): boolean {
    const k = maskKey(rule.match.mask);
    const st = this.subtables.get(k);
    if (!st) return false;
    const res = st.remove(rule);
    if (res === 'absent') return false;
    if (res === 'gone') this.removeFromTries(st, rule);
    this.count--;
    if (st.nRules === 0) {
      this.subtables.delete(k);
      this.ordered = this.ordered.filter((s) => s !== st);
    }
    this.dirty = true;
    return true;
  }

  /** A match new to subtable `st` enters the prefix tries of the fields on which `st` has a prefix (trie_insert). */
  private addToTries(st: Subtable, rule: Rule): void {
    for (let j = 0; j < N_TRIES; j++) {
      const plen = st.triePlen[j];
      if (plen > 0) this.tries.tries[j].insert(rule.match.key[PREFIX_WORDS[j]] >>> 0, plen);
    }
  }

  private removeFromTries(st: Subtable, rule: Rule): void {
    for (let j = 0; j < N_TRIES; j++) {
      const plen = st.triePlen[j];
      if (plen > 0) this.tries.tries[j].remove(rule.match.key[PREFIX_WORDS[j]] >>> 0, plen);
    }
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
    const tries = this.tries;
    tries.reset();
    for (const st of this.order()) {
      if (st.maxPriority <= hardPri) break;
      const chain = wc === null ? st.find(flow) : st.findWc(flow, wc, tries);
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
