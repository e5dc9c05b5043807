/**
 * A bridge: OpenFlow ports, 255 flow tables, NORMAL's MAC learning table and per-bridge settings.
 *
 * The LOCAL port (OFPP_LOCAL = 0xfffe) always exists, is internal and carries the bridge's name; its MAC is the
 * bridge's `hwaddr`. Ports are reachable by OpenFlow number and by name. The bridge knows nothing of datapath port
 * numbers or other bridges; the Switch does (patch ports, global datapath numbering).
 */

import { TopologyError } from '../base/errors.js';
import { OfpPort } from '../flow/key-layout.js';
import { FlowTables } from './flow-tables.js';
import { MAC_DEFAULT_AGING_S, MAC_DEFAULT_MAX, MacLearningTable } from './mac-learning.js';
import type { OfVersion } from './actions/print.js';
import { Port, type PortConfig } from './port.js';
import { BridgePortNamer } from './port-namer.js';

export type FailMode = 'secure' | 'standalone';

export interface BridgeConfig {
  readonly name: string;
  readonly failMode?: FailMode;
  /** LOCAL port MAC (other_config:hwaddr), 48-bit number. */
  readonly hwaddr?: number;
  /** other_config:mac-aging-time, seconds. */
  readonly macAgingTime?: number;
  /** other_config:mac-table-size. */
  readonly macTableSize?: number;
  /** other_config:forward-bpdu. */
  readonly forwardBpdu?: boolean;
  /** Config of the LOCAL port (VLAN settings); defaults to a trunk of all VLANs. */
  readonly local?: Omit<PortConfig, 'name' | 'ofport' | 'type'>;
  /**
   * The OpenFlow version the bridge's flows are added with (ovs-ofctl -O): OVS keeps actions as that version's
   * messages decoded them, so ofproto/trace spells them that way (`set_field:4196->vlan_vid` vs `mod_vlan_vid:100`).
   * Default OpenFlow10.
   */
  readonly flowVersion?: OfVersion;
}

export class Bridge {
  readonly name: string;
  readonly failMode: FailMode;
  hwaddr: number;
  readonly forwardBpdu: boolean;
  readonly flowVersion: OfVersion;
  readonly flows = new FlowTables();
  readonly macTable: MacLearningTable;
  private readonly byNumber = new Map<number, Port>();
  private readonly byName = new Map<string, Port>();
  /** Ports in the order they were added (LOCAL first): the order FLOOD and NORMAL's flooding visit them. */
  readonly portList: Port[] = [];
  /** Changes with every port change, for cache revalidation. */
  portGeneration = 0;

  constructor(cfg: BridgeConfig) {
    this.name = cfg.name;
    this.failMode = cfg.failMode ?? 'secure';
    this.hwaddr = cfg.hwaddr ?? 0;
    this.forwardBpdu = cfg.forwardBpdu ?? false;
    this.flowVersion = cfg.flowVersion ?? 'OpenFlow10';
    this.macTable = new MacLearningTable(cfg.macAgingTime ?? MAC_DEFAULT_AGING_S, cfg.macTableSize ?? MAC_DEFAULT_MAX);
    this.attach(new Port(this.name, OfpPort.LOCAL, { ...cfg.local, name: this.name, type: 'internal' }));
  }

  get local(): Port {
    return this.byNumber.get(OfpPort.LOCAL)!;
  }

  /** Adds a port; its OpenFlow number is `cfg.ofport` or the lowest free number from 1. */
  addPort(cfg: PortConfig): Port {
    if (this.byName.has(cfg.name)) throw new TopologyError(`bridge ${this.name} already has a port named ${cfg.name}`);
    let ofport = cfg.ofport;
    if (ofport !== undefined) {
      if (ofport < 1 || ofport >= OfpPort.MAX) throw new TopologyError(`port ${cfg.name}: ofport ${ofport} out of range`);
      if (this.byNumber.has(ofport)) throw new TopologyError(`port ${cfg.name}: ofport ${ofport} already in use on ${this.name}`);
    } else {
      ofport = 1;
      while (this.byNumber.has(ofport)) ofport++;
    }
    if (cfg.type === 'patch' && !cfg.peer) throw new TopologyError(`patch port ${cfg.name} needs a peer`);
    const port = new Port(this.name, ofport, cfg);
    this.attach(port);
    return port;
  }

  removePort(name: string): void {
    const p = this.byName.get(name);
    if (!p || p.isLocal) throw new TopologyError(`bridge ${this.name} has no removable port ${name}`);
    this.byName.delete(name);
    this.byNumber.delete(p.ofport);
    this.portList.splice(this.portList.indexOf(p), 1);
    this.macTable.flushPort(p.ofport);
    this.portGeneration++;
  }

  private attach(port: Port): void {
    this.byNumber.set(port.ofport, port);
    this.byName.set(port.name, port);
    this.portList.push(port);
    this.portGeneration++;
  }

  port(ofport: number): Port | undefined {
    return this.byNumber.get(ofport);
  }

  portNamed(name: string): Port | undefined {
    return this.byName.get(name);
  }

  /** Port names for the flow parsers and printers (both PortNamer interfaces). */
  get namer(): BridgePortNamer {
    return (this.namerCache ??= new BridgePortNamer(this));
  }

  private namerCache: BridgePortNamer | undefined;
}
