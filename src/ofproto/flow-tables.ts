/**
 * A bridge's OpenFlow tables (255 of them) and the flow-mod semantics of ofproto.c.
 *
 * add: a rule with an identical match and priority in the same table is replaced by the new one: counters start from
 *   zero (verified on OVS 3.1: add-flow over an existing flow shows n_packets=0) though the last-used time carries
 *   over; cookie, timeouts and created time come from the new flow. `check_overlap` refuses a flow that overlaps
 *   another of equal priority.
 * modify / modify-strict: the matching rules get the new actions (and the new cookie, unless the command selected by
 *   cookie mask); timeouts, flags, importance and created time are kept, counters kept unless `reset_counts`, the
 *   hard timeout restarts (modified = now) — all verified against OVS 3.1 mod-flows. If nothing matches and no cookie mask was given, the flow is added, as
 *   OpenFlow 1.0 specifies and OVS does for every version.
 * delete / delete-strict: optional cookie/mask and out_port filters. Deleting the last rule whose learn() action has
 *   `delete_learned` deletes the flows that learn() installed (same table and cookie), as OVS's learned_cookies do.
 * Loose selection (non-strict) picks every rule at least as specific as the given match: the rule's mask covers the
 *   given mask and agrees on its bits (OVS cls_rule_is_loose_match).
 *
 * `generation` changes whenever any table changes, so caches built from translations know to revalidate.
 */

import { InputError } from '../base/errors.js';
import { KEY_WORDS } from '../flow/key-layout.js';
import type { Match } from '../flow/match.js';
import type { Action, FlowSpec } from './actions/types.js';
import { Classifier } from './classifier.js';
import { Rule } from './rule.js';

export const N_TABLES = 255;
/** OFPTT_ALL: every table, for modify/delete. */
export const TABLE_ALL = 255;

/** Flags that stay on a rule (OFPUTIL_FF_STATE); the others only steer the flow-mod. */
const STATE_FLAGS = new Set(['send_flow_rem', 'no_packet_counts', 'no_byte_counts']);

export interface FlowSelector {
  /** Table id or TABLE_ALL (default). */
  readonly table?: number;
  readonly match: Match;
  /** Required for strict operations. */
  readonly priority?: number;
  readonly cookie?: bigint;
  readonly cookieMask?: bigint;
  /** Only rules with an output to this port (OFPP_ANY/NONE = no filter). */
  readonly outPort?: number;
}

/** Why a rule left its table. */
export type RemovalReason = 'delete' | 'idle' | 'hard' | 'delete_learned' | 'replaced';

export interface RemovedRule {
  readonly rule: Rule;
  readonly reason: RemovalReason;
}

export class FlowTables {
  readonly tables: Classifier[] = [];
  generation = 0;

  constructor() {
    for (let i = 0; i < N_TABLES; i++) this.tables.push(new Classifier());
  }

  table(id: number): Classifier {
    const t = this.tables[id];
    if (!t) throw new InputError(`table ${id} out of range (0..${N_TABLES - 1})`);
    return t;
  }

  /** Every installed rule, by table then priority (highest first), as dump-flows lists them. */
  allRules(): Rule[] {
    const out: Rule[] = [];
    for (const t of this.tables) {
      const rs = [...t.rules()];
      rs.sort((a, b) => b.priority - a.priority || a.id - b.id);
      out.push(...rs);
    }
    return out;
  }

  get ruleCount(): number {
    let n = 0;
    for (const t of this.tables) n += t.size;
    return n;
  }

  add(spec: FlowSpec, nowMs: number): Rule {
    if (spec.table < 0 || spec.table >= N_TABLES) throw new InputError(`table ${spec.table} out of range`);
    const cls = this.tables[spec.table];
    if (spec.flags.includes('check_overlap')) {
      for (const r of cls.rules()) {
        if (r.priority === spec.priority && overlaps(r.match, spec.match) && !r.match.equals(spec.match)) {
          throw new InputError(`flow overlaps an existing flow of priority ${spec.priority} in table ${spec.table}`);
        }
      }
    }
    const rule = new Rule(
      {
        table: spec.table,
        priority: spec.priority,
        match: spec.match,
        actions: spec.actions,
        cookie: spec.cookie,
        idleTimeout: spec.idleTimeout,
        hardTimeout: spec.hardTimeout,
        importance: spec.importance,
        flags: spec.flags.filter((f) => STATE_FLAGS.has(f)),
      },
      nowMs,
    );
    const old = cls.findExactly(spec.match, spec.priority);
    if (old) {
      // Observed on OVS 3.1: the replacing rule starts from zero counters but inherits the last-used time.
      rule.usedMs = old.usedMs;
      this.removeRule(old, 'replaced', nowMs);
    }
    this.insertRule(rule);
    return rule;
  }

