/**
 * Checks of an action list against the rule it belongs to (OVS's ofpacts_check), run by flow-syntax.ts once the
 * match and table are known. OVS reports these as "actions are invalid with specified match
 * (OFPBAC_MATCH_INCONSISTENT)" and so do we; what OpenFlow 1.0 tolerates but 1.3 refuses (an action inconsistent
 * with the match) and what only 1.3 can say (push_vlan) comes out as ovs-ofctl's "none of the usable flow formats"
 * message for the version in use.
 */

import { FlowSyntaxError } from '../../base/errors.js';
import type { FieldDef } from '../../flow/fields.js';
import {
  CtState,
  ETH_TYPE_ARP,
  ETH_TYPE_IP,
  ETH_TYPE_IPV6,
  ETH_TYPE_RARP,
  IPPROTO_ICMP,
  IPPROTO_ICMPV6,
  IPPROTO_SCTP,
  IPPROTO_TCP,
  IPPROTO_UDP,
  VLAN_CFI,
  W,
} from '../../flow/key-layout.js';
import { Match } from '../../flow/match.js';
import { matchPrereqsOk } from '../../flow/prereqs.js';
import { actionSetRole } from '../xlate-action-set.js';
import type { Action } from './types.js';

export interface ActionCheckContext {
  readonly match: Match;
  /** The rule's table; undefined when the flow did not name one (OVS's 255: no goto_table ordering check). */
  readonly table: number | undefined;
  /** The OpenFlow version the rule is added with; default OpenFlow10. */
  readonly version?: 'OpenFlow10' | 'OpenFlow13';
}

/**
 * The facts about the packet a rule's actions can rely on, updated action by action the way ofpacts_check updates
 * its copy of the match (a push_vlan makes later VLAN actions consistent, strip_vlan removes the tag). Like OVS's
 * flow, it knows two VLAN slots: a push moves the outer tag inward and a pop brings it back, so after
 * `push_vlan,pop_vlan` on a tagged match the tag is still known to be there.
 */
interface FlowFacts {
  dlType: number | undefined;
  nwProto: number | undefined;
  /** The outer VLAN slot is known to hold a tag. */
  vlan: boolean;
  /** The inner slot is (only a push puts one there: the match cannot say). */
  innerVlan: boolean;
  ctInvalid: boolean;
  ctTracked: boolean;
}

function factsOf(match: Match): FlowFacts {
  const dlTypeMask = (match.mask[W.DL_TYPE_VLAN] >>> 16) & 0xffff;
  const dlType = dlTypeMask === 0xffff ? (match.key[W.DL_TYPE_VLAN] >>> 16) & 0xffff : undefined;
  const protoMask = (match.mask[W.NW] >>> 24) & 0xff;
  const nwProto = protoMask === 0xff ? (match.key[W.NW] >>> 24) & 0xff : undefined;
  const vlan = (match.key[W.DL_TYPE_VLAN] & match.mask[W.DL_TYPE_VLAN] & VLAN_CFI) !== 0;
  const ctKey = match.key[W.CT_STATE_ZONE] >>> 16;
  const ctMask = match.mask[W.CT_STATE_ZONE] >>> 16;
  const ctInvalid = (ctKey & CtState.INVALID) !== 0;
  // is_ct_valid: a state bit that implies a connection (+new, +est, ...), or +trk with an explicit -inv.
  const IMPLY_CONN = CtState.NEW | CtState.ESTABLISHED | CtState.RELATED | CtState.REPLY_DIR | CtState.SRC_NAT | CtState.DST_NAT;
  const ctTracked =
    (ctKey & IMPLY_CONN) !== 0 || ((ctKey & CtState.TRACKED) !== 0 && (ctMask & CtState.INVALID) !== 0 && !ctInvalid);
  return { dlType, nwProto, vlan, innerVlan: false, ctInvalid, ctTracked };
}

/**
 * mf_are_match_prereqs_ok for a field an action reads or writes: the match as the actions so far have left it (only
 * the VLAN tag's presence changes along an action list).
 */
function fieldPrereqsOk(field: FieldDef, facts: FlowFacts, match: Match): boolean {
  const tagged = (match.key[W.DL_TYPE_VLAN] & VLAN_CFI) !== 0;
  if (tagged === facts.vlan) return matchPrereqsOk(match, field);
  const key = match.key.slice();
  const mask = match.mask.slice();
  key[W.DL_TYPE_VLAN] = (key[W.DL_TYPE_VLAN] & ~VLAN_CFI) | (facts.vlan ? VLAN_CFI : 0);
  mask[W.DL_TYPE_VLAN] |= VLAN_CFI;
  return matchPrereqsOk(new Match(key, mask), field);
}

