import { describe, expect, it } from 'vitest';
import { Conntrack, ipv4Words, natSpec, ipv6Words } from '../../src/conntrack/index.js';
import { ipv4FromString, ipv6FromString } from '../../src/packet/addr.js';
import { buildDatagram } from '../../src/packet/build.js';
import { W } from '../../src/flow/key-layout.js';
import { A, B, checksumsOk, ct, ctPacket, dport, frameOf, ipDst, ipSrc, sport, tcp, udp } from './helpers.js';

const NAT_IP = '172.16.1.100';
const snat = (min = NAT_IP, max?: string, pmin?: number, pmax?: number) =>
  natSpec('src', ipv4Words(ipv4FromString(min)), max ? ipv4Words(ipv4FromString(max)) : undefined, pmin, pmax);
const dnat = (ip: string, port?: number) => natSpec('dst', ipv4Words(ipv4FromString(ip)), undefined, port, port);
const bareNat = natSpec('none');

describe('source NAT', () => {
  it('rewrites the source address, keeps the port, fixes checksums and flags +snat', () => {
    const c = new Conntrack({ capacity: 64 });
    const p = ctPacket(c, tcp(A, B, 40000, 80, 'S', 1), { commit: true, nat: snat() });
    const f = frameOf(p);
    expect([ipSrc(f), sport(f), ipDst(f), dport(f)]).toEqual([NAT_IP, 40000, B, 80]);
    expect(checksumsOk(f)).toBe(true);
    expect((p.md[W.CT_STATE_ZONE] >>> 16) & 0xff).toBe(0x20 | 0x01 | 0x40);
    expect(c.dump(0)).toEqual([
      'tcp,orig=(src=10.0.0.1,dst=10.0.0.2,sport=40000,dport=80),reply=(src=10.0.0.2,dst=172.16.1.100,sport=80,dport=40000),protoinfo=(state=SYN_SENT)',
    ]);
  });

  it('takes the next port when the kept one is already used towards the same remote end', () => {
    const c = new Conntrack({ capacity: 64 });
    ct(c, udp(A, B, 40000, 53), { commit: true, nat: snat() });
    const p = ctPacket(c, udp('10.0.0.3', B, 40000, 53), { commit: true, nat: snat() });
    expect(sport(frameOf(p))).toBe(40001);
    expect(checksumsOk(frameOf(p))).toBe(true);
  });

  it('wraps to the bottom of the port class: 1023 collides to 600', () => {
    const c = new Conntrack({ capacity: 64 });
    ct(c, udp(A, B, 1023, 53), { commit: true, nat: snat() });
    expect(sport(frameOf(ctPacket(c, udp('10.0.0.3', B, 1023, 53), { commit: true, nat: snat() })))).toBe(600);
  });

  it('with a port range picks a port inside it and keeps it for the connection', () => {
    const c = new Conntrack({ capacity: 64 });
    const spec = snat(NAT_IP, undefined, 10000, 10001);
    const p1 = ctPacket(c, udp(A, B, 5555, 53), { commit: true, nat: spec });
    const port = sport(frameOf(p1));
    expect(port === 10000 || port === 10001).toBe(true);
    const p2 = ctPacket(c, udp(A, B, 5555, 53), { nat: spec });
    expect(sport(frameOf(p2))).toBe(port);
    const p3 = ctPacket(c, udp('10.0.0.3', B, 5555, 53), { commit: true, nat: spec });
    expect(sport(frameOf(p3))).toBe(port === 10000 ? 10001 : 10000);
  });

  it('refuses a connection when the range is exhausted; the packet stays +new and untranslated', () => {
    const c = new Conntrack({ capacity: 64 });
    const spec = snat(NAT_IP, undefined, 10000, 10000);
    ct(c, udp(A, B, 1, 53), { commit: true, nat: spec });
    const p = ctPacket(c, udp('10.0.0.3', B, 1, 53), { commit: true, nat: spec });
    expect(ipSrc(frameOf(p))).toBe('10.0.0.3');
    expect(c.nConns()).toBe(1);
  });

  it('picks addresses from an address range', () => {
    const c = new Conntrack({ capacity: 64 });
    const p = ctPacket(c, udp(A, B, 1, 53), { commit: true, nat: snat('172.16.1.100', '172.16.1.103') });
    expect(['172.16.1.100', '172.16.1.101', '172.16.1.102', '172.16.1.103']).toContain(ipSrc(frameOf(p)));
  });

  it('translates replies back (their destination), which OVS flags +dnat+rpl', () => {
    const c = new Conntrack({ capacity: 64 });
    ct(c, udp(A, B, 40000, 53), { commit: true, nat: snat() });
    const p = ctPacket(c, udp(B, NAT_IP, 53, 40000), { nat: bareNat });
    const f = frameOf(p);
    expect([ipSrc(f), ipDst(f), dport(f)]).toEqual([B, A, 40000]);
    expect(checksumsOk(f)).toBe(true);
    expect((p.md[W.CT_STATE_ZONE] >>> 16) & 0xff).toBe(0x20 | 0x02 | 0x08 | 0x80);
  });

  it('does not translate ICMP echo ids, only the address', () => {
    const c = new Conntrack({ capacity: 64 });
    const p = ctPacket(c, { ipv4: { src: A, dst: B }, icmp: { type: 8, id: 77, seq: 1 } }, { commit: true, nat: snat() });
    const f = frameOf(p);
    expect(ipSrc(f)).toBe(NAT_IP);
    expect((f[38] << 8) | f[39]).toBe(77);
    expect(checksumsOk(f)).toBe(true);
  });

  it('translates an ICMP error back, quoted header, quoted ports and quoted UDP checksum included', () => {
    const c = new Conntrack({ capacity: 64 });
    ct(c, udp(A, B, 40000, 53), { commit: true, nat: snat() });
    const quoted = buildDatagram(udp(NAT_IP, B, 40000, 53));
    const p = ctPacket(c, { ipv4: { src: B, dst: NAT_IP }, icmp: { type: 3, code: 3 }, payload: quoted }, { nat: bareNat });
    const f = frameOf(p);
    expect(ipDst(f)).toBe(A);
    expect(checksumsOk(f)).toBe(true);
    const inner = 14 + 20 + 8;
    expect(`${f[inner + 12]}.${f[inner + 13]}.${f[inner + 14]}.${f[inner + 15]}`).toBe(A);
    const expected = buildDatagram(udp(A, B, 40000, 53));
    expect(Array.from(f.subarray(inner, inner + expected.length))).toEqual(Array.from(expected));
    expect((p.md[W.CT_STATE_ZONE] >>> 16) & 0xff).toBe(0x20 | 0x04 | 0x08 | 0x80);
  });
});