  /** modify-flows / mod-flows --strict. Returns the rules now carrying the new actions. */
  modify(spec: FlowSpec, strict: boolean, nowMs: number): Rule[] {
    const sel: FlowSelector = {
      table: spec.table,
      match: spec.match,
      priority: spec.priority,
      cookie: spec.cookie,
      cookieMask: spec.cookieMask,
    };
    const victims = this.select(sel, strict);
    if (victims.length === 0) {
      if (spec.cookieMask !== 0n || spec.table === TABLE_ALL) return [];
      return [this.add(spec, nowMs)];
    }
    const changeCookie = spec.cookieMask === 0n;
    for (const r of victims) this.replaceActions(r, spec.actions, changeCookie ? spec.cookie : r.cookie, spec.flags.includes('reset_counts'), nowMs);
    this.generation++;
    return victims;
  }

  delete(sel: FlowSelector, strict: boolean, nowMs: number): RemovedRule[] {
    const victims = this.select(sel, strict);
    const removed: RemovedRule[] = [];
    for (const r of victims) if (r.installed) removed.push(...this.removeRule(r, 'delete', nowMs));
    return removed;
  }

  /** Removes rules whose idle or hard timeout has passed (ofproto-dpif rule_expire). */
  expire(nowMs: number): RemovedRule[] {
    const removed: RemovedRule[] = [];
    for (const t of this.tables) {
      if (t.size === 0) continue;
      // Runs before every replayed packet and at every maintain(): find the expired rules first, without copying the
      // table's rule list (nearly always none expires), then remove them in the same order as before.
      let expired: Rule[] | null = null;
      for (const r of t.rules()) if (r.installed && r.expiredAt(nowMs) !== null) (expired ??= []).push(r);
      if (expired === null) continue;
      for (const r of expired) {
        if (!r.installed) continue;
        const why = r.expiredAt(nowMs);
        if (why) removed.push(...this.removeRule(r, why, nowMs));
      }
    }
    return removed;
  }

  /**
   * learn()'s flow-mod (OFPFC_MODIFY_STRICT built by learn_execute, applied by ofproto_flow_mod_learn): an existing
   * rule with the same match, priority, timeouts, cookie and actions is only refreshed (modified = now, restarting its
   * hard timeout); a different one is modified (actions and cookie replaced, timeouts kept); otherwise the rule is
   * added. `limit` > 0 caps the rules with this cookie in the table.
   */
  learn(spec: FlowSpec, limit: number, nowMs: number): Rule | null {
    const cls = this.table(spec.table);
    const old = cls.findExactly(spec.match, spec.priority);
    if (old) {
      if (
        old.idleTimeout === spec.idleTimeout &&
        old.hardTimeout === spec.hardTimeout &&
        old.cookie === spec.cookie &&
        actionsEqual(old.actions, spec.actions)
      ) {
        old.modifiedMs = nowMs;
        return old;
      }
      this.replaceActions(old, spec.actions, spec.cookie, false, nowMs);
      this.generation++;
      return old;
    }
    if (limit > 0) {
      let n = 0;
      for (const r of cls.rules()) if (r.cookie === spec.cookie) n++;
      if (n >= limit) return null;
    }
    return this.add(spec, nowMs);
  }

  /** fin_timeout: lowers a rule's timeouts (never raises them; 0 = leave). */
  reduceTimeouts(rule: Rule, idle: number, hard: number): void {
    if (idle && (!rule.idleTimeout || rule.idleTimeout > idle)) rule.idleTimeout = idle;
    if (hard && (!rule.hardTimeout || rule.hardTimeout > hard)) rule.hardTimeout = hard;
  }

