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
 * Un-wildcarding. OVS keeps these entries in a classifier of their own, and its staged lookup decides how much of
 * the frame the megaflow must match: entries with IPv4 addresses form one subtable and IPv6 ones another (same
 * mask within each), and each subtable is searched in stages (L2: destination MAC, Ethertype, VLAN TCI; L3: the
 * destination address, IP protocol and fragment bits; last: the UDP destination port). A subtable in which no
 * entry agrees with the frame at some stage stops there, and only the fields of the stages it looked at enter the
 * megaflow: a frame to another MAC matches on L2 alone, one to another address does not match its UDP port. When
 * only the port differs, the subtable's port trie un-wildcards the leading bits of the port up to the first bit that
 * tells it apart from every entry's port. We reproduce that per subtable, so the megaflows equal OVS's; no subtable
 * (no entries of that family) looks at nothing.
 */

import { ETH_TYPE_IP, ETH_TYPE_IPV6, FRAG_ANY, FRAG_LATER, IPPROTO_UDP, W } from '../flow/key-layout.js';
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
   * The tunnel datapath port a frame with flow key `key` terminates on, or -1. Marks the fields OVS's staged lookup
   * consults in `wc` (flow-key layout) when given.
   */
  lookup(key: Uint32Array, wc?: Uint32Array): number {
    const v4 = this.lookupFamily(false, key, wc);
    return v4 >= 0 ? v4 : this.lookupFamily(true, key, wc);
  }

  /** The staged lookup in one subtable: the entries whose address is IPv6 (`v6`) or IPv4. */
  private lookupFamily(v6: boolean, key: Uint32Array, wc: Uint32Array | undefined): number {
    const entries = this.entries;
    let exists = false; // OVS has no subtable for a family without entries, and looks at nothing for it
    for (let i = 0; i < entries.length && !exists; i++) exists = isV4Mapped(entries[i].addr) !== v6;
    if (!exists) return -1;

    // Stage L2: destination MAC, Ethertype and VLAN TCI (entries want an untagged frame).
    if (wc !== undefined) {
      wc[W.DL_DST] |= 0xffff;
      wc[W.DL_DST + 1] = 0xffffffff;
      wc[W.DL_TYPE_VLAN] = 0xffffffff;
    }
    if (key[W.DL_TYPE_VLAN] !== ((v6 ? ETH_TYPE_IPV6 : ETH_TYPE_IP) << 16) >>> 0) return -1;
    const macHi = key[W.DL_DST] & 0xffff;
    const macLo = key[W.DL_DST + 1];
    let l2 = false;
    for (let i = 0; i < entries.length && !l2; i++) {
      const e = entries[i];
      l2 = isV4Mapped(e.addr) !== v6 && e.macHi === macHi && e.macLo === macLo;
    }
    if (!l2) return -1;

    // Stage L3: destination address, IP protocol (UDP), not a fragment.
    if (wc !== undefined) {
      wc[W.NW] |= 0xff000000 | FRAG_ANY | FRAG_LATER;
      if (v6) wc.fill(0xffffffff, W.IPV6_DST, W.IPV6_DST + 4);
      else wc[W.NW_DST] = 0xffffffff;
    }
    if (key[W.NW] >>> 24 !== IPPROTO_UDP || (key[W.NW] & (FRAG_ANY | FRAG_LATER)) !== 0) return -1;
    let l3 = false;
    for (let i = 0; i < entries.length && !l3; i++) {
      const e = entries[i];
      l3 = isV4Mapped(e.addr) !== v6 && e.macHi === macHi && e.macLo === macLo && addrIs(e.addr, key, v6);
    }
    if (!l3) return -1;

    // Last stage: the UDP destination port.
    const tpDst = key[W.TP] & 0xffff;
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i];
      if (isV4Mapped(e.addr) === v6 || e.udpPort !== tpDst || e.macHi !== macHi || e.macLo !== macLo) continue;
      if (!addrIs(e.addr, key, v6)) continue;
      if (wc !== undefined) wc[W.TP] |= 0xffff;
      return e.dpPort;
    }
    if (wc !== undefined) wc[W.TP] |= this.portBitsToMiss(v6, tpDst);
    return -1;
  }

  /**
   * What the subtable's port trie un-wildcards of a UDP destination port no entry of the right address has: the
   * port's leading bits up to and including the first that differs from the closest port of any entry in the
   * subtable (all 16 when some entry has exactly this port).
   */
  private portBitsToMiss(v6: boolean, tpDst: number): number {
    let common = -1; // leading bits shared with the closest port
    for (let i = 0; i < this.entries.length; i++) {
      const e = this.entries[i];
      if (isV4Mapped(e.addr) === v6) continue;
      const diff = (e.udpPort ^ tpDst) & 0xffff;
      const shared = diff === 0 ? 16 : Math.clz32(diff) - 16;
      if (shared > common) common = shared;
    }
    const bits = Math.min(16, common + 1);
    return (0xffff << (16 - bits)) & 0xffff;
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

/** Whether `addr` is the frame's destination address (IPv6 words or the IPv4 word of `key`). */
function addrIs(addr: TunnelAddr, key: Uint32Array, v6: boolean): boolean {
  if (!v6) return addr[3] === key[W.NW_DST];
  return addr[0] === key[W.IPV6_DST] && addr[1] === key[W.IPV6_DST + 1] && addr[2] === key[W.IPV6_DST + 2] && addr[3] === key[W.IPV6_DST + 3];
}

function sameAddr(a: TunnelAddr, b: TunnelAddr): boolean {
  return a[0] === b[0] && a[1] === b[1] && a[2] === b[2] && a[3] === b[3];
}
