/**
 * The NORMAL action: an L2 learning switch with VLANs (OVS xlate_normal and friends).
 *
 * Input. The packet's VLAN (the tag in the flow, VID 0 if none) must be admissible on the input port: an access port
 * takes only untagged frames (priority-tagged VID 0 included), a trunk only VLANs in its trunks set (no set = all,
 * VLAN 0 included), a native port its native VLAN untagged plus its trunks. The VLAN the frame belongs to inside the
 * bridge is the access/native VLAN for untagged input, else the tag's. Frames to reserved multicast addresses
 * (01:80:c2:00:00:0X) are dropped unless forward-bpdu is set. A port with neither tag nor trunks — the LOCAL port
 * by default, patch and tunnel ports — is a trunk of all VLANs, so untagged frames from it are in VLAN 0.
 *
 * Learning. The source MAC is learned on the input port in that VLAN (recorded as a side effect, applied by
 * commitSideEffects); multicast sources are not.
 *
 * Forwarding. A destination learned on another port in the same VLAN goes there; learned on the input port, the frame
 * is dropped (no reflection); unknown (and every multicast/broadcast, since those are never learned) floods to every
 * port but the input port that carries the VLAN and is not no-flood. Output tags per the output port: none on access
 * ports, the VLAN on trunks, none on native-untagged ports for their native VLAN. The PCP of the frame is kept
 * (priority-tags off: a VID 0 frame with PCP 0 leaves untagged, with PCP ≠ 0 priority-tagged).
 *
 * Wildcards: dl_src, dl_dst, the VID and present bit always; the gratuitous-ARP test adds nw_proto/arp addresses for
 * broadcast ARP, as OVS does.
 *
 * Not modelled: bonds (and the gratuitous-ARP lock that only matters for them), mirrors, multicast snooping (off by
 * default in OVS), dot1q-tunnel ports (our key carries one VLAN header; such ports drop with a warning).
 */

import { ETH_TYPE_ARP, ETH_TYPE_VLAN_8021AD, ETH_TYPE_VLAN_8021Q, OfpPort, VLAN_CFI, W } from '../flow/key-layout.js';
import { formatEthernet } from '../flow/value-syntax.js';
import { isMulticastMac } from './mac-learning.js';
import type { Bridge } from './bridge.js';
import type { Port } from './port.js';
import type { MacLearnEffect } from './side-effects.js';
import type { XlateContext } from './xlate.js';

/** The VLAN of a frame inside the bridge: VID and PCP bits (as in a TCI) and the TPID to use when tagging. */
interface XVlan {
  vid: number;
  pcp: number;
  tpid: number;
}

const RESERVED_MAC_BASE = 0x0180c2000000;

/**
 * Recent learning records, shared (they are read-only): every megaflow keeps its side effects while it lives, and the
 * same host sends many flows, so one record serves them all. A small direct-mapped cache: bounded, and a collision
 * only costs a fresh record.
 */
const LEARN_CACHE_SIZE = 256;
const learnCache: (MacLearnEffect | undefined)[] = new Array<MacLearnEffect | undefined>(LEARN_CACHE_SIZE).fill(undefined);

function macLearnEffect(bridge: Bridge, mac: number, vlan: number, port: number, isGratuitousArp: boolean): MacLearnEffect {
  const slot = ((mac % 0x10000000) ^ (vlan * 31) ^ port) & (LEARN_CACHE_SIZE - 1);
  const e = learnCache[slot];
  if (e !== undefined && e.mac === mac && e.vlan === vlan && e.port === port && e.bridge === bridge && e.isGratuitousArp === isGratuitousArp) return e;
  const fresh: MacLearnEffect = { bridge, mac, vlan, port, isGratuitousArp };
  learnCache[slot] = fresh;
  return fresh;
}

function macAt(flow: Uint32Array, word: number): number {
  return (flow[word] & 0xffff) * 0x100000000 + flow[word + 1];
}

function inputVidIsValid(ctx: XlateContext, vid: number, port: Port | null): boolean {
  if (port === null) return true;
  const v = port.vlan;
  switch (v.mode) {
    case 'access':
      if (vid) {
        ctx.report(
          'error',
          `dropping VLAN ${vid} tagged packet received on port ${port.name} configured as VLAN ${v.vlan} access port`,
        );
        return false;
      }
      return true;
    case 'native-tagged':
    case 'native-untagged':
    case 'trunk':
      // Native ports always carry their native VLAN untagged.
      if (!vid && v.mode !== 'trunk') return true;
      if (!port.trunksVlan(vid)) {
        ctx.report(
          'error',
          `dropping VLAN ${vid} packet received on port ${port.name} not configured for trunking VLAN ${vid}`,
        );
        return false;
      }
      return true;
    case 'dot1q-tunnel':
      ctx.report('error', `dot1q-tunnel port ${port.name} is not supported`);
      return false;
  }
}

function includesVlan(port: Port, x: XVlan): boolean {
  switch (port.vlan.mode) {
    case 'access':
      return x.vid === port.vlan.vlan;
    case 'trunk':
    case 'native-tagged':
    case 'native-untagged':
      return port.trunksVlan(x.vid);
    case 'dot1q-tunnel':
      return false;
  }
}

function isGratuitousArp(ctx: XlateContext, flow: Uint32Array): boolean {
  if (flow[W.DL_TYPE_VLAN] >>> 16 !== ETH_TYPE_ARP) return false;
  const wc = ctx.wc;
  wc[W.DL_DST] |= 0xffff;
  wc[W.DL_DST + 1] = 0xffffffff;
  if (macAt(flow, W.DL_DST) !== 0xffffffffffff) return false;
  wc[W.NW] |= 0xff000000;
  const op = flow[W.NW] >>> 24;
  if (op === 2) return true;
  if (op === 1) {
    wc[W.NW_SRC] = 0xffffffff;
    wc[W.NW_DST] = 0xffffffff;
    return flow[W.NW_SRC] === flow[W.NW_DST];
  }
  return false;
}

