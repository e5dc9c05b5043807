import { describe, expect, it } from 'vitest';
import { Conntrack, HELPER_FTP, HELPER_TFTP, ipv4Words, natSpec } from '../../src/conntrack/index.js';
import { ipv4FromString } from '../../src/packet/addr.js';
import { W } from '../../src/flow/key-layout.js';
import { A, B, checksumsOk, ct, ctPacket, frameOf, ipDst, packet, params, tcp, udp } from './helpers.js';

const NAT_IP = '172.16.1.100';
const snat = natSpec('src', ipv4Words(ipv4FromString(NAT_IP)));
const bare = natSpec('none');

/** An FTP control connection A:40000 -> B:21, committed with alg=ftp (and `nat` if given), handshake done. */
function control(nat = false): Conntrack {
  const c = new Conntrack({ capacity: 64 });
  const first = { commit: true, helper: HELPER_FTP, nat: nat ? snat : null, mark: { value: 5, mask: 0xffffffff } };
  ct(c, tcp(A, B, 40000, 21, 'S', 100), first);
  ct(c, tcp(B, nat ? NAT_IP : A, 21, 40000, 'SA', 500, 101), { commit: true, helper: HELPER_FTP, nat: nat ? bare : null });
  ct(c, tcp(A, B, 40000, 21, 'A', 101, 501), { commit: true, helper: HELPER_FTP, nat: nat ? bare : null });
  return c;
}

const seqOf = (f: Uint8Array) => ((f[38] << 24) | (f[39] << 16) | (f[40] << 8) | f[41]) >>> 0;
const ackOf = (f: Uint8Array) => ((f[42] << 24) | (f[43] << 16) | (f[44] << 8) | f[45]) >>> 0;
const payloadOf = (f: Uint8Array) => new TextDecoder().decode(f.subarray(54, 14 + ((f[16] << 8) | f[17])));

