/**
 * OpenFlow actions as data (OVS's ofpacts).
 *
 * One discriminated union, `Action`, that the flow parser produces, the printer prints back exactly as OVS 3.1's
 * ovs-ofctl prints it, and xlate interprets into datapath actions. Nothing here executes anything.
 *
 * Where OVS keeps two spellings of one operation apart (mod_dl_src vs set_field:…->eth_src, strip_vlan vs pop_vlan,
 * load vs set_field) we keep them apart too, because OVS prints them differently; `compat` or the kind records which
 * one the user wrote. How a dump prints after an OpenFlow 1.3 round trip (load becomes set_field, mod_vlan_vid on an
 * untagged match becomes push_vlan+set_field) is the printer's business, keyed on the OpenFlow version.
 *
 * Ports are OpenFlow 1.0 numbers (`OfpPort` in key-layout.ts for the reserved ones); names are resolved by the parser
 * against the bridge's ports and printed back by the printer, so the union itself never holds a port name.
 */

import type { Subfield } from '../../flow/bits.js';
import type { FieldDef } from '../../flow/fields.js';
import type { Match } from '../../flow/match.js';

export type Action =
  | OutputAction
  | OutputRegAction
  | ControllerAction
  | ResubmitAction
  | GotoTableAction
  | WriteMetadataAction
  | WriteActionsAction
  | ClearActionsAction
  | SetVlanVidAction
  | SetVlanPcpAction
  | StripVlanAction
  | PushVlanAction
  | SetFieldAction
  | LoadAction
  | MoveAction
  | SetEthAction
  | SetIpv4Action
  | SetIpDscpAction
  | SetIpEcnAction
  | SetIpTtlAction
  | SetL4PortAction
  | DecTtlAction
  | NoteAction
  | ConjunctionAction
  | LearnAction
  | CloneAction
  | CtAction
  | CtClearAction
  | SetTunnelAction
  | ExitAction
  | FinTimeoutAction
  | MultipathPlaceholder;

/** output:PORT, and the reserved ports written by name (NORMAL, FLOOD, ALL, IN_PORT, LOCAL, TABLE). */
export interface OutputAction {
  readonly kind: 'output';
  readonly port: number;
  /** Only meaningful for CONTROLLER written as output:CONTROLLER:LEN or CONTROLLER:LEN. */
  readonly maxLen: number;
}

/** output:NXM_NX_REG0[0..15] */
export interface OutputRegAction {
  readonly kind: 'output_reg';
  readonly src: Subfield;
  readonly maxLen: number;
}

/** controller, CONTROLLER:LEN, controller(reason=…,max_len=…,id=…,userdata=…,pause,meter_id=…) */
export interface ControllerAction {
  readonly kind: 'controller';
  readonly maxLen: number;
  /** OFPR_* name as OVS prints it: no_match, action, invalid_ttl, action_set, group, packet_out. */
  readonly reason: string;
  readonly controllerId: number;
  readonly userdata?: Uint8Array;
  readonly pause: boolean;
  readonly meterId?: number;
}

/** resubmit:PORT, resubmit([PORT],[TABLE]) and resubmit([PORT],[TABLE],ct). */
export interface ResubmitAction {
  readonly kind: 'resubmit';
  /** undefined = the current in_port (OFPP_IN_PORT). */
  readonly inPort: number | undefined;
  /** undefined = the current table (255 in OVS's terms). */
  readonly table: number | undefined;
  readonly withCtOrig: boolean;
}

export interface GotoTableAction {
  readonly kind: 'goto_table';
  readonly table: number;
}

export interface WriteMetadataAction {
  readonly kind: 'write_metadata';
  readonly value: bigint;
  readonly mask: bigint;
}

/**
 * write_actions(...): the OpenFlow 1.1+ Write-Actions instruction. Its actions are not run where they stand: they are
 * merged into the packet's action set, which runs once, when the translation ends (see xlate-action-set.ts). Only
 * actions OpenFlow allows in an action set are accepted by an OpenFlow 1.1+ switch; OpenFlow 1.0 cannot carry the
 * instruction at all, so OVS drops it when it encodes a 1.0 flow_mod (flow-syntax.ts does the same).
 */
export interface WriteActionsAction {
  readonly kind: 'write_actions';
  readonly actions: readonly Action[];
}

/** clear_actions: the Clear-Actions instruction, empties the action set. */
export interface ClearActionsAction {
  readonly kind: 'clear_actions';
}

/** mod_vlan_vid (push a tag if none: OpenFlow 1.0 semantics) and set_vlan_vid. */
export interface SetVlanVidAction {
  readonly kind: 'set_vlan_vid';
  readonly vid: number;
  /** true for mod_vlan_vid (pushes a tag when there is none), false for set_vlan_vid (OF1.1: only modifies). */
  readonly pushIfNone: boolean;
}

export interface SetVlanPcpAction {
  readonly kind: 'set_vlan_pcp';
  readonly pcp: number;
  readonly pushIfNone: boolean;
}

export interface StripVlanAction {
  readonly kind: 'strip_vlan';
  /** Which spelling: strip_vlan (OpenFlow 1.0) or pop_vlan (1.1+). */
  readonly spelling: 'strip_vlan' | 'pop_vlan';
}

export interface PushVlanAction {
  readonly kind: 'push_vlan';
  readonly ethertype: number;
}

/** set_field:VALUE[/MASK]->FIELD */
export interface SetFieldAction {
  readonly kind: 'set_field';
  readonly field: FieldDef;
  readonly value: bigint;
  readonly mask: bigint;
}

/** load:VALUE->DST[a..b] */
export interface LoadAction {
  readonly kind: 'load';
  readonly dst: Subfield;
  readonly value: bigint;
}

