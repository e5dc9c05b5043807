/**
 * The switch: every bridge of one process, joined by patch ports, over one datapath.
 *
 * Like ovs-vswitchd with the userspace datapath, all bridges share one datapath, so every port that is not a patch
 * port gets a datapath port number, unique over the switch: 0 is the datapath's own internal port (ovs-netdev), then
 * numbers are handed out in the order ports are added (each bridge's LOCAL port when the bridge is created).
 * Patch ports have no datapath port: a packet output to one continues its translation in the peer's bridge.
 * Both directions are looked up here: (bridge, OpenFlow port) -> datapath port, and datapath port -> (bridge, port).
 */

import { TopologyError } from '../base/errors.js';
import type { TunnelSystem } from '../tunnel/system.js';
import { Bridge, type BridgeConfig } from './bridge.js';
import type { Port, PortConfig } from './port.js';
import { RecircRegistry } from './recirc.js';

export class Switch {
  private readonly bridgeMap = new Map<string, Bridge>();
  private readonly byDpPort = new Map<number, Port>();
  private nextDpPort = 1;
  /** Changes when bridges or ports change. */
  generation = 0;
  /** Recirculation ids of the one datapath, shared by all bridges. */
  readonly recirc = new RecircRegistry();
  /** Userspace tunnelling (VXLAN ports, underlay routes and neighbours); null when the switch has no tunnels. */
  tunnels: TunnelSystem | null = null;

  get bridges(): IterableIterator<Bridge> {
    return this.bridgeMap.values();
  }

  addBridge(cfg: BridgeConfig): Bridge {
    if (this.bridgeMap.has(cfg.name)) throw new TopologyError(`bridge ${cfg.name} already exists`);
    const br = new Bridge(cfg);
    this.bridgeMap.set(cfg.name, br);
    this.assignDpPort(br.local);
    this.generation++;
    return br;
  }

  bridge(name: string): Bridge | undefined {
    return this.bridgeMap.get(name);
  }

  addPort(bridgeName: string, cfg: PortConfig & { dpPort?: number }): Port {
    const br = this.bridgeMap.get(bridgeName);
    if (!br) throw new TopologyError(`no bridge named ${bridgeName}`);
    for (const other of this.bridgeMap.values()) {
      if (other.portNamed(cfg.name)) throw new TopologyError(`a port named ${cfg.name} already exists (bridge ${other.name})`);
    }
    const port = br.addPort(cfg);
    if (!port.isPatch) this.assignDpPort(port, cfg.dpPort);
    this.generation++;
    return port;
  }

  private assignDpPort(port: Port, requested?: number): void {
    const n = requested ?? this.nextDpPort;
    if (this.byDpPort.has(n)) throw new TopologyError(`datapath port ${n} already in use`);
    port.dpPort = n;
    this.byDpPort.set(n, port);
    while (this.byDpPort.has(this.nextDpPort)) this.nextDpPort++;
  }

  /** The port with datapath number `dpPort`. */
  portByDp(dpPort: number): Port | undefined {
    return this.byDpPort.get(dpPort);
  }

  /** Any port by its (switch-unique) name. */
  portByName(name: string): Port | undefined {
    for (const br of this.bridgeMap.values()) {
      const p = br.portNamed(name);
      if (p) return p;
    }
    return undefined;
  }

  /** The patch peer of `port`, if it is a patch port whose peer exists and points back. */
  patchPeer(port: Port): Port | undefined {
    if (!port.isPatch || !port.peer) return undefined;
    const peer = this.portByName(port.peer);
    if (!peer || !peer.isPatch || peer.peer !== port.name) return undefined;
    return peer;
  }

  /** Datapath port names, for printing datapath actions with --names. */
  dpPortName(dpPort: number): string | undefined {
    return this.byDpPort.get(dpPort)?.name ?? this.tunnels?.vportByDp(dpPort)?.name;
  }
}
