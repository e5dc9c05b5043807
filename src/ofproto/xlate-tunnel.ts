/**
 * Native (userspace) tunnelling in xlate: ofproto-dpif-xlate.c's native_tunnel_output, terminate_native_tunnel
 * and the tunnel parts of xlate_actions, for VXLAN.
 *
 * Sending. Output to a VXLAN port fills the flow's tunnel fields (tnl_port_send, src/tunnel/flow-tunnel.ts), routes
 * the remote through the underlay (route -> device -> next hop -> neighbour MAC), builds the outer header template
 * and emits `tnl_push(...)`. Then, as OVS does, the *outer* packet is translated through the pipeline of the bridge
 * that owns the underlay device (br-phy), entering on that device's port, so the frame leaves wherever br-phy's
 * flows send it (`tnl_push(...),eth0`): one megaflow for the whole br-int -> br-tun -> tunnel -> br-phy path. That
 * second translation does not widen the megaflow (OVS gives it a scratch mask: its outcome depends on the tunnel
 * port's configuration and the underlay, which revalidation covers), does not learn MACs, but does count rule
 * statistics in the underlay bridge. When the tunnel output is not the last action, the push and what follows go
 * in a clone(), so the inner packet is intact for later actions. No route: "native tunnel routing failed"; no
 * neighbour entry: the packet is dropped (OVS then sends an ARP or ND request from the underlay bridge; flowlab
 * does not yet, see the issue notes).
 *
 * Receiving. When a pipeline outputs a frame to a device that holds an underlay address (br-phy's LOCAL port), the
 * tunnel listen map decides whether it is tunnel traffic; if so the output becomes `tnl_pop(vxlan_sys_4789)` and
 * the datapath decapsulates and re-injects the inner frame (src/dpif). Such a frame also tells us where its sender
 * lives (outer source address -> source MAC); ARP replies and gratuitous ARPs to the device are snooped likewise.
 * These neighbour sightings ride on the translation result and are applied by the datapath for upcalls only.
 *
 * A decapsulated packet's translation starts with `tunnelReceive`: its megaflow matches the tunnel metadata, and
 * an outer CE mark is carried onto the inner packet or, for a not-ECN-capable one, drops it.
 */

import { ETH_TYPE_ARP, ETH_TYPE_IP, ETH_TYPE_IPV6, IPPROTO_ICMPV6, W } from '../flow/key-layout.js';
import { macToString } from '../packet/addr.js';
import {
  addrFromIpv4,
  applyTunnelSend,
  buildVxlanHeader,
  flowTunnelDst,
  flowTunnelSrc,
  formatTunnelAddr,
  isAnyAddr,
  keyHasTunnel,
  setOuterFlow,
  TNL_F_CSUM,
  TNL_F_DONT_FRAGMENT,
  tunnelEcnOnReceive,
  tunnelReceiveWildcards,
  type NeighbourSighting,
  type TunnelAddr,
  type TunnelPort,
  type TunnelSystem,
} from '../tunnel/index.js';
import type { Port } from './port.js';
import type { XlateContext } from './xlate.js';

const ARP_OP_REPLY = 2;
const ND_NEIGHBOR_ADVERT = 136;

/** compose_output_action__ for a VXLAN port. */
export function tunnelOutput(ctx: XlateContext, port: Port, tunnels: TunnelSystem, isLast: boolean): void {
  const tp = tunnels.ports.portAt(ctx.bridge.name, port.ofport);
  if (tp === undefined) {
    ctx.report('warn', 'Tunneling decided against output');
    ctx.noteDrop('tunnel', `tunnel port ${port.name} is not configured`);
    return;
  }
  const flow = ctx.flow;
  // Tunnel fields the port sets are for this output only; later matches see the packet's own (OVS flow_tnl).
  const savedTunnel = flow.slice(W.TUN_ID, W.TUN_FLAGS_TOS_TTL + 1);
  applyTunnelSend(tp.config, flow, ctx.wc);
  ctx.commit();
  ctx.report('detail', 'output to native tunnel');
  nativeTunnelOutput(ctx, tp, tunnels, isLast);
  flow.set(savedTunnel, W.TUN_ID);
}

