/**
 * Port naming for the flow syntax modules: one object that satisfies both the match parser's `PortNamer`
 * (src/flow/value-syntax.ts: portNumber/portName) and the action parser's (src/ofproto/actions/parse.ts:
 * portByName/nameOfPort), backed by a bridge's ports.
 */

import type { Bridge } from './bridge.js';

export class BridgePortNamer {
  constructor(private readonly bridge: Bridge) {}

  portNumber(name: string): number | undefined {
    return this.bridge.portNamed(name)?.ofport;
  }

  portName(port: number): string | undefined {
    return this.bridge.port(port)?.name;
  }

  portByName(name: string): number | undefined {
    return this.portNumber(name);
  }

  nameOfPort(port: number): string | undefined {
    return this.portName(port);
  }
}
