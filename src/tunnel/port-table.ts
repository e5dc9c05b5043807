/**
 * The tunnel port table: which OpenFlow tunnel port a decapsulated packet arrived on (OVS's ofproto/tunnel.c).
 *
 * What? After tnl_pop the datapath knows only the outer header: the tunnel datapath port (vxlan_sys_<udp port>,
 * shared by every VXLAN port with that dst_port), the VNI and the outer addresses. OpenFlow needs a port, so each
 * VXLAN port contributes a *match*: its in_key (or "key from the flow"), its remote_ip (or "remote from the flow"),
 * its local_ip (configured, any, or from the flow), and its datapath port.
 *
 * Priority. A packet may fit several ports (one for 172.16.0.11 and one with remote_ip=flow), so OVS orders the 12
 * ways a port can match, most specific first, and takes the first hit: a fixed key before key=flow, then a fixed
 * remote before remote=flow, then a configured local address before "any" before local=flow. Within one way of
 * matching at most one port can fit (two ports with the same match are refused, as OVS refuses the second with
 * "attempting to add tunnel port with same config"). No port at all: OVS logs "receive tunnel port not found" and
 * the packet is lost.
 *
 * Naming. tnl_match is written from the sender's side (ip_dst = the remote), so on receive the packet's outer
 * *source* is compared with the port's remote and the outer *destination* with its local address.
 *
 * Performance. `receive` runs once per decapsulated upcall and allocates nothing: per way of matching, a hash map
 * from a 32-bit hash of the fields that way uses to the ports with that hash.
 */

import { W } from '../flow/key-layout.js';
import { ANY_ADDR, addrEquals, addrHash, formatTunnelAddr, isAnyAddr, type TunnelAddr } from './addr.js';
import type { TunnelConfig } from './config.js';

export interface TunnelPort {
  readonly name: string;
  /** The OpenFlow bridge and port number the port has. */
  readonly bridge: string;
  readonly ofport: number;
  /** Datapath port of the shared tunnel vport (vxlan_sys_<dst_port>) the port receives and sends through. */
  readonly dpPort: number;
  readonly config: TunnelConfig;
}

/** The 12 ways of matching, in tnl_find's order: index = 6*inKeyFlow + 3*remoteFlow + localKind. */
const enum LocalKind {
  CONFIGURED = 0,
  ANY = 1,
  FLOW = 2,
}
const N_CLASSES = 12;

interface Entry {
  readonly port: TunnelPort;
  readonly inKeyHi: number;
  readonly inKeyLo: number;
  readonly remote: TunnelAddr;
  readonly local: TunnelAddr;
}

export class TunnelPortTable {
  private readonly classes: (Map<number, Entry[]> | undefined)[] = new Array(N_CLASSES).fill(undefined);
  private readonly byName = new Map<string, TunnelPort>();
  private readonly byOfport = new Map<string, TunnelPort>();
  // Scratch for receive(): the packet's outer source/destination as v4-mapped words.
  private readonly src = new Uint32Array(4);
  private readonly dst = new Uint32Array(4);

  /**
   * Adds a port. Returns null, or the name of an existing port with the same match (the new one is then not added,
   * as OVS keeps the first and warns).
   */
  add(port: TunnelPort): string | null {
    const cfg = port.config;
    const cls = classOf(cfg);
    const e: Entry = {
      port,
      inKeyHi: cfg.inKey.kind === 'fixed' ? Number(cfg.inKey.value >> 32n) >>> 0 : 0,
      inKeyLo: cfg.inKey.kind === 'fixed' ? Number(cfg.inKey.value & 0xffffffffn) >>> 0 : 0,
      remote: cfg.remote.kind === 'addr' ? cfg.remote.addr : ANY_ADDR,
      local: cfg.local?.kind === 'addr' ? cfg.local.addr : ANY_ADDR,
    };
    const h = entryHash(port.dpPort, e.inKeyHi, e.inKeyLo, e.remote, 0, e.local, 0);
    let map = this.classes[cls];
    if (map === undefined) map = this.classes[cls] = new Map();
    const bucket = map.get(h);
    if (bucket !== undefined) {
      for (const o of bucket) if (sameMatch(o, e)) return o.port.name;
      bucket.push(e);
    } else map.set(h, [e]);
    this.byName.set(port.name, port);
    this.byOfport.set(`${port.bridge}\u0000${port.ofport}`, port);
    return null;
  }

  get size(): number {
    return this.byName.size;
  }

  port(name: string): TunnelPort | undefined {
    return this.byName.get(name);
  }

  portAt(bridge: string, ofport: number): TunnelPort | undefined {
    return this.byOfport.get(`${bridge}\u0000${ofport}`);
  }

