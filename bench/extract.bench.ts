/**
 * Extract throughput: src/flow/extract.ts over batches of 256 preallocated frames, one flow key per frame (as a
 * datapath batch keeps one per packet), one PacketLayout reused. Reported in Mpps, beside the bare JS floor run over
 * the same batch (bare-floor.ts) with the ratio extract / floor.
 */

import { extract, ExtractStatus, PacketLayout } from '../src/flow/extract.js';
import { KEY_WORDS, W } from '../src/flow/key-layout.js';
import { BareFloor } from './bare-floor.js';
import { frameBatch, FRAME_KINDS, type FrameBatch } from './frames.js';
import { sink, type BenchCase } from './harness.js';

const SUITE = 'extract';
/** The in_port every frame arrives on; any value will do, extract only stores it. */
const IN_PORT = 1;

/** One key per frame of a batch, as views into one preallocated block. */
function keysFor(batch: FrameBatch): Uint32Array[] {
  const block = new Uint32Array(batch.count * KEY_WORDS);
  const keys: Uint32Array[] = [];
  for (let i = 0; i < batch.count; i++) keys.push(block.subarray(i * KEY_WORDS, (i + 1) * KEY_WORDS));
  return keys;
}

function extractCase(batch: FrameBatch): BenchCase {
  const keys = keysFor(batch);
  const layout = new PacketLayout();
  const { buf, offs, lens, count } = batch;
  const op = (): void => {
    let statuses = 0;
    for (let i = 0; i < count; i++) statuses |= extract(buf, offs[i], lens[i], IN_PORT, keys[i], layout);
    sink[0] = statuses;
  };
  return {
    suite: SUITE,
    name: `extract ${batch.name}`,
    unit: 'Mpps',
    perOp: count,
    op,
    relativeTo: `floor ${batch.name}`,
    verify: () => {
      // Every frame must parse completely: a bench of the error path would flatter extract.
      for (let i = 0; i < count; i++) {
        const st = extract(buf, offs[i], lens[i], IN_PORT, keys[i], layout);
        if (st !== ExtractStatus.OK) throw new Error(`${batch.name} frame ${i}: extract status ${st}`);
        if (keys[i][W.DL_TYPE_VLAN] >>> 16 === 0) throw new Error(`${batch.name} frame ${i}: no dl_type`);
      }
    },
  };
}

function floorCase(batch: FrameBatch): BenchCase {
  const floor = new BareFloor(batch);
  return {
    suite: SUITE,
    name: `floor ${batch.name}`,
    unit: 'Mpps',
    perOp: batch.count,
    op: () => floor.run(),
    note: 'typed-array 5-tuple read + Math.imul hash into Int32Array table + 16-word copy',
    verify: () => {
      floor.run();
      floor.run();
      if (floor.hits === 0) throw new Error(`floor ${batch.name}: the table never hit`);
      const tx = floor.txFrame(batch.count - 1);
      const at = batch.offs[batch.count - 1];
      for (let b = 0; b < tx.length; b++) if (tx[b] !== batch.buf[at + b]) throw new Error(`floor ${batch.name}: copy differs at byte ${b}`);
    },
  };
}

/** Extract and floor cases for every frame kind, each extract case followed by its floor. */
export function extractCases(): BenchCase[] {
  const cases: BenchCase[] = [];
  for (const kind of FRAME_KINDS) {
    const batch = frameBatch(kind);
    cases.push(extractCase(batch), floorCase(batch));
  }
  return cases;
}
