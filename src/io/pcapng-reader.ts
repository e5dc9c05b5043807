/**
 * pcapng reader.
 *
 * The format (draft-ietf-opsawg-pcapng): a sequence of blocks, each `type, total length, body, total length` padded
 * to 32 bits. A Section Header Block (SHB) starts each section and fixes its byte order through the byte-order magic
 * 0x1a2b3c4d; its section-length field is usually -1 (unknown) and we never rely on it, we simply read blocks until
 * the next SHB or the end. Interface Description Blocks (IDB) are numbered from 0 within a section and give each
 * interface its link type, snaplen and timestamp unit (`if_tsresol`: 10^-n, or 2^-n when the top bit is set; default
 * microseconds) and an offset in seconds (`if_tsoffset`). Packets come in Enhanced Packet Blocks (EPB), Simple Packet
 * Blocks (SPB: interface 0, no timestamp, length from the block) and the obsolete Packet Blocks (OPB). Every other
 * block (name resolution, statistics, secrets, custom) is skipped.
 *
 * Interface ids. A record's `interfaceId` is the id the file gives it: the IDB's index within its section, as tshark
 * shows it in frame.interface_id. Ids restart in each section, so `section` tells two sections' interface 0 apart;
 * `interfaces` lists every interface of the file with both numbers.
 *
 * Timestamps are 64-bit counts of the interface's unit. For decimal units up to nanoseconds (the usual 10^-6 and
 * 10^-9) they are split into seconds and nanoseconds exactly in float arithmetic by a four-step long division on
 * 16-bit pieces (no BigInt, no allocation); other units (2^-n, picoseconds) take a BigInt path. Fractions finer than
 * a nanosecond are truncated, as Wireshark does.
 *
 * Damage: a block whose length is not a multiple of 4, is under 12 bytes, disagrees with its trailing copy, or runs
 * past the end of the file stops the reader with an error naming the block, its byte offset and (for packet blocks)
 * the packet number; everything before it has been delivered.
 */

import type { CaptureReaderOptions } from './capture.js';
import { ByteWindow, WindowedReader } from './pcap-reader.js';

/** An interface declared by an IDB. */
export interface PcapngInterface {
  /** Id within its section: the `interfaceId` of its records. */
  readonly id: number;
  /** Which section (0-based) declared it. */
  readonly section: number;
  readonly linktype: number;
  /** 0 means no limit. */
  readonly snaplen: number;
  /** The raw if_tsresol byte (6 = microseconds when the option is absent). */
  readonly tsresol: number;
  /** if_tsoffset in seconds, added to every timestamp. */
  readonly tsOffset: number;
  /** if_name, when present. */
  readonly name: string | undefined;
}

interface InterfaceClock {
  readonly info: PcapngInterface;
  /** Timestamp units per second when decimal and at most 1e9, else 0 (then `unitsBig` is used). */
  readonly unitsPerSec: number;
  /** Nanoseconds per unit on the decimal path. */
  readonly nsPerUnit: number;
  readonly unitsBig: bigint;
}

const BT_SHB = 0x0a0d0d0a;
const BT_IDB = 0x00000001;
const BT_OPB = 0x00000002;
const BT_SPB = 0x00000003;
const BT_EPB = 0x00000006;
const BOM = 0x1a2b3c4d;
const OPT_ENDOFOPT = 0;
const OPT_IF_NAME = 2;
const OPT_IF_TSRESOL = 9;
const OPT_IF_TSOFFSET = 14;
/** Largest block accepted; a larger total length is judged corrupt (Wireshark uses the same bound). */
const MAX_BLOCK = 16 * 1024 * 1024;
const DEFAULT_TSRESOL = 6;

const BLOCK_NAMES: Record<number, string> = {
  [BT_SHB]: 'section header block',
  [BT_IDB]: 'interface description block',
  [BT_OPB]: 'packet block',
  [BT_SPB]: 'simple packet block',
  [BT_EPB]: 'enhanced packet block',
};