describe('destination NAT', () => {
  it('rewrites destination address and port, and replies come back from the original destination', () => {
    const c = new Conntrack({ capacity: 64 });
    const p = ctPacket(c, tcp(A, '192.0.2.10', 40000, 80, 'S', 1), { commit: true, nat: dnat('10.1.1.5', 8080) });
    let f = frameOf(p);
    expect([ipDst(f), dport(f)]).toEqual(['10.1.1.5', 8080]);
    expect(checksumsOk(f)).toBe(true);
    const r = ctPacket(c, tcp('10.1.1.5', A, 8080, 40000, 'SA', 9, 2), { nat: bareNat });
    f = frameOf(r);
    expect([ipSrc(f), sport(f)]).toEqual(['192.0.2.10', 80]);
    expect(checksumsOk(f)).toBe(true);
    expect(c.dump(0)[0]).toBe(
      'tcp,orig=(src=10.0.0.1,dst=192.0.2.10,sport=40000,dport=80),reply=(src=10.1.1.5,dst=10.0.0.1,sport=8080,dport=40000),protoinfo=(state=ESTABLISHED)',
    );
  });

  it('a packet is translated once per zone: a second nat in the same zone after recirculation does nothing', () => {
    const c = new Conntrack({ capacity: 64 });
    const p = ctPacket(c, udp(A, '192.0.2.10', 1, 53), { commit: true, nat: dnat('10.1.1.5') });
    const before = frameOf(p);
    c.execute(p, 0x0800, { zone: 0, commit: true, force: false, helper: 0, nat: dnat('10.1.1.6') }, 0);
    expect(Array.from(frameOf(p))).toEqual(Array.from(before));
    expect(c.nConns()).toBe(1);
  });

  it('IPv6 DNAT fixes the transport checksum over the new pseudo-header', () => {
    const c = new Conntrack({ capacity: 64 });
    const spec = natSpec('dst', ipv6Words(ipv6FromString('2001:db8::99')));
    const p = ctPacket(c, { ipv6: { src: '2001:db8::1', dst: '2001:db8::2' }, udp: { srcPort: 1, dstPort: 2 }, payload: 'x' }, { commit: true, nat: spec });
    expect(c.dump(0)[0]).toContain('reply=(src=2001:db8::99,dst=2001:db8::1,sport=2,dport=1)');
    const again = ctPacket(new Conntrack({ capacity: 8 }), frameOf(p), { commit: true });
    expect(again.md[W.CT_STATE_ZONE] >>> 16 & 0xff).toBe(0x21);
  });
});

describe('bare nat with commit (OVS 3.1 quirk, checked against real OVS)', () => {
  it('commits a connection whose reply tuple has an all-zero source address and destination port 0', () => {
    const c = new Conntrack({ capacity: 64 });
    const p = ctPacket(c, udp(A, B, 1000, 53), { commit: true, nat: bareNat });
    expect(ipSrc(frameOf(p))).toBe(A);
    expect(c.dump(0)).toEqual(['udp,orig=(src=10.0.0.1,dst=10.0.0.2,sport=1000,dport=53),reply=(src=0.0.0.0,dst=10.0.0.1,sport=53,dport=0)']);
  });
});
