import { describe, expect, it } from 'vitest';
import { Conntrack } from '../../src/conntrack/index.js';
import { buildDatagram } from '../../src/packet/build.js';
import { A, B, ct, ctPacket, udp } from './helpers.js';
import { W } from '../../src/flow/key-layout.js';

const echo = (src: string, dst: string, type: number, id = 7) => ({ ipv4: { src, dst }, icmp: { type, id, seq: 1 } });

describe('UDP and other protocols', () => {
  it('UDP is +new until the other side answers, then +est', () => {
    const c = new Conntrack({ capacity: 64 });
    expect(ct(c, udp(A, B, 5000, 53), { commit: true })).toBe('+new+trk');
    expect(ct(c, udp(A, B, 5000, 53))).toBe('+new+trk');
    expect(ct(c, udp(B, A, 53, 5000))).toBe('+est+rpl+trk');
    expect(ct(c, udp(A, B, 5000, 53))).toBe('+est+trk');
  });

  it('UDP lives 60 s unanswered and 30 s after an answer', () => {
    const c = new Conntrack({ capacity: 64 });
    ct(c, udp(A, B, 5000, 53), { commit: true }, 0);
    expect(c.dump(59_999)).toHaveLength(1);
    expect(c.dump(60_000)).toHaveLength(0);
    ct(c, udp(A, B, 5001, 53), { commit: true }, 100_000);
    ct(c, udp(B, A, 53, 5001), {}, 100_000);
    expect(c.dump(129_999)).toHaveLength(1);
    expect(c.dump(130_000)).toHaveLength(0);
  });

  it('a UDP datagram with a zero checksum is tracked (IPv4 "no checksum")', () => {
    const c = new Conntrack({ capacity: 64 });
    expect(ct(c, { ipv4: { src: A, dst: B }, udp: { srcPort: 1, dstPort: 2, checksum: 0 }, payload: 'x' }, { commit: true })).toBe('+new+trk');
  });

  it('port 0 is invalid', () => {
    const c = new Conntrack({ capacity: 64 });
    expect(ct(c, udp(A, B, 0, 53), { commit: true })).toBe('+inv+trk');
  });

  it('a bad IPv4 header checksum is invalid', () => {
    const c = new Conntrack({ capacity: 64 });
    expect(ct(c, { ipv4: { src: A, dst: B, checksum: 1 }, udp: { srcPort: 1, dstPort: 2 } })).toBe('+inv+trk');
  });

  it('protocols without a state machine are tracked by address (GRE)', () => {
    const c = new Conntrack({ capacity: 64 });
    expect(ct(c, { ipv4: { src: A, dst: B, protocol: 47 }, payload: 'gre' }, { commit: true })).toBe('+new+trk');
    expect(ct(c, { ipv4: { src: B, dst: A, protocol: 47 }, payload: 'gre' })).toBe('+est+rpl+trk');
    expect(c.dump(0)).toEqual(['47,orig=(src=10.0.0.1,dst=10.0.0.2,sport=0,dport=0),reply=(src=10.0.0.2,dst=10.0.0.1,sport=0,dport=0)']);
  });
});

describe('ICMP', () => {
  it('an echo request is +new, its reply +est+rpl, and the id is part of the key', () => {
    const c = new Conntrack({ capacity: 64 });
    expect(ct(c, echo(A, B, 8), { commit: true })).toBe('+new+trk');
    expect(ct(c, echo(B, A, 0))).toBe('+est+rpl+trk');
    expect(ct(c, echo(B, A, 0, 8))).toBe('+inv+trk');
    expect(c.dump(0)).toEqual(['icmp,orig=(src=10.0.0.1,dst=10.0.0.2,id=7,type=8,code=0),reply=(src=10.0.0.2,dst=10.0.0.1,id=7,type=0,code=0)']);
  });

  it('an echo reply cannot start a connection', () => {
    expect(ct(new Conntrack({ capacity: 8 }), echo(B, A, 0), { commit: true })).toBe('+inv+trk');
  });

  it('an ICMP error quoting a tracked connection is +rel (+rpl from the far side), never +est', () => {
    const c = new Conntrack({ capacity: 64 });
    ct(c, udp(A, B, 5000, 53), { commit: true });
    const quoted = buildDatagram(udp(A, B, 5000, 53));
    expect(ct(c, { ipv4: { src: B, dst: A }, icmp: { type: 3, code: 3 }, payload: quoted })).toBe('+rel+rpl+trk');
  });

  it('an ICMP error quoting nothing tracked is +inv', () => {
    const c = new Conntrack({ capacity: 64 });
    const quoted = buildDatagram(udp(A, B, 5000, 53));
    expect(ct(c, { ipv4: { src: B, dst: A }, icmp: { type: 3, code: 3 }, payload: quoted }, { commit: true })).toBe('+inv+trk');
    expect(c.dump(0)).toEqual([]);
  });

  it('the original tuple of a +rel packet is the quoted connection', () => {
    const c = new Conntrack({ capacity: 64 });
    ct(c, udp(A, B, 5000, 53), { commit: true });
    const p = ctPacket(c, { ipv4: { src: '10.9.9.9', dst: A }, icmp: { type: 11, code: 0 }, payload: buildDatagram(udp(A, B, 5000, 53)) });
    expect(p.md[W.CT_NW_SRC]).toBe(0x0a000001);
    expect(p.md[W.CT_TP]).toBe((5000 << 16) | 53);
    expect(p.md[W.CT_NW_PROTO]).toBe(17);
  });

  it('ICMPv6 echo is tracked like ICMPv4 echo', () => {
    const c = new Conntrack({ capacity: 64 });
    const e6 = (src: string, dst: string, type: number) => ({ ipv6: { src, dst }, icmpv6: { type, id: 9, seq: 1 } });
    expect(ct(c, e6('2001:db8::1', '2001:db8::2', 128), { commit: true })).toBe('+new+trk');
    expect(ct(c, e6('2001:db8::2', '2001:db8::1', 129))).toBe('+est+rpl+trk');
    expect(c.dump(0)).toEqual(['icmpv6,orig=(src=2001:db8::1,dst=2001:db8::2,id=9,type=128,code=0),reply=(src=2001:db8::2,dst=2001:db8::1,id=9,type=129,code=0)']);
  });
});

