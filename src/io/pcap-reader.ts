/**
 * Classic pcap (libpcap) reader, and the machinery both readers share.
 *
 * The format: a 24-byte file header (magic, version, thiszone, sigfigs, snaplen, linktype), then records of a 16-byte
 * header (seconds, fraction, captured length, original length) followed by the captured bytes. The magic says both
 * the byte order (as written, 0xa1b2c3d4 or swapped) and the fraction's unit: microseconds (0xa1b2c3d4) or
 * nanoseconds (0xa1b23c4d). thiszone is ignored, as tshark and libpcap ignore it: timestamps are UTC in practice.
 *
 * Corrupt lengths. Nothing in a record header can be checked except the captured length: above the file's snaplen
 * (or above 262144, Wireshark's limit, whichever is larger) it is judged corrupt, and reading stops there. A record
 * longer than the snaplen but under the limit is tolerated, as tshark tolerates it.
 *
 * Bytes come through a `ByteWindow`: the whole file in memory, or a fixed-size window sliding over a file descriptor
 * (pread of one chunk at a time, compacting and, for a record larger than the window, growing). Either way a record's
 * bytes are contiguous in `window.buf` after `ensure`, and stay put until the next `ensure`.
 */

import * as fs from 'node:fs';
import { CaptureError } from '../base/index.js';
import type { CaptureFormat, CaptureReader, CaptureReaderOptions, CaptureRecord } from './capture.js';

/** Captured length above which a record is judged corrupt, unless the file's snaplen says more (Wireshark's limit). */
export const DEFAULT_MAX_CAPLEN = 262144;
const DEFAULT_CHUNK = 1 << 20;
const EMPTY = new Uint8Array(0);

// ---------------------------------------------------------------------------------------------------------------
// ByteWindow: the file, or a sliding window over it
// ---------------------------------------------------------------------------------------------------------------

export class ByteWindow {
  /** Bytes of the file from file offset `base`; valid up to `end`. */
  buf: Uint8Array;
  view: DataView;
  /** Reader position as an index into `buf`. */
  pos = 0;
  end: number;
  /** File offset of `buf[0]`. */
  private base = 0;
  private fd: number;

  private constructor(buf: Uint8Array, end: number, fd: number) {
    this.buf = buf;
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    this.end = end;
    this.fd = fd;
  }

  /** The whole capture, already in memory. */
  static ofBytes(bytes: Uint8Array): ByteWindow {
    return new ByteWindow(bytes, bytes.length, -1);
  }

  /** A window of `chunkSize` bytes over an open file; the window owns `fd` and closes it. */
  static ofFd(fd: number, chunkSize = DEFAULT_CHUNK): ByteWindow {
    return new ByteWindow(new Uint8Array(Math.max(64, chunkSize)), 0, fd);
  }

  /** File offset of the reader position. */
  get offset(): number {
    return this.base + this.pos;
  }

  /**
   * Makes `n` bytes from the position contiguous in `buf` if the file has them, and returns how many are (fewer than
   * `n` only at the end of the file). May move the bytes: re-read `pos` afterwards, and earlier views are stale.
   */
  ensure(n: number): number {
    const have = this.end - this.pos;
    if (have >= n || this.fd < 0) return have < n ? have : n;
    if (this.pos + n > this.buf.length) this.makeRoom(n);
    while (this.end - this.pos < n) {
      const got = fs.readSync(this.fd, this.buf, this.end, this.buf.length - this.end, this.base + this.end);
      if (got === 0) break;
      this.end += got;
    }
    const now = this.end - this.pos;
    return now < n ? now : n;
  }

  advance(n: number): void {
    this.pos += n;
  }

  close(): void {
    if (this.fd >= 0) {
      fs.closeSync(this.fd);
      this.fd = -1;
    }
  }

