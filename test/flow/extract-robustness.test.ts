/**
 * extract() on damaged input and under load: truncation at every offset never throws and yields exactly OVS's partial
 * key, and a million extractions allocate nothing.
 *
 * Why the truncated keys are so predictable: OVS trusts the IP length fields, not the captured length. An IPv4
 * datagram whose total length runs past the frame (and an IPv6 one whose payload length does) fails the sanity check
 * as a whole, so a frame cut anywhere inside the datagram keeps its L2 fields and nothing else. Cutting only the
 * Ethernet padding after the datagram changes nothing. (Checked against real OVS 3.1: these frames, cut at every
 * offset, give the same fields through `ovs-appctl ofproto/trace`.)
 */

import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { PerformanceObserver } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { extract, PacketLayout } from '../../src/flow/extract.js';
import { newKey } from '../../src/flow/key-layout.js';
import { buildFrame, type FrameSpec } from '../../src/packet/index.js';
import { expectFields, run, type KeyFields } from './extract-helpers.js';

const MACS = { dl_dst: '02:00:00:00:00:02', dl_src: '02:00:00:00:00:01' };

interface Case {
  name: string;
  spec: FrameSpec;
  /** Where the L3 header starts, and the L2 fields that survive any cut inside the L3 part. */
  l3: number;
  l2Only: Partial<KeyFields>;
}

const CASES: Case[] = [
  {
    name: 'IPv4 TCP with options',
    spec: {
      ipv4: { src: '10.0.0.1', dst: '10.0.0.2', options: new Uint8Array([1, 1, 1, 0]) },
      tcp: { srcPort: 1000, dstPort: 80, flags: 'S', options: new Uint8Array([2, 4, 5, 0xb4]) },
      payload: 'hello',
      padTo: 80,
    },
    l3: 14,
    l2Only: { ...MACS, dl_type: 0x0800 },
  },
  {
    name: '802.1Q IPv4 UDP',
    spec: { vlans: [{ vid: 10, pcp: 3 }], ipv4: { src: '10.0.0.1', dst: '10.0.0.2' }, udp: { srcPort: 1, dstPort: 2 }, padTo: 64 },
    l3: 18,
    l2Only: { ...MACS, dl_type: 0x0800, vlan_tci: 0x700a },
  },
  {
    name: 'IPv6 hop-by-hop + fragment + UDP',
    spec: {
      ipv6: { src: '2001:db8::1', dst: '2001:db8::2', ext: [{ type: 'hopopts' }, { type: 'fragment', more: true }] },
      udp: { srcPort: 53, dstPort: 5353 },
      payload: 'abcdefgh',
    },
    l3: 14,
    l2Only: { ...MACS, dl_type: 0x86dd },
  },
  {
    name: 'IPv6 neighbour solicitation with SLL',
    spec: {
      ipv6: { src: 'fe80::1', dst: 'ff02::1:ff00:2' },
      icmpv6: { type: 135, target: 'fe80::2', sll: '02:00:00:00:00:01' },
    },
    l3: 14,
    l2Only: { ...MACS, dl_type: 0x86dd },
  },
  {
    name: 'ARP request',
    spec: { eth: { dst: '02:00:00:00:00:02' }, arp: { op: 1, spa: '10.0.0.1', tpa: '10.0.0.2' }, padTo: 60 },
    l3: 14,
    l2Only: { ...MACS, dl_type: 0x0806 },
  },
];

/** End of the L3 datagram (where padding starts), read from the frame's own length fields. */
function datagramEnd(frame: Uint8Array, c: Case): number {
  const p = c.l3;
  const type = (frame[p - 2] << 8) | frame[p - 1];
  if (type === 0x0800) return p + ((frame[p + 2] << 8) | frame[p + 3]);
  if (type === 0x86dd) return p + 40 + ((frame[p + 4] << 8) | frame[p + 5]);
  return p + 28; // ARP
}