/** The message ovs-ofctl gives when a flow needs an OpenFlow version other than the one in use. */
export function unusableVersionMessage(version: 'OpenFlow10' | 'OpenFlow13'): string {
  return version === 'OpenFlow13'
    ? 'none of the usable flow formats (OpenFlow10,NXM) is among the allowed flow formats (OXM-OpenFlow13)'
    : 'none of the usable flow formats (OXM,OpenFlow11) is among the allowed flow formats (OpenFlow10,NXM)';
}

/**
 * OVS's ofpacts_check plus the version restrictions ovs-ofctl derives from it. Three outcomes per problem, as in OVS:
 * a hard error ("actions are invalid with specified match (OFPBAC_MATCH_INCONSISTENT)": set_field to ip_src without
 * an IP match, ct without IP, goto_table backwards); an action that is merely inconsistent with the match
 * (mod_nw_src without ip, strip_vlan without a VLAN), which OpenFlow 1.0 tolerates and OpenFlow 1.3 refuses; and an
 * action OpenFlow 1.0 cannot express (push_vlan). `column` is where the actions start.
 *
 * write_actions is checked on a copy of the facts (OVS checks an action set with a scratch copy of its parameters:
 * nothing in it narrows the usable versions), and an OpenFlow 1.3 switch then refuses what cannot be in an action
 * set at all ("disallowed action in action set") and the legacy setters whose set_field encoding has unmet
 * prerequisites. OpenFlow 1.0 carries no write_actions, so there only the hard errors remain.
 */
export function checkActions(actions: readonly Action[], ctx: ActionCheckContext, column = 1): void {
  const facts = factsOf(ctx.match);
  const usable: UsableVersions = { OpenFlow10: true, OpenFlow13: true };
  checkList(actions, ctx, facts, usable, column, false);
  // Hard errors came first, whatever the version; then what the actions leave usable (ovs-ofctl: no version at all is
  // an inconsistent match, another version than the one in use is "none of the usable flow formats").
  if (!usable.OpenFlow10 && !usable.OpenFlow13) {
    throw new FlowSyntaxError('actions are invalid with specified match (OFPBAC_MATCH_INCONSISTENT)', { column });
  }
  const version = ctx.version ?? 'OpenFlow10';
  if (!usable[version]) throw new FlowSyntaxError(unusableVersionMessage(version), { column });
  // OpenFlow 1.0 has no instructions: goto_table travels as a resubmit action, which would land before the
  // write_metadata instruction, so the switch refuses the pair.
  const wm = actions.findIndex((a) => a.kind === 'write_metadata');
  if ((ctx.version ?? 'OpenFlow10') === 'OpenFlow10' && wm >= 0 && actions.slice(wm).some((a) => a.kind === 'goto_table')) {
    throw new FlowSyntaxError('write_metadata with goto_table cannot be encoded in OpenFlow 1.0 (NXBRC_UNENCODABLE_ERROR)', {
      column,
    });
  }
}

/** Whether an OpenFlow 1.1+ switch accepts the action inside write_actions (OVS's action_set_classify). */
export function allowedInActionSet(a: Action): boolean {
  return actionSetRole(a) !== undefined;
}

/**
 * Legacy setters an OpenFlow 1.3 flow_mod carries as set_field, whose field has prerequisites the switch checks
 * strictly (inside write_actions there is no "usable version" to fall back on).
 */
function encodesAsCheckedSetField(kind: Action['kind']): boolean {
  return (
    kind === 'set_ipv4_src' ||
    kind === 'set_ipv4_dst' ||
    kind === 'set_ip_dscp' ||
    kind === 'set_ip_ecn' ||
    kind === 'set_vlan_vid' ||
    kind === 'set_vlan_pcp'
  );
}

/** The OpenFlow versions the actions can still travel in (OVS's usable_protocols, narrowed action by action). */
interface UsableVersions {
  OpenFlow10: boolean;
  OpenFlow13: boolean;
}

