/**
 * Classic pcap writer: port output files, test fixtures, tools.
 *
 * Output is byte-for-byte what the reference tooling writes (shared/tools/ovs-reference/pcapio.py `write_pcap`):
 * little-endian, version 2.4, thiszone 0, sigfigs 0, snaplen 262144, link type Ethernet; each record is seconds,
 * microseconds (nanoseconds truncated, as pcapio's `rem // 1000`), captured length, original length. So the reference
 * runner and compare.py read our files, and identical packets give identical files. Nanosecond resolution (magic
 * 0xa1b23c4d) and other snaplens and link types are options.
 *
 * Two sinks, one writer: a file (records gather in a 64 KiB buffer, written when it fills and on `flush`/`close`, so
 * a replay does not make one syscall per packet) and memory (`bytes()` gives the file so far).
 *
 * Timestamps come as (seconds, nanoseconds), exact, or as float milliseconds (`writeMs`, as `Clock` and
 * `CaptureRecord.tsMs` give them). Float milliseconds near today carry about 0.25 µs of rounding error, so `writeMs`
 * rounds to the nearest unit of the file (µs or ns) instead of truncating: a packet read at ...500.330 ms may come
 * back as ...500.32999997 ms, which truncation would write as 500329 µs.
 * Packets longer than the snaplen are cut to it, keeping their original length.
 */

import * as fs from 'node:fs';
import { LinkType } from './capture.js';

export interface PcapWriterOptions {
  /** LINKTYPE_* for the file header. Default Ethernet (1). */
  linktype?: number;
  /** Nanosecond timestamps (magic 0xa1b23c4d) instead of microseconds. Default false. */
  nanosecond?: boolean;
  /** Default 262144, as pcapio writes; 65535 is the other common choice. */
  snaplen?: number;
}

export const DEFAULT_WRITER_SNAPLEN = 262144;
const FILE_BUFFER = 64 * 1024;
const FILE_HEADER = 24;
const RECORD_HEADER = 16;
const MAX_U32 = 0xffffffff;

/** Where the bytes go. */
interface Sink {
  /** Room for `n` more bytes at `buf[len]`, flushing or growing as needed; `n` may exceed any buffer (see `direct`). */
  reserve(n: number): boolean;
  buf: Uint8Array;
  view: DataView;
  len: number;
  /** Writes bytes that do not fit the buffer straight through (file) or after growing (memory). */
  direct(bytes: Uint8Array): void;
  flush(): void;
  close(): void;
}

export class PcapWriter {
  readonly linktype: number;
  readonly nanosecond: boolean;
  readonly snaplen: number;
  private sink: Sink;
  private closed = false;
  private written = 0;

  private constructor(sink: Sink, options: PcapWriterOptions) {
    this.sink = sink;
    this.linktype = options.linktype ?? LinkType.ETHERNET;
    this.nanosecond = options.nanosecond ?? false;
    this.snaplen = options.snaplen ?? DEFAULT_WRITER_SNAPLEN;
    if (!Number.isInteger(this.snaplen) || this.snaplen <= 0 || this.snaplen > MAX_U32) {
      throw new RangeError(`pcap writer: snaplen ${this.snaplen} out of range`);
    }
    sink.reserve(FILE_HEADER);
    const v = sink.view;
    const o = sink.len;
    v.setUint32(o, this.nanosecond ? 0xa1b23c4d : 0xa1b2c3d4, true);
    v.setUint16(o + 4, 2, true);
    v.setUint16(o + 6, 4, true);
    v.setInt32(o + 8, 0, true);
    v.setUint32(o + 12, 0, true);
    v.setUint32(o + 16, this.snaplen, true);
    v.setUint32(o + 20, this.linktype, true);
    sink.len += FILE_HEADER;
  }

  /** Writes to a file (created or truncated now), buffered; call `close()` to flush. */
  static toFile(path: string, options: PcapWriterOptions = {}): PcapWriter {
    return new PcapWriter(new FileSink(fs.openSync(path, 'w')), options);
  }

  /** Writes to memory; `bytes()` returns the file so far. */
  static toMemory(options: PcapWriterOptions = {}): PcapWriter {
    return new PcapWriter(new MemorySink(), options);
  }

  /** Packets written so far. */
  get count(): number {
    return this.written;
  }

  /** Appends one packet stamped (tsSec, tsNsec); `origLen` defaults to the packet's length. */
  write(tsSec: number, tsNsec: number, bytes: Uint8Array, origLen?: number): void {
    if (!Number.isInteger(tsSec) || tsSec < 0 || tsSec > MAX_U32) {
      throw new RangeError(`pcap writer: timestamp seconds ${tsSec} do not fit 32 bits unsigned`);
    }
    if (!Number.isInteger(tsNsec) || tsNsec < 0 || tsNsec >= 1e9) {
      throw new RangeError(`pcap writer: nanoseconds ${tsNsec} outside 0..999999999`);
    }
    this.append(tsSec, this.nanosecond ? tsNsec : Math.floor(tsNsec / 1000), bytes, origLen);
  }