/** Marks "the block was a packet and the record is filled". */
const PACKET = Symbol('packet');
type BlockOutcome = string | typeof PACKET | null;

export class PcapngReader extends WindowedReader {
  readonly format = 'pcapng' as const;
  /** Every interface seen so far, in file order (all sections). */
  readonly interfaces: PcapngInterface[] = [];
  /** Sections started so far. */
  sections = 0;
  /** Byte order of the current section. */
  littleEndian = true;
  private clocks: InterfaceClock[] = [];
  private blocks = 0;
  /** The block being read, for messages: its number, byte offset, name, and the packet number it would be. */
  private blockAt = 0;
  private blockName = '';
  private packetIndex = 0;
  /** Result of `fillTime`. */
  private sec = 0;
  private nsec = 0;

  private constructor(win: ByteWindow, options: CaptureReaderOptions) {
    super(win, options);
    this.readFirstHeader();
  }

  static fromBytes(bytes: Uint8Array, options: CaptureReaderOptions = {}): PcapngReader {
    return new PcapngReader(ByteWindow.ofBytes(bytes), options);
  }

  /** Streams from an open file descriptor, which the reader takes over and closes. */
  static fromFd(fd: number, options: CaptureReaderOptions = {}): PcapngReader {
    return new PcapngReader(ByteWindow.ofFd(fd, options.chunkSize), options);
  }

  /** Reads the first section header, so a bad one fails a strict open rather than the first `next()`. */
  private readFirstHeader(): void {
    const have = this.win.ensure(12);
    const magic = have >= 4 ? this.win.view.getUint32(this.win.pos, false) : -1;
    if (magic !== BT_SHB) {
      this.damageAtOpen(`not a pcapng file (first block type 0x${(magic >>> 0).toString(16).padStart(8, '0')})`);
      return;
    }
    const outcome = this.readBlock(0);
    if (typeof outcome === 'string') this.damageAtOpen(outcome);
  }

  protected advance(index: number): boolean {
    for (;;) {
      if (this.win.ensure(1) === 0) return false;
      const outcome = this.readBlock(index);
      if (outcome === PACKET) return true;
      if (outcome !== null) return this.damage(outcome);
    }
  }

  /**
   * Reads one block at the position. Returns PACKET when it filled the record, null when it consumed a block that
   * holds no packet, or the damage message.
   */
  private readBlock(index: number): BlockOutcome {
    const w = this.win;
    const at = w.offset;
    this.blocks++;
    this.blockAt = at;
    this.packetIndex = index;
    this.blockName = '';
    const have = w.ensure(12);
    if (have < 8) return `${this.where()}: truncated block header (${have} of 8 bytes)`;
    let p = w.pos;
    const v0 = w.view;
    if (v0.getUint32(p, true) === BT_SHB) {
      // A new section may change the byte order; the SHB type reads the same either way.
      this.blockName = BLOCK_NAMES[BT_SHB];
      if (have < 12) return `${this.where()}: truncated block header (${have} of 12 bytes)`;
      const bom = v0.getUint32(p + 8, true);
      if (bom === BOM) this.littleEndian = true;
      else if (bom === 0x4d3c2b1a) this.littleEndian = false;
      else return `${this.where()}: bad byte-order magic 0x${bom.toString(16).padStart(8, '0')}`;
    }
    const le = this.littleEndian;
    const type = v0.getUint32(p, le);
    const len = v0.getUint32(p + 4, le);
    this.blockName = BLOCK_NAMES[type] ?? `block type 0x${type.toString(16).padStart(8, '0')}`;
    if (len < 12 || len % 4 !== 0) {
      return `${this.where()}: corrupt block length ${len} (${len < 12 ? 'under 12' : 'not a multiple of 4'})`;
    }
    if (len > MAX_BLOCK && len > this.maxCaplen + 64) {
      return `${this.where()}: corrupt block length ${len} (over the ${MAX_BLOCK}-byte limit)`;
    }
    const got = w.ensure(len);
    if (got < len) return `${this.where()}: truncated block (${got} of ${len} bytes)`;
    p = w.pos;
    const v = w.view;
    const trailer = v.getUint32(p + len - 4, le);
    if (trailer !== len) return `${this.where()}: block length ${len} does not match its trailing copy ${trailer}`;

    const body = p + 8;
    const bodyLen = len - 12;
    let result: BlockOutcome = null;
    switch (type) {
      case BT_SHB:
        result = this.sectionHeader(v, body, bodyLen);
        break;
      case BT_IDB:
        result = this.interfaceDescription(v, body, bodyLen);
        break;
      case BT_EPB:
        result = this.packet(v, body, bodyLen, index, at, true);
        break;
      case BT_OPB:
        result = this.packet(v, body, bodyLen, index, at, false);
        break;
      case BT_SPB:
        result = this.simplePacket(v, body, bodyLen, index, at);
        break;
      default:
        break;
    }
    if (result === null || result === PACKET) w.advance(len);
    return result;
  }