function checkList(
  actions: readonly Action[],
  ctx: ActionCheckContext,
  facts: FlowFacts,
  usable: UsableVersions,
  column: number,
  inActionSet: boolean,
): void {
  const version = ctx.version ?? 'OpenFlow10';
  const fail = (code = 'OFPBAC_MATCH_INCONSISTENT'): never => {
    throw new FlowSyntaxError(`actions are invalid with specified match (${code})`, { column });
  };
  // An action inconsistent with the match only travels in OpenFlow 1.0; in an action set (1.1+ only, checked on its
  // own) the switch refuses what it would encode as a set_field with unmet prerequisites.
  const inconsistent = (a: Action): void => {
    if (!inActionSet) usable.OpenFlow13 = false;
    else if (version !== 'OpenFlow10' && encodesAsCheckedSetField(a.kind)) fail();
  };
  const needField = (f: FieldDef): void => {
    if (!fieldPrereqsOk(f, facts, ctx.match)) fail();
  };
  const ipAny = (): boolean => facts.dlType === ETH_TYPE_IP || facts.dlType === ETH_TYPE_IPV6;
  for (const a of actions) {
    if (inActionSet && version !== 'OpenFlow10' && !allowedInActionSet(a)) {
      throw new FlowSyntaxError('disallowed action in action set (OFPBAC_BAD_TYPE)', { column });
    }
    switch (a.kind) {
      case 'set_field':
        needField(a.field);
        if (a.field.name === 'vlan_vid' && !facts.vlan) fail();
        if (a.field.name === 'vlan_tci') facts.vlan = (a.value & BigInt(VLAN_CFI)) !== 0n;
        break;
      case 'load':
        needField(a.dst.field);
        break;
      case 'move':
        needField(a.src.field);
        needField(a.dst.field);
        break;
      case 'output_reg':
        needField(a.src.field);
        break;
      case 'set_vlan_vid':
      case 'set_vlan_pcp':
        if (!facts.vlan && !a.pushIfNone) inconsistent(a);
        facts.vlan = true;
        break;
      case 'strip_vlan':
        if (!facts.vlan) inconsistent(a);
        facts.vlan = facts.innerVlan;
        facts.innerVlan = false;
        break;
      case 'push_vlan':
        // OpenFlow 1.0 has no push_vlan (ovs-ofctl's 1.0 encoder cannot carry one even inside write_actions).
        if (inActionSet && version === 'OpenFlow10') throw new FlowSyntaxError(unusableVersionMessage(version), { column });
        usable.OpenFlow10 = false;
        // Both slots taken: a third tag is more than OVS's flow can describe.
        if (facts.innerVlan) fail('OFPBAC_BAD_TAG');
        facts.innerVlan = facts.vlan;
        facts.vlan = true;
        break;
      case 'set_ipv4_src':
      case 'set_ipv4_dst':
        if (facts.dlType !== ETH_TYPE_IP) inconsistent(a);
        break;
      case 'set_ip_dscp':
      case 'set_ip_ecn':
      case 'set_ip_ttl':
      case 'dec_ttl':
        if (!ipAny()) inconsistent(a);
        break;
      case 'set_l4_src':
      case 'set_l4_dst': {
        const p = facts.nwProto;
        if (!ipAny() || (p !== IPPROTO_TCP && p !== IPPROTO_UDP && p !== IPPROTO_SCTP)) inconsistent(a);
        break;
      }
      case 'fin_timeout':
        if (facts.nwProto !== IPPROTO_TCP) inconsistent(a);
        break;
      case 'resubmit':
        if (a.withCtOrig && !facts.ctTracked) fail();
        break;
      case 'goto_table':
        if (ctx.table !== undefined && a.table <= ctx.table) fail('OFPBIC_BAD_TABLE_ID');
        break;
      case 'ct':
        if (!ipAny() || (facts.ctInvalid && a.commit)) fail();
        if (a.alg === 'ftp' && facts.nwProto !== IPPROTO_TCP) fail();
        if (a.alg === 'tftp' && facts.nwProto !== IPPROTO_UDP) fail();
        if (a.nat?.addrMin !== undefined) {
          if (a.nat.addrMin.length === 4 ? facts.dlType !== ETH_TYPE_IP : facts.dlType !== ETH_TYPE_IPV6) fail();
        }
        if (typeof a.zone !== 'number') {
          needField(a.zone.field);
        } else {
          checkList(a.exec, ctx, { ...facts }, usable, column, inActionSet);
        }
        break;
      case 'clone':
        checkList(a.actions, ctx, { ...facts }, usable, column, inActionSet);
        break;
      case 'write_actions':
        // An action set is checked with a scratch copy of the usable versions: nothing in it narrows them.
        checkList(a.actions, ctx, { ...facts }, { OpenFlow10: true, OpenFlow13: true }, column, true);
        break;
      default:
        break;
    }
  }
}