  /** Appends one packet stamped with float milliseconds since the epoch, rounded to the file's unit. */
  writeMs(tsMs: number, bytes: Uint8Array, origLen?: number): void {
    const unitsPerSec = this.nanosecond ? 1e9 : 1e6;
    let sec = Math.floor(tsMs / 1000);
    let frac = Math.round((tsMs - sec * 1000) * (unitsPerSec / 1000));
    if (frac >= unitsPerSec) {
      sec += 1;
      frac -= unitsPerSec;
    }
    if (sec < 0 || sec > MAX_U32) throw new RangeError(`pcap writer: timestamp ${tsMs} ms does not fit 32 bits`);
    this.append(sec, frac, bytes, origLen);
  }

  /** Appends a record read from another capture, keeping its timestamp and original length. */
  writeRecord(r: { tsSec: number; tsNsec: number; data: Uint8Array; origLen: number }): void {
    this.write(r.tsSec, r.tsNsec, r.data, r.origLen);
  }

  /** The file so far (memory writers only): a view, valid until the next write. */
  bytes(): Uint8Array {
    if (!(this.sink instanceof MemorySink)) throw new Error('pcap writer: bytes() is for memory writers');
    return this.sink.buf.subarray(0, this.sink.len);
  }

  /** Pushes buffered records to the file. */
  flush(): void {
    this.sink.flush();
  }

  /** Flushes and closes the file; idempotent. A memory writer keeps its bytes. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.sink.flush();
    this.sink.close();
  }

  private append(sec: number, frac: number, bytes: Uint8Array, origLen: number | undefined): void {
    if (this.closed) throw new Error('pcap writer: write after close');
    const caplen = bytes.length < this.snaplen ? bytes.length : this.snaplen;
    const orig = origLen ?? bytes.length;
    if (!Number.isInteger(orig) || orig < caplen || orig > MAX_U32) {
      throw new RangeError(`pcap writer: original length ${orig} invalid (captured length ${caplen})`);
    }
    const sink = this.sink;
    const whole = sink.reserve(RECORD_HEADER + caplen);
    const v = sink.view;
    const o = sink.len;
    v.setUint32(o, sec, true);
    v.setUint32(o + 4, frac, true);
    v.setUint32(o + 8, caplen, true);
    v.setUint32(o + 12, orig, true);
    sink.len += RECORD_HEADER;
    const data = caplen === bytes.length ? bytes : bytes.subarray(0, caplen);
    if (whole) {
      sink.buf.set(data, sink.len);
      sink.len += caplen;
    } else {
      sink.direct(data);
    }
    this.written++;
  }
}

/** A 64 KiB buffer in front of a file descriptor. */
class FileSink implements Sink {
  buf = new Uint8Array(FILE_BUFFER);
  view = new DataView(this.buf.buffer);
  len = 0;
  private fd: number;

  constructor(fd: number) {
    this.fd = fd;
  }

  /** True when all `n` bytes fit the buffer; else at least a record header does and the rest goes `direct`. */
  reserve(n: number): boolean {
    if (this.len + n <= this.buf.length) return true;
    this.flush();
    return n <= this.buf.length;
  }

  direct(bytes: Uint8Array): void {
    this.flush();
    writeFully(this.fd, bytes);
  }

  flush(): void {
    if (this.len > 0) {
      writeFully(this.fd, this.buf.subarray(0, this.len));
      this.len = 0;
    }
  }

  close(): void {
    fs.closeSync(this.fd);
  }
}

/** A growing array. */
class MemorySink implements Sink {
  buf = new Uint8Array(4096);
  view = new DataView(this.buf.buffer);
  len = 0;

  reserve(n: number): boolean {
    if (this.len + n > this.buf.length) {
      const grown = new Uint8Array(Math.max(this.len + n, this.buf.length * 2));
      grown.set(this.buf.subarray(0, this.len));
      this.buf = grown;
      this.view = new DataView(grown.buffer);
    }
    return true;
  }

  direct(bytes: Uint8Array): void {
    this.reserve(bytes.length);
    this.buf.set(bytes, this.len);
    this.len += bytes.length;
  }

  flush(): void {}

  close(): void {}
}

function writeFully(fd: number, bytes: Uint8Array): void {
  let done = 0;
  while (done < bytes.length) done += fs.writeSync(fd, bytes, done, bytes.length - done);
}
