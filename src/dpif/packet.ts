/**
 * A packet as the datapath holds it (OVS's struct dp_packet): bytes in a buffer with headroom, the layer offsets
 * extract found, and the metadata that travels with the packet but is not in its bytes.
 *
 * Buffers. A `DpPacket` owns one preallocated `Uint8Array`; the frame sits at `start`, after `HEADROOM` spare bytes,
 * so push_vlan moves only the 12 address bytes back by four instead of shifting the whole frame, and pop_vlan moves
 * them forward. Nothing is allocated per packet: a replay loads each input frame into the same `DpPacket` (`load`),
 * and clone() copies into another preallocated one (`copyFrom`).
 *
 * Borrowed frames. The batch path does not copy a frame on receive: `borrow` points the packet at the frame where
 * it lies (a capture in memory, a receive buffer), extract reads it there, and only when the actions are going to
 * change bytes does the datapath call `own()`, which copies it into the packet's buffer (as 32-bit words when
 * aligned). A borrowed packet must not be written; the next `load`/`loadFrom`/`borrow` forgets the borrowed frame.
 *
 * Layer offsets are relative to `start`; -1 means absent. They follow OVS's miniflow_extract (see layers.ts) and are
 * kept up to date by push/pop VLAN, as dp_packet_resize_l2 does, so a set action after a push still finds its header.
 * `l2Pad` is the Ethernet padding after the IP datagram (frame length minus IP total length), which L4 sizes exclude.
 */

import { FIRST_PACKET_WORD, KEY_WORDS } from '../flow/key-layout.js';

/** Spare bytes in front of the frame: room for two VLAN pushes without moving the payload. */
export const HEADROOM = 64;
const HEADROOM_WORDS = HEADROOM >> 2;
/** Default room for the frame itself: run_ovs.py gives injected packets 2048-byte buffers; jumbo frames fit too. */
export const DEFAULT_FRAME_CAPACITY = 9216 + 64;

export class DpPacket {
  buf: Uint8Array;
  /** Offset of the frame's first byte in `buf`. */
  start = HEADROOM;
  /** Frame length in bytes. */
  len = 0;

  /** MPLS label stack offset (OVS's l2_5_ofs), relative to start; -1 = none. */
  l2_5 = -1;
  /** Network header offset; -1 = none (frame shorter than an Ethernet header). */
  l3 = -1;
  /** Transport header offset; -1 = none (no IP, or a malformed IP header). */
  l4 = -1;
  /** Padding bytes at the end of the frame that are not part of the IP datagram. */
  l2Pad = 0;

  /**
   * Metadata the datapath carries with the packet (OVS's pkt_metadata), in flow-key layout so extract can copy the
   * words straight into the key: in_port, recirc_id, pkt_mark, tunnel, conntrack state. Only the metadata words are
   * meaningful here; the packet-header words are ignored.
   */
  readonly md: Uint32Array = new Uint32Array(KEY_WORDS);
  /**
   * False when the metadata words other than in_port are known to be zero, so `borrow` need not clear them. `load`
   * and `borrow` leave it false; whoever lets something write them (the datapath, for actions such as ct, recirc,
   * tnl_pop or a set of skb_mark or tunnel fields) sets it.
   */
  mdDirty = true;

  /**
   * The connection the last ct action found for this packet (OVS's md.conn, with its direction), so a second ct in
   * the same zone after a recirculation reuses the result; -1 when none. Conntrack sets and clears it; a header
   * rewrite or ct_clear clears it, as in OVS. `ctConnGen` guards against the slot being freed and reused meanwhile.
   */
  ctConn = -1;
  ctConnGen = 0;
  ctReply = false;
  ctIcmpRelated = false;
  /**
   * The packet's RSS hash (OVS dp_packet rss_hash), computed from its flow key when it entered the datapath (and
   * again after a tnl_pop); tnl_push derives the outer UDP source port from it. Actions do not change it. The
   * datapath computes it only for packets whose actions may reach a tnl_push (directly or after a recirculation);
   * for the others it is stale.
   */
  rssHash = 0;

  /** The packet's own buffer (`buf` is this one unless the packet borrows a frame). */
  private owned: Uint8Array;
  /** While borrowing: the lender's Int32Array view (null when none), for `own()`'s word copy. */
  private lenderWords: Int32Array | null = null;

  constructor(capacity = DEFAULT_FRAME_CAPACITY) {
    this.buf = this.owned = new Uint8Array(HEADROOM + capacity);
  }

  /** Room for the frame after `start`. */
  get capacity(): number {
    return this.owned.length - HEADROOM;
  }

  /** Whether the frame is borrowed (not in the packet's own buffer: read only). */
  get borrowed(): boolean {
    return this.buf !== this.owned;
  }

  /**
   * Points the packet at `src[srcOff .. srcOff + len)` without copying, and resets offsets and metadata as `load`
   * does. `words`, when not null, is an Int32Array over `src`'s memory from its first byte (for `own()`).
   */
  borrow(src: Uint8Array, words: Int32Array | null, srcOff: number, len: number): void {
    this.buf = src;
    this.lenderWords = words;
    this.start = srcOff;
    this.len = len;
    this.l2_5 = this.l3 = this.l4 = -1;
    this.l2Pad = 0;
    if (this.mdDirty) {
      this.md.fill(0, 0, FIRST_PACKET_WORD);
      this.mdDirty = false;
    }
    this.ctConn = -1;
  }