  select(sel: FlowSelector, strict: boolean): Rule[] {
    const out: Rule[] = [];
    const tableIds = sel.table === undefined || sel.table === TABLE_ALL ? this.tables.keys() : [sel.table];
    const cookieMask = sel.cookieMask ?? 0n;
    const cookie = sel.cookie ?? 0n;
    const outPort = sel.outPort;
    for (const id of tableIds) {
      const cls = this.tables[id];
      if (!cls || cls.size === 0) continue;
      if (strict) {
        const r = cls.findExactly(sel.match, sel.priority ?? 0x8000);
        if (r) out.push(r);
      } else {
        for (const r of cls.rules()) if (looseMatch(r.match, sel.match)) out.push(r);
      }
    }
    return out.filter(
      (r) =>
        (r.cookie & cookieMask) === (cookie & cookieMask) &&
        (outPort === undefined || outPort === 0xffff || outPort === 0xffffffff || r.outputsTo(outPort)),
    );
  }

  private insertRule(rule: Rule): void {
    this.tables[rule.table].insert(rule);
    rule.installed = true;
    this.generation++;
  }

  private replaceActions(r: Rule, actions: readonly Action[], cookie: bigint, resetCounts: boolean, nowMs: number): void {
    r.setActions(actions);
    r.cookie = cookie;
    r.modifiedMs = nowMs;
    if (resetCounts) {
      r.nPackets = 0;
      r.nBytes = 0;
    }
  }

  private removeRule(rule: Rule, reason: RemovalReason, nowMs: number): RemovedRule[] {
    if (!this.tables[rule.table].remove(rule)) return [];
    rule.installed = false;
    this.generation++;
    const removed: RemovedRule[] = reason === 'replaced' ? [] : [{ rule, reason }];
    for (const learn of rule.deleteLearned) {
      if (this.anyRuleDeletesLearned(learn.table, learn.cookie)) continue;
      const cls = this.tables[learn.table];
      for (const r of [...cls.rules()]) {
        if (r.cookie === learn.cookie && r.installed) removed.push(...this.removeRule(r, 'delete_learned', nowMs));
      }
    }
    return removed;
  }

  private anyRuleDeletesLearned(table: number, cookie: bigint): boolean {
    for (const t of this.tables) {
      for (const r of t.rules()) {
        for (const l of r.deleteLearned) if (l.table === table && l.cookie === cookie) return true;
      }
    }
    return false;
  }
}

/** Whether `rule` is at least as specific as `criteria` and agrees with it (OVS loose match). */
export function looseMatch(rule: Match, criteria: Match): boolean {
  for (let i = 0; i < KEY_WORDS; i++) {
    const cm = criteria.mask[i];
    if (cm === 0) continue;
    if ((rule.mask[i] & cm) >>> 0 !== cm) return false;
    if ((rule.key[i] & cm) >>> 0 !== criteria.key[i]) return false;
  }
  return true;
}

/** Whether some packet could match both. */
function overlaps(a: Match, b: Match): boolean {
  for (let i = 0; i < KEY_WORDS; i++) {
    const m = a.mask[i] & b.mask[i];
    if (((a.key[i] ^ b.key[i]) & m) !== 0) return false;
  }
  return true;
}

/** Structural equality of action lists (bigints, typed arrays and field definitions included). */
export function actionsEqual(a: readonly Action[], b: readonly Action[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!deepEqual(a[i], b[i])) return false;
  return true;
}

function deepEqual(x: unknown, y: unknown): boolean {
  if (x === y) return true;
  if (typeof x !== 'object' || typeof y !== 'object' || x === null || y === null) return false;
  if (x instanceof Uint8Array || x instanceof Uint32Array) {
    if (!(y instanceof x.constructor) || (y as Uint8Array).length !== x.length) return false;
    for (let i = 0; i < x.length; i++) if (x[i] !== (y as Uint8Array)[i]) return false;
    return true;
  }
  if (Array.isArray(x)) {
    if (!Array.isArray(y) || x.length !== y.length) return false;
    return x.every((v, i) => deepEqual(v, y[i]));
  }
  const kx = Object.keys(x);
  const ky = Object.keys(y);
  if (kx.length !== ky.length) return false;
  for (const k of kx) if (!deepEqual((x as Record<string, unknown>)[k], (y as Record<string, unknown>)[k])) return false;
  return true;
}
