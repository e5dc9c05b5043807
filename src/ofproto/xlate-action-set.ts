/**
 * The OpenFlow 1.1+ action set (OVS ofpacts_execute_action_set, and the action_set of ofproto-dpif-xlate.c).
 *
 * What? `write_actions(...)` does not act where it stands: its actions are appended to the packet's action set, and
 * `clear_actions` empties it. When the translation is over the set is turned into an action list and run once, as if
 * it were the last rule's actions. OpenFlow says "when the pipeline ends without goto_table"; OVS takes that as "when
 * the whole translation ends", so a set written before a resubmit, or in a table whose rule ended the pipeline
 * without another goto_table, still runs at the very end, after everything the tables did (outputs included) and
 * with the packet as they left it.
 *
 * The list. At most one action of each kind runs, in OpenFlow's fixed order rather than the order written:
 *   1. one each, the last one written wins: pop_vlan, push_vlan, dec_ttl (OVS's slots also hold MPLS/NSH actions
 *      and encap/decap, which flowlab does not have);
 *   2. every field write (set_field, load, move and the legacy setters) in the order written: OVS keeps them all,
 *      since only the last write to a field matters anyway;
 *   3. one "final" action, by priority ct < ct_clear < resubmit < output (< group); the later of equal priority wins.
 * Without a final action nothing runs at all: a set that only rewrites fields changes nothing.
 *
 * Where sets live (mirrored by xlate.ts): one per translation; a patch port's peer bridge starts with an empty one and
 * runs it when its pipeline ends; a clone() works on a copy and runs that copy at the end of the clone (so a packet
 * can leave through an action-set output twice: once from the clone, once at the end). Running the set empties it
 * first, so a rule reached from the set (resubmit) can write into it but what it writes never runs.
 */

import type { Action } from './actions/types.js';

/** The OpenFlow order of the single-instance actions (OVS ACTION_SET_ORDER, the kinds flowlab has). */
const SLOT_ORDER = ['strip_vlan', 'push_vlan', 'dec_ttl'] as const;

/** Priority of the final actions, lowest first (OVS ACTION_SET_FINAL_PRIORITY). */
const FINAL_ORDER = ['ct', 'ct_clear', 'resubmit', 'output'] as const;

/** Where an action goes in the set (OVS action_set_classify); undefined: it cannot be in an action set at all. */
export type ActionSetRole = 'slot' | 'field_write' | 'final';

export function actionSetRole(a: Action): ActionSetRole | undefined {
  switch (a.kind) {
    case 'strip_vlan':
    case 'push_vlan':
    case 'dec_ttl':
      return 'slot';
    case 'ct':
    case 'ct_clear':
    case 'resubmit':
    case 'output':
      return 'final';
    case 'set_field':
    case 'load':
    case 'move':
    case 'set_eth_src':
    case 'set_eth_dst':
    case 'set_ip_dscp':
    case 'set_ip_ecn':
    case 'set_ip_ttl':
    case 'set_ipv4_src':
    case 'set_ipv4_dst':
    case 'set_l4_src':
    case 'set_l4_dst':
    case 'set_tunnel':
    case 'set_vlan_pcp':
    case 'set_vlan_vid':
      return 'field_write';
    default:
      return undefined;
  }
}

/**
 * ofpacts_execute_action_set: the actions the set `set` (everything written since the last clear, in order) runs,
 * in the order they run. Empty when the set holds no final action. Actions that cannot be in a set are ignored (the
 * flow parser refuses them for OpenFlow 1.1+).
 */
export function actionSetToList(set: readonly Action[]): Action[] {
  const slots: (Action | undefined)[] = new Array<Action | undefined>(SLOT_ORDER.length);
  const writes: Action[] = [];
  let final: Action | undefined;
  let finalRank = -1;
  for (const a of set) {
    const slot = (SLOT_ORDER as readonly string[]).indexOf(a.kind);
    if (slot >= 0) {
      slots[slot] = a;
      continue;
    }
    const rank = (FINAL_ORDER as readonly string[]).indexOf(a.kind);
    if (rank >= 0) {
      if (rank >= finalRank) {
        final = a;
        finalRank = rank;
      }
      continue;
    }
    if (actionSetRole(a) === 'field_write') writes.push(a);
  }
  if (final === undefined) return [];
  const out: Action[] = [];
  for (const a of slots) if (a !== undefined) out.push(a);
  out.push(...writes, final);
  return out;
}

/**
 * The port the set would output to (OVS's actset_output, a flow field): the last `output` written, undefined when
 * none was (or after clear_actions). `current` is the value before these actions were written.
 */
export function actsetOutputAfter(current: number | undefined, written: readonly Action[]): number | undefined {
  let port = current;
  for (const a of written) if (a.kind === 'output') port = a.port;
  return port;
}
