import { describe, expect, it } from 'vitest';
import { Conntrack, CtVerdict, ipv4Words, natSpec } from '../../src/conntrack/index.js';
import { ipv4FromString } from '../../src/packet/addr.js';
import { buildDatagram, type FrameSpec } from '../../src/packet/build.js';
import { W } from '../../src/flow/key-layout.js';
import { A, B, packet, params, stateText } from './helpers.js';

/** A UDP datagram A:5000 -> B:53 with `size` payload bytes, cut into IPv4 fragments of `chunk` data bytes. */
function fragments(size: number, chunk: number, ident = 42): FrameSpec[] {
  const l4 = buildDatagram({ ipv4: { src: A, dst: B }, udp: { srcPort: 5000, dstPort: 53 }, payload: new Uint8Array(size).fill(7) }).subarray(20);
  const out: FrameSpec[] = [];
  for (let off = 0; off < l4.length; off += chunk) {
    const end = Math.min(off + chunk, l4.length);
    out.push({ ipv4: { src: A, dst: B, protocol: 17, ident, fragOffset: off, mf: end < l4.length }, payload: l4.slice(off, end) });
  }
  return out;
}

describe('fragment reassembly (ipf)', () => {
  it('holds fragments until the datagram is complete, then releases all of them with its ct_state', () => {
    const c = new Conntrack({ capacity: 64 });
    const [f1, f2] = fragments(2000, 1480);
    const p1 = packet(f1);
    expect(c.execute(p1, 0x0800, params({ commit: true }), 0)).toBe(CtVerdict.HELD);
    expect(c.released).toHaveLength(0);
    const p2 = packet(f2);
    expect(c.execute(p2, 0x0800, params({ commit: true }), 0)).toBe(CtVerdict.HELD);
    expect(c.released.map((f) => f.bytes.length)).toEqual([14 + 20 + 1480, 14 + 20 + 528]);
    for (const f of c.released) expect(stateText(f.md)).toBe('+new+trk');
    expect(c.dump(0)).toEqual(['udp,orig=(src=10.0.0.1,dst=10.0.0.2,sport=5000,dport=53),reply=(src=10.0.0.2,dst=10.0.0.1,sport=53,dport=5000)']);
  });

  it('reassembles out-of-order fragments and releases them in offset order', () => {
    const c = new Conntrack({ capacity: 64 });
    const [f1, f2] = fragments(2000, 1480);
    c.execute(packet(f2), 0x0800, params(), 0);
    c.execute(packet(f1), 0x0800, params(), 0);
    expect(c.released.map((f) => f.bytes.length)).toEqual([1514, 562]);
  });

  it('a fragment smaller than 1200 bytes that is not the last is +inv and not held', () => {
    const c = new Conntrack({ capacity: 64 });
    const [f1] = fragments(1000, 504);
    const p = packet(f1);
    expect(c.execute(p, 0x0800, params(), 0)).toBe(CtVerdict.CONTINUE);
    expect(stateText(p.md)).toBe('+inv+trk');
  });

  it('an overlapping fragment is +inv', () => {
    const c = new Conntrack({ capacity: 64 });
    const [f1] = fragments(3000, 1480);
    c.execute(packet(f1), 0x0800, params(), 0);
    const dup = packet(f1);
    expect(c.execute(dup, 0x0800, params(), 0)).toBe(CtVerdict.CONTINUE);
    expect(stateText(dup.md)).toBe('+inv+trk');
  });

  it('fragments of a list not completed in 15 s come back +inv (without +trk) with a later ct call', () => {
    const c = new Conntrack({ capacity: 64 });
    const [f1] = fragments(2000, 1480);
    c.execute(packet(f1), 0x0800, params(), 0);
    const other = packet({ ipv4: { src: A, dst: B }, udp: { srcPort: 1, dstPort: 2 } });
    c.execute(other, 0x0800, params(), 15_001);
    expect(c.released).toHaveLength(1);
    expect(stateText(c.released[0].md)).toBe('+inv');
  });

  it('NAT applied to the datagram is copied onto every fragment (addresses, and ports in the first)', () => {
    const c = new Conntrack({ capacity: 64 });
    const [f1, f2] = fragments(2000, 1480);
    const nat = natSpec('src', ipv4Words(ipv4FromString('172.16.1.100')));
    c.execute(packet(f1), 0x0800, params({ commit: true, nat }), 0);
    c.execute(packet(f2), 0x0800, params({ commit: true, nat }), 0);
    for (const f of c.released) {
      expect(Array.from(f.bytes.subarray(26, 30))).toEqual([172, 16, 1, 100]);
      expect(f.md[W.CT_STATE_ZONE] >>> 16).toBe(0x61);
    }
  });
});