  /** Copies a borrowed frame into the packet's own buffer (layer offsets, relative to start, stay valid). */
  own(): void {
    const src = this.buf;
    if (src === this.owned) return;
    const off = this.start;
    const len = this.len;
    if (len > this.capacity) this.grow(len);
    this.buf = this.owned;
    this.start = HEADROOM;
    this.copyIn(src, this.lenderWords, off, len);
    this.lenderWords = null;
  }

  /** Copies `len` bytes from `src[srcOff..]` to the frame position of the own buffer: words when aligned. */
  private copyIn(src: Uint8Array, words: Int32Array | null, srcOff: number, len: number): void {
    const nw = (len + 3) >> 2;
    if (words !== null && (srcOff & 3) === 0 && (srcOff >> 2) + nw <= words.length) {
      const dst = this.words;
      const s = srcOff >> 2;
      for (let i = 0; i < nw; i++) dst[HEADROOM_WORDS + i] = words[s + i];
    } else {
      copyFrame(src, srcOff, this.owned, HEADROOM, len);
    }
  }

  /**
   * Loads a frame (copied) and resets offsets and metadata. A frame longer than the buffer grows it (once, to a
   * power of two: jumbo captures are rare, and after the first the buffer fits them all).
   */
  load(src: Uint8Array, srcOff: number, len: number): number {
    if (len > this.capacity) this.grow(len);
    const n = len;
    this.buf = this.owned;
    this.start = HEADROOM;
    copyFrame(src, srcOff, this.buf, HEADROOM, n);
    this.len = n;
    this.l2_5 = this.l3 = this.l4 = -1;
    this.l2Pad = 0;
    this.md.fill(0);
    this.mdDirty = false;
    this.ctConn = -1;
    return n;
  }

  /** The own buffer as 32-bit words (remade when the buffer grows). */
  private get words(): Int32Array<ArrayBufferLike> {
    if (this.wordsOf !== this.owned) {
      this.wordView = new Int32Array(this.owned.buffer, this.owned.byteOffset, this.owned.byteLength >> 2);
      this.wordsOf = this.owned;
    }
    return this.wordView;
  }

  private wordView: Int32Array<ArrayBufferLike> = new Int32Array(0);
  private wordsOf: Uint8Array | null = null;

  private grow(frameLen: number): void {
    let size = 1024;
    while (size < HEADROOM + frameLen + 64) size *= 2;
    const borrowing = this.buf !== this.owned;
    this.owned = new Uint8Array(size);
    if (!borrowing) this.buf = this.owned;
  }

  /** Makes this packet an exact copy of `other` (bytes, offsets, metadata): clone(). */
  copyFrom(other: DpPacket): void {
    // A borrowed frame can sit anywhere in its lender's memory: its copy goes to the usual place.
    const at = other.borrowed ? HEADROOM : other.start;
    const need = other.borrowed ? at + other.len : other.buf.length;
    if (need > this.owned.length) this.owned = new Uint8Array(need);
    this.buf = this.owned;
    this.start = at;
    this.len = other.len;
    copyFrame(other.buf, other.start, this.buf, at, this.len);
    this.l2_5 = other.l2_5;
    this.l3 = other.l3;
    this.l4 = other.l4;
    this.l2Pad = other.l2Pad;
    this.md.set(other.md);
    this.mdDirty = true;
    this.ctConn = other.ctConn;
    this.ctConnGen = other.ctConnGen;
    this.ctReply = other.ctReply;
    this.ctIcmpRelated = other.ctIcmpRelated;
    this.rssHash = other.rssHash;
  }

  /** Bytes of the transport header and payload, padding excluded (OVS's dp_packet_l4_size); 0 without L4. */
  l4Size(): number {
    return this.l4 < 0 ? 0 : Math.max(0, this.len - this.l4 - this.l2Pad);
  }

  /** The frame as a view (allocates the view object: for tests and the slow path). */
  frame(): Uint8Array {
    return this.buf.subarray(this.start, this.start + this.len);
  }

  /**
   * Opens `n` bytes (n > 0) or closes -n bytes right after the Ethernet addresses, shifting the 12 address bytes and
   * every layer offset: OVS's dp_packet_resize_l2 for a VLAN push or pop. Returns false (and changes nothing) when
   * there is no room, which a sane capacity never hits.
   */
  resizeL2(n: number): boolean {
    if (n > 0) {
      if (this.start < n) {
        // Out of headroom (more pushes than HEADROOM allows): shift the whole frame forward if it fits.
        if (this.start + this.len + n > this.buf.length) return false;
        this.buf.copyWithin(this.start + n, this.start, this.start + this.len);
        this.start += n;
      }
      this.buf.copyWithin(this.start - n, this.start, this.start + 12);
    } else {
      this.buf.copyWithin(this.start - n, this.start, this.start + 12);
    }
    this.start -= n;
    this.len += n;
    if (this.l2_5 >= 0) this.l2_5 += n;
    if (this.l3 >= 0) this.l3 += n;
    if (this.l4 >= 0) this.l4 += n;
    return true;
  }
}

/** Byte copy without a subarray view for small frames (the common case); large ones are worth the view. */
function copyFrame(src: Uint8Array, srcOff: number, dst: Uint8Array, dstOff: number, n: number): void {
  if (n <= 256) {
    for (let i = 0; i < n; i++) dst[dstOff + i] = src[srcOff + i];
  } else {
    dst.set(src.subarray(srcOff, srcOff + n), dstOff);
  }
}
