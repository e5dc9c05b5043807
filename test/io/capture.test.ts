import * as fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CaptureError } from '../../src/base/index.js';
import {
  LinkType,
  PcapReader,
  PcapngReader,
  openCapture,
  readAll,
  readCapture,
  sniffFormat,
  toEthernetFrame,
} from '../../src/io/index.js';
import { PcapngBuilder, packet, pcapFile, tmpFile } from './helpers.js';

const pcap = pcapFile({}, [
  { sec: 1, frac: 0, data: packet(60, 1) },
  { sec: 2, frac: 0, data: packet(61, 2) },
]);
const pcapng = new PcapngBuilder().shb().idb(1).epb(0, 1n, packet(60, 1)).bytes();

describe('format sniffing', () => {
  it('opens classic pcap with the pcap reader', () => {
    const r = openCapture(pcap);
    expect(r).toBeInstanceOf(PcapReader);
    expect(r.format).toBe('pcap');
  });

  it('opens pcapng with the pcapng reader', () => {
    const r = openCapture(pcapng);
    expect(r).toBeInstanceOf(PcapngReader);
    expect(r.format).toBe('pcapng');
  });

  it('recognises all four classic magics', () => {
    for (const magic of [0xa1b2c3d4, 0xd4c3b2a1, 0xa1b23c4d, 0x4d3cb2a1]) {
      const head = new Uint8Array(4);
      new DataView(head.buffer).setUint32(0, magic);
      expect(sniffFormat(head)).toBe('pcap');
    }
  });

  it('refuses a file that is not a capture, quoting its magic', () => {
    const zip = Uint8Array.of(0x50, 0x4b, 0x03, 0x04, 0, 0, 0, 0);
    expect(() => openCapture(zip, { file: 'x.zip' })).toThrow(
      new CaptureError('not a pcap or pcapng file (magic 0x504b0304)', { file: 'x.zip' }),
    );
  });

  it('refuses an empty file', () => {
    expect(() => openCapture(new Uint8Array(0))).toThrow('not a pcap or pcapng file (empty file)');
  });

  it('refuses a file too short to hold a magic number', () => {
    expect(() => openCapture(pcap.subarray(0, 3))).toThrow('not a pcap or pcapng file (only 3 bytes)');
  });

  it('names modified (Kuznetsov) pcap rather than calling it unknown', () => {
    expect(() => openCapture(Uint8Array.of(0x34, 0xcd, 0xb2, 0xa1))).toThrow(/modified \(Kuznetsov\) pcap/);
  });

  it('puts the path in the error for files on disk', () => {
    const path = tmpFile('not-a-capture.txt');
    fs.writeFileSync(path, 'hello world\n');
    expect(() => openCapture(path)).toThrow(`${path}: not a pcap or pcapng file (magic 0x68656c6c)`);
  });

  it('reports a missing file as a CaptureError', () => {
    expect(() => openCapture('/nonexistent/x.pcap')).toThrow(CaptureError);
  });
});

describe('reading whole captures', () => {
  it('readAll copies records so they outlive the reader', () => {
    const all = readAll(pcap);
    expect(all.length).toBe(2);
    expect(all[0]).not.toBe(all[1]);
    expect(all[0].data).toEqual(packet(60, 1));
    expect(all[0].data.buffer).not.toBe(pcap.buffer);
    expect(all[1].data).toEqual(packet(61, 2));
  });

  it('readAll reads a file by path', () => {
    const path = tmpFile('two.pcap');
    fs.writeFileSync(path, pcap);
    expect(readAll(path).map((r) => r.caplen)).toEqual([60, 61]);
  });

  it('readAll throws on damage', () => {
    expect(() => readAll(pcap.subarray(0, pcap.length - 1))).toThrow(/record 2 at byte offset 100/);
  });

  it('readCapture keeps the records before the damage and returns the error', () => {
    const { records, error, format } = readCapture(pcap.subarray(0, pcap.length - 1));
    expect(format).toBe('pcap');
    expect(records.map((r) => r.index)).toEqual([1]);
    expect(error!.detail).toBe('record 2 at byte offset 100: truncated packet data (60 of 61 bytes)');
  });

  it('accepts a Buffer and hands back plain Uint8Array views', () => {
    const r = openCapture(Buffer.from(pcap));
    expect(r.next()!.data.constructor).toBe(Uint8Array);
  });
});

