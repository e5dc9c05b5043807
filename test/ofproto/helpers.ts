/** Test helpers: switches built from flow text, and flow keys filled by hand (the extractor comes later). */

import { KEY_WORDS, OfpPort, VLAN_CFI, W } from '../../src/flow/key-layout.js';
import { parseFlowLine } from '../../src/ofproto/flow-syntax.js';
import type { Bridge } from '../../src/ofproto/bridge.js';
import { Switch } from '../../src/ofproto/switch.js';
import type { PortConfig } from '../../src/ofproto/port.js';
import { xlate } from '../../src/ofproto/xlate.js';
import type { XlateResult } from '../../src/ofproto/xlate-types.js';
import { formatDpActions } from '../../src/ofproto/dp-actions-format.js';

export function mac(text: string): number {
  return parseInt(text.replace(/:/g, ''), 16);
}

export function ip(text: string): number {
  return text.split('.').reduce((a, b) => a * 256 + Number(b), 0);
}

export interface PacketSpec {
  inPort: number;
  dlSrc?: string;
  dlDst?: string;
  /** VLAN VID when tagged. */
  vlan?: number;
  pcp?: number;
  dlType?: number;
  nwSrc?: string;
  nwDst?: string;
  proto?: number;
  ttl?: number;
  tos?: number;
  tpSrc?: number;
  tpDst?: number;
  tcpFlags?: number;
  arpOp?: number;
  frag?: number;
  tunId?: bigint;
  tunDst?: string;
  recircId?: number;
  ctState?: number;
  ctZone?: number;
}

export function key(p: PacketSpec): Uint32Array {
  const k = new Uint32Array(KEY_WORDS);
  k[W.IN_PORT] = p.inPort;
  const dst = mac(p.dlDst ?? '00:00:00:00:00:02');
  const src = mac(p.dlSrc ?? '00:00:00:00:00:01');
  k[W.DL_DST] = Math.floor(dst / 2 ** 32);
  k[W.DL_DST + 1] = dst % 2 ** 32;
  k[W.DL_SRC] = Math.floor(src / 2 ** 32);
  k[W.DL_SRC + 1] = src % 2 ** 32;
  const tci = p.vlan !== undefined ? p.vlan | VLAN_CFI | ((p.pcp ?? 0) << 13) : 0;
  const dlType = p.dlType ?? (p.arpOp !== undefined ? 0x0806 : p.nwSrc !== undefined || p.proto !== undefined ? 0x0800 : 0x1234);
  k[W.DL_TYPE_VLAN] = ((dlType << 16) | tci) >>> 0;
  if (p.nwSrc) k[W.NW_SRC] = ip(p.nwSrc);
  if (p.nwDst) k[W.NW_DST] = ip(p.nwDst);
  if (dlType === 0x0800) {
    k[W.NW] = (((p.proto ?? 0) << 24) | ((p.tos ?? 0) << 16) | ((p.ttl ?? 64) << 8) | (p.frag ?? 0)) >>> 0;
  } else if (dlType === 0x0806) {
    k[W.NW] = ((p.arpOp ?? 1) << 24) >>> 0;
  }
  k[W.TP] = (((p.tpSrc ?? 0) << 16) | (p.tpDst ?? 0)) >>> 0;
  k[W.TCP_FLAGS] = p.tcpFlags ?? 0;
  if (p.tunId !== undefined) {
    k[W.TUN_ID] = Number(p.tunId >> 32n);
    k[W.TUN_ID + 1] = Number(p.tunId & 0xffffffffn);
  }
  if (p.tunDst) k[W.TUN_DST] = ip(p.tunDst);
  if (p.recircId) k[W.RECIRC_ID] = p.recircId;
  if (p.ctState || p.ctZone) k[W.CT_STATE_ZONE] = (((p.ctState ?? 0) << 16) | (p.ctZone ?? 0)) >>> 0;
  return k;
}

export const tcp = (p: Omit<PacketSpec, 'proto'>): Uint32Array =>
  key({ nwSrc: '10.0.0.1', nwDst: '10.0.0.2', tpSrc: 1000, tpDst: 80, ...p, proto: 6 });
export const udp = (p: Omit<PacketSpec, 'proto'>): Uint32Array =>
  key({ nwSrc: '10.0.0.1', nwDst: '10.0.0.2', tpSrc: 1000, tpDst: 53, ...p, proto: 17 });

/** Adds flows written in ovs-ofctl add-flows syntax (port names allowed). */
export function addFlows(br: Bridge, text: string, nowMs = 0, version: 'OpenFlow10' | 'OpenFlow13' = 'OpenFlow10'): void {
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (t === '' || t.startsWith('#')) continue;
    br.flows.add(parseFlowLine(t, { namer: br.namer, version }), nowMs);
  }
}

/** A switch with one bridge `br0` and dummy ports p1..pN (ofport i, datapath port assigned in order). */
export function oneBridge(ports: (PortConfig | string)[] = ['p1', 'p2', 'p3', 'p4']): { sw: Switch; br: Bridge } {
  const sw = new Switch();
  const br = sw.addBridge({ name: 'br0', hwaddr: mac('02:00:00:00:00:fe') });
  ports.forEach((p, i) => sw.addPort('br0', typeof p === 'string' ? { name: p, ofport: i + 1 } : p));
  return { sw, br };
}

export function run(sw: Switch, br: Bridge, k: Uint32Array, nowMs = 0, trace = false): XlateResult {
  return xlate(sw, br, k, { nowMs, trace });
}

/** Datapath actions as text, with ports printed by name. */
export function actionsText(sw: Switch, r: XlateResult): string {
  return formatDpActions(r.dpActions, (n) => sw.dpPortName(n));
}

export { OfpPort };