describe('FTP ALG', () => {
  it('a PORT command makes the announced data connection +new+rel, inheriting the mark', () => {
    const c = control();
    expect(ct(c, tcp(A, B, 40000, 21, 'PA', 101, 501, 'PORT 10,0,0,1,156,64\r\n'), { commit: true, helper: HELPER_FTP })).toBe('+est+trk');
    const data = ctPacket(c, tcp(B, A, 20, 40000, 'S', 7000), { commit: true });
    expect((data.md[W.CT_STATE_ZONE] >>> 16) & 0xff).toBe(0x20 | 0x01 | 0x04);
    expect(data.md[W.CT_MARK]).toBe(5);
    // The original tuple of a related connection is its parent's.
    expect(data.md[W.CT_TP]).toBe(((40000 << 16) | 21) >>> 0);
    expect(ct(c, tcp(A, B, 40000, 20, 'SA', 9000, 7001))).toBe('+est+rel+rpl+trk');
    expect(c.dump(0).sort()).toEqual([
      'tcp,orig=(src=10.0.0.1,dst=10.0.0.2,sport=40000,dport=21),reply=(src=10.0.0.2,dst=10.0.0.1,sport=21,dport=40000),mark=5,protoinfo=(state=ESTABLISHED),helper=ftp',
      'tcp,orig=(src=10.0.0.2,dst=10.0.0.1,sport=20,dport=40000),reply=(src=10.0.0.1,dst=10.0.0.2,sport=40000,dport=20),mark=5,protoinfo=(state=ESTABLISHED)',
    ]);
  });

  it('a PASV reply (227) announces a client -> server data connection', () => {
    const c = control();
    ct(c, tcp(B, A, 21, 40000, 'PA', 501, 101, '227 Entering Passive Mode (10,0,0,2,19,137).\r\n'), { helper: HELPER_FTP });
    expect(ct(c, tcp(A, B, 40001, 5001, 'S', 1), { commit: true })).toBe('+new+rel+trk');
  });

  it('a PORT naming a third address marks the packet +inv', () => {
    const c = control();
    expect(ct(c, tcp(A, B, 40000, 21, 'PA', 101, 501, 'PORT 10,9,9,9,156,64\r\n'), { helper: HELPER_FTP })).toBe('+est+inv+trk');
    expect(ct(c, tcp(B, A, 20, 40000, 'S', 1), { commit: true })).toBe('+new+trk');
  });

  it('under SNAT rewrites the PORT address, grows the packet and shifts later sequence numbers', () => {
    const c = control(true);
    const port = ctPacket(c, tcp(A, B, 40000, 21, 'PA', 101, 501, 'PORT 10,0,0,1,156,64\r\n'), { helper: HELPER_FTP, nat: bare });
    let f = frameOf(port);
    expect(payloadOf(f)).toBe('PORT 172,16,1,100,156,64\r\n');
    expect(checksumsOk(f)).toBe(true);
    // Next client segment: seq shifted by the 4 bytes the rewrite added.
    const next = ctPacket(c, tcp(A, B, 40000, 21, 'PA', 123, 501, 'LIST\r\n'), { helper: HELPER_FTP, nat: bare });
    f = frameOf(next);
    expect(seqOf(f)).toBe(127);
    expect(checksumsOk(f)).toBe(true);
    // The server acknowledges the shifted stream; the client sees its own numbering.
    const ack = ctPacket(c, tcp(B, NAT_IP, 21, 40000, 'A', 501, 133), { helper: HELPER_FTP, nat: bare });
    f = frameOf(ack);
    expect(ackOf(f)).toBe(129);
    expect(ipDst(f)).toBe(A);
    expect(checksumsOk(f)).toBe(true);
    // The data connection comes to the NAT address and is translated to the client.
    const data = ctPacket(c, tcp(B, NAT_IP, 20, 40000, 'S', 7000), { commit: true, nat: bare });
    expect(ipDst(frameOf(data))).toBe(A);
    expect((data.md[W.CT_STATE_ZONE] >>> 16) & 0xff).toBe(0x20 | 0x01 | 0x04 | 0x80);
  });

  it('skips the rewrite when the buffer has no room (OVS: "Unsupported effective MTU")', () => {
    const c = control(true);
    const pkt = packet(tcp(A, B, 40000, 21, 'PA', 101, 501, 'PORT 10,0,0,1,156,64\r\n'), 0);
    c.execute(pkt, 0x0800, params({ helper: HELPER_FTP, nat: bare }), 0);
    const f = frameOf(pkt);
    expect(payloadOf(f)).toBe('PORT 10,0,0,1,156,64\r\n');
    expect(checksumsOk(f)).toBe(true);
  });
});

describe('TFTP ALG', () => {
  it('a request to port 69 makes the server\'s answer from a new port +new+rel', () => {
    const c = new Conntrack({ capacity: 64 });
    ct(c, udp(A, B, 5000, 69, '\x00\x01file\x00octet\x00'), { commit: true, helper: HELPER_TFTP });
    expect(ct(c, udp(B, A, 6000, 5000), { commit: true })).toBe('+new+rel+trk');
    expect(c.dump(0).sort()).toEqual([
      'udp,orig=(src=10.0.0.1,dst=10.0.0.2,sport=5000,dport=69),reply=(src=10.0.0.2,dst=10.0.0.1,sport=69,dport=5000),helper=tftp',
      'udp,orig=(src=10.0.0.2,dst=10.0.0.1,sport=6000,dport=5000),reply=(src=10.0.0.1,dst=10.0.0.2,sport=5000,dport=6000)',
    ]);
  });

  it('expectations go when the control connection goes', () => {
    const c = new Conntrack({ capacity: 64 });
    ct(c, udp(A, B, 5000, 69), { commit: true, helper: HELPER_TFTP });
    c.flush();
    expect(ct(c, udp(B, A, 6000, 5000), { commit: true })).toBe('+new+trk');
  });
});
