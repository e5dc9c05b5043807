import { describe, expect, it } from 'vitest';
import {
  arpOp,
  arpShaHi,
  arpShaLo,
  arpSpa,
  arpTpa,
  ArpOp,
  checkArp,
  emitArp,
  arpLength,
  ipv4ToString,
  macToString,
  parseArp,
  Status,
  type ArpRepr,
} from '../../src/packet/index.js';
import { toHex } from './pcap.js';
import { ARP_REQUEST, QINQ_ARP } from './samples.js';

// ARP_REQUEST: "Who has 192.150.187.14? Tell 192.150.187.50", ARP at offset 14.
describe('ARP', () => {
  it('reads op, sender and target fields', () => {
    expect(arpOp(ARP_REQUEST, 14)).toBe(ArpOp.REQUEST);
    expect(arpShaHi(ARP_REQUEST, 14)).toBe(0x000d);
    expect(arpShaLo(ARP_REQUEST, 14)).toBe(0x549c5c0b);
    expect(ipv4ToString(arpSpa(ARP_REQUEST, 14))).toBe('192.150.187.50');
    expect(ipv4ToString(arpTpa(ARP_REQUEST, 14))).toBe('192.150.187.14');
  });

  it('parses into a Repr', () => {
    const r = parseArp(ARP_REQUEST, 14, ARP_REQUEST.length) as ArpRepr;
    expect(r.op).toBe(1);
    expect(macToString(r.sha)).toBe('00:0d:54:9c:5c:0b');
    expect(macToString(r.tha)).toBe('00:00:00:00:00:00');
    expect(ipv4ToString(r.spa)).toBe('192.150.187.50');
    expect(ipv4ToString(r.tpa)).toBe('192.150.187.14');
  });

  it('emits the captured bytes back from the Repr', () => {
    const r = parseArp(ARP_REQUEST, 14, ARP_REQUEST.length) as ArpRepr;
    const out = new Uint8Array(arpLength(r));
    expect(emitArp(r, out, 0)).toBe(28);
    expect(toHex(out)).toBe(toHex(ARP_REQUEST.subarray(14)));
  });

  it('parses ARP behind two VLAN tags and ignores the frame padding', () => {
    const r = parseArp(QINQ_ARP, 22, QINQ_ARP.length) as ArpRepr;
    expect(ipv4ToString(r.tpa)).toBe('172.21.79.100');
  });

  it('is TRUNCATED when the addresses are cut off', () => {
    expect(checkArp(ARP_REQUEST, 14, 14 + 27)).toBe(Status.TRUNCATED);
    expect(checkArp(ARP_REQUEST, 14, 14 + 7)).toBe(Status.TRUNCATED);
  });

  it('is UNSUPPORTED for hardware or protocol types other than Ethernet/IPv4', () => {
    const f = ARP_REQUEST.slice();
    f[14 + 1] = 6; // htype 6 (IEEE 802)
    expect(checkArp(f, 14, f.length)).toBe(Status.UNSUPPORTED);
    const g = ARP_REQUEST.slice();
    g[14 + 4] = 8; // hlen 8
    expect(parseArp(g, 14, g.length)).toBe(Status.UNSUPPORTED);
  });
});