/** move:SRC[a..b]->DST[c..d] */
export interface MoveAction {
  readonly kind: 'move';
  readonly src: Subfield;
  readonly dst: Subfield;
}

/** mod_dl_src / mod_dl_dst */
export interface SetEthAction {
  readonly kind: 'set_eth_src' | 'set_eth_dst';
  readonly mac: bigint;
}

/** mod_nw_src / mod_nw_dst */
export interface SetIpv4Action {
  readonly kind: 'set_ipv4_src' | 'set_ipv4_dst';
  readonly addr: number;
}

/** mod_nw_tos:TOS (DSCP in the top six bits; ECN kept) */
export interface SetIpDscpAction {
  readonly kind: 'set_ip_dscp';
  readonly tos: number;
}

export interface SetIpEcnAction {
  readonly kind: 'set_ip_ecn';
  readonly ecn: number;
}

export interface SetIpTtlAction {
  readonly kind: 'set_ip_ttl';
  readonly ttl: number;
}

/** mod_tp_src / mod_tp_dst */
export interface SetL4PortAction {
  readonly kind: 'set_l4_src' | 'set_l4_dst';
  readonly port: number;
}

/** dec_ttl and dec_ttl(id1,id2,…) */
export interface DecTtlAction {
  readonly kind: 'dec_ttl';
  readonly controllerIds: readonly number[];
  /** Whether the ids were written explicitly (dec_ttl(0) prints differently from dec_ttl). */
  readonly explicitIds: boolean;
}

export interface NoteAction {
  readonly kind: 'note';
  readonly data: Uint8Array;
}

/** conjunction(ID, K/N): this rule is clause K of N of conjunctive match ID. */
export interface ConjunctionAction {
  readonly kind: 'conjunction';
  readonly id: number;
  readonly clause: number; // 1-based, as written
  readonly nClauses: number;
}

/** One learn() spec element. */
export type LearnSpec =
  /** FIELD[a..b]=VALUE or FIELD[a..b] (=itself from the packet) or FIELD[a..b]=SRC[c..d] : a match in the new rule. */
  | { readonly kind: 'match_value'; readonly dst: Subfield; readonly value: bigint }
  | { readonly kind: 'match_field'; readonly dst: Subfield; readonly src: Subfield; readonly shorthand: boolean }
  /** load:VALUE->DST or load:SRC->DST : an action in the new rule. */
  | { readonly kind: 'load_value'; readonly dst: Subfield; readonly value: bigint }
  | { readonly kind: 'load_field'; readonly dst: Subfield; readonly src: Subfield }
  /** output:SRC : an output action in the new rule, port taken from the packet. */
  | { readonly kind: 'output'; readonly src: Subfield };

export interface LearnAction {
  readonly kind: 'learn';
  readonly table: number;
  readonly priority: number;
  readonly idleTimeout: number;
  readonly hardTimeout: number;
  readonly finIdleTimeout: number;
  readonly finHardTimeout: number;
  readonly cookie: bigint;
  /** send_flow_rem, delete_learned, write_result etc. as OVS names them, in the order OVS prints them. */
  readonly flags: readonly string[];
  readonly limit: number;
  readonly resultDst?: Subfield;
  readonly specs: readonly LearnSpec[];
}

export interface CloneAction {
  readonly kind: 'clone';
  readonly actions: readonly Action[];
}

/** NAT inside ct(): nat, nat(src=…), nat(dst=…) */
export interface CtNat {
  readonly type: 'none' | 'src' | 'dst';
  /** Address range; IPv4 as 4 bytes or IPv6 as 16 bytes, textual form kept for printing. */
  readonly addrMin?: Uint8Array;
  readonly addrMax?: Uint8Array;
  readonly portMin?: number;
  readonly portMax?: number;
  readonly flags: readonly ('random' | 'hash' | 'persistent')[];
}

export interface CtAction {
  readonly kind: 'ct';
  readonly commit: boolean;
  readonly force: boolean;
  /** zone=N (immediate) or zone=SUBFIELD */
  readonly zone: number | Subfield;
  /** table=N: recirculate to this table after conntrack; undefined: continue without recirculation. */
  readonly table: number | undefined;
  readonly alg: 'ftp' | 'tftp' | undefined;
  readonly nat: CtNat | undefined;
  /** exec(...): only set_field/load to ct_mark and ct_label are allowed (OVS rule). */
  readonly exec: readonly Action[];
}

export interface CtClearAction {
  readonly kind: 'ct_clear';
}

/** set_tunnel:ID / set_tunnel64:ID */
export interface SetTunnelAction {
  readonly kind: 'set_tunnel';
  readonly tunId: bigint;
  readonly is64: boolean;
}

export interface ExitAction {
  readonly kind: 'exit';
}

export interface FinTimeoutAction {
  readonly kind: 'fin_timeout';
  readonly idleTimeout: number;
  readonly hardTimeout: number;
}

/**
 * Not an action: a reserved slot so that `switch (a.kind)` over `Action` stays exhaustive if a parser produces an
 * action we print but do not execute. Never produced today.
 */
export interface MultipathPlaceholder {
  readonly kind: 'unsupported';
  readonly text: string;
}

/** A rule's match side as it arrives from the flow-syntax parser, before it is installed in a table. */
export interface FlowSpec {
  readonly table: number;
  readonly priority: number;
  readonly cookie: bigint;
  /** Cookie mask, only for commands that select by cookie (del-flows cookie=X/MASK). */
  readonly cookieMask: bigint;
  readonly match: Match;
  readonly idleTimeout: number;
  readonly hardTimeout: number;
  readonly importance: number;
  /** send_flow_rem, check_overlap, reset_counts, no_packet_counts, no_byte_counts */
  readonly flags: readonly string[];
  readonly actions: readonly Action[];
}
