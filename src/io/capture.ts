/**
 * Capture files: one reader interface over classic pcap and pcapng.
 *
 * What? A capture file is where replayed traffic comes from and where per-port output goes. Users bring files from
 * tcpdump (classic pcap, microsecond or nanosecond timestamps, either byte order) and from Wireshark/dumpcap (pcapng:
 * blocks, several interfaces with their own link type and timestamp resolution, several sections). `openCapture`
 * sniffs the magic number and hands back a `CaptureReader`; the caller never needs to know which format it was.
 *
 * Why our own reader rather than the `pcap-parser` package? It reads classic microsecond pcap only (no nanosecond
 * magic, no pcapng), it allocates an object and a Buffer slice per packet and concatenates buffers as it streams, and
 * it reports damage as an `error` event that discards the position. The datapath wants the opposite: pcapng and ns
 * timestamps, zero-copy packet bytes, no allocation per packet, and damage reported as feedback with a location.
 *
 * The fast path. `next()` returns the same `CaptureRecord` object every time, refilled in place; its `data` is a view
 * into the reader's buffer (the whole file, or a sliding window when streaming), so nothing is copied. Both are valid
 * only until the next call to `next()`: copy what you keep (`copyRecord`). `buffer` + `offset` give the same bytes
 * without even the subarray object `data` costs on first access.
 *
 * Damage. A capture cut short (a copy interrupted, a tcpdump killed mid-write) or with a corrupt length must not cost
 * the records before the damage. So a reader stops at the first problem, after delivering every complete record
 * before it: `next()` returns null and `error` says what and where ("record 17 at byte offset 4242: ..."). With
 * `strict: true` the same error is thrown from `next()` instead. A file that is not a capture at all (wrong magic,
 * too short to hold one) is refused by `openCapture` itself, which throws: there is nothing to deliver.
 *
 * Link types. Records carry their link type (per interface in pcapng). The datapath wants Ethernet; for Linux cooked
 * captures (SLL, SLL2) and raw IP, `toEthernetFrame` synthesises an Ethernet II header.
 */

import * as fs from 'node:fs';
import { CaptureError } from '../base/index.js';
import { PcapReader } from './pcap-reader.js';
import { PcapngReader } from './pcapng-reader.js';

// ---------------------------------------------------------------------------------------------------------------
// Types
// ---------------------------------------------------------------------------------------------------------------

/** LINKTYPE_* values (tcpdump.org/linktypes.html) that this module knows by name. */
export const LinkType = {
  ETHERNET: 1,
  RAW: 101,
  LINUX_SLL: 113,
  IPV4: 228,
  IPV6: 229,
  LINUX_SLL2: 276,
} as const;

/**
 * One packet of a capture. Readers return one reused instance: every field, `data` included, is valid only until the
 * reader's next `next()` call.
 */
export interface CaptureRecord {
  /** Timestamp in milliseconds since the epoch as a float (about 0.25 µs resolution today; exact: tsSec/tsNsec). */
  readonly tsMs: number;
  /** Whole seconds since the epoch (after pcapng's if_tsoffset). */
  readonly tsSec: number;
  /** Nanoseconds within the second, 0..999999999. */
  readonly tsNsec: number;
  /** Bytes present in the file (`data.length`). */
  readonly caplen: number;
  /** Length of the packet on the wire; larger than caplen when the capture cut it (snaplen). */
  readonly origLen: number;
  /** LINKTYPE_* of the interface the packet was captured on. */
  readonly linktype: number;
  /** pcapng interface id, as in the file and in tshark's frame.interface_id; 0 for classic pcap. */
  readonly interfaceId: number;
  /** pcapng section (0-based) the packet is in; interface ids restart in each section. 0 for classic pcap. */
  readonly section: number;
  /** The packet bytes: a view into `buffer`, zero copy. */
  readonly data: Uint8Array;
  /** The buffer `data` views, and where in it the packet starts, for callers that avoid even the view object. */
  readonly buffer: Uint8Array;
  readonly offset: number;
  /** 1-based position of the packet in the file, as tshark numbers frames. */
  readonly index: number;
  /** Byte offset in the file of the record (pcap) or block (pcapng) holding the packet. */
  readonly fileOffset: number;
}

