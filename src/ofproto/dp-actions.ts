/**
 * Datapath actions: what xlate produces and the datapath executes per packet (OVS's ODP actions).
 *
 * Xlate runs the OpenFlow pipeline on a flow key and emits a compact list of these; the datapath (src/dpif) applies
 * them to packet bytes. The list is what a megaflow caches, so it must not refer to OpenFlow rules or bridges: ports
 * are datapath port numbers, header rewrites are expressed on flow-key words with a mask (OVS's masked set actions),
 * and everything OpenFlow-level (stats, learn, MAC learning) happens in xlate or as megaflow side effects.
 *
 * Header rewrites follow OVS's "commit" model: xlate tracks what the packet looks like now (base flow) and what the
 * pipeline wants (flow); before an output (or anything that reads the packet) it emits the differences as
 * `set_masked`, one per header, and VLAN pushes/pops. So an action list reads like `dpctl/dump-flows` actions:
 * `set(eth(src=…)),set(ipv4(ttl=63)),push_vlan(vid=3,pcp=0),2`.
 */

import type { CtNat } from './actions/types.js';

/** Which packet header a set_masked rewrites; determines both the bytes touched and the checksum fix-ups. */
export type DpHeader = 'eth' | 'ipv4' | 'ipv6' | 'tcp' | 'udp' | 'sctp' | 'icmpv4' | 'icmpv6' | 'arp' | 'nd' | 'skb_mark' | 'tunnel';

export type DpAction =
  | { readonly kind: 'output'; readonly port: number }
  /**
   * Rewrite header fields: for every key word where mask has bits, the packet's corresponding field bits become
   * key's. Key/mask have the flow-key layout (KEY_WORDS words).
   */
  | { readonly kind: 'set_masked'; readonly header: DpHeader; readonly key: Uint32Array; readonly mask: Uint32Array }
  | { readonly kind: 'push_vlan'; readonly tpid: number; readonly tci: number }
  | { readonly kind: 'pop_vlan' }
  /** Send to the slow path: a packet-in to the controller, or an action the datapath cannot do. */
  | {
      readonly kind: 'userspace';
      readonly reason: 'controller' | 'slow_path';
      /** OFPR_* reason for controller, or the slow-path reason (e.g. 'action'). */
      readonly detail: string;
      readonly controllerId: number;
      readonly maxLen: number;
      readonly bridge: string;
      readonly table: number;
      readonly cookie: bigint;
    }
  /** Recirculate: run the packet through the caches again with recirc_id set (after ct). */
  | { readonly kind: 'recirc'; readonly id: number }
  /**
   * Conntrack (OVS's ct datapath action): zone already resolved (zone=SUBFIELD is read at translation), mark/label
   * from exec(), helper, and NAT as the OpenFlow action gave it.
   */
  | {
      readonly kind: 'ct';
      readonly zone: number;
      readonly commit: boolean;
      readonly force: boolean;
      readonly mark?: { readonly value: number; readonly mask: number };
      readonly label?: { readonly value: bigint; readonly mask: bigint };
      readonly alg?: 'ftp' | 'tftp';
      readonly nat?: CtNat;
    }
  | { readonly kind: 'ct_clear' }
  /**
   * Native tunnel encapsulation (OVS's tnl_push): prepend `header`, an outer Ethernet/IP/UDP/VXLAN template built at
   * translation time (src/tunnel/vxlan-encap.ts), filling lengths, checksums and the UDP source port per packet.
   * `tnlPort` is the tunnel vport (vxlan_sys_4789) and `outPort` the underlay device the header was built for; both
   * are informational here: the actions that follow (from the underlay bridge's pipeline) say where the frame goes.
   */
  | { readonly kind: 'tnl_push'; readonly tnlPort: number; readonly outPort: number; readonly header: Uint8Array }
  /**
   * Native tunnel decapsulation (OVS's tnl_pop): validate and strip the outer headers, set the tunnel metadata, and
   * run the inner frame through the datapath again as received on tunnel vport `tnlPort`.
   */
  | { readonly kind: 'tnl_pop'; readonly tnlPort: number }
  /** Run the nested actions on a copy of the packet; the outer packet is unaffected. */
  | { readonly kind: 'clone'; readonly actions: readonly DpAction[] };

/** A translation's result: the actions, plus why the packet was dropped when it produced no output. */
export interface DpActionList {
  readonly actions: readonly DpAction[];
}