/** output_normal: tag for the output port, output, and restore the flow's VLAN. */
function outputNormal(ctx: XlateContext, port: Port, x: XVlan): void {
  const flow = ctx.flow;
  let tci = 0;
  switch (port.vlan.mode) {
    case 'access':
      tci = 0;
      break;
    case 'trunk':
    case 'native-tagged':
      tci = x.vid | x.pcp;
      break;
    case 'native-untagged':
      tci = x.vid === port.vlan.vlan ? 0 : x.vid | x.pcp;
      break;
    case 'dot1q-tunnel':
      return;
  }
  const savedTci = flow[W.DL_TYPE_VLAN] & 0xffff;
  const savedTpid = ctx.tpids.flow;
  if (tci) {
    ctx.setTci(tci | VLAN_CFI);
    ctx.tpids.flow = x.tpid;
  } else {
    ctx.setTci(0);
  }
  ctx.composeOutput(port.ofport, false);
  ctx.setTci(savedTci);
  ctx.tpids.flow = savedTpid;
}

export function xlateNormal(ctx: XlateContext): void {
  const flow = ctx.flow;
  const wc = ctx.wc;
  const bridge = ctx.bridge;
  wc[W.DL_SRC] |= 0xffff;
  wc[W.DL_SRC + 1] = 0xffffffff;
  wc[W.DL_DST] |= 0xffff;
  wc[W.DL_DST + 1] = 0xffffffff;
  wc[W.DL_TYPE_VLAN] |= 0x0fff | VLAN_CFI;

  const inOfport = flow[W.IN_PORT];
  const noneBundle = inOfport === OfpPort.NONE || inOfport === OfpPort.CONTROLLER;
  const inPort = noneBundle ? null : (bridge.port(inOfport) ?? undefined);
  if (inPort === undefined) {
    ctx.report('warn', 'no input bundle, dropping');
    ctx.noteDrop('normal', 'NORMAL: no input bundle');
    return;
  }

  const tci = flow[W.DL_TYPE_VLAN] & 0xffff;
  const dlType = flow[W.DL_TYPE_VLAN] >>> 16;
  if ((dlType === ETH_TYPE_VLAN_8021Q || dlType === ETH_TYPE_VLAN_8021AD) && !(tci & VLAN_CFI)) {
    ctx.report('warn', 'partial VLAN tag, dropping');
    ctx.noteDrop('normal', 'NORMAL: partial VLAN tag');
    return;
  }

  const inVid = tci & VLAN_CFI ? tci & 0x0fff : 0;
  const inPcp = tci & 0xe000;
  if (!inputVidIsValid(ctx, inVid, inPort)) {
    ctx.report('warn', 'disallowed VLAN VID for this input port, dropping');
    ctx.noteDrop('normal', `NORMAL: VLAN ${inVid} not allowed on input port`);
    return;
  }
  const x: XVlan = { vid: inVid, pcp: inPcp, tpid: tci & VLAN_CFI ? ctx.tpids.flow : ETH_TYPE_VLAN_8021Q };
  if (inPort !== null) {
    const mode = inPort.vlan.mode;
    if (mode === 'access' || ((mode === 'native-tagged' || mode === 'native-untagged') && inVid === 0)) {
      x.vid = inPort.vlan.vlan;
    }
  }
  const vlan = x.vid;

  const dst = macAt(flow, W.DL_DST);
  if (!bridge.forwardBpdu && Math.floor(dst / 16) === RESERVED_MAC_BASE / 16) {
    ctx.report('detail', 'packet has reserved destination MAC, dropping');
    ctx.noteDrop('normal', 'NORMAL: reserved destination MAC');
    return;
  }

  const src = macAt(flow, W.DL_SRC);
  const grat = isGratuitousArp(ctx, flow);
  if (inPort !== null) {
    ctx.se.macLearning.push(macLearnEffect(bridge, src, vlan, inPort.ofport, grat));
    // OVS's update_learning_table reports a new or moved entry when it translates a real packet.
    if (ctx.trace && ctx.mayLearn && !isMulticastMac(src) && bridge.macTable.lookup(src, vlan, ctx.nowMs) !== inPort.ofport) {
      ctx.report('detail', `learned that ${formatEthernet(BigInt(src))} is on port ${inPort.name} in VLAN ${vlan}`);
    }
  }

  // The source was just learned by this very packet if it equals the destination (OVS learns before it looks up).
  let learned = bridge.macTable.lookup(dst, vlan, ctx.nowMs);
  if (inPort !== null && dst === src && Math.floor(src / 2 ** 40) % 2 === 0) learned = inPort.ofport;
  if (learned !== undefined) {
    const outPort = bridge.port(learned);
    if (!outPort) {
      ctx.report('warn', 'learned port is unknown, dropping');
      ctx.noteDrop('normal', 'NORMAL: learned port is unknown');
    } else if (inPort !== null && outPort === inPort) {
      ctx.report('detail', 'learned port is input port, dropping');
      ctx.noteDrop('normal', 'NORMAL: learned port is the input port');
    } else {
      ctx.report('detail', 'forwarding to learned port');
      outputNormal(ctx, outPort, x);
    }
    return;
  }
  ctx.report('detail', 'no learned MAC for destination, flooding');
  let any = false;
  for (const p of bridge.portList) {
    if (p === inPort || p.noFlood || !includesVlan(p, x)) continue;
    any = true;
    outputNormal(ctx, p, x);
  }
  if (!any) ctx.noteDrop('normal', `NORMAL: no other port carries VLAN ${vlan}`);
}