  /** "block 7 (enhanced packet block, packet 5) at byte offset 1234", for messages. */
  private where(): string {
    const packet = this.blockName.endsWith('packet block') ? `, packet ${this.packetIndex}` : '';
    const name = this.blockName === '' ? '' : ` (${this.blockName}${packet})`;
    return `block ${this.blocks}${name} at byte offset ${this.blockAt}`;
  }

  private sectionHeader(v: DataView, body: number, bodyLen: number): string | null {
    if (bodyLen < 16) return `${this.where()}: section header body of ${bodyLen} bytes is shorter than 16`;
    const major = v.getUint16(body + 4, this.littleEndian);
    const minor = v.getUint16(body + 6, this.littleEndian);
    if (major !== 1) return `${this.where()}: unsupported pcapng version ${major}.${minor}`;
    this.sections++;
    this.clocks = [];
    return null;
  }

  private interfaceDescription(v: DataView, body: number, bodyLen: number): string | null {
    if (this.sections === 0) return `${this.where()}: interface before any section header`;
    if (bodyLen < 8) return `${this.where()}: interface description body of ${bodyLen} bytes is shorter than 8`;
    const le = this.littleEndian;
    const linktype = v.getUint16(body, le);
    const snaplen = v.getUint32(body + 4, le);
    let tsresol = DEFAULT_TSRESOL;
    let tsOffset = 0;
    let name: string | undefined;
    const end = body + bodyLen;
    for (let q = body + 8; q + 4 <= end; ) {
      const code = v.getUint16(q, le);
      const olen = v.getUint16(q + 2, le);
      if (code === OPT_ENDOFOPT) break;
      if (q + 4 + olen > end) return `${this.where()}: option ${code} of ${olen} bytes runs past the end of the block`;
      if (code === OPT_IF_TSRESOL && olen >= 1) tsresol = v.getUint8(q + 4);
      else if (code === OPT_IF_TSOFFSET && olen >= 8) tsOffset = Number(v.getBigInt64(q + 4, le));
      else if (code === OPT_IF_NAME) {
        name = new TextDecoder().decode(new Uint8Array(v.buffer, v.byteOffset + q + 4, olen)).replace(/\0+$/, '');
      }
      q += 4 + ((olen + 3) & ~3);
    }
    const info: PcapngInterface = {
      id: this.clocks.length,
      section: this.sections - 1,
      linktype,
      snaplen,
      tsresol,
      tsOffset,
      name,
    };
    this.interfaces.push(info);
    this.clocks.push(clockFor(info));
    return null;
  }

