import { describe, expect, it } from 'vitest';
import { Conntrack, emptyTupleMatch, parseTupleMatch, ipv4Words, natSpec } from '../../src/conntrack/index.js';
import { ipv4FromString } from '../../src/packet/addr.js';
import { A, B, ct, tcp, udp } from './helpers.js';

function tuple(text: string) {
  return parseTupleMatch(text, emptyTupleMatch());
}

describe('dump-conntrack', () => {
  it('filters by zone', () => {
    const c = new Conntrack({ capacity: 64 });
    ct(c, udp(A, B, 1, 2), { commit: true, zone: 1 });
    ct(c, udp(A, B, 1, 3), { commit: true, zone: 2 });
    expect(c.dump(0, 2)).toEqual(['udp,orig=(src=10.0.0.1,dst=10.0.0.2,sport=1,dport=3),reply=(src=10.0.0.2,dst=10.0.0.1,sport=3,dport=1),zone=2']);
  });

  it('prints timeout= with statistics', () => {
    const c = new Conntrack({ capacity: 64 });
    ct(c, udp(A, B, 1, 2), { commit: true }, 0);
    expect(c.dump(1500, undefined, { stats: true })[0]).toContain(',timeout=58');
  });
});

describe('flush-conntrack', () => {
  it('flushes everything, or one zone', () => {
    const c = new Conntrack({ capacity: 64 });
    ct(c, udp(A, B, 1, 2), { commit: true, zone: 1 });
    ct(c, udp(A, B, 1, 3), { commit: true, zone: 2 });
    expect(c.flush(1)).toBe(1);
    expect(c.dump(0)).toHaveLength(1);
    expect(c.flush()).toBe(1);
    expect(c.nConns()).toBe(0);
  });

  it('flushes one connection by its full original tuple', () => {
    const c = new Conntrack({ capacity: 64 });
    ct(c, udp(A, B, 1, 2), { commit: true });
    ct(c, udp(A, B, 1, 3), { commit: true });
    const r = c.flushTuple(undefined, tuple('ct_nw_src=10.0.0.1,ct_nw_dst=10.0.0.2,ct_nw_proto=17,ct_tp_src=1,ct_tp_dst=3'), null, 0);
    expect(r.flushed).toBe(1);
    expect(c.dump(0)).toHaveLength(1);
  });

  it('refuses the post-NAT tuple of a NATed connection', () => {
    const c = new Conntrack({ capacity: 64 });
    ct(c, udp(A, B, 1, 2), { commit: true, nat: natSpec('src', ipv4Words(ipv4FromString('172.16.1.100'))) });
    const r = c.flushTuple(undefined, tuple('ct_nw_src=10.0.0.2,ct_nw_dst=172.16.1.100,ct_nw_proto=17,ct_tp_src=2,ct_tp_dst=1'), null, 0);
    expect(r.error).toBe('Must flush tuple using the original pre-NATed tuple');
    expect(c.nConns()).toBe(1);
  });

  it('flushes every connection matching a partial tuple', () => {
    const c = new Conntrack({ capacity: 64 });
    ct(c, udp(A, B, 1, 2), { commit: true });
    ct(c, udp(A, B, 1, 3), { commit: true });
    ct(c, udp(B, A, 1, 3), { commit: true });
    expect(c.flushTuple(undefined, tuple('ct_nw_src=10.0.0.1'), null, 0).flushed).toBe(2);
    expect(c.nConns()).toBe(1);
  });

  it('rejects unknown tuple fields with OVS\'s message', () => {
    expect(() => tuple('ct_nw_foo=1')).toThrow('invalid conntrack tuple field: ct_nw_foo');
  });
});

describe('ct-stats-show', () => {
  it('counts connections per protocol', () => {
    const c = new Conntrack({ capacity: 64 });
    ct(c, udp(A, B, 1, 2), { commit: true });
    ct(c, tcp(A, B, 1, 2, 'S', 1), { commit: true });
    ct(c, { ipv4: { src: A, dst: B }, icmp: { type: 8, id: 1 } }, { commit: true });
    expect(c.stats(0)).toBe('Connections Stats:\n    Total: 3\n  TCP: 1\n  UDP: 1\n  ICMP: 1\n');
    expect(c.stats(0, undefined, true)).toContain('    Conn per TCP states:\n\t  [SYN_SENT]=1\n');
  });
});
