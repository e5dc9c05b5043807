/**
 * OpenFlow ports and their VLAN configuration (OVS's ofport + ofbundle, one port per bundle).
 *
 * What? A `Port` is one OpenFlow port of a bridge: a name, an OpenFlow port number, a type (dummy NIC, internal, patch,
 * tunnel...) and the VLAN configuration NORMAL switching uses. The LOCAL port (OFPP_LOCAL, 0xfffe) is the bridge's
 * internal port, named like the bridge.
 *
 * VLAN configuration follows vswitchd's bridge.c and ofproto-dpif's bundle_set(): `tag` without `vlan_mode` makes an
 * access port (any `trunks` are then ignored), no tag makes a trunk; a trunk without a `trunks` list carries every VLAN
 * including 0 (untagged); the native modes carry their native VLAN untagged *and* tagged (OVS adds the native VLAN to
 * the trunk set). A port with neither tag nor trunks (the LOCAL port, patch and tunnel ports by default) is a trunk of
 * all VLANs.
 */

import { OfpPort } from '../flow/key-layout.js';

export type PortType = 'dummy' | 'system' | 'internal' | 'patch' | 'tap' | 'vxlan' | 'geneve' | 'gre' | 'stt';

export type VlanMode = 'access' | 'trunk' | 'native-tagged' | 'native-untagged' | 'dot1q-tunnel';

/** How a port is described by a topology (what ovs-vsctl would set on Port/Interface). */
export interface PortConfig {
  readonly name: string;
  readonly type?: PortType;
  /** Requested OpenFlow port number (ofport_request); allocated if absent. */
  readonly ofport?: number;
  readonly tag?: number;
  readonly trunks?: readonly number[];
  readonly vlanMode?: VlanMode;
  /** Patch ports: the name of the peer patch port (options:peer). */
  readonly peer?: string;
  /** Interface options (remote_ip, in_key, out_key, ...). */
  readonly options?: Readonly<Record<string, string>>;
  /** dot1q-tunnel: the S-tag ethertype (other_config:qinq-ethtype), default 0x88a8. */
  readonly qinqEthertype?: number;
  /** dot1q-tunnel: customer VLANs allowed (cvlans); absent = all. */
  readonly cvlans?: readonly number[];
  /** OFPPC_NO_FLOOD: excluded from FLOOD and NORMAL flooding. */
  readonly noFlood?: boolean;
}

/** The resolved VLAN behaviour of a port (OVS's ofbundle fields). */
export interface PortVlan {
  readonly mode: VlanMode;
  /** Access/native VLAN; -1 for trunks (OVS's `vlan`). */
  readonly vlan: number;
  /** VLANs trunked (native VLAN included for native modes); null = all VLANs. */
  readonly trunks: ReadonlySet<number> | null;
  readonly cvlans: ReadonlySet<number> | null;
  readonly qinqEthertype: number;
}

export function resolvePortVlan(cfg: PortConfig): PortVlan {
  const tag = cfg.tag !== undefined && cfg.tag >= 0 && cfg.tag <= 4095 ? cfg.tag : -1;
  const mode: VlanMode = cfg.vlanMode ?? (tag >= 0 ? 'access' : 'trunk');
  const vlan = mode === 'trunk' ? -1 : tag >= 0 ? tag : 0;
  let trunks: Set<number> | null = null;
  if ((mode === 'trunk' || mode === 'native-tagged' || mode === 'native-untagged') && cfg.trunks && cfg.trunks.length) {
    trunks = new Set(cfg.trunks.filter((v) => v >= 0 && v <= 4095));
    if (mode !== 'trunk') trunks.add(vlan);
  }
  const cvlans = mode === 'dot1q-tunnel' && cfg.cvlans && cfg.cvlans.length ? new Set(cfg.cvlans) : null;
  return { mode, vlan, trunks, cvlans, qinqEthertype: cfg.qinqEthertype ?? 0x88a8 };
}

export class Port {
  readonly name: string;
  readonly ofport: number;
  readonly type: PortType;
  readonly vlan: PortVlan;
  readonly peer: string | undefined;
  readonly options: Readonly<Record<string, string>>;
  readonly noFlood: boolean;
  /** Datapath port number, assigned by the Switch; -1 for patch ports (they have none). */
  dpPort = -1;
  /** Name of the bridge the port belongs to. */
  readonly bridgeName: string;

  constructor(bridgeName: string, ofport: number, cfg: PortConfig) {
    this.bridgeName = bridgeName;
    this.name = cfg.name;
    this.ofport = ofport;
    this.type = cfg.type ?? 'dummy';
    this.vlan = resolvePortVlan(cfg);
    this.peer = cfg.peer;
    this.options = cfg.options ?? {};
    this.noFlood = cfg.noFlood ?? false;
  }

  get isLocal(): boolean {
    return this.ofport === OfpPort.LOCAL;
  }

  get isPatch(): boolean {
    return this.type === 'patch';
  }

  get isTunnel(): boolean {
    return this.type === 'vxlan' || this.type === 'geneve' || this.type === 'gre' || this.type === 'stt';
  }

  /** Whether the port's trunk set carries `vid` (OVS xbundle_trunks_vlan). */
  trunksVlan(vid: number): boolean {
    return this.vlan.mode !== 'access' && (this.vlan.trunks === null || this.vlan.trunks.has(vid));
  }
}