function nativeTunnelOutput(ctx: XlateContext, tp: TunnelPort, tunnels: TunnelSystem, isLast: boolean): void {
  const flow = ctx.flow;
  const dst = flowTunnelDst(flow, new Uint32Array(4));
  const srcHint = flowTunnelSrc(flow, new Uint32Array(4));
  const route = tunnels.underlay.route(dst, 0, flow[W.PKT_MARK], isAnyAddr(srcHint) ? undefined : srcHint);
  const outDev = route === null ? undefined : ctx.sw.portByName(route.dev);
  if (route === null || outDev === undefined || outDev.isPatch) {
    ctx.report('warn', 'native tunnel routing failed');
    ctx.noteDrop('tunnel', 'native tunnel routing failed');
    return;
  }
  const outBridge = ctx.sw.bridge(outDev.bridgeName)!;
  ctx.report('detail', `tunneling to ${formatTunnelAddr(route.nextHop)} via ${route.dev}`);
  const smac = tunnels.deviceMac(route.dev) ?? macOf(outBridge.hwaddr);
  const dmac = tunnels.underlay.lookupNeighbour(outBridge.name, route.nextHop, 0, ctx.nowMs);
  if (dmac === null) {
    const what = `neighbor cache miss for ${formatTunnelAddr(route.nextHop)} on bridge ${outBridge.name}`;
    ctx.report('detail', `${what}, sending ${isV4(route.nextHop) ? 'ARP' : 'ND'} request`);
    ctx.noteDrop('tunnel', what);
    return;
  }
  ctx.report('detail', `tunneling from ${macToString(smac)} ${formatTunnelAddr(route.src)} to ${macToString(dmac)} ${formatTunnelAddr(dst)}`);
  const flags = flow[W.TUN_FLAGS_TOS_TTL] >>> 16;
  const header = buildVxlanHeader({
    srcMac: smac,
    dstMac: dmac,
    src: route.src,
    dst,
    tos: (flow[W.TUN_FLAGS_TOS_TTL] >>> 8) & 0xff,
    ttl: flow[W.TUN_FLAGS_TOS_TTL] & 0xff,
    dontFragment: (flags & TNL_F_DONT_FRAGMENT) !== 0,
    csum: (flags & TNL_F_CSUM) !== 0,
    dstPort: tp.config.dstPort,
    tunId: (BigInt(flow[W.TUN_ID]) << 32n) | BigInt(flow[W.TUN_ID + 1]),
  });

  // The outer packet through the underlay bridge, with a scratch mask and no MAC learning.
  const savedFlow = flow.slice();
  const savedBase = ctx.base.slice();
  const savedWc = ctx.wc.slice();
  const savedTpids = { flow: ctx.tpids.flow, base: ctx.tpids.base };
  const savedOut = ctx.out;
  const ruleHits = ctx.se.ruleHits.length;
  const macLearned = ctx.se.macLearning.length;
  const learned = ctx.se.learns.length;
  ctx.out = [{ kind: 'tnl_push', tnlPort: tp.dpPort, outPort: outDev.dpPort, header }];
  setOuterFlow(ctx.base, flow, dmac, smac, route.src, tp.config.dstPort);
  setOuterFlow(flow, flow, dmac, smac, route.src, tp.config.dstPort);
  ctx.tpids.flow = ctx.tpids.base = 0x8100;
  ctx.patchOutput(outDev, isLast);
  const pushed = ctx.out;
  ctx.out = savedOut;
  if (pushed.length > 1) {
    if (isLast) ctx.out.push(...pushed);
    else ctx.out.push({ kind: 'clone', actions: pushed });
  }
  // Underlay rules count the encapsulated packet, header included.
  for (let i = ruleHits; i < ctx.se.ruleHits.length; i++) {
    const h = ctx.se.ruleHits[i];
    ctx.se.ruleHits[i] = { bridge: h.bridge, rule: h.rule, extraBytes: (h.extraBytes ?? 0) + header.length };
  }
  ctx.se.macLearning.length = macLearned;
  ctx.se.learns.length = learned;
  flow.set(savedFlow);
  ctx.base.set(savedBase);
  ctx.wc.set(savedWc);
  ctx.tpids.flow = savedTpids.flow;
  ctx.tpids.base = savedTpids.base;
}

