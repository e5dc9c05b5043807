/**
 * The underlay: local addresses, routes and the tunnel neighbour table (OVS's lib/ovs-router.c and
 * lib/tnl-neigh-cache.c, as userspace tunnelling uses them).
 *
 * What? Sending into a tunnel needs three answers OVS's userspace datapath gets from its own tables, not from the
 * kernel: where does the remote live (a route: the longest prefix containing it gives the output device, an optional
 * gateway and the source address), what is the next hop's MAC (the neighbour table, per bridge), and which
 * addresses are ours (a packet to one of them, on a tunnel UDP port, is decapsulated).
 *
 * Addresses. Each device (a bridge's LOCAL port or an internal port, e.g. `br-phy`) may hold addresses with a prefix
 * length (`netdev-dummy/ip4addr br-phy 172.16.0.31/24`). They make the device a tunnel termination point and give
 * routes their source address.
 *
 * Routes (`ovs/route/add PREFIX DEV [GW]`). A route's source address is fixed when it is added: the device address
 * whose subnet contains the prefix (the longest such subnet), else the one whose subnet contains the gateway; with
 * neither, OVS refuses the route ("Error while inserting route."). Lookup is longest prefix first among routes with
 * the packet's pkt_mark (routes without `pkt_mark=` have mark 0). A tunnel with local_ip asks for that source: OVS
 * then requires a *local* route for it, which only the system routing table provides; we count every underlay
 * address as local, which is what that table would say (OVS's dummy mode has no system table, which is why the
 * reference runner leaves local_ip out).
 *
 * Neighbours (`tnl/neigh/set BRIDGE IP MAC`, and snooping). Entries are per bridge and age out 15 minutes after they
 * were last set *or looked up*; an expired entry is invisible to lookups (show marks it STALE). Sets come from the
 * configuration, from ARP replies and gratuitous ARPs (and ND advertisements) seen on a termination device, and
 * from every decapsulated IP packet (its outer source address -> outer source MAC). A change of MAC bumps `seq`,
 * which callers use to revalidate cached translations that embedded the old MAC in a tnl_push header.
 */

import { macToString } from '../packet/addr.js';
import { addrEquals, formatTunnelAddr, inPrefix, isAnyAddr, isV4Mapped, type TunnelAddr } from './addr.js';

/** OVS's NEIGH_ENTRY_DEFAULT_IDLE_TIME_MS. */
export const NEIGH_AGING_MS = 15 * 60 * 1000;

export interface DeviceAddress {
  readonly dev: string;
  readonly addr: TunnelAddr;
  /** Prefix length over 128 bits (an IPv4 /24 is 120). */
  readonly plen: number;
}

export interface Route {
  readonly prefix: TunnelAddr;
  /** Over 128 bits. */
  readonly plen: number;
  readonly dev: string;
  /** Unset = the destination is on link. */
  readonly gw?: TunnelAddr;
  readonly mark: number;
  /** The source address chosen when the route was added. */
  readonly src: TunnelAddr;
}

export interface RouteResult {
  readonly dev: string;
  /** Whom to ask the neighbour table for: the gateway, or the destination itself. */
  readonly nextHop: TunnelAddr;
  /** Outer source address. */
  readonly src: TunnelAddr;
}

/** A neighbour seen in a packet, to be applied with Underlay.setNeighbour. */
export interface NeighbourSighting {
  readonly bridge: string;
  readonly ip: TunnelAddr;
  /** 6 bytes. */
  readonly mac: Uint8Array;
}

export interface NeighbourEntry {
  readonly bridge: string;
  readonly ip: TunnelAddr;
  /** 6 bytes. */
  readonly mac: Uint8Array;
  expiresMs: number;
}

export class Underlay {
  private readonly addrs: DeviceAddress[] = [];
  private readonly routeList: Route[] = [];
  private readonly neigh: NeighbourEntry[] = [];
  /** Bumped whenever a change could alter a tunnel header (route added, neighbour MAC changed or appeared). */
  seq = 0;

  // ------------------------------------------------------------------------------------------------- addresses

  addAddress(dev: string, addr: TunnelAddr, plen: number): void {
    this.addrs.push({ dev, addr, plen });
    this.seq++;
  }

  addressesOf(dev: string): DeviceAddress[] {
    return this.addrs.filter((a) => a.dev === dev);
  }

  hasAddress(dev: string): boolean {
    for (const a of this.addrs) if (a.dev === dev) return true;
    return false;
  }

  get addresses(): readonly DeviceAddress[] {
    return this.addrs;
  }

  /** Whether `addr` is one of ours (the local route the system table would have for it). */
  isLocal(addr: ArrayLike<number>, off = 0): boolean {
    for (const a of this.addrs) if (addrEquals(a.addr, 0, addr, off)) return true;
    return false;
  }

  // ---------------------------------------------------------------------------------------------------- routes

  /**
   * ovs/route/add. Returns an error message when OVS would refuse the route (no source address on `dev`); a route
   * with the same prefix and mark replaces the old one.
   */
  addRoute(prefix: TunnelAddr, plen: number, dev: string, gw?: TunnelAddr, mark = 0): string | null {
    const masked = maskAddr(prefix, plen);
    let src = this.sourceFor(masked, dev);
    if (src === null && gw !== undefined) src = this.sourceFor(gw, dev);
    if (src === null) return `Error while inserting route: no source address on ${dev} for ${formatTunnelAddr(masked)}`;
    const route: Route = { prefix: masked, plen, dev, gw: gw && !isAnyAddr(gw) ? gw : undefined, mark, src };
    const i = this.routeList.findIndex((r) => r.plen === plen && r.mark === mark && addrEquals(r.prefix, 0, masked, 0));
    if (i >= 0) this.routeList[i] = route;
    else this.routeList.push(route);
    this.seq++;
    return null;
  }

