import { describe, expect, it } from 'vitest';
import { Conntrack } from '../../src/conntrack/index.js';
import { A, B, ct, tcp } from './helpers.js';

/** A fresh tracker that has seen a committed three-way handshake A:1000 -> B:80 (ISNs 100 and 500). */
function established(): Conntrack {
  const c = new Conntrack({ capacity: 64 });
  ct(c, tcp(A, B, 1000, 80, 'S', 100), { commit: true });
  ct(c, tcp(B, A, 80, 1000, 'SA', 500, 101), { commit: true });
  ct(c, tcp(A, B, 1000, 80, 'A', 101, 501), { commit: true });
  return c;
}

describe('TCP tracking', () => {
  it('a SYN is +new and a committed one creates a SYN_SENT connection', () => {
    const c = new Conntrack({ capacity: 64 });
    expect(ct(c, tcp(A, B, 1000, 80, 'S', 100), { commit: true })).toBe('+new+trk');
    expect(c.dump(0)).toEqual([
      'tcp,orig=(src=10.0.0.1,dst=10.0.0.2,sport=1000,dport=80),reply=(src=10.0.0.2,dst=10.0.0.1,sport=80,dport=1000),protoinfo=(state=SYN_SENT)',
    ]);
  });

  it('without commit nothing is remembered', () => {
    const c = new Conntrack({ capacity: 64 });
    expect(ct(c, tcp(A, B, 1000, 80, 'S', 100))).toBe('+new+trk');
    expect(c.dump(0)).toEqual([]);
  });

  it('the SYN|ACK reply is +est+rpl and the handshake ends ESTABLISHED', () => {
    const c = new Conntrack({ capacity: 64 });
    ct(c, tcp(A, B, 1000, 80, 'S', 100), { commit: true });
    expect(ct(c, tcp(B, A, 80, 1000, 'SA', 500, 101))).toBe('+est+rpl+trk');
    expect(ct(c, tcp(A, B, 1000, 80, 'A', 101, 501))).toBe('+est+trk');
    expect(c.dump(0)[0]).toContain('protoinfo=(state=ESTABLISHED)');
  });

  it('a retransmitted SYN stays +new', () => {
    const c = new Conntrack({ capacity: 64 });
    ct(c, tcp(A, B, 1000, 80, 'S', 100), { commit: true });
    expect(ct(c, tcp(A, B, 1000, 80, 'S', 100))).toBe('+new+trk');
  });

  it('a SYN|ACK cannot start a connection: +inv', () => {
    const c = new Conntrack({ capacity: 64 });
    expect(ct(c, tcp(B, A, 80, 1000, 'SA', 500, 101), { commit: true })).toBe('+inv+trk');
    expect(c.dump(0)).toEqual([]);
  });

  it('SYN+FIN is an invalid flag combination', () => {
    const c = new Conntrack({ capacity: 64 });
    expect(ct(c, tcp(A, B, 1000, 80, 'SF', 100), { commit: true })).toBe('+inv+trk');
  });

  it('FIN without ACK is invalid even on an established connection', () => {
    expect(ct(established(), tcp(A, B, 1000, 80, 'F', 101))).toBe('+inv+trk');
  });

  it('a bare ACK with no connection is +new (mid-stream pickup)', () => {
    const c = new Conntrack({ capacity: 64 });
    expect(ct(c, tcp(A, B, 1000, 80, 'A', 5000, 7000), { commit: true })).toBe('+new+trk');
    expect(ct(c, tcp(B, A, 80, 1000, 'A', 7000, 5000))).toBe('+est+rpl+trk');
  });

  it('data inside the window is +est', () => {
    expect(ct(established(), tcp(A, B, 1000, 80, 'PA', 101, 501, 'hello'))).toBe('+est+trk');
  });

  it('a segment far beyond the receiver window is +inv and leaves the connection alone', () => {
    const c = established();
    expect(ct(c, tcp(A, B, 1000, 80, 'PA', 101 + 10_000_000, 501, 'x'))).toBe('+inv+trk');
    expect(ct(c, tcp(A, B, 1000, 80, 'PA', 101, 501, 'y'))).toBe('+est+trk');
  });

  it('an acknowledgement of data never sent is +inv', () => {
    expect(ct(established(), tcp(B, A, 80, 1000, 'A', 501, 101 + 5_000_000))).toBe('+inv+trk');
  });

  it('a segment with a bad TCP checksum is +inv', () => {
    const c = established();
    const spec = tcp(A, B, 1000, 80, 'PA', 101, 501, 'x');
    spec.tcp!.checksum = 0x1234;
    expect(ct(c, spec)).toBe('+inv+trk');
  });

  it('a RST answering a SYN is +est+rpl and leaves TIME_WAIT; a new SYN re-creates the connection', () => {
    const c = new Conntrack({ capacity: 64 });
    ct(c, tcp(A, B, 1000, 80, 'S', 100), { commit: true });
    expect(ct(c, tcp(B, A, 80, 1000, 'RA', 0, 101))).toBe('+est+rpl+trk');
    expect(c.dump(0)[0]).toContain('state=TIME_WAIT');
    expect(ct(c, tcp(A, B, 1000, 80, 'S', 9000), { commit: true })).toBe('+new+trk');
    expect(c.dump(0)).toHaveLength(1);
    expect(c.dump(0)[0]).toContain('state=SYN_SENT');
  });

  it('FIN, FIN and the last ACK leave the connection in TIME_WAIT', () => {
    const c = established();
    expect(ct(c, tcp(A, B, 1000, 80, 'FA', 101, 501))).toBe('+est+trk');
    expect(ct(c, tcp(B, A, 80, 1000, 'FA', 501, 102))).toBe('+est+rpl+trk');
    expect(ct(c, tcp(A, B, 1000, 80, 'A', 102, 502))).toBe('+est+trk');
    expect(c.dump(0)[0]).toContain('state=TIME_WAIT');
  });

  it('a half-open connection expires after 30 s (tcp_syn_sent)', () => {
    const c = new Conntrack({ capacity: 64 });
    ct(c, tcp(A, B, 1000, 80, 'S', 100), { commit: true }, 0);
    expect(c.dump(29_999)).toHaveLength(1);
    expect(c.dump(30_000)).toHaveLength(0);
  });

  it('an established connection lives 24 hours after its last packet', () => {
    const c = established();
    expect(c.dump(86_399_000)).toHaveLength(1);
    expect(c.dump(86_400_000)).toHaveLength(0);
  });

  it('window scaling: a scaled window admits data beyond 64 KiB, an unscaled one does not', () => {
    const c = new Conntrack({ capacity: 64 });
    const wscale = (n: number) => new Uint8Array([1, 3, 3, n]);
    ct(c, { ipv4: { src: A, dst: B }, tcp: { srcPort: 1000, dstPort: 80, flags: 'S', seq: 100, window: 65535, options: wscale(7) } }, { commit: true });
    ct(c, { ipv4: { src: B, dst: A }, tcp: { srcPort: 80, dstPort: 1000, flags: 'SA', seq: 500, ack: 101, window: 65535, options: wscale(7) } });
    ct(c, tcp(A, B, 1000, 80, 'A', 101, 501, undefined, 4096));
    // B now advertises 65535 << 7 bytes (SYN windows are unscaled, later ones scaled): 1 MB ahead fits.
    ct(c, tcp(B, A, 80, 1000, 'A', 501, 101, undefined, 65535));
    expect(ct(c, tcp(A, B, 1000, 80, 'PA', 101 + 1_000_000, 501, 'x', 4096))).toBe('+est+trk');
    const d = established();
    ct(d, tcp(B, A, 80, 1000, 'A', 501, 101, undefined, 65535));
    expect(ct(d, tcp(A, B, 1000, 80, 'PA', 101 + 1_000_000, 501, 'x'))).toBe('+inv+trk');
  });
});