/**
 * terminate_native_tunnel, for an output to `port` (not a tunnel): true when the output became a tnl_pop. Records
 * the neighbours the frame reveals either way, un-wildcarding what OVS's checks look at.
 */
export function terminateNativeTunnel(ctx: XlateContext, port: Port, tunnels: TunnelSystem): boolean {
  if (!tunnels.underlay.hasAddress(port.name)) return false;
  const flow = ctx.flow;
  const dp = tunnels.listen.lookup(flow, ctx.wc);
  const dlType = flow[W.DL_TYPE_VLAN] >>> 16;
  if (dp >= 0) {
    if (dlType === ETH_TYPE_IP || dlType === ETH_TYPE_IPV6) {
      const ip = dlType === ETH_TYPE_IP ? addrFromIpv4(flow[W.NW_SRC]) : flow.slice(W.IPV6_SRC, W.IPV6_SRC + 4);
      noteNeighbour(ctx, ip, flow[W.DL_SRC], flow[W.DL_SRC + 1]);
    }
    ctx.out.push({ kind: 'tnl_pop', tnlPort: dp });
    return true;
  }
  // OVS asks the garp question only when the frame is not a reply to us (the || short-circuits); either way an ARP
  // frame's addresses end up in the megaflow, as the snoop asks it again.
  if (isNeighbourReplyForBridge(ctx, tunnels) || isGarp(ctx)) snoopNeighbour(ctx);
  return false;
}

/**
 * check_neighbor_reply + is_neighbor_reply_correct: an ARP frame (or any with IP protocol ICMPv6) whose target is an
 * address of this bridge: all of the bridge's own device's, and the first of each other port's (OVS looks no
 * further there). Looks at nothing the megaflow must match: the snoop that follows un-wildcards what it uses.
 */
function isNeighbourReplyForBridge(ctx: XlateContext, tunnels: TunnelSystem): boolean {
  const flow = ctx.flow;
  if (flow[W.DL_TYPE_VLAN] >>> 16 !== ETH_TYPE_ARP && flow[W.NW] >>> 24 !== IPPROTO_ICMPV6) return false;
  for (const p of ctx.bridge.portList) {
    const addrs = tunnels.underlay.addressesOf(p.name);
    const n = p.name === ctx.bridge.name ? addrs.length : Math.min(1, addrs.length);
    for (let i = 0; i < n; i++) if (isNeighbourReplyTo(flow, addrs[i].addr)) return true;
  }
  return false;
}

/** is_neighbor_reply_matched: an ARP for IPv4 `addr`, or an IPv6 destination that is `addr` or its solicited-node group. */
function isNeighbourReplyTo(flow: Uint32Array, addr: TunnelAddr): boolean {
  if (isV4(addr)) return flow[W.DL_TYPE_VLAN] >>> 16 === ETH_TYPE_ARP && flow[W.NW_DST] === addr[3];
  const d0 = flow[W.IPV6_DST];
  const d2 = flow[W.IPV6_DST + 2];
  const d3 = flow[W.IPV6_DST + 3];
  // ff02::1:ffXX:XXXX (any link-local multicast, as OVS tests it) with addr's last 24 bits.
  const solicitedNode = d0 >>> 24 === 0xff && ((d0 >>> 16) & 0x0f) === 2 && (d2 & 0xff) === 0x01 && d3 >>> 24 === 0xff && (d3 & 0xffffff) === (addr[3] & 0xffffff);
  return solicitedNode || (d0 === addr[0] && flow[W.IPV6_DST + 1] === addr[1] && d2 === addr[2] && d3 === addr[3]);
}

/** is_garp: an ARP whose sender and target addresses are equal; both enter the megaflow. */
function isGarp(ctx: XlateContext): boolean {
  const flow = ctx.flow;
  if (flow[W.DL_TYPE_VLAN] >>> 16 !== ETH_TYPE_ARP) return false;
  ctx.wc[W.NW_SRC] = 0xffffffff;
  ctx.wc[W.NW_DST] = 0xffffffff;
  return flow[W.NW_SRC] === flow[W.NW_DST];
}

