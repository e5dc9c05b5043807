/**
 * What a tunnel port does to the flow during translation (OVS's ofproto/tunnel.c: tnl_port_send, tnl_wc_init,
 * tnl_process_ecn), on flow keys and megaflow masks in flow-key layout.
 *
 * Sending (`applyTunnelSend`): output to a tunnel port fills the flow's tunnel fields from the port's options —
 * fixed remote/local addresses, a fixed out_key (or the flow's tun_id for key=flow), TTL and TOS (fixed or
 * inherited from the inner IP header, which then becomes part of the megaflow), the inner ECN bits copied into the
 * outer TOS (CE is sent as ECT(0), as RFC 6040 asks of an encapsulator), the DF/csum/key flags, and egress_pkt_mark.
 * The caller saves and restores the tunnel fields around the output, as OVS does, so later matches still see the
 * packet's own tunnel metadata.
 *
 * Receiving: a decapsulated packet's megaflow must match its tunnel id, outer addresses, flags and TOS exactly
 * (`tunnelReceiveWildcards`); its TTL is left out. ECN (`tunnelEcnOnReceive`): an outer CE mark is carried onto an
 * ECN-capable inner IP packet; an inner packet that is not ECN-capable cannot carry it and is dropped.
 */

import { ETH_TYPE_IP, ETH_TYPE_IPV6, W } from '../flow/key-layout.js';
import { isAnyAddr, isV4Mapped, mappedIpv4, type TunnelAddr } from './addr.js';
import type { TunnelConfig, TunnelEndpoint } from './config.js';
import { TNL_F_CSUM, TNL_F_DONT_FRAGMENT, TNL_F_KEY, TNL_F_OAM } from './vxlan-decap.js';

const ECN_MASK = 0x03;
const ECN_ECT_0 = 0x02;
const ECN_CE = 0x03;
const DSCP_MASK = 0xfc;

function isIpAny(flow: Uint32Array): boolean {
  const t = flow[W.DL_TYPE_VLAN] >>> 16;
  return t === ETH_TYPE_IP || t === ETH_TYPE_IPV6;
}

function setEndpoint(flow: Uint32Array, ep: TunnelEndpoint | undefined, v4Word: number, v6Word: number): void {
  const addr: TunnelAddr | undefined = ep?.kind === 'addr' ? ep.addr : undefined;
  const v4 = addr !== undefined ? mappedIpv4(addr) : 0;
  flow[v4Word] = v4;
  for (let i = 0; i < 4; i++) flow[v6Word + i] = addr !== undefined && !isV4Mapped(addr) ? addr[i] : 0;
}

/** tnl_port_send: sets the flow's tunnel fields for output to a port with `cfg`; marks what it read in `wc`. */
export function applyTunnelSend(cfg: TunnelConfig, flow: Uint32Array, wc: Uint32Array): void {
  if (cfg.local?.kind !== 'flow') setEndpoint(flow, cfg.local, W.TUN_SRC, W.TUN_IPV6_SRC);
  if (cfg.remote.kind !== 'flow') setEndpoint(flow, cfg.remote, W.TUN_DST, W.TUN_IPV6_DST);
  if (cfg.outKey.kind !== 'flow') {
    const v = cfg.outKey.kind === 'fixed' ? cfg.outKey.value : 0n;
    flow[W.TUN_ID] = Number(v >> 32n) >>> 0;
    flow[W.TUN_ID + 1] = Number(v & 0xffffffffn) >>> 0;
  }
  const ip = isIpAny(flow);
  const nwTos = (flow[W.NW] >>> 16) & 0xff;
  let ttl: number;
  if (cfg.ttl === 'inherit' && ip) {
    wc[W.NW] |= 0xff00;
    ttl = (flow[W.NW] >>> 8) & 0xff;
  } else ttl = cfg.ttl === 'inherit' ? 64 : cfg.ttl;
  let tos: number;
  if (cfg.tos === 'inherit' && ip) {
    wc[W.NW] |= DSCP_MASK << 16;
    tos = nwTos & DSCP_MASK;
  } else tos = cfg.tos === 'inherit' ? 0 : cfg.tos;
  if (ip) {
    wc[W.NW] |= ECN_MASK << 16;
    tos |= (nwTos & ECN_MASK) === ECN_CE ? ECN_ECT_0 : nwTos & ECN_MASK;
  }
  const oldFlags = flow[W.TUN_FLAGS_TOS_TTL] >>> 16;
  const flags =
    (oldFlags & TNL_F_OAM) |
    (cfg.dontFragment ? TNL_F_DONT_FRAGMENT : 0) |
    (cfg.csum ? TNL_F_CSUM : 0) |
    (cfg.outKey.kind !== 'none' ? TNL_F_KEY : 0);
  flow[W.TUN_FLAGS_TOS_TTL] = ((flags << 16) | (tos << 8) | ttl) >>> 0;
  if (cfg.egressPktMark !== undefined) {
    flow[W.PKT_MARK] = cfg.egressPktMark;
    wc[W.PKT_MARK] = 0xffffffff;
  }
}

