/**
 * Conntrack throughput (src/conntrack): new connections per second and packets per second on established ones.
 *
 *   commit new TCP SYN      256 SYNs with distinct tuples per op, ct(commit): extraction, lookup miss, the TCP
 *                           first-packet checks, slot allocation, insertion. The table (1M slots, 224 bytes each) is
 *                           flushed whenever it passes 900k connections; that flush is inside the timing, spread
 *                           over ~3500 ops.
 *   established TCP ACK     256 packets per op on 256 established connections, ct() without commit: extraction
 *                           with checksum validation, lookup hit, the full TCP window check, timeout refresh.
 *   established UDP         the same with UDP (state machine "other").
 *   cached (2nd ct, same zone)  a second ct in the same zone on a packet that already went through one: OVS's
 *                           process_one_fast, what a ct(table=N) recirculation followed by ct() costs.
 *
 * Memory per connection is a constant of the table layout: ConnTable.bytesPerConnection() (224 bytes).
 */

import { Conntrack, type CtPacket, type CtParams } from '../src/conntrack/index.js';
import { extract, PacketLayout } from '../src/flow/extract.js';
import { KEY_WORDS } from '../src/flow/key-layout.js';
import { buildFrame, type FrameSpec } from '../src/packet/build.js';
import type { BenchCase } from './harness.js';

const SUITE = 'conntrack';
const BATCH = 256;

function ctPacket(spec: FrameSpec): CtPacket {
  const frame = buildFrame(spec);
  const buf = new Uint8Array(frame.length + 64);
  buf.set(frame);
  const layout = new PacketLayout();
  extract(buf, 0, frame.length, 1, new Uint32Array(KEY_WORDS), layout);
  return { buf, start: 0, len: frame.length, l3: layout.l3, l4: layout.l4, l2Pad: layout.l2Pad, md: new Uint32Array(KEY_WORDS), ctConn: -1, ctConnGen: 0, ctReply: false, ctIcmpRelated: false };
}

const COMMIT: CtParams = { zone: 0, commit: true, force: false, helper: 0, nat: null };
const TRACK: CtParams = { zone: 0, commit: false, force: false, helper: 0, nat: null };

function ip(i: number): string {
  return `10.${(i >> 16) & 0xff}.${(i >> 8) & 0xff}.${i & 0xff}`;
}

/** Rewrites the source port of a TCP SYN in place, fixing its checksum (new tuples without rebuilding frames). */
function setSport(p: CtPacket, port: number): void {
  const l4 = p.start + p.l4;
  const old = (p.buf[l4] << 8) | p.buf[l4 + 1];
  let c = ((p.buf[l4 + 16] << 8) | p.buf[l4 + 17]) ^ 0xffff;
  c += (old ^ 0xffff) + port;
  c = (c & 0xffff) + (c >>> 16);
  c = (c & 0xffff) + (c >>> 16);
  c ^= 0xffff;
  p.buf[l4] = port >>> 8;
  p.buf[l4 + 1] = port;
  p.buf[l4 + 16] = c >>> 8;
  p.buf[l4 + 17] = c;
}

export function conntrackCases(): BenchCase[] {
  // New connections.
  const fresh = new Conntrack({ capacity: 1 << 20, hashBasis: 1 });
  const syns: CtPacket[] = [];
  for (let i = 0; i < BATCH; i++) syns.push(ctPacket({ ipv4: { src: ip(i + 1), dst: '192.168.0.1' }, tcp: { srcPort: 1024, dstPort: 80, flags: 'S', seq: i } }));
  let round = 0;
  const commitNew = (): void => {
    round = (round + 1) & 0xffff;
    if (round === 0 || fresh.nConns() > 900_000) fresh.flush();
    const port = 1024 + round;
    for (let i = 0; i < BATCH; i++) {
      const p = syns[i];
      setSport(p, port);
      p.md[3] = 0;
      p.ctConn = -1;
      fresh.execute(p, 0x0800, COMMIT, 0);
    }
  };

  // Established connections.
  const est = new Conntrack({ capacity: 1 << 12, hashBasis: 1 });
  const acks: CtPacket[] = [];
  const udps: CtPacket[] = [];
  for (let i = 0; i < BATCH; i++) {
    const a = ip(i + 1);
    const b = '192.168.0.1';
    const run = (spec: FrameSpec, params: CtParams) => est.execute(ctPacket(spec), 0x0800, params, 0);
    run({ ipv4: { src: a, dst: b }, tcp: { srcPort: 2000, dstPort: 80, flags: 'S', seq: 100 } }, COMMIT);
    run({ ipv4: { src: b, dst: a }, tcp: { srcPort: 80, dstPort: 2000, flags: 'SA', seq: 500, ack: 101 } }, TRACK);
    acks.push(ctPacket({ ipv4: { src: a, dst: b }, tcp: { srcPort: 2000, dstPort: 80, flags: 'A', seq: 101, ack: 501 } }));
    run({ ipv4: { src: a, dst: b }, udp: { srcPort: 3000, dstPort: 53 }, payload: 'q' }, COMMIT);
    run({ ipv4: { src: b, dst: a }, udp: { srcPort: 53, dstPort: 3000 }, payload: 'r' }, TRACK);
    udps.push(ctPacket({ ipv4: { src: a, dst: b }, udp: { srcPort: 3000, dstPort: 53 }, payload: 'q' }));
  }
  const track = (list: CtPacket[]) => (): void => {
    for (let i = 0; i < BATCH; i++) {
      const p = list[i];
      p.md[3] = 0;
      p.ctConn = -1;
      est.execute(p, 0x0800, TRACK, 1);
    }
  };
  const cached = (): void => {
    for (let i = 0; i < BATCH; i++) est.execute(udps[i], 0x0800, TRACK, 1);
  };
  const expectState = (list: CtPacket[], want: number) => () => {
    track(list)();
    for (const p of list) if (((p.md[3] >>> 16) & 0xff) !== want) throw new Error(`conntrack bench: state 0x${((p.md[3] >>> 16) & 0xff).toString(16)}, expected 0x${want.toString(16)}`);
  };

  return [
    {
      suite: SUITE,
      name: 'commit new TCP SYN',
      unit: 'ops/s',
      perOp: BATCH,
      op: commitNew,
      note: 'new connections per second (224 bytes of shared memory each)',
      verify: () => {
        for (let k = 0; k < 3; k++) {
          const before = fresh.nConns();
          commitNew();
          if (fresh.nConns() !== before + BATCH) throw new Error('conntrack bench: SYNs did not all commit');
        }
      },
    },
    { suite: SUITE, name: 'established TCP ACK', unit: 'Mpps', perOp: BATCH, op: track(acks), verify: expectState(acks, 0x22) },
    { suite: SUITE, name: 'established UDP', unit: 'Mpps', perOp: BATCH, op: track(udps), verify: expectState(udps, 0x22) },
    {
      suite: SUITE,
      name: 'cached (2nd ct, same zone)',
      unit: 'Mpps',
      perOp: BATCH,
      op: cached,
      verify: () => {
        track(udps)();
        cached();
        if (udps.some((p) => p.ctConn < 0)) throw new Error('conntrack bench: no cached connection');
      },
    },
  ];
}