/**
 * tnl_neigh_snoop: an ARP reply or gratuitous ARP with a sender MAC teaches sender address -> MAC; failing that, an
 * ND advertisement with a target link-layer address teaches target -> that MAC. Each check un-wildcards the field it
 * reads, in OVS's order, so a megaflow covers exactly the frames that would snoop alike.
 */
function snoopNeighbour(ctx: XlateContext): void {
  if (!snoopArp(ctx)) snoopNd(ctx);
}

function snoopArp(ctx: XlateContext): boolean {
  const flow = ctx.flow;
  const wc = ctx.wc;
  if (flow[W.DL_TYPE_VLAN] >>> 16 !== ETH_TYPE_ARP) return false;
  if (!isGarp(ctx)) {
    wc[W.NW] |= 0xff000000; // the opcode
    if (flow[W.NW] >>> 24 !== ARP_OP_REPLY) return false;
  }
  wc[W.ARP_SHA] |= 0xffff;
  wc[W.ARP_SHA + 1] = 0xffffffff;
  if (flow[W.ARP_SHA] === 0 && flow[W.ARP_SHA + 1] === 0) return false;
  wc[W.NW_SRC] = 0xffffffff;
  noteNeighbour(ctx, addrFromIpv4(flow[W.NW_SRC]), flow[W.ARP_SHA], flow[W.ARP_SHA + 1]);
  return true;
}

function snoopNd(ctx: XlateContext): void {
  const flow = ctx.flow;
  const wc = ctx.wc;
  // is_nd (ICMPv6, code 0, an ND type), and then an advertisement.
  if (flow[W.DL_TYPE_VLAN] >>> 16 !== ETH_TYPE_IPV6) return;
  wc[W.NW] |= 0xff000000;
  if (flow[W.NW] >>> 24 !== IPPROTO_ICMPV6) return;
  wc[W.TP] |= 0xffff;
  if ((flow[W.TP] & 0xffff) !== 0) return;
  wc[W.TP] |= 0xffff0000;
  if (flow[W.TP] >>> 16 !== ND_NEIGHBOR_ADVERT) return;
  wc[W.ARP_THA] |= 0xffff;
  wc[W.ARP_THA + 1] = 0xffffffff;
  if (flow[W.ARP_THA] === 0 && flow[W.ARP_THA + 1] === 0) return;
  wc.fill(0xffffffff, W.IPV6_SRC, W.IPV6_SRC + 4);
  wc.fill(0xffffffff, W.IPV6_DST, W.IPV6_DST + 4);
  wc.fill(0xffffffff, W.ND_TARGET, W.ND_TARGET + 4);
  noteNeighbour(ctx, flow.slice(W.ND_TARGET, W.ND_TARGET + 4), flow[W.ARP_THA], flow[W.ARP_THA + 1]);
}

function noteNeighbour(ctx: XlateContext, ip: TunnelAddr, macHi: number, macLo: number): void {
  const mac = Uint8Array.of(macHi >>> 8, macHi & 0xff, macLo >>> 24, (macLo >>> 16) & 0xff, (macLo >>> 8) & 0xff, macLo & 0xff);
  const s: NeighbourSighting = { bridge: ctx.bridge.name, ip, mac };
  (ctx.neighbours ??= []).push(s);
}

/**
 * The start of a decapsulated packet's translation (tnl_wc_init + tnl_process_ecn). False: drop it (outer CE over
 * an inner packet that is not ECN-capable).
 */
export function tunnelReceive(ctx: XlateContext): boolean {
  const flow = ctx.flow;
  if (!keyHasTunnel(flow)) return true;
  tunnelReceiveWildcards(flow, ctx.wc);
  if (tunnelEcnOnReceive(flow)) return true;
  ctx.report('warn', 'dropping tunnel packet marked ECN CE but is not ECN capable');
  ctx.noteDrop('tunnel', 'dropping tunnel packet marked ECN CE but is not ECN capable');
  return false;
}

function isV4(a: TunnelAddr): boolean {
  return a[0] === 0 && a[1] === 0 && a[2] === 0xffff;
}

function macOf(v: number): Uint8Array {
  const b = new Uint8Array(6);
  for (let i = 5; i >= 0; i--) {
    b[i] = v % 256;
    v = Math.floor(v / 256);
  }
  return b;
}