describe('toEthernetFrame', () => {
  const ipv4 = Uint8Array.of(0x45, 0, 0, 20, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16);
  const ipv6 = Uint8Array.of(0x60, 0, 0, 0, 0, 0, 59, 64);

  it('returns Ethernet frames unchanged (the same object)', () => {
    const frame = packet(60);
    expect(toEthernetFrame(LinkType.ETHERNET, frame)).toBe(frame);
  });

  it('turns Linux SLL into Ethernet II with the SLL address as source and its protocol as ethertype', () => {
    // SLL: pkttype 0 (to us), ARPHRD_ETHER, addr len 6, addr 00:11:22:33:44:55 + 2 pad, protocol 0x0800.
    const sll = Uint8Array.of(0, 0, 0, 1, 0, 6, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0, 0, 0x08, 0x00, ...ipv4);
    expect(Array.from(toEthernetFrame(LinkType.LINUX_SLL, sll)!)).toEqual([
      0, 0, 0, 0, 0, 0, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x08, 0x00, ...ipv4,
    ]);
  });

  it('gives SLL broadcast packets the broadcast destination', () => {
    const sll = Uint8Array.of(0, 1, 0, 1, 0, 6, 1, 2, 3, 4, 5, 6, 0, 0, 0x08, 0x06, 0xaa);
    expect(Array.from(toEthernetFrame(LinkType.LINUX_SLL, sll)!.subarray(0, 6))).toEqual([255, 255, 255, 255, 255, 255]);
  });

  it('leaves the source zero when the SLL address is not 6 bytes long', () => {
    const sll = Uint8Array.of(0, 0, 0x03, 0x04, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x08, 0x00, ...ipv4);
    expect(Array.from(toEthernetFrame(LinkType.LINUX_SLL, sll)!.subarray(0, 14))).toEqual([
      0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x08, 0x00,
    ]);
  });

  it('turns SLL 802.2 LLC frames into 802.3 frames with a length field', () => {
    const llc = Uint8Array.of(0x42, 0x42, 0x03, 0, 0);
    const sll = Uint8Array.of(0, 0, 0, 1, 0, 6, 1, 2, 3, 4, 5, 6, 0, 0, 0x00, 0x04, ...llc);
    const frame = toEthernetFrame(LinkType.LINUX_SLL, sll)!;
    expect([frame[12], frame[13]]).toEqual([0, 5]);
    expect(Array.from(frame.subarray(14))).toEqual(Array.from(llc));
  });

  it('turns Linux SLL2 into Ethernet II', () => {
    // SLL2: protocol 0x86dd, reserved, ifindex 2, ARPHRD_ETHER, pkttype 4 (outgoing), addr len 6, addr + 2 pad.
    const sll2 = Uint8Array.of(0x86, 0xdd, 0, 0, 0, 0, 0, 2, 0, 1, 4, 6, 0xa, 0xb, 0xc, 0xd, 0xe, 0xf, 0, 0, ...ipv6);
    expect(Array.from(toEthernetFrame(LinkType.LINUX_SLL2, sll2)!)).toEqual([
      0, 0, 0, 0, 0, 0, 0xa, 0xb, 0xc, 0xd, 0xe, 0xf, 0x86, 0xdd, ...ipv6,
    ]);
  });

  it('picks the ethertype of raw IP from the version nibble', () => {
    expect(Array.from(toEthernetFrame(LinkType.RAW, ipv4)!.subarray(12, 14))).toEqual([0x08, 0x00]);
    expect(Array.from(toEthernetFrame(LinkType.RAW, ipv6)!.subarray(12, 14))).toEqual([0x86, 0xdd]);
    expect(toEthernetFrame(LinkType.RAW, Uint8Array.of(0x15, 0))).toBeNull();
  });

  it('picks the ethertype of IPv4 and IPv6 link types from the link type', () => {
    expect(Array.from(toEthernetFrame(LinkType.IPV4, ipv4)!.subarray(0, 14))).toEqual([
      0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x08, 0x00,
    ]);
    expect(Array.from(toEthernetFrame(LinkType.IPV6, ipv6)!.subarray(12))).toEqual([0x86, 0xdd, ...ipv6]);
  });

  it('returns null for link types it cannot convert', () => {
    expect(toEthernetFrame(105 /* IEEE 802.11 */, packet(40))).toBeNull();
  });

  it('returns null for SLL netlink captures, whose protocol is not an ethertype', () => {
    const sll = Uint8Array.of(0, 4, 0x03, 0x38, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x00, 0x00, 1, 2, 3);
    expect(toEthernetFrame(LinkType.LINUX_SLL, sll)).toBeNull();
  });

  it('returns null for bytes shorter than the cooked header', () => {
    expect(toEthernetFrame(LinkType.LINUX_SLL, packet(15))).toBeNull();
    expect(toEthernetFrame(LinkType.LINUX_SLL2, packet(19))).toBeNull();
  });
});