describe('zones', () => {
  it('isolate connections: the same tuple in another zone is new', () => {
    const c = new Conntrack({ capacity: 64 });
    ct(c, udp(A, B, 1, 2), { commit: true, zone: 1 });
    expect(ct(c, udp(B, A, 2, 1), { zone: 2 })).toBe('+new+trk');
    expect(ct(c, udp(B, A, 2, 1), { zone: 1 })).toBe('+est+rpl+trk');
    expect(c.dump(0, 1)).toHaveLength(1);
    expect(c.dump(0, 2)).toHaveLength(0);
    expect(c.dump(0)[0]).toContain(',zone=1');
  });

  it('the packet carries its zone in ct_zone', () => {
    const p = ctPacket(new Conntrack({ capacity: 8 }), udp(A, B, 1, 2), { zone: 7 });
    expect(p.md[W.CT_STATE_ZONE] & 0xffff).toBe(7);
  });
});

describe('mark and label', () => {
  it('exec(set_field) stores mark and label on the connection, and later packets carry them', () => {
    const c = new Conntrack({ capacity: 64 });
    const label = { value: new Uint32Array([0, 0, 0, 0xf00d]), mask: new Uint32Array([0, 0, 0, 0xffff]) };
    ct(c, udp(A, B, 1, 2), { commit: true, mark: { value: 33, mask: 0xffffffff }, label });
    const p = ctPacket(c, udp(B, A, 2, 1));
    expect(p.md[W.CT_MARK]).toBe(33);
    expect(p.md[W.CT_LABEL + 3]).toBe(0xf00d);
    expect(c.dump(0)[0]).toContain(',mark=33,labels=0xf00d');
  });
});

describe('limits', () => {
  it('a zone limit refuses new connections beyond it; the packet stays +new', () => {
    const c = new Conntrack({ capacity: 64 });
    c.setLimits(undefined, [{ zone: 3, limit: 1 }]);
    ct(c, udp(A, B, 1, 2), { commit: true, zone: 3 });
    expect(ct(c, udp(A, B, 1, 3), { commit: true, zone: 3 })).toBe('+new+trk');
    expect(c.dump(0, 3)).toHaveLength(1);
    expect(ct(c, udp(A, B, 1, 3), { commit: true, zone: 4 })).toBe('+new+trk');
    expect(c.dump(0, 4)).toHaveLength(1);
    expect(c.getLimits()).toBe('default limit=0\nzone=3,limit=1,count=1');
  });

  it('the default limit is one counter shared by zones without their own (OVS 3.1 userspace)', () => {
    const c = new Conntrack({ capacity: 64 });
    c.setLimits(2, []);
    ct(c, udp(A, B, 1, 2), { commit: true, zone: 1 });
    ct(c, udp(A, B, 1, 3), { commit: true, zone: 2 });
    ct(c, udp(A, B, 1, 4), { commit: true, zone: 3 });
    expect(c.nConns()).toBe(2);
    expect(c.getLimits([1, 9])).toBe('default limit=2\nzone=1,limit=2,count=2\nzone=9,limit=2,count=2');
  });

  it('connections that expire give their place back once swept', () => {
    const c = new Conntrack({ capacity: 64 });
    c.setLimits(undefined, [{ zone: 0, limit: 1 }]);
    ct(c, udp(A, B, 1, 2), { commit: true }, 0);
    c.sweep(60_000);
    ct(c, udp(A, B, 1, 3), { commit: true }, 60_000);
    expect(c.dump(60_000)).toHaveLength(1);
  });

  it('the global limit (maxconns) refuses new connections', () => {
    const c = new Conntrack({ capacity: 64 });
    c.setMaxConns(1);
    ct(c, udp(A, B, 1, 2), { commit: true });
    ct(c, udp(A, B, 1, 3), { commit: true });
    expect(c.nConns()).toBe(1);
  });
});

describe('force', () => {
  it('a packet in the reply direction with force ends the old connection and starts one its way', () => {
    const c = new Conntrack({ capacity: 64 });
    ct(c, udp(A, B, 1, 2), { commit: true });
    expect(ct(c, udp(B, A, 2, 1), { commit: true, force: true })).toBe('+new+trk');
    expect(c.dump(0)).toEqual(['udp,orig=(src=10.0.0.2,dst=10.0.0.1,sport=2,dport=1),reply=(src=10.0.0.1,dst=10.0.0.2,sport=1,dport=2)']);
  });
});