export type CaptureFormat = 'pcap' | 'pcapng';

export interface CaptureReader extends Iterable<CaptureRecord> {
  readonly format: CaptureFormat;
  /** File name used in error messages. */
  readonly file: string;
  /**
   * The next packet, or null at the end of the file or at the first damage (then `error` is set). In strict mode the
   * damage is thrown instead. The returned object is reused by the next call.
   */
  next(): CaptureRecord | null;
  /** Why the reader stopped before the end of the file; undefined while reading and after a clean end. */
  readonly error: CaptureError | undefined;
  /** Packets delivered so far. */
  readonly count: number;
  /** Releases the file (streaming readers); idempotent, and done automatically at the end or on an error. */
  close(): void;
}

export interface CaptureReaderOptions {
  /** Throw the damage from `next()` instead of ending quietly with `error` set. Default false. */
  strict?: boolean;
  /**
   * Read the file in fixed-size chunks through a sliding window instead of loading it whole. Default 'auto': stream
   * files larger than 64 MiB. Only for paths.
   */
  stream?: boolean | 'auto';
  /** Window size when streaming (it grows if one record is larger). Default 1 MiB. */
  chunkSize?: number;
  /**
   * Largest captured length accepted for one packet; longer means a corrupt length field. Default 262144, Wireshark's
   * limit, so we accept what tshark accepts: a packet longer than the file's snaplen is tolerated up to this.
   */
  maxCaplen?: number;
  /** Name for error messages when reading from bytes. Default "<memory>". */
  file?: string;
}

/** Files above this size are streamed when `stream` is 'auto'. */
export const STREAM_THRESHOLD = 64 * 1024 * 1024;

// ---------------------------------------------------------------------------------------------------------------
// Sniffing and opening
// ---------------------------------------------------------------------------------------------------------------

const PCAPNG_SHB = 0x0a0d0d0a;
const PCAP_MAGICS = new Set([0xa1b2c3d4, 0xd4c3b2a1, 0xa1b23c4d, 0x4d3cb2a1]);
const PCAP_MODIFIED_MAGICS = new Set([0xa1b2cd34, 0x34cdb2a1]);

/** Which format the first four bytes announce; throws CaptureError for anything else. */
export function sniffFormat(head: Uint8Array, file = '<memory>'): CaptureFormat {
  if (head.length < 4) {
    throw new CaptureError(
      `not a pcap or pcapng file (${head.length === 0 ? 'empty file' : `only ${head.length} bytes`})`,
      { file },
    );
  }
  const magic = ((head[0] << 24) | (head[1] << 16) | (head[2] << 8) | head[3]) >>> 0;
  if (magic === PCAPNG_SHB) return 'pcapng';
  if (PCAP_MAGICS.has(magic)) return 'pcap';
  if (PCAP_MODIFIED_MAGICS.has(magic)) {
    throw new CaptureError(`modified (Kuznetsov) pcap is not supported (magic 0x${hex32(magic)}); convert it with editcap`, {
      file,
    });
  }
  throw new CaptureError(`not a pcap or pcapng file (magic 0x${hex32(magic)})`, { file });
}

/**
 * Opens a capture from a path or from bytes already in memory. Throws CaptureError if it is not a capture (or the
 * file cannot be opened); everything after the magic number is reported through the reader.
 */
