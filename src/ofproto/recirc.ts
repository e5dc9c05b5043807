/**
 * Recirculation ids and the frozen translation state behind them (OVS ofproto-dpif-rid.c, much reduced).
 *
 * When a translation must continue after the datapath has done something only it can do (conntrack with `table=`),
 * xlate freezes what the rest of the translation needs — the bridge, the table to resume in, the OpenFlow metadata
 * that is not part of the packet (registers, metadata) and the in_port (in the frozen bridge: a packet that crossed a
 * patch port or was decapsulated entered the datapath elsewhere) — under a recirculation id, and emits `recirc(id)`. The
 * datapath runs the packet through its caches again with recirc_id set; a miss comes back to xlate, which thaws the
 * state and resumes. Identical states share an id, as in OVS.
 */

import { W } from '../flow/key-layout.js';

/** Words of the flow key a frozen state keeps: metadata (2) and registers (16). */
export const FROZEN_WORDS_START = W.METADATA;
export const FROZEN_WORDS_END = W.REGS + 16;

export interface FrozenState {
  readonly bridge: string;
  readonly table: number;
  /** OpenFlow in_port in `bridge` when frozen (OVS frozen_metadata.in_port). */
  readonly inPort: number;
  /** Key words FROZEN_WORDS_START..FROZEN_WORDS_END as they were when frozen. */
  readonly metadata: Uint32Array;
  readonly conntracked: boolean;
}

export class RecircRegistry {
  private readonly byId = new Map<number, FrozenState>();
  private readonly byKey = new Map<string, number>();
  private nextId = 1;

  /** The id for `state`, allocating one if no identical state has one. */
  idFor(state: FrozenState): number {
    const key = `${state.bridge}|${state.table}|${state.inPort}|${state.conntracked ? 1 : 0}|${state.metadata.join(',')}`;
    let id = this.byKey.get(key);
    if (id === undefined) {
      id = this.nextId++;
      this.byKey.set(key, id);
      this.byId.set(id, state);
    }
    return id;
  }

  get(id: number): FrozenState | undefined {
    return this.byId.get(id);
  }
}
