/**
 * Replay inputs: several capture files, one per ingress port, merged into the single packet order a replay follows.
 *
 * The order is the reference runner's (run_ovs.py load_inputs): by timestamp; ties by the position of the input in
 * the list, then by position in its file. Timestamps compare exactly, as (seconds, nanoseconds).
 *
 * Two ways to get there. When every file is in time order (the normal case: captures are written as packets come),
 * a k-way merge streams them with one record of look-ahead per file, so a replay of a large capture holds only a
 * few packets in memory. A file out of time order (merged or edited captures) would make a streaming merge disagree
 * with a global sort, so a first pass checks each file's order, and only if one is unsorted are all records loaded
 * and sorted. Both give the same sequence.
 *
 * Damage. A capture cut short or corrupt ends its input at the last complete record; the merge goes on with the
 * others, and `errors` lists what went wrong (file and record) so replay can report it after writing its outputs.
 */

import { CaptureError } from '../base/index.js';
import { copyRecord, openCapture, toEthernetFrame, type CaptureReader, type CaptureRecord } from '../io/capture.js';

export interface ReplayInput {
  /** Ingress port name. */
  readonly port: string;
  /** Capture file path. */
  readonly file: string;
}

/** One packet of the merged sequence. `data` is valid until the next `next()`. */
export interface MergedPacket {
  /** 1-based position in the merged sequence. */
  readonly index: number;
  /** Which input (index into the inputs list) and which record of its file (1-based). */
  readonly input: number;
  readonly record: number;
  readonly port: string;
  readonly tsSec: number;
  readonly tsNsec: number;
  readonly tsMs: number;
  /** The Ethernet frame (converted from cooked/raw-IP captures when needed). */
  readonly data: Uint8Array;
}

/** Whether a capture's timestamps never go backwards (reads it once, copying nothing). */
function isTimeOrdered(file: string): boolean {
  const r = openCapture(file);
  try {
    let sec = -1;
    let nsec = 0;
    for (let rec = r.next(); rec !== null; rec = r.next()) {
      if (rec.tsSec < sec || (rec.tsSec === sec && rec.tsNsec < nsec)) return false;
      sec = rec.tsSec;
      nsec = rec.tsNsec;
    }
    return true;
  } finally {
    r.close();
  }
}

/** A merged reader over several captures. */
export class MergedInputs {
  /** Damage found so far (truncated or corrupt captures, unsupported link types). */
  readonly errors: CaptureError[] = [];
  private index = 0;
  private readonly streams: Stream[] = [];
  private readonly sorted: Array<CaptureRecord & { input: number }> | null = null;
  private sortedPos = 0;
  /** The stream whose head was handed out last; it advances on the next call. */
  private pending: Stream | null = null;
  private readonly current = {
    index: 0,
    input: 0,
    record: 0,
    port: '',
    tsSec: 0,
    tsNsec: 0,
    tsMs: 0,
    data: new Uint8Array(0) as Uint8Array,
  };

  /** Opens every input; throws CaptureError for a file that is not a capture at all. */
  constructor(private readonly inputs: readonly ReplayInput[]) {
    const streaming = inputs.every((inp) => isTimeOrdered(inp.file));
    if (streaming) {
      this.streams = inputs.map((inp, i) => new Stream(openCapture(inp.file), i));
      for (const s of this.streams) this.advance(s);
    } else {
      const all: Array<CaptureRecord & { input: number }> = [];
      inputs.forEach((inp, i) => {
        const r = openCapture(inp.file);
        try {
          for (let rec = r.next(); rec !== null; rec = r.next()) all.push({ ...copyRecord(rec), input: i });
        } finally {
          r.close();
        }
        if (r.error !== undefined) this.errors.push(r.error);
      });
      // Array.prototype.sort is stable: equal (ts, input) keep file order.
      all.sort((a, b) => a.tsSec - b.tsSec || a.tsNsec - b.tsNsec || a.input - b.input);
      this.sorted = all;
    }
  }

  /** The next packet in merged order, or null at the end. The returned object is reused. */
  next(): MergedPacket | null {
    if (this.pending !== null) {
      this.advance(this.pending);
      this.pending = null;
    }
    for (;;) {
      let rec: CaptureRecord | null = null;
      let input = 0;
      if (this.sorted !== null) {
        if (this.sortedPos >= this.sorted.length) return null;
        const r = this.sorted[this.sortedPos++];
        rec = r;
        input = r.input;
      } else {
        let best: Stream | null = null;
        for (const s of this.streams) {
          const h = s.head;
          if (h === null) continue;
          const b = best?.head;
          if (b === undefined || b === null || h.tsSec < b.tsSec || (h.tsSec === b.tsSec && h.tsNsec < b.tsNsec)) best = s;
        }
        if (best === null) return null;
        rec = best.head!;
        input = best.input;
        // The record (and its bytes) stay valid until that reader moves on: only at the next call.
        this.pending = best;
        if (!this.fill(rec, input)) {
          this.advance(best);
          this.pending = null;
          continue;
        }
        return this.current;
      }
      if (this.fill(rec, input)) return this.current;
    }
  }

  /** Copies a record into `current`; false (and an error noted) if its link type cannot carry Ethernet. */
  private fill(rec: CaptureRecord, input: number): boolean {
    const frame = toEthernetFrame(rec.linktype, rec.data);
    if (frame === null) {
      this.errors.push(
        new CaptureError(`record ${rec.index}: link type ${rec.linktype} cannot be replayed as Ethernet (skipped)`, { file: this.inputs[input].file }),
      );
      return false;
    }
    const c = this.current;
    c.index = ++this.index;
    c.input = input;
    c.record = rec.index;
    c.port = this.inputs[input].port;
    c.tsSec = rec.tsSec;
    c.tsNsec = rec.tsNsec;
    c.tsMs = rec.tsSec * 1000 + rec.tsNsec / 1e6;
    c.data = frame;
    return true;
  }

  private advance(s: Stream): void {
    s.head = s.reader.next();
    if (s.head === null) {
      if (s.reader.error !== undefined) this.errors.push(s.reader.error);
      s.reader.close();
    }
  }

  close(): void {
    for (const s of this.streams) s.reader.close();
  }
}

class Stream {
  head: CaptureRecord | null = null;
  constructor(
    readonly reader: CaptureReader,
    readonly input: number,
  ) {}
}