  /**
   * The port a decapsulated packet belongs to (tnl_port_receive), from its tunnel metadata in flow-key layout
   * (TUN_ID, TUN_SRC/TUN_DST or TUN_IPV6_SRC/DST) and the tunnel datapath port it arrived on; null = not found.
   */
  receive(key: Uint32Array, dpPort: number): TunnelPort | null {
    const src = this.src;
    const dst = this.dst;
    loadEndpoint(key, W.TUN_SRC, W.TUN_IPV6_SRC, src);
    loadEndpoint(key, W.TUN_DST, W.TUN_IPV6_DST, dst);
    const keyHi = key[W.TUN_ID];
    const keyLo = key[W.TUN_ID + 1];
    for (let cls = 0; cls < N_CLASSES; cls++) {
      const map = this.classes[cls];
      if (map === undefined) continue;
      const inKeyFlow = cls >= 6;
      const remoteFlow = (cls % 6) >= 3;
      const localKind = cls % 3;
      const kHi = inKeyFlow ? 0 : keyHi;
      const kLo = inKeyFlow ? 0 : keyLo;
      // The port's remote is the packet's source; its local address the packet's destination.
      const remote = remoteFlow ? ANY_ADDR : src;
      const local = localKind === LocalKind.CONFIGURED ? dst : ANY_ADDR;
      const bucket = map.get(entryHash(dpPort, kHi, kLo, remote, 0, local, 0));
      if (bucket === undefined) continue;
      for (let i = 0; i < bucket.length; i++) {
        const e = bucket[i];
        if (
          e.port.dpPort === dpPort &&
          e.inKeyHi === kHi &&
          e.inKeyLo === kLo &&
          addrEquals(e.remote, 0, remote, 0) &&
          addrEquals(e.local, 0, local, 0)
        ) {
          return e.port;
        }
      }
    }
    return null;
  }

  /** Every port, in lookup order (most specific way of matching first, then by name). */
  ports(): TunnelPort[] {
    const out: TunnelPort[] = [];
    for (const map of this.classes) {
      if (map === undefined) continue;
      const here: TunnelPort[] = [];
      for (const bucket of map.values()) for (const e of bucket) here.push(e.port);
      here.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      out.push(...here);
    }
    return out;
  }

  /** `ovs-appctl ofproto/list-tunnels`: one line per port, as tunnel.c's tnl_port_format writes it. */
  listTunnels(): string {
    return this.ports()
      .map((p) => formatTunnelPort(p) + '\n')
      .join('');
  }
}

/** One list-tunnels line (without the newline). */
export function formatTunnelPort(p: TunnelPort): string {
  const c = p.config;
  let s = `port ${p.dpPort}: ${p.name} (${c.type}: `;
  const local = c.local?.kind === 'addr' ? formatTunnelAddr(c.local.addr) : '::';
  if (c.remote.kind === 'addr') s += `${local}->${formatTunnelAddr(c.remote.addr)}`;
  else if (c.local?.kind !== 'flow') s += `${local}->flow`;
  else s += 'flow->flow';
  s += c.inKey.kind === 'flow' ? ', key=flow' : `, key=${hexAlt(c.inKey.kind === 'fixed' ? c.inKey.value : 0n)}`;
  s += `, ${c.packetType}, dp port=${p.dpPort}`;
  if (c.outKey.kind !== c.inKey.kind || (c.outKey.kind === 'fixed' && c.inKey.kind === 'fixed' && c.outKey.value !== c.inKey.value)) {
    s += ', out_key=' + (c.outKey.kind === 'none' ? 'none' : c.outKey.kind === 'flow' ? 'flow' : hexAlt(c.outKey.value));
  }
  s += c.ttl === 'inherit' ? ', ttl=inherit' : `, ttl=${c.ttl}`;
  if (c.tos === 'inherit') s += ', tos=inherit';
  else if (c.tos !== 0) s += `, tos=${hexAlt(BigInt(c.tos))}`;
  if (!c.dontFragment) s += ', df=false';
  if (c.csum) s += ', csum=true';
  return s + ')';
}

/** printf's %#x: 0 stays "0", anything else gets 0x. */
function hexAlt(v: bigint): string {
  return v === 0n ? '0' : `0x${v.toString(16)}`;
}

function classOf(cfg: TunnelConfig): number {
  const local = cfg.local === undefined ? LocalKind.ANY : cfg.local.kind === 'flow' ? LocalKind.FLOW : LocalKind.CONFIGURED;
  return 6 * (cfg.inKey.kind === 'flow' ? 1 : 0) + 3 * (cfg.remote.kind === 'flow' ? 1 : 0) + local;
}

function sameMatch(a: Entry, b: Entry): boolean {
  return (
    a.port.dpPort === b.port.dpPort &&
    a.inKeyHi === b.inKeyHi &&
    a.inKeyLo === b.inKeyLo &&
    addrEquals(a.remote, 0, b.remote, 0) &&
    addrEquals(a.local, 0, b.local, 0) &&
    a.port.config.packetType === b.port.config.packetType
  );
}

function entryHash(dp: number, hi: number, lo: number, remote: ArrayLike<number>, rOff: number, local: ArrayLike<number>, lOff: number): number {
  let h = Math.imul(dp ^ 0x2545f491, 0x9e3779b1);
  h = Math.imul(h ^ hi, 0x85ebca6b) ^ lo;
  h = addrHash(remote, rOff, h);
  return addrHash(local, lOff, h);
}

/** The packet's outer address of one side as v4-mapped words (IPv4 word if set, else the IPv6 words). */
function loadEndpoint(key: Uint32Array, v4Word: number, v6Word: number, out: Uint32Array): void {
  const v4 = key[v4Word];
  if (v4 !== 0) {
    out[0] = 0;
    out[1] = 0;
    out[2] = 0xffff;
    out[3] = v4;
  } else {
    out[0] = key[v6Word];
    out[1] = key[v6Word + 1];
    out[2] = key[v6Word + 2];
    out[3] = key[v6Word + 3];
  }
}

/** Whether a flow key carries tunnel metadata (tnl_port_should_receive: a tunnel destination is set). */
export function keyHasTunnel(key: Uint32Array): boolean {
  return key[W.TUN_DST] !== 0 || !isAnyAddr(key, W.TUN_IPV6_DST);
}

