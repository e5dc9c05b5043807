/**
 * Checks of an action list against the rule it belongs to (OVS's ofpacts_check), run by flow-syntax.ts once the
 * match and table are known. OVS reports these as "actions are invalid with specified match
 * (OFPBAC_MATCH_INCONSISTENT)" and so do we; what OpenFlow 1.0 tolerates but 1.3 refuses (an action inconsistent
 * with the match) and what only 1.3 can say (push_vlan) comes out as ovs-ofctl's "none of the usable flow formats"
 * message for the version in use.
 */

import { FlowSyntaxError } from '../../base/errors.js';
import { Prereq, type FieldDef } from '../../flow/fields.js';
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
import type { Match } from '../../flow/match.js';
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
 * its copy of the match (a push_vlan makes later VLAN actions consistent, strip_vlan removes the tag).
 */
interface FlowFacts {
  dlType: number | undefined;
  nwProto: number | undefined;
  vlan: boolean;
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
  return { dlType, nwProto, vlan, ctInvalid, ctTracked };
}

/** mf_are_prereqs_ok for a field, given what the match pins. */
export function prereqsOk(
  field: FieldDef,
  facts: { dlType: number | undefined; nwProto: number | undefined; vlan: boolean },
  match?: Match,
): boolean {
  const t = facts.dlType;
  const p = facts.nwProto;
  const ip = t === ETH_TYPE_IP || t === ETH_TYPE_IPV6;
  switch (field.prereq) {
    case Prereq.NONE:
    case Prereq.ETHERNET:
    case Prereq.CT_VALID:
      return true;
    case Prereq.ARP:
      return t === ETH_TYPE_ARP || t === ETH_TYPE_RARP;
    case Prereq.VLAN_VID:
      return facts.vlan;
    case Prereq.IPV4:
      return t === ETH_TYPE_IP;
    case Prereq.IPV6:
      return t === ETH_TYPE_IPV6;
    case Prereq.IP_ANY:
      return ip;
    case Prereq.TCP:
      return ip && p === IPPROTO_TCP;
    case Prereq.UDP:
      return ip && p === IPPROTO_UDP;
    case Prereq.SCTP:
      return ip && p === IPPROTO_SCTP;
    case Prereq.ICMPV4:
      return t === ETH_TYPE_IP && p === IPPROTO_ICMP;
    case Prereq.ICMPV6:
      return t === ETH_TYPE_IPV6 && p === IPPROTO_ICMPV6;
    case Prereq.ND:
    case Prereq.ND_SOLICIT:
    case Prereq.ND_ADVERT: {
      if (!(t === ETH_TYPE_IPV6 && p === IPPROTO_ICMPV6) || match === undefined) return false;
      const typeMask = (match.mask[W.TP] >>> 16) & 0xff;
      const type = (match.key[W.TP] >>> 16) & 0xff;
      const codeOk = (match.mask[W.TP] & 0xff) === 0xff && (match.key[W.TP] & 0xff) === 0;
      if (typeMask !== 0xff || !codeOk) return false;
      if (field.prereq === Prereq.ND_SOLICIT) return type === 135;
      if (field.prereq === Prereq.ND_ADVERT) return type === 136;
      return type === 135 || type === 136;
    }
    default:
      return false;
  }
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
  checkList(actions, ctx, facts, column, false);
  // OpenFlow 1.0 has no instructions: goto_table travels as a resubmit action, which would land before the
  // write_metadata instruction, so the switch refuses the pair.
  const wm = actions.findIndex((a) => a.kind === 'write_metadata');
  if ((ctx.version ?? 'OpenFlow10') === 'OpenFlow10' && wm >= 0 && actions.slice(wm).some((a) => a.kind === 'goto_table')) {
    throw new FlowSyntaxError('write_metadata with goto_table cannot be encoded in OpenFlow 1.0 (NXBRC_UNENCODABLE_ERROR)', {
      column,
    });
  }
}

/** OVS's action_set_classify: whether an OpenFlow 1.1+ switch accepts the action inside write_actions. */
export function allowedInActionSet(a: Action): boolean {
  switch (a.kind) {
    case 'strip_vlan':
    case 'push_vlan':
    case 'dec_ttl':
    case 'ct':
    case 'ct_clear':
    case 'resubmit':
    case 'output':
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
      return true;
    default:
      return false;
  }
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

function checkList(
  actions: readonly Action[],
  ctx: ActionCheckContext,
  facts: FlowFacts,
  column: number,
  inActionSet: boolean,
): void {
  const version = ctx.version ?? 'OpenFlow10';
  const fail = (code = 'OFPBAC_MATCH_INCONSISTENT'): never => {
    throw new FlowSyntaxError(`actions are invalid with specified match (${code})`, { column });
  };
  const inconsistent = (a: Action): void => {
    if (version === 'OpenFlow10') return;
    if (!inActionSet) throw new FlowSyntaxError(unusableVersionMessage(version), { column });
    if (encodesAsCheckedSetField(a.kind)) fail();
  };
  const needField = (f: FieldDef): void => {
    if (!prereqsOk(f, facts, ctx.match)) fail();
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
        facts.vlan = false;
        break;
      case 'push_vlan':
        if (version === 'OpenFlow10') throw new FlowSyntaxError(unusableVersionMessage(version), { column });
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
          checkList(a.exec, ctx, { ...facts }, column, inActionSet);
        }
        break;
      case 'clone':
        checkList(a.actions, ctx, { ...facts }, column, inActionSet);
        break;
      case 'write_actions':
        checkList(a.actions, ctx, { ...facts }, column, true);
        break;
      default:
        break;
    }
  }
}
