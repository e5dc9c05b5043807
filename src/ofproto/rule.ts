/**
 * An OpenFlow rule (flow entry): match, priority, actions, cookie, timeouts and statistics.
 *
 * Timing follows ofproto: `createdMs` is when the rule was added (kept across modifies), `modifiedMs` when it was
 * added or last modified (the hard timeout runs from here; learn() refreshes it), `usedMs` when a packet last hit it
 * (starts at creation; the idle timeout runs from here). Statistics are plain numbers: 2^53 packets is enough.
 */

import type { Match } from '../flow/match.js';
import type { Action, ConjunctionAction, FlowSpec, LearnAction } from './actions/types.js';

export interface RuleInit {
  readonly table: number;
  readonly priority: number;
  readonly match: Match;
  readonly actions: readonly Action[];
  readonly cookie?: bigint;
  readonly idleTimeout?: number;
  readonly hardTimeout?: number;
  readonly importance?: number;
  readonly flags?: readonly string[];
}

let nextRuleId = 1;

export class Rule {
  /** Unique over the process; insertion order tie-breaker and identity for side effects. */
  readonly id: number;
  readonly table: number;
  readonly priority: number;
  readonly match: Match;
  actions: readonly Action[];
  cookie: bigint;
  idleTimeout: number;
  hardTimeout: number;
  importance: number;
  flags: readonly string[];
  createdMs: number;
  modifiedMs: number;
  usedMs: number;
  nPackets = 0;
  nBytes = 0;
  /** False once removed from its table (side effects replayed later must not resurrect it). */
  installed = false;
  /** The conjunction(id,k/n) actions, if this rule is a clause of conjunctive matches; else null. */
  conjunctions: readonly ConjunctionAction[] | null;
  /** learn() actions with delete_learned, for learned-cookie bookkeeping. */
  deleteLearned: readonly LearnAction[];

  constructor(init: RuleInit, nowMs: number) {
    this.id = nextRuleId++;
    this.table = init.table;
    this.priority = init.priority;
    this.match = init.match;
    this.actions = init.actions;
    this.cookie = init.cookie ?? 0n;
    this.idleTimeout = init.idleTimeout ?? 0;
    this.hardTimeout = init.hardTimeout ?? 0;
    this.importance = init.importance ?? 0;
    this.flags = init.flags ?? [];
    this.createdMs = nowMs;
    this.modifiedMs = nowMs;
    this.usedMs = nowMs;
    this.conjunctions = null;
    this.deleteLearned = [];
    this.setActions(init.actions);
  }

  setActions(actions: readonly Action[]): void {
    this.actions = actions;
    const conj = actions.filter((a): a is ConjunctionAction => a.kind === 'conjunction');
    this.conjunctions = conj.length > 0 ? conj : null;
    this.deleteLearned = actions.filter(
      (a): a is LearnAction => a.kind === 'learn' && a.flags.includes('delete_learned'),
    );
  }

  /** Whether the rule's hard or idle timeout has passed at `nowMs` (ofproto-dpif rule_expire). */
  expiredAt(nowMs: number): 'hard' | 'idle' | null {
    if (this.hardTimeout && nowMs > this.modifiedMs + this.hardTimeout * 1000) return 'hard';
    if (this.idleTimeout && nowMs > this.usedMs + this.idleTimeout * 1000) return 'idle';
    return null;
  }

  /** The rule as a FlowSpec, for the flow printer (dump-flows). */
  toSpec(): FlowSpec {
    return {
      table: this.table,
      priority: this.priority,
      cookie: this.cookie,
      cookieMask: 0n,
      match: this.match,
      idleTimeout: this.idleTimeout,
      hardTimeout: this.hardTimeout,
      importance: this.importance,
      flags: this.flags,
      actions: this.actions,
    };
  }

  /** Whether any action (recursively through clone) outputs to `port` (OVS ofpacts_output_to_port). */
  outputsTo(port: number): boolean {
    return actionsOutputTo(this.actions, port);
  }
}

function actionsOutputTo(actions: readonly Action[], port: number): boolean {
  for (const a of actions) {
    if (a.kind === 'output' && a.port === port) return true;
    if (a.kind === 'controller' && port === 0xfffd) return true;
    if (a.kind === 'clone' && actionsOutputTo(a.actions, port)) return true;
  }
  return false;
}