/** The flow's tunnel destination as v4-mapped words (OVS's flow_tnl_dst). */
export function flowTunnelDst(flow: Uint32Array, out: Uint32Array): Uint32Array {
  const v4 = flow[W.TUN_DST];
  if (v4 !== 0) out.set([0, 0, 0xffff, v4]);
  else for (let i = 0; i < 4; i++) out[i] = flow[W.TUN_IPV6_DST + i];
  return out;
}

/** The flow's tunnel source as v4-mapped words (zero when unset). */
export function flowTunnelSrc(flow: Uint32Array, out: Uint32Array): Uint32Array {
  const v4 = flow[W.TUN_SRC];
  if (v4 !== 0) out.set([0, 0, 0xffff, v4]);
  else for (let i = 0; i < 4; i++) out[i] = flow[W.TUN_IPV6_SRC + i];
  return out;
}

/** tnl_wc_init for a packet that arrived through a tunnel: what its megaflow must match exactly. */
export function tunnelReceiveWildcards(flow: Uint32Array, wc: Uint32Array): void {
  wc[W.TUN_ID] = 0xffffffff;
  wc[W.TUN_ID + 1] = 0xffffffff;
  if (flow[W.TUN_DST] !== 0) {
    wc[W.TUN_SRC] = 0xffffffff;
    wc[W.TUN_DST] = 0xffffffff;
  } else {
    wc.fill(0xffffffff, W.TUN_IPV6_SRC, W.TUN_IPV6_SRC + 4);
    wc.fill(0xffffffff, W.TUN_IPV6_DST, W.TUN_IPV6_DST + 4);
  }
  wc[W.TUN_FLAGS_TOS_TTL] |= ((TNL_F_DONT_FRAGMENT | TNL_F_CSUM | TNL_F_KEY) << 16) | 0xff00;
  if (isIpAny(flow) && ((flow[W.TUN_FLAGS_TOS_TTL] >>> 8) & ECN_MASK) === ECN_CE) wc[W.NW] |= ECN_MASK << 16;
}

/**
 * tnl_process_ecn: false when the packet must be dropped (outer CE over a not-ECT inner IP packet); otherwise marks
 * the inner packet CE when the outer one was.
 */
export function tunnelEcnOnReceive(flow: Uint32Array): boolean {
  if (!isIpAny(flow) || ((flow[W.TUN_FLAGS_TOS_TTL] >>> 8) & ECN_MASK) !== ECN_CE) return true;
  if (((flow[W.NW] >>> 16) & ECN_MASK) === 0) return false;
  flow[W.NW] = (flow[W.NW] | (ECN_CE << 16)) >>> 0;
  return true;
}

/**
 * propagate_tunnel_data_to_flow: after tnl_push the packet *is* the outer frame, so the underlay bridge's pipeline
 * sees the outer header in the flow: MACs, no VLAN, the outer addresses (the route's source when the port set none),
 * UDP with the tunnel's destination port (source port 0: it is chosen per packet), the outer TOS and TTL, all read
 * from the tunnel fields of `tunnel` (the flow being sent; OVS updates its base flow from the same values).
 */
export function setOuterFlow(
  flow: Uint32Array,
  tunnel: Uint32Array,
  dstMac: Uint8Array,
  srcMac: Uint8Array,
  src: TunnelAddr,
  dstPort: number,
): void {
  const v6 = !isV4Mapped(src);
  flow[W.DL_DST] = (dstMac[0] << 8) | dstMac[1];
  flow[W.DL_DST + 1] = ((dstMac[2] << 24) | (dstMac[3] << 16) | (dstMac[4] << 8) | dstMac[5]) >>> 0;
  flow[W.DL_SRC] = (srcMac[0] << 8) | srcMac[1];
  flow[W.DL_SRC + 1] = ((srcMac[2] << 24) | (srcMac[3] << 16) | (srcMac[4] << 8) | srcMac[5]) >>> 0;
  flow[W.DL_TYPE_VLAN] = ((v6 ? ETH_TYPE_IPV6 : ETH_TYPE_IP) << 16) >>> 0;
  flow[W.VLAN_TCI1] = 0;
  flow[W.NW_DST] = tunnel[W.TUN_DST];
  flow[W.NW_SRC] = tunnel[W.TUN_SRC];
  for (let i = 0; i < 4; i++) {
    flow[W.IPV6_DST + i] = tunnel[W.TUN_IPV6_DST + i];
    flow[W.IPV6_SRC + i] = tunnel[W.TUN_IPV6_SRC + i];
  }
  if (!v6 && flow[W.NW_SRC] === 0) flow[W.NW_SRC] = src[3];
  if (v6 && isAnyAddr(flow, W.IPV6_SRC)) for (let i = 0; i < 4; i++) flow[W.IPV6_SRC + i] = src[i];
  const tosTtl = tunnel[W.TUN_FLAGS_TOS_TTL] & 0xffff;
  flow[W.NW] = ((17 << 24) | (tosTtl << 8)) >>> 0;
  flow[W.TP] = dstPort & 0xffff;
}