export function openCapture(source: string | Uint8Array, options: CaptureReaderOptions = {}): CaptureReader {
  if (typeof source !== 'string') {
    const file = options.file ?? '<memory>';
    const bytes = asPlainBytes(source);
    return sniffFormat(bytes.subarray(0, 4), file) === 'pcap'
      ? PcapReader.fromBytes(bytes, { ...options, file })
      : PcapngReader.fromBytes(bytes, { ...options, file });
  }
  const file = source;
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (e) {
    throw new CaptureError(`cannot open: ${(e as Error).message}`, { file });
  }
  let format: CaptureFormat;
  let stream: boolean;
  try {
    const size = fs.fstatSync(fd).size;
    stream = options.stream === true || ((options.stream ?? 'auto') === 'auto' && size > STREAM_THRESHOLD);
    const head = new Uint8Array(4);
    format = sniffFormat(head.subarray(0, fs.readSync(fd, head, 0, 4, 0)), file);
  } catch (e) {
    fs.closeSync(fd);
    throw e;
  }
  const opts = { ...options, file };
  if (stream) {
    // The reader owns the descriptor from here on, and closes it at the end, on damage, or on a strict-mode throw.
    return format === 'pcap' ? PcapReader.fromFd(fd, opts) : PcapngReader.fromFd(fd, opts);
  }
  let bytes: Uint8Array;
  try {
    bytes = asPlainBytes(fs.readFileSync(fd));
  } finally {
    fs.closeSync(fd);
  }
  return format === 'pcap' ? PcapReader.fromBytes(bytes, opts) : PcapngReader.fromBytes(bytes, opts);
}

/** A record that outlives the reader: same fields, its own copy of the bytes. */
export function copyRecord(r: CaptureRecord): CaptureRecord {
  const data = r.data.slice();
  return {
    tsMs: r.tsMs,
    tsSec: r.tsSec,
    tsNsec: r.tsNsec,
    caplen: r.caplen,
    origLen: r.origLen,
    linktype: r.linktype,
    interfaceId: r.interfaceId,
    section: r.section,
    data,
    buffer: data,
    offset: 0,
    index: r.index,
    fileOffset: r.fileOffset,
  };
}

export interface CaptureContents {
  format: CaptureFormat;
  records: CaptureRecord[];
  /** Set when the file is damaged; `records` holds everything before the damage. */
  error: CaptureError | undefined;
}

/** Every record, copied, plus the damage if any. Throws only for a file that is not a capture. */
export function readCapture(source: string | Uint8Array, options: CaptureReaderOptions = {}): CaptureContents {
  const reader = openCapture(source, { ...options, strict: false });
  const records: CaptureRecord[] = [];
  try {
    for (let r = reader.next(); r !== null; r = reader.next()) records.push(copyRecord(r));
  } finally {
    reader.close();
  }
  return { format: reader.format, records, error: reader.error };
}

/** Every record, copied. For tests and tools: throws CaptureError on any damage (use `readCapture` to keep a prefix). */
export function readAll(source: string | Uint8Array, options: CaptureReaderOptions = {}): CaptureRecord[] {
  const { records, error } = readCapture(source, options);
  if (error !== undefined) throw error;
  return records;
}

// ---------------------------------------------------------------------------------------------------------------
// Link-layer conversion
// ---------------------------------------------------------------------------------------------------------------

const SLL_HEADER = 16;
const SLL2_HEADER = 20;
const ETH_HEADER = 14;
/** sll_pkttype: PACKET_BROADCAST. The only packet type whose destination MAC we can know. */
const PACKET_BROADCAST = 1;
/** sll_hatype values whose "protocol" is not an ethertype. */
const ARPHRD_NETLINK = 824;
/** Linux pseudo-protocols (LINUX_SLL_P_*) that mean an 802.3 length-field frame follows (802.2 LLC, Novell raw). */
const LINUX_SLL_P_802_3 = 0x0001;
const LINUX_SLL_P_802_2 = 0x0004;

