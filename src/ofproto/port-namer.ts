/**
 * Port naming for the flow syntax modules (match, actions, whole flow lines, traces): the one `PortNamer` interface
 * of src/flow/value-syntax.ts (portNumber/portName), backed by a bridge's ports.
 */

import type { PortNamer } from '../flow/value-syntax.js';
import type { Bridge } from './bridge.js';

export class BridgePortNamer implements PortNamer {
  constructor(private readonly bridge: Bridge) {}

  portNumber(name: string): number | undefined {
    return this.bridge.portNamed(name)?.ofport;
  }

  portName(port: number): string | undefined {
    return this.bridge.port(port)?.name;
  }
}
