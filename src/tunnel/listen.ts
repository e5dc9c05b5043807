/**
 * Tunnel termination: which frames are "for a tunnel" (OVS's lib/tnl-ports.c, tnl_port_map_lookup).
 *
 * What? On receive, a VXLAN frame first travels the underlay bridge's own pipeline (e.g. br-phy's NORMAL). When
 * that pipeline outputs it to a device that holds an underlay address (br-phy's LOCAL port), xlate asks this map
 * whether the frame is tunnel traffic; if so the output becomes `tnl_pop(vxlan_sys_<port>)` instead of a transmit.
 *
 * A frame is tunnel traffic when it is untagged, unfragmented, addressed to the device's MAC and to one of its
 * addresses (IPv4 or IPv6), carries UDP, and its destination port is the dst_port of some VXLAN port. Every such
 * (device, address, UDP port) is one entry, naming the tunnel datapath port of that UDP port. A frame to our address
 * on another UDP port, or to another MAC, is plain traffic and goes wherever the pipeline sent it.
 *
 * Un-wildcarding. The answer depends on the fields above, so a lookup marks all of them as consulted in the
 * megaflow mask (OVS's staged classifier sometimes gets away with fewer; ours is never coarser than correct).
 */

import { ETH_TYPE_IP, ETH_TYPE_IPV6, FRAG_ANY, FRAG_LATER, VLAN_CFI, W } from '../flow/key-layout.js';
import { isV4Mapped, type TunnelAddr } from './addr.js';

interface ListenEntry {
  readonly dev: string;
  readonly macHi: number; // top 16 bits of the MAC, as the key's DL_DST word holds them
  readonly macLo: number;
  readonly addr: TunnelAddr;
  readonly udpPort: number;
  readonly dpPort: number;
}

export interface ListenDevice {
  readonly name: string;
  /** 6 bytes. */
  readonly mac: Uint8Array;
  readonly addrs: readonly TunnelAddr[];
}

export class TunnelListenMap {
  private readonly entries: ListenEntry[] = [];

  /**
   * Registers every address of `dev` for the tunnel UDP port `udpPort` (datapath port `dpPort`). Idempotent, as OVS
   * reference-counts identical entries.
   */
  add(dev: ListenDevice, udpPort: number, dpPort: number): void {
    const macHi = (dev.mac[0] << 8) | dev.mac[1];
    const macLo = ((dev.mac[2] << 24) | (dev.mac[3] << 16) | (dev.mac[4] << 8) | dev.mac[5]) >>> 0;
    for (const addr of dev.addrs) {
      if (this.entries.some((e) => e.dev === dev.name && e.udpPort === udpPort && sameAddr(e.addr, addr))) continue;
      this.entries.push({ dev: dev.name, macHi, macLo, addr, udpPort, dpPort });
    }
  }

  get size(): number {
    return this.entries.length;
  }

  /**
   * The tunnel datapath port a frame with flow key `key` terminates on, or -1. Marks the consulted fields in `wc`
   * (flow-key layout) when given.
   */
  lookup(key: Uint32Array, wc?: Uint32Array): number {
    const dlType = key[W.DL_TYPE_VLAN] >>> 16;
    if (wc !== undefined) {
      wc[W.DL_TYPE_VLAN] = 0xffffffff;
      wc[W.DL_DST] |= 0xffff;
      wc[W.DL_DST + 1] = 0xffffffff;
    }
    if (dlType !== ETH_TYPE_IP && dlType !== ETH_TYPE_IPV6) return -1;
    if (wc !== undefined) {
      wc[W.NW] |= 0xff000000 | FRAG_ANY | FRAG_LATER;
      wc[W.TP] |= 0xffff;
      if (dlType === ETH_TYPE_IP) wc[W.NW_DST] = 0xffffffff;
      else wc.fill(0xffffffff, W.IPV6_DST, W.IPV6_DST + 4);
    }
    if ((key[W.DL_TYPE_VLAN] & (VLAN_CFI | 0x0fff)) !== 0) return -1;
    if ((key[W.NW] >>> 24) !== 17 || (key[W.NW] & (FRAG_ANY | FRAG_LATER)) !== 0) return -1;
    const tpDst = key[W.TP] & 0xffff;
    const macHi = key[W.DL_DST] & 0xffff;
    const macLo = key[W.DL_DST + 1];
    for (let i = 0; i < this.entries.length; i++) {
      const e = this.entries[i];
      if (e.udpPort !== tpDst || e.macHi !== macHi || e.macLo !== macLo) continue;
      if (dlType === ETH_TYPE_IP) {
        if (isV4Mapped(e.addr) && e.addr[3] === key[W.NW_DST]) return e.dpPort;
      } else if (
        !isV4Mapped(e.addr) &&
        e.addr[0] === key[W.IPV6_DST] &&
        e.addr[1] === key[W.IPV6_DST + 1] &&
        e.addr[2] === key[W.IPV6_DST + 2] &&
        e.addr[3] === key[W.IPV6_DST + 3]
      ) {
        return e.dpPort;
      }
    }
    return -1;
  }

  /** `ovs-appctl tnl/ports/show`: the listening tunnel datapath ports. */
  show(dpNames: ReadonlyMap<number, string>): string {
    const seen = new Map<number, number>();
    for (const e of this.entries) if (!seen.has(e.dpPort)) seen.set(e.dpPort, e.udpPort);
    let s = 'Listening ports:\n';
    for (const dp of seen.keys()) s += `${dpNames.get(dp) ?? `port ${dp}`} (${dp})\n`;
    return s;
  }
}

function sameAddr(a: TunnelAddr, b: TunnelAddr): boolean {
  return a[0] === b[0] && a[1] === b[1] && a[2] === b[2] && a[3] === b[3];
}