  /** EPB and OPB: the same 20 fixed bytes, except that OPB's interface id is 16 bits followed by a drop count. */
  private packet(v: DataView, body: number, bodyLen: number, index: number, at: number, enhanced: boolean): BlockOutcome {
    const fixed = 20;
    if (bodyLen < fixed) return `${this.where()}: packet block body of ${bodyLen} bytes is shorter than ${fixed}`;
    const le = this.littleEndian;
    const localId = enhanced ? v.getUint32(body, le) : v.getUint16(body, le);
    const clock = this.clocks[localId];
    if (clock === undefined) {
      return `${this.where()}: interface ${localId} is not declared (the section has ${this.clocks.length})`;
    }
    const hi = v.getUint32(body + 4, le);
    const lo = v.getUint32(body + 8, le);
    const caplen = v.getUint32(body + 12, le);
    const origLen = v.getUint32(body + 16, le);
    if (caplen > bodyLen - fixed) {
      return `${this.where()}: captured length ${caplen} runs past the end of the block (${bodyLen - fixed} bytes of data)`;
    }
    if (caplen > Math.max(clock.info.snaplen, this.maxCaplen)) {
      return `${this.where()}: captured length ${caplen} exceeds the maximum of ${this.maxCaplen} (interface snaplen ${clock.info.snaplen})`;
    }
    this.fillTime(clock, hi, lo);
    this.rec.fill(
      this.sec,
      this.nsec,
      this.win.buf,
      body + fixed,
      caplen,
      origLen,
      clock.info.linktype,
      localId,
      clock.info.section,
      index,
      at,
    );
    return PACKET;
  }

  private simplePacket(v: DataView, body: number, bodyLen: number, index: number, at: number): BlockOutcome {
    if (bodyLen < 4) return `${this.where()}: simple packet block body of ${bodyLen} bytes is shorter than 4`;
    const clock = this.clocks[0];
    if (clock === undefined) return `${this.where()}: simple packet block before any interface description`;
    const origLen = v.getUint32(body, this.littleEndian);
    // The captured length is implied: the original length, cut by the snaplen and by the block itself.
    let caplen = Math.min(origLen, bodyLen - 4);
    if (clock.info.snaplen !== 0 && caplen > clock.info.snaplen) caplen = clock.info.snaplen;
    // No timestamp in an SPB: time zero, as tshark shows it.
    this.rec.fill(0, 0, this.win.buf, body + 4, caplen, origLen, clock.info.linktype, 0, clock.info.section, index, at);
    return PACKET;
  }

  /** Splits the 64-bit count hi:lo of the interface's unit into `sec`/`nsec` (after if_tsoffset). */
  private fillTime(clock: InterfaceClock, hi: number, lo: number): void {
    const d = clock.unitsPerSec;
    if (d !== 0) {
      // Long division of hi:lo by d on 16-bit digits: every intermediate stays below 2^46, so exact in a double.
      let r = hi >>> 16;
      let q = Math.floor(r / d);
      r -= q * d;
      let cur = r * 65536 + (hi & 0xffff);
      let qi = Math.floor(cur / d);
      r = cur - qi * d;
      q = q * 65536 + qi;
      cur = r * 65536 + (lo >>> 16);
      qi = Math.floor(cur / d);
      r = cur - qi * d;
      q = q * 65536 + qi;
      cur = r * 65536 + (lo & 0xffff);
      qi = Math.floor(cur / d);
      r = cur - qi * d;
      q = q * 65536 + qi;
      this.sec = q + clock.info.tsOffset;
      this.nsec = r * clock.nsPerUnit;
      return;
    }
    const ts = (BigInt(hi) << 32n) | BigInt(lo);
    const units = clock.unitsBig;
    this.sec = Number(ts / units) + clock.info.tsOffset;
    this.nsec = Number(((ts % units) * 1_000_000_000n) / units);
  }
}

function clockFor(info: PcapngInterface): InterfaceClock {
  const binary = (info.tsresol & 0x80) !== 0;
  const exp = info.tsresol & 0x7f;
  if (!binary && exp <= 9) {
    return { info, unitsPerSec: 10 ** exp, nsPerUnit: 10 ** (9 - exp), unitsBig: 0n };
  }
  return { info, unitsPerSec: 0, nsPerUnit: 0, unitsBig: (binary ? 2n : 10n) ** BigInt(exp) };
}