  /** Slides the unread bytes to the front, growing the buffer if `n` bytes would not fit even then. */
  private makeRoom(n: number): void {
    const unread = this.buf.subarray(this.pos, this.end);
    if (n > this.buf.length) {
      const grown = new Uint8Array(Math.max(n, this.buf.length * 2));
      grown.set(unread);
      this.buf = grown;
      this.view = new DataView(grown.buffer);
    } else {
      this.buf.copyWithin(0, this.pos, this.end);
    }
    this.base += this.pos;
    this.end -= this.pos;
    this.pos = 0;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// RecordSlot: the one record a reader refills
// ---------------------------------------------------------------------------------------------------------------

export class RecordSlot implements CaptureRecord {
  tsMs = 0;
  tsSec = 0;
  tsNsec = 0;
  caplen = 0;
  origLen = 0;
  linktype = 0;
  interfaceId = 0;
  section = 0;
  buffer: Uint8Array = EMPTY;
  offset = 0;
  index = 0;
  fileOffset = 0;
  private view: Uint8Array | null = null;

  /** Made on first access only, so callers that read `buffer`/`offset` allocate nothing per packet. */
  get data(): Uint8Array {
    if (this.view === null) this.view = this.buffer.subarray(this.offset, this.offset + this.caplen);
    return this.view;
  }

  fill(
    tsSec: number,
    tsNsec: number,
    buffer: Uint8Array,
    offset: number,
    caplen: number,
    origLen: number,
    linktype: number,
    interfaceId: number,
    section: number,
    index: number,
    fileOffset: number,
  ): void {
    this.tsSec = tsSec;
    this.tsNsec = tsNsec;
    this.tsMs = tsSec * 1000 + tsNsec / 1e6;
    this.buffer = buffer;
    this.offset = offset;
    this.caplen = caplen;
    this.origLen = origLen;
    this.linktype = linktype;
    this.interfaceId = interfaceId;
    this.section = section;
    this.index = index;
    this.fileOffset = fileOffset;
    this.view = null;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// WindowedReader: stop-at-damage, strict mode, iteration
// ---------------------------------------------------------------------------------------------------------------

export abstract class WindowedReader implements CaptureReader {
  abstract readonly format: CaptureFormat;
  readonly file: string;
  protected readonly win: ByteWindow;
  protected readonly rec = new RecordSlot();
  protected readonly strict: boolean;
  protected readonly maxCaplen: number;
  private stopped = false;
  private failure: CaptureError | undefined = undefined;
  private delivered = 0;

  protected constructor(win: ByteWindow, options: CaptureReaderOptions) {
    this.win = win;
    this.file = options.file ?? '<memory>';
    this.strict = options.strict ?? false;
    this.maxCaplen = options.maxCaplen ?? DEFAULT_MAX_CAPLEN;
  }

  get error(): CaptureError | undefined {
    return this.failure;
  }

  get count(): number {
    return this.delivered;
  }

  next(): CaptureRecord | null {
    if (this.stopped) return null;
    if (!this.advance(this.delivered + 1)) {
      this.stopped = true;
      this.win.close();
      if (this.failure !== undefined && this.strict) throw this.failure;
      return null;
    }
    this.delivered++;
    return this.rec;
  }

  close(): void {
    this.stopped = true;
    this.win.close();
  }

  /** Iterates with the same reused record; leaving the loop early (break) closes the reader. */
  [Symbol.iterator](): Iterator<CaptureRecord> {
    const step: IteratorYieldResult<CaptureRecord> = { done: false, value: this.rec };
    return {
      next: (): IteratorResult<CaptureRecord> => {
        const r = this.next();
        return r === null ? { done: true, value: undefined } : step;
      },
      return: (): IteratorResult<CaptureRecord> => {
        this.close();
        return { done: true, value: undefined };
      },
    };
  }

  /**
   * Fills `this.rec` with packet number `index` and moves past it. Returns false at the clean end of the file, or
   * after `damage()` recorded why it cannot go on.
   */
  protected abstract advance(index: number): boolean;

  /** Records the damage that stops the reader; returns false so `advance` can `return this.damage(...)`. */
  protected damage(detail: string): false {
    if (this.failure === undefined) this.failure = new CaptureError(detail, { file: this.file });
    return false;
  }

  /** For header problems found while opening: in strict mode the open fails. */
  protected damageAtOpen(detail: string): void {
    this.damage(detail);
    this.stopped = true;
    this.win.close();
    if (this.strict) throw this.failure;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// PcapReader
// ---------------------------------------------------------------------------------------------------------------

const FILE_HEADER = 24;
const RECORD_HEADER = 16;

export class PcapReader extends WindowedReader {
  readonly format = 'pcap' as const;
  /** Byte order the file was written in. */
  littleEndian = true;
  /** Timestamp fractions are nanoseconds (magic 0xa1b23c4d) rather than microseconds. */
  nanosecond = false;
  versionMajor = 0;
  versionMinor = 0;
  snaplen = 0;
  /** LINKTYPE_* of every record (the low 16 bits of the header field). */
  linktype = 0;
  /** Bytes of FCS at the end of each frame, from the header's FCS bits (0 when absent). */
  fcsLength = 0;
  private limit = 0;

  private constructor(win: ByteWindow, options: CaptureReaderOptions) {
    super(win, options);
    this.readFileHeader();
  }

  static fromBytes(bytes: Uint8Array, options: CaptureReaderOptions = {}): PcapReader {
    return new PcapReader(ByteWindow.ofBytes(bytes), options);
  }

  /** Streams from an open file descriptor, which the reader takes over and closes. */
  static fromFd(fd: number, options: CaptureReaderOptions = {}): PcapReader {
    return new PcapReader(ByteWindow.ofFd(fd, options.chunkSize), options);
  }

  private readFileHeader(): void {
    const w = this.win;
    const have = w.ensure(FILE_HEADER);
    if (have < 4) {
      this.damageAtOpen(`not a pcap or pcapng file (only ${have} bytes)`);
      return;
    }
    const v = w.view;
    const magic = v.getUint32(0, false);
    switch (magic) {
      case 0xa1b2c3d4:
        this.littleEndian = false;
        break;
      case 0xd4c3b2a1:
        break;
      case 0xa1b23c4d:
        this.littleEndian = false;
        this.nanosecond = true;
        break;
      case 0x4d3cb2a1:
        this.nanosecond = true;
        break;
      default:
        this.damageAtOpen(`not a pcap or pcapng file (magic 0x${magic.toString(16).padStart(8, '0')})`);
        return;
    }
    if (have < FILE_HEADER) {
      this.damageAtOpen(`truncated pcap file header (${have} of ${FILE_HEADER} bytes)`);
      return;
    }
    const le = this.littleEndian;
    this.versionMajor = v.getUint16(4, le);
    this.versionMinor = v.getUint16(6, le);
    this.snaplen = v.getUint32(16, le);
    const linkField = v.getUint32(20, le);
    this.linktype = linkField & 0xffff;
    this.fcsLength = linkField & 0x04000000 ? ((linkField >>> 28) & 0xf) * 2 : 0;
    this.limit = Math.max(this.snaplen, this.maxCaplen);
    w.advance(FILE_HEADER);
  }

  protected advance(index: number): boolean {
    const w = this.win;
    const at = w.offset;
    const have = w.ensure(RECORD_HEADER);
    if (have === 0) return false;
    if (have < RECORD_HEADER) {
      return this.damage(`record ${index} at byte offset ${at}: truncated record header (${have} of ${RECORD_HEADER} bytes)`);
    }
    const le = this.littleEndian;
    let p = w.pos;
    let sec = w.view.getUint32(p, le);
    const frac = w.view.getUint32(p + 4, le);
    const caplen = w.view.getUint32(p + 8, le);
    const origLen = w.view.getUint32(p + 12, le);
    if (caplen > this.limit) {
      const bound =
        this.snaplen >= this.maxCaplen
          ? `snaplen ${this.snaplen}`
          : `the maximum of ${this.maxCaplen} (file snaplen ${this.snaplen})`;
      return this.damage(`record ${index} at byte offset ${at}: captured length ${caplen} exceeds ${bound}`);
    }
    const got = w.ensure(RECORD_HEADER + caplen);
    if (got < RECORD_HEADER + caplen) {
      return this.damage(
        `record ${index} at byte offset ${at}: truncated packet data (${got - RECORD_HEADER} of ${caplen} bytes)`,
      );
    }
    p = w.pos;
    let nsec = this.nanosecond ? frac : frac * 1000;
    if (nsec >= 1e9) {
      // An out-of-range fraction (seen from broken writers) carries into the seconds rather than being lost.
      sec += Math.floor(nsec / 1e9);
      nsec %= 1e9;
    }
    this.rec.fill(sec, nsec, w.buf, p + RECORD_HEADER, caplen, origLen, this.linktype, 0, 0, index, at);
    w.advance(RECORD_HEADER + caplen);
    return true;
  }
}
