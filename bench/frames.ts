/**
 * Preallocated batches of realistic frames for the packet benches.
 *
 * A batch is laid out the way a datapath receives one: every frame in its own fixed-size slot of one large buffer
 * (2 KiB, like a DPDK mbuf or an AF_PACKET ring slot, so a 1514-byte IMIX frame fits), with offset and length arrays
 * beside it. Slots are 4-byte aligned so the bare floor can copy frames as Int32 words.
 *
 * Frames in a batch differ in addresses and ports (frame i has source 10.0.i/256.i%256 and source port 1024+i), so
 * hashes and table probes see 256 distinct flows rather than one frame repeated. Frames are built once with the
 * packet layer's builders (slow path, allocating freely); the timed code only reads them.
 */

import { buildFrame, type FrameSpec } from '../src/packet/build.js';

export const BATCH = 256;
export const SLOT_BYTES = 2048;

export interface FrameBatch {
  readonly name: string;
  readonly buf: Uint8Array;
  /** The same memory as 16-bit and 32-bit words, for the bare floor's typed-array reads and word copies. */
  readonly u16: Uint16Array;
  readonly i32: Int32Array;
  readonly offs: Int32Array;
  readonly lens: Int32Array;
  readonly count: number;
}

export type FrameKind = 'ipv4-tcp-64' | 'ipv4-udp-64' | 'vlan-ipv4-tcp-64' | 'ipv6-hbh-tcp-82' | 'arp-60' | 'imix';

export const FRAME_KINDS: readonly FrameKind[] = ['ipv4-tcp-64', 'ipv4-udp-64', 'vlan-ipv4-tcp-64', 'ipv6-hbh-tcp-82', 'arp-60', 'imix'];

/**
 * Simple IMIX (7:4:1 by count of 64, 594 and 1514-byte frames), with a protocol mix in the small frames the way
 * real links carry ACKs, DNS and ARP. Twelve entries, repeated over the batch.
 */
const IMIX_PATTERN: readonly (readonly [FrameKind | 'ipv4-tcp' | 'ipv4-udp', number])[] = [
  ['ipv4-tcp-64', 64],
  ['ipv4-udp-64', 64],
  ['ipv4-tcp-64', 64],
  ['vlan-ipv4-tcp-64', 64],
  ['ipv4-tcp-64', 64],
  ['ipv4-udp-64', 64],
  ['arp-60', 60],
  ['ipv4-tcp', 594],
  ['ipv4-udp', 594],
  ['ipv6-hbh-tcp-82', 594],
  ['ipv4-tcp', 594],
  ['ipv4-tcp', 1514],
];

const hex2 = (n: number): string => n.toString(16).padStart(2, '0');

function macOf(i: number): string {
  return `02:00:00:00:${hex2((i >> 8) & 255)}:${hex2(i & 255)}`;
}

function ipv4Of(i: number): string {
  return `10.0.${(i >> 8) & 255}.${i & 255}`;
}

/** The spec of frame `i` of a kind, without payload (sizeTo adds it). */
function specOf(kind: FrameKind | 'ipv4-tcp' | 'ipv4-udp', i: number): FrameSpec {
  const eth = { src: macOf(i), dst: '02:00:00:00:ff:01' };
  const ipv4 = { src: ipv4Of(i), dst: '10.1.0.1', ttl: 64 };
  const tcp = { srcPort: 1024 + i, dstPort: 80, flags: 'A' };
  switch (kind) {
    case 'ipv4-tcp-64':
    case 'ipv4-tcp':
      return { eth, ipv4, tcp };
    case 'ipv4-udp-64':
    case 'ipv4-udp':
      return { eth, ipv4, udp: { srcPort: 1024 + i, dstPort: 53 } };
    case 'vlan-ipv4-tcp-64':
      return { eth, vlans: [{ vid: 100 + (i & 7) }], ipv4, tcp };
    case 'ipv6-hbh-tcp-82':
      return { eth, ipv6: { src: `2001:db8::${i.toString(16)}`, dst: '2001:db8::1:1', ext: [{ type: 'hopopts' }] }, tcp };
    case 'arp-60':
      return { eth: { src: eth.src, dst: 'ff:ff:ff:ff:ff:ff' }, arp: { op: 1, sha: eth.src, spa: ipv4Of(i), tpa: '10.1.0.1' } };
    case 'imix':
      throw new Error('imix is a mixture, not a frame kind');
  }
}

/**
 * Builds the frame with enough payload to make it `len` bytes. ARP gets Ethernet padding instead (ARP has no
 * payload, and real ARP frames are padded to the 60-byte minimum).
 */
function sizeTo(spec: FrameSpec, len: number): Uint8Array {
  if (spec.arp) return buildFrame({ ...spec, padTo: len });
  const bare = buildFrame(spec);
  if (bare.length >= len) return bare;
  return buildFrame({ ...spec, payload: new Uint8Array(len - bare.length) });
}

const NOMINAL_LEN: Record<Exclude<FrameKind, 'imix'>, number> = {
  'ipv4-tcp-64': 64,
  'ipv4-udp-64': 64,
  'vlan-ipv4-tcp-64': 64,
  'ipv6-hbh-tcp-82': 82,
  'arp-60': 60,
};

/** A batch of `BATCH` frames of one kind (or the IMIX mixture). */
export function frameBatch(kind: FrameKind, count = BATCH): FrameBatch {
  const buf = new Uint8Array(count * SLOT_BYTES);
  const offs = new Int32Array(count);
  const lens = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    let frame: Uint8Array;
    if (kind === 'imix') {
      const [k, len] = IMIX_PATTERN[i % IMIX_PATTERN.length];
      frame = sizeTo(specOf(k, i), len);
    } else {
      frame = sizeTo(specOf(kind, i), NOMINAL_LEN[kind]);
    }
    offs[i] = i * SLOT_BYTES;
    lens[i] = frame.length;
    buf.set(frame, offs[i]);
  }
  return {
    name: kind,
    buf,
    u16: new Uint16Array(buf.buffer, buf.byteOffset, buf.byteLength >> 1),
    i32: new Int32Array(buf.buffer, buf.byteOffset, buf.byteLength >> 2),
    offs,
    lens,
    count,
  };
}
