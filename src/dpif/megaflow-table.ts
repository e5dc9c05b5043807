/**
 * Every installed megaflow: one dpcls per datapath input port (as OVS keeps one per in_port in each PMD), and a slot
 * array giving each megaflow a stable id (what the SMC stores) and letting dumps, the revalidator and idle expiry
 * walk them all.
 *
 * Removing a megaflow marks it `dead` before anything else, so EMC and SMC entries that still point at it miss.
 */

import { Dpcls } from './dpcls.js';
import type { Megaflow } from './megaflow.js';

export class MegaflowTable {
  private readonly slots: (Megaflow | null)[] = [];
  private readonly free: number[] = [];
  private readonly byPort = new Map<number, Dpcls>();
  /** The same classifiers indexed by port number (datapath ports are small integers): no Map lookup per packet. */
  private readonly byPortIndex: (Dpcls | undefined)[] = [];
  count = 0;

  /** The classifier of one input port, or undefined if nothing was installed for it. */
  classifier(dpInPort: number): Dpcls | undefined {
    return dpInPort >= 0 && dpInPort < this.byPortIndex.length ? this.byPortIndex[dpInPort] : this.byPort.get(dpInPort);
  }

  get classifiers(): IterableIterator<Dpcls> {
    return this.byPort.values();
  }

  byId(id: number): Megaflow | null {
    return id >= 0 && id < this.slots.length ? this.slots[id] : null;
  }

  install(mf: Megaflow): void {
    const id = this.free.length > 0 ? this.free.pop()! : this.slots.length;
    if (id === this.slots.length) this.slots.push(null);
    this.slots[id] = mf;
    mf.id = id;
    let cls = this.byPort.get(mf.dpInPort);
    if (cls === undefined) {
      this.byPort.set(mf.dpInPort, (cls = new Dpcls()));
      const p = mf.dpInPort;
      if (p >= 0 && p < 65536) {
        while (this.byPortIndex.length <= p) this.byPortIndex.push(undefined);
        this.byPortIndex[p] = cls;
      }
    }
    cls.insert(mf);
    this.count++;
  }

  remove(mf: Megaflow): void {
    if (mf.dead) return;
    mf.dead = true;
    this.byPort.get(mf.dpInPort)?.remove(mf);
    this.slots[mf.id] = null;
    this.free.push(mf.id);
    this.count--;
  }

  /** Every megaflow (a snapshot: safe to remove while iterating). */
  all(): Megaflow[] {
    const out: Megaflow[] = [];
    for (const m of this.slots) if (m !== null) out.push(m);
    return out;
  }

  /** Distinct masks over all ports (OVS summary's megaflow_masks) and (port, mask) subtables (dpcls_subtables). */
  maskCounts(): { masks: number; subtables: number } {
    const masks = new Set<string>();
    let subtables = 0;
    for (const cls of this.byPort.values()) {
      subtables += cls.subtableCount;
      for (const st of cls.subtables) masks.add(maskIdIgnoringInPort(st.mask));
    }
    return { masks: masks.size, subtables };
  }

  sortSubtables(): void {
    for (const cls of this.byPort.values()) cls.sortSubtables();
  }

  clear(): void {
    for (const m of this.slots) if (m !== null) m.dead = true;
    this.slots.length = 0;
    this.free.length = 0;
    this.byPort.clear();
    this.byPortIndex.length = 0;
    this.count = 0;
  }

  get memoryBytes(): number {
    let n = this.slots.length * 8;
    for (const cls of this.byPort.values()) n += cls.memoryBytes;
    // Each megaflow: three KEY_WORDS arrays (key, mask, flowKey) and the object itself.
    return n + this.count * (3 * 81 * 4 + 200);
  }
}

function maskIdIgnoringInPort(mask: Uint32Array): string {
  let s = '';
  for (let i = 1; i < mask.length; i++) if (mask[i] !== 0) s += `${i}:${mask[i].toString(16)},`;
  return s;
}
