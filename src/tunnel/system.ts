/**
 * The tunnel system of one switch: everything userspace tunnelling needs besides the OpenFlow bridges.
 *
 *   ports     the VXLAN ports and their receive matches (port-table.ts)
 *   vports    one datapath port per tunnel UDP port, shared by every VXLAN port with that dst_port, named as OVS
 *             names it (vxlan_sys_4789) and numbered like OVS's dummy datapath numbers it (by the digits: 4789)
 *   underlay  local addresses, routes, neighbours (underlay.ts)
 *   listen    which frames terminate on which vport (listen.ts)
 *   devices   the MAC of every device that holds an underlay address (the source MAC of outgoing outer frames and
 *             the destination MAC the termination match requires)
 *
 * Nothing here knows bridges: the switch builder fills it from the topology, xlate asks it questions, the datapath
 * pops headers through it.
 */

import { TunnelListenMap } from './listen.js';
import { TunnelPortTable } from './port-table.js';
import { Underlay } from './underlay.js';

export interface TunnelVport {
  readonly name: string;
  readonly dpPort: number;
  readonly udpPort: number;
}

export class TunnelSystem {
  readonly ports = new TunnelPortTable();
  readonly underlay = new Underlay();
  readonly listen = new TunnelListenMap();
  private readonly vportsByUdp = new Map<number, TunnelVport>();
  private readonly vportsByDp = new Map<number, TunnelVport>();
  private readonly deviceMacs = new Map<string, Uint8Array>();

  /**
   * The vport for UDP port `udpPort`, created on first use with datapath number `udpPort` unless `taken` says that
   * number is in use (then the next free one above 0xffff).
   */
  vport(udpPort: number, taken: (dp: number) => boolean = () => false): TunnelVport {
    let v = this.vportsByUdp.get(udpPort);
    if (v === undefined) {
      let dp = udpPort;
      if (dp === 0 || taken(dp) || this.vportsByDp.has(dp)) {
        dp = 0x10000;
        while (taken(dp) || this.vportsByDp.has(dp)) dp++;
      }
      v = { name: `vxlan_sys_${udpPort}`, dpPort: dp, udpPort };
      this.vportsByUdp.set(udpPort, v);
      this.vportsByDp.set(dp, v);
    }
    return v;
  }

  vportByDp(dp: number): TunnelVport | undefined {
    return this.vportsByDp.get(dp);
  }

  get vports(): IterableIterator<TunnelVport> {
    return this.vportsByUdp.values();
  }

  setDeviceMac(dev: string, mac: Uint8Array): void {
    this.deviceMacs.set(dev, mac.slice(0, 6));
  }

  deviceMac(dev: string): Uint8Array | undefined {
    return this.deviceMacs.get(dev);
  }

  /** Registers every addressed device as a termination point for every vport (tnl_port_map_insert). */
  refreshListen(): void {
    for (const [dev, mac] of this.deviceMacs) {
      const addrs = this.underlay.addressesOf(dev).map((a) => a.addr);
      if (addrs.length === 0) continue;
      for (const v of this.vportsByUdp.values()) this.listen.add({ name: dev, mac, addrs }, v.udpPort, v.dpPort);
    }
  }
}