  get routes(): readonly Route[] {
    return this.routeList;
  }

  /** ovs_router_get_netdev_source_address: the device address whose subnet holds `dst`, longest subnet first. */
  private sourceFor(dst: TunnelAddr, dev: string): TunnelAddr | null {
    const v4 = isV4Mapped(dst);
    let best: DeviceAddress | null = null;
    for (const a of this.addrs) {
      if (a.dev !== dev || (v4 && !isV4Mapped(a.addr))) continue;
      if (inPrefix(dst, 0, a.addr, a.plen) && (best === null || a.plen > best.plen)) best = a;
    }
    return best === null ? null : best.addr;
  }

  /**
   * ovs_router_lookup: the longest-prefix route for `dst` with `mark`. With `src` (a tunnel's local_ip) that address
   * must be local, and it is the source. null = "native tunnel routing failed".
   */
  route(dst: ArrayLike<number>, dstOff: number, mark: number, src?: TunnelAddr): RouteResult | null {
    if (src !== undefined && !isAnyAddr(src) && !this.isLocal(src)) return null;
    let best: Route | null = null;
    for (const r of this.routeList) {
      if (r.mark !== mark || !inPrefix(dst, dstOff, r.prefix, r.plen)) continue;
      if (best === null || r.plen > best.plen) best = r;
    }
    if (best === null) return null;
    const dstAddr = Uint32Array.of(dst[dstOff], dst[dstOff + 1], dst[dstOff + 2], dst[dstOff + 3]);
    const nextHop = best.gw !== undefined && (!isV4Mapped(best.gw) || best.gw[3] !== 0) ? best.gw : dstAddr;
    return { dev: best.dev, nextHop, src: src !== undefined && !isAnyAddr(src) ? src : best.src };
  }

  /** `ovs-appctl ovs/route/show`. */
  showRoutes(): string {
    let s = 'Route Table:\n';
    for (const r of this.routeList) {
      s += `User: ${formatTunnelAddr(r.prefix)}/${isV4Mapped(r.prefix) ? r.plen - 96 : r.plen}`;
      if (r.mark !== 0) s += ` MARK ${r.mark}`;
      s += ` dev ${r.dev}`;
      if (r.gw !== undefined) s += ` GW ${formatTunnelAddr(r.gw)}`;
      s += ` SRC ${formatTunnelAddr(r.src)}\n`;
    }
    return s;
  }

  // ------------------------------------------------------------------------------------------------ neighbours

  /** tnl_neigh_lookup: the MAC, or null when unknown or expired. A hit refreshes the entry's age. */
  lookupNeighbour(bridge: string, ip: ArrayLike<number>, ipOff: number, nowMs: number): Uint8Array | null {
    const e = this.find(bridge, ip, ipOff);
    if (e === undefined || e.expiresMs <= nowMs) return null;
    e.expiresMs = nowMs + NEIGH_AGING_MS;
    return e.mac;
  }

  /** tnl_neigh_set: add, refresh, or replace (a different MAC replaces the entry and bumps `seq`). */
  setNeighbour(bridge: string, ip: ArrayLike<number>, ipOff: number, mac: Uint8Array, macOff: number, nowMs: number): void {
    const e = this.find(bridge, ip, ipOff);
    if (e !== undefined && e.expiresMs > nowMs && sameMac(e.mac, 0, mac, macOff)) {
      e.expiresMs = nowMs + NEIGH_AGING_MS;
      return;
    }
    if (e !== undefined) this.neigh.splice(this.neigh.indexOf(e), 1);
    this.neigh.push({
      bridge,
      ip: Uint32Array.of(ip[ipOff], ip[ipOff + 1], ip[ipOff + 2], ip[ipOff + 3]),
      mac: mac.slice(macOff, macOff + 6),
      expiresMs: nowMs + NEIGH_AGING_MS,
    });
    this.seq++;
  }

  get neighbours(): readonly NeighbourEntry[] {
    return this.neigh;
  }

  /** `ovs-appctl tnl/neigh/show` (entries in address order; OVS prints them in hash order). */
  showNeighbours(nowMs: number): string {
    let s = 'IP                                            MAC                 Bridge\n';
    s += '==========================================================================\n';
    const sorted = [...this.neigh].sort((a, b) => compareAddr(a.ip, b.ip) || (a.bridge < b.bridge ? -1 : a.bridge > b.bridge ? 1 : 0));
    for (const e of sorted) {
      const ip = formatTunnelAddr(e.ip);
      s += ip.padEnd(46, ' ') + `${macToString(e.mac)}   ${e.bridge}`;
      if (e.expiresMs <= nowMs) s += ' STALE';
      s += '\n';
    }
    return s;
  }

  private find(bridge: string, ip: ArrayLike<number>, ipOff: number): NeighbourEntry | undefined {
    for (const e of this.neigh) if (e.bridge === bridge && addrEquals(e.ip, 0, ip, ipOff)) return e;
    return undefined;
  }
}

function maskAddr(a: TunnelAddr, plen: number): TunnelAddr {
  const out = new Uint32Array(4);
  for (let i = 0; i < 4; i++) {
    const bits = Math.max(0, Math.min(32, plen - i * 32));
    out[i] = bits === 0 ? 0 : bits === 32 ? a[i] : (a[i] & ~(0xffffffff >>> bits)) >>> 0;
  }
  return out;
}

function sameMac(a: Uint8Array, aOff: number, b: Uint8Array, bOff: number): boolean {
  for (let i = 0; i < 6; i++) if (a[aOff + i] !== b[bOff + i]) return false;
  return true;
}

function compareAddr(a: TunnelAddr, b: TunnelAddr): number {
  for (let i = 0; i < 4; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}
