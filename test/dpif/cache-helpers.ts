/** A small switch around a Datapath with caches, for the cache tests: br0 with p1..p4, frames by field values. */

import { ManualClock } from '../../src/base/clock.js';
import type { DatapathCacheConfig } from '../../src/dpif/caches.js';
import { Datapath, type PortTransmit } from '../../src/dpif/datapath.js';
import type { DpPacket } from '../../src/dpif/packet.js';
import { parseFlowLine } from '../../src/ofproto/flow-syntax.js';
import type { Port, PortConfig } from '../../src/ofproto/port.js';
import { Switch } from '../../src/ofproto/switch.js';
import { buildFrame } from '../../src/packet/build.js';

export interface CacheRig {
  readonly sw: Switch;
  readonly dp: Datapath;
  readonly clock: ManualClock;
  /** Sends a frame in on `port` at the clock's time (after expiring rules and MAC entries); returns the ports it left on. */
  send(port: string, frame: Uint8Array): string[];
  /** Adds a flow (ovs-ofctl add-flow syntax) to br0 at the clock's time. */
  addFlow(text: string): void;
}

export function rig(flows: readonly string[], cacheConfig: DatapathCacheConfig = {}, ports: readonly PortConfig[] = []): CacheRig {
  const sw = new Switch();
  const br = sw.addBridge({ name: 'br0' });
  const portCfgs = ports.length > 0 ? ports : [1, 2, 3, 4].map((i) => ({ name: `p${i}`, ofport: i }));
  for (const p of portCfgs) sw.addPort('br0', p);
  const clock = new ManualClock(1_000_000);
  for (const f of flows) br.flows.add(parseFlowLine(f, { namer: br.namer }), clock.nowMs());
  const tx: PortTransmit = { transmit: (_p: Port, _pkt: DpPacket) => 0 };
  const dp = new Datapath(sw, clock, tx, undefined, { emcInsertInvProb: 1, ...cacheConfig });
  return {
    sw,
    dp,
    clock,
    send(port, frame) {
      dp.expire(clock.nowMs());
      return dp.receive(sw.portByName(port)!, frame).outputs.map((o) => o.port);
    },
    addFlow(text) {
      br.flows.add(parseFlowLine(text, { namer: br.namer }), clock.nowMs());
    },
  };
}

export function udpFrame(src: string, dst: string, dport = 53, macs: { src?: string; dst?: string } = {}): Uint8Array {
  return buildFrame({
    eth: { src: macs.src ?? '02:00:00:00:00:01', dst: macs.dst ?? '02:00:00:00:00:02' },
    ipv4: { src, dst, ttl: 64 },
    udp: { srcPort: 1000, dstPort: dport },
  });
}

export function ethFrame(src: string, dst: string): Uint8Array {
  return udpFrame('10.0.0.1', '10.0.0.2', 53, { src, dst });
}