/**
 * The packet as an Ethernet frame, for link types the datapath can take: Ethernet itself (returned as is, same
 * object), Linux cooked SLL/SLL2 and raw IP (a new array: a synthesised 14-byte header, then the payload).
 *
 * The synthesised header: source MAC = the SLL link-layer address when it is 6 bytes long, else zero; destination =
 * broadcast for packets Linux marked broadcast, else zero (cooked capture does not record it); ethertype = the SLL
 * protocol field, or 0x0800/0x86dd for raw IP by link type or version nibble. SLL's 802.2/802.3 pseudo-protocols
 * become an 802.3 frame with a length field. Returns null for other link types, for SLL protocols that are not
 * Ethernet payloads (netlink, CAN, ...) and for bytes too short to hold the link header.
 */
export function toEthernetFrame(linktype: number, bytes: Uint8Array): Uint8Array | null {
  switch (linktype) {
    case LinkType.ETHERNET:
      return bytes;
    case LinkType.LINUX_SLL: {
      if (bytes.length < SLL_HEADER) return null;
      const pkttype = (bytes[0] << 8) | bytes[1];
      const hatype = (bytes[2] << 8) | bytes[3];
      const halen = (bytes[4] << 8) | bytes[5];
      const protocol = (bytes[14] << 8) | bytes[15];
      return cookedToEthernet(bytes, SLL_HEADER, pkttype, hatype, halen, 6, protocol);
    }
    case LinkType.LINUX_SLL2: {
      if (bytes.length < SLL2_HEADER) return null;
      const protocol = (bytes[0] << 8) | bytes[1];
      const hatype = (bytes[8] << 8) | bytes[9];
      const pkttype = bytes[10];
      const halen = bytes[11];
      return cookedToEthernet(bytes, SLL2_HEADER, pkttype, hatype, halen, 12, protocol);
    }
    case LinkType.RAW: {
      if (bytes.length === 0) return null;
      const version = bytes[0] >> 4;
      if (version === 4) return withEthernetHeader(bytes, 0, null, false, 0x0800);
      if (version === 6) return withEthernetHeader(bytes, 0, null, false, 0x86dd);
      return null;
    }
    case LinkType.IPV4:
      return withEthernetHeader(bytes, 0, null, false, 0x0800);
    case LinkType.IPV6:
      return withEthernetHeader(bytes, 0, null, false, 0x86dd);
    default:
      return null;
  }
}

function cookedToEthernet(
  bytes: Uint8Array,
  headerLen: number,
  pkttype: number,
  hatype: number,
  halen: number,
  addrAt: number,
  protocol: number,
): Uint8Array | null {
  if (hatype === ARPHRD_NETLINK) return null;
  const src = halen === 6 ? bytes.subarray(addrAt, addrAt + 6) : null;
  const broadcast = pkttype === PACKET_BROADCAST;
  if (protocol >= 0x0600) return withEthernetHeader(bytes, headerLen, src, broadcast, protocol);
  if (protocol === LINUX_SLL_P_802_2 || protocol === LINUX_SLL_P_802_3) {
    const length = bytes.length - headerLen;
    if (length > 1500) return null;
    return withEthernetHeader(bytes, headerLen, src, broadcast, length);
  }
  return null;
}

function withEthernetHeader(
  bytes: Uint8Array,
  payloadAt: number,
  src: Uint8Array | null,
  broadcast: boolean,
  typeOrLength: number,
): Uint8Array {
  const frame = new Uint8Array(ETH_HEADER + bytes.length - payloadAt);
  if (broadcast) frame.fill(0xff, 0, 6);
  if (src !== null) frame.set(src, 6);
  frame[12] = typeOrLength >> 8;
  frame[13] = typeOrLength & 0xff;
  frame.set(bytes.subarray(payloadAt), ETH_HEADER);
  return frame;
}

// ---------------------------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------------------------

function hex32(n: number): string {
  return n.toString(16).padStart(8, '0');
}

/** A plain Uint8Array over the same memory (Buffer subclasses compare unequal to Uint8Array in tests and tools). */
function asPlainBytes(b: Uint8Array): Uint8Array {
  return b.constructor === Uint8Array ? b : new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}