describe('extract: truncation at every offset', () => {
  for (const c of CASES) {
    it(`${c.name}: any cut inside the datagram keeps L2 only; a cut in the padding changes nothing`, () => {
      const frame = buildFrame(c.spec);
      const full = run(frame);
      expect(full.status).toBe('ok');
      const end = datagramEnd(frame, c);
      for (let n = 0; n <= frame.length; n++) {
        const cut = run(frame, n);
        if (n < 14) {
          expect(cut.status, `cut at ${n}`).toBe('truncated_l2');
          expectFields(cut.fields, {});
        } else if (n < c.l3) {
          expect(cut.status, `cut at ${n}`).toBe('truncated_vlan');
          expectFields(cut.fields, { ...MACS, dl_type: 0x8100 });
        } else if (n < end) {
          expect(cut.status, `cut at ${n}`).not.toBe('ok');
          expectFields(cut.fields, c.l2Only);
          expect(cut.layout.l4, `cut at ${n}`).toBe(-1);
        } else {
          expect(cut.fields, `cut at ${n}`).toEqual(full.fields);
          // Only IP has a length to tell padding from payload (OVS sets l2_pad_size for IPv4/IPv6 only).
          expect(cut.layout.l2Pad).toBe(c.l2Only.dl_type === 0x0806 ? 0 : n - end);
        }
      }
    });
  }

  it('never throws and keeps every layout offset inside the frame, for random bytes behind every EtherType', () => {
    let seed = 12345;
    const rnd = (): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed >>> 24;
    };
    const types = [0x0800, 0x86dd, 0x0806, 0x8035, 0x8100, 0x88a8, 0x8847, 0x0026];
    const key = newKey();
    const layout = new PacketLayout();
    for (let i = 0; i < 20000; i++) {
      const frame = new Uint8Array(rnd() % 120);
      for (let j = 0; j < frame.length; j++) frame[j] = rnd();
      if (frame.length >= 14) {
        const t = types[i % types.length];
        frame[12] = t >> 8;
        frame[13] = t & 0xff;
        if (t === 0x0800 && frame.length > 14) frame[14] = 0x45;
        if (t === 0x86dd && frame.length > 14) frame[14] = 0x60;
      }
      extract(frame, 0, frame.length, 1, key, layout);
      for (const off of [layout.vlan0, layout.vlan1, layout.l2_5, layout.l3, layout.l4, layout.payload]) {
        expect(off).toBeGreaterThanOrEqual(-1);
        expect(off).toBeLessThanOrEqual(frame.length);
      }
    }
  });
});

describe('extract: allocation', () => {
  it('extracts a million packets without allocating (no GC, heap growth under 1 MiB)', async () => {
    const frames = CASES.map((c) => buildFrame(c.spec));
    // One buffer holding all frames, as a batch would.
    const offsets: number[] = [];
    let total = 0;
    for (const f of frames) {
      offsets.push(total);
      total += f.length;
    }
    const buf = new Uint8Array(total);
    frames.forEach((f, i) => buf.set(f, offsets[i]));
    const lens = new Int32Array(frames.map((f) => f.length));
    const offs = new Int32Array(offsets);
    const key = newKey();
    const layout = new PacketLayout();
    const n = frames.length;

    let sink = 0;
    for (let i = 0; i < 200_000; i++) sink += extract(buf, offs[i % n], lens[i % n], 1, key, layout); // warm up the JIT

    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    gc();
    let gcs = 0;
    const obs = new PerformanceObserver((list) => {
      gcs += list.getEntries().length;
    });
    obs.observe({ entryTypes: ['gc'] });
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < 1_000_000; i++) sink += extract(buf, offs[i % n], lens[i % n], 1, key, layout);
    const after = process.memoryUsage().heapUsed;
    await new Promise((r) => setTimeout(r, 50)); // GC entries are delivered asynchronously
    obs.disconnect();

    expect(sink).toBeGreaterThanOrEqual(0);
    expect(gcs).toBe(0);
    expect(after - before).toBeLessThan(1 << 20);
  });
});
