import * as fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CaptureError } from '../../src/base/index.js';
import { PcapReader, openCapture, readAll, readCapture } from '../../src/io/index.js';
import { packet, pcapFile, tmpFile } from './helpers.js';

const three = [
  { sec: 1_700_000_000, frac: 1, data: packet(60, 1) },
  { sec: 1_700_000_001, frac: 999_999, data: packet(1514, 2), origLen: 1514 },
  { sec: 1_700_000_002, frac: 500_000, data: packet(42, 3), origLen: 90 },
];

describe('classic pcap header', () => {
  it.each([
    ['little-endian microseconds', true, false],
    ['big-endian microseconds', false, false],
    ['little-endian nanoseconds', true, true],
    ['big-endian nanoseconds', false, true],
  ])('reads %s', (_name, littleEndian, nanosecond) => {
    const file = pcapFile({ littleEndian, nanosecond, snaplen: 9000, linktype: 113 }, [
      { sec: 1_600_000_000, frac: 123_456, data: packet(70, 9), origLen: 80 },
    ]);
    const r = PcapReader.fromBytes(file);
    expect([r.littleEndian, r.nanosecond, r.snaplen, r.linktype]).toEqual([littleEndian, nanosecond, 9000, 113]);
    const rec = r.next()!;
    expect(rec.tsSec).toBe(1_600_000_000);
    expect(rec.tsNsec).toBe(nanosecond ? 123_456 : 123_456_000);
    expect([rec.caplen, rec.origLen, rec.linktype, rec.interfaceId]).toEqual([70, 80, 113, 0]);
    expect(rec.data).toEqual(packet(70, 9));
    expect(r.next()).toBeNull();
    expect(r.error).toBeUndefined();
  });

  it('ignores thiszone, as tshark does (timestamps are UTC in practice)', () => {
    const file = pcapFile({ thiszone: -3600 }, [{ sec: 100, frac: 0, data: packet(20) }]);
    expect(PcapReader.fromBytes(file).next()!.tsSec).toBe(100);
  });

  it('takes the link type from the low 16 bits, reading FCS length from the high bits', () => {
    // LINKTYPE_ETHERNET with the F bit and FCS length 2 (16-bit words) = 4 bytes of FCS per frame.
    const r = PcapReader.fromBytes(pcapFile({ linktype: 0x24000001 }, []));
    expect(r.linktype).toBe(1);
    expect(r.fcsLength).toBe(4);
  });
});

describe('classic pcap records', () => {
  it('delivers every record with lengths and exact timestamps, then null', () => {
    const r = PcapReader.fromBytes(pcapFile({}, three));
    const seen = [];
    for (let rec = r.next(); rec !== null; rec = r.next()) {
      seen.push([rec.index, rec.tsSec, rec.tsNsec, rec.caplen, rec.origLen, rec.fileOffset]);
    }
    expect(seen).toEqual([
      [1, 1_700_000_000, 1000, 60, 60, 24],
      [2, 1_700_000_001, 999_999_000, 1514, 1514, 24 + 16 + 60],
      [3, 1_700_000_002, 500_000_000, 42, 90, 24 + 16 + 60 + 16 + 1514],
    ]);
    expect(r.count).toBe(3);
    expect(r.next()).toBeNull();
  });

  it('gives tsMs as float milliseconds consistent with tsSec and tsNsec', () => {
    const rec = PcapReader.fromBytes(pcapFile({ nanosecond: true }, [{ sec: 1_767_663_089, frac: 500_330_493, data: packet(1) }])).next()!;
    expect(rec.tsMs).toBeCloseTo(1_767_663_089_500.330493, 3);
  });

  it('reuses one record object and points its data into the file buffer without copying', () => {
    const file = pcapFile({}, three);
    const r = PcapReader.fromBytes(file);
    const first = r.next()!;
    expect(first.data.buffer).toBe(file.buffer);
    expect(first.data.byteOffset).toBe(24 + 16);
    expect(first.buffer).toBe(file);
    expect(first.offset).toBe(40);
    const second = r.next()!;
    expect(second).toBe(first);
    expect(second.caplen).toBe(1514);
  });

  it('makes the data view once per record, only when asked', () => {
    const r = PcapReader.fromBytes(pcapFile({}, three));
    const rec = r.next()!;
    expect(rec.data).toBe(rec.data);
    const first = rec.data;
    r.next();
    expect(rec.data).not.toBe(first);
    expect(rec.data.length).toBe(1514);
  });

  it('iterates with for-of over the same reused record', () => {
    const r = PcapReader.fromBytes(pcapFile({}, three));
    const lengths: number[] = [];
    const objects = new Set();
    for (const rec of r) {
      lengths.push(rec.caplen);
      objects.add(rec);
    }
    expect(lengths).toEqual([60, 1514, 42]);
    expect(objects.size).toBe(1);
  });

  it('carries an out-of-range fraction into the seconds instead of losing it', () => {
    const rec = PcapReader.fromBytes(pcapFile({}, [{ sec: 10, frac: 1_500_000, data: packet(1) }])).next()!;
    expect([rec.tsSec, rec.tsNsec]).toEqual([11, 500_000_000]);
  });

  it('tolerates a record longer than the snaplen but under 262144, as tshark does', () => {
    const r = PcapReader.fromBytes(pcapFile({ snaplen: 68 }, [{ sec: 1, frac: 0, data: packet(100) }]));
    expect(r.next()!.caplen).toBe(100);
    expect(r.error).toBeUndefined();
  });

  it('reads an empty capture (header only) as no records and no error', () => {
    const r = PcapReader.fromBytes(pcapFile({}, []));
    expect(r.next()).toBeNull();
    expect(r.error).toBeUndefined();
  });
});

describe('classic pcap damage', () => {
  const good = pcapFile({}, three);
  const third = 24 + 16 + 60 + 16 + 1514;

  it('stops at a truncated record header, naming the record and its offset, after delivering the ones before', () => {
    const r = PcapReader.fromBytes(good.subarray(0, third + 10));
    expect(r.next()!.index).toBe(1);
    expect(r.next()!.index).toBe(2);
    expect(r.next()).toBeNull();
    expect(r.error).toBeInstanceOf(CaptureError);
    expect(r.error!.message).toBe(`<memory>: record 3 at byte offset ${third}: truncated record header (10 of 16 bytes)`);
  });

  it('stops at truncated packet data, saying how much of it is there', () => {
    const r = PcapReader.fromBytes(good.subarray(0, third + 16 + 5), { file: 'cut.pcap' });
    expect(r.next()).not.toBeNull();
    expect(r.next()).not.toBeNull();
    expect(r.next()).toBeNull();
    expect(r.error!.message).toBe(`cut.pcap: record 3 at byte offset ${third}: truncated packet data (5 of 42 bytes)`);
    expect(r.error!.location.file).toBe('cut.pcap');
  });

  it('stops at a captured length beyond snaplen and 262144, calling it corrupt', () => {
    const file = pcapFile({ snaplen: 65535 }, [
      { sec: 1, frac: 0, data: packet(10) },
      { sec: 2, frac: 0, data: packet(10), caplenField: 300_000 },
    ]);
    const r = PcapReader.fromBytes(file);
    expect(r.next()).not.toBeNull();
    expect(r.next()).toBeNull();
    expect(r.error!.detail).toBe(
      'record 2 at byte offset 50: captured length 300000 exceeds the maximum of 262144 (file snaplen 65535)',
    );
  });

  it('judges against the snaplen when the file declares one above 262144', () => {
    const file = pcapFile({ snaplen: 1_000_000 }, [{ sec: 1, frac: 0, data: packet(10), caplenField: 1_000_001 }]);
    const r = PcapReader.fromBytes(file);
    expect(r.next()).toBeNull();
    expect(r.error!.detail).toBe('record 1 at byte offset 24: captured length 1000001 exceeds snaplen 1000000');
  });

  it('accepts a custom maxCaplen', () => {
    const file = pcapFile({ snaplen: 100 }, [{ sec: 1, frac: 0, data: packet(200) }]);
    const r = PcapReader.fromBytes(file, { maxCaplen: 150 });
    expect(r.next()).toBeNull();
    expect(r.error!.detail).toMatch(/captured length 200 exceeds the maximum of 150/);
  });

  it('in strict mode throws the same error from next(), after the good records', () => {
    const r = PcapReader.fromBytes(good.subarray(0, third + 3), { strict: true });
    r.next();
    r.next();
    expect(() => r.next()).toThrow(CaptureError);
    expect(r.error!.detail).toMatch(/^record 3 at byte offset 1630: truncated record header/);
    expect(r.next()).toBeNull();
  });

  it('reports a truncated file header as the reader error, with no records', () => {
    const r = PcapReader.fromBytes(good.subarray(0, 10));
    expect(r.next()).toBeNull();
    expect(r.error!.detail).toBe('truncated pcap file header (10 of 24 bytes)');
  });

  it('in strict mode refuses to open a truncated file header', () => {
    expect(() => PcapReader.fromBytes(good.subarray(0, 10), { strict: true })).toThrow(/truncated pcap file header/);
  });
});

describe('classic pcap streaming', () => {
  // A few records larger than the window force both compaction and growth of the window.
  const records = Array.from({ length: 200 }, (_, i) => ({
    sec: 1_000 + i,
    frac: i * 1000,
    data: packet(i % 17 === 0 ? 5000 : 40 + ((i * 37) % 700), i),
    origLen: 9000,
  }));
  const file = pcapFile({}, records);

  it('reads the same records from a small sliding window as from the whole file', () => {
    const path = tmpFile('stream.pcap');
    fs.writeFileSync(path, file);
    const whole = readAll(file);
    const streamed = readAll(path, { stream: true, chunkSize: 256 });
    expect(streamed.length).toBe(200);
    expect(streamed.map((r) => [r.tsSec, r.tsNsec, r.caplen, r.origLen, r.fileOffset])).toEqual(
      whole.map((r) => [r.tsSec, r.tsNsec, r.caplen, r.origLen, r.fileOffset]),
    );
    streamed.forEach((r, i) => expect(r.data).toEqual(records[i].data));
  });

  it('reports truncation of a streamed file at the same record and offset as in memory', () => {
    const path = tmpFile('stream-cut.pcap');
    const cut = file.subarray(0, file.length - 7);
    fs.writeFileSync(path, cut);
    const fromFile = readCapture(path, { stream: true, chunkSize: 512 });
    const fromBytes = readCapture(cut);
    expect(fromFile.records.length).toBe(199);
    expect(fromFile.error!.detail).toBe(fromBytes.error!.detail);
  });

  it('closes the file descriptor at the end of the stream', () => {
    const path = tmpFile('stream-close.pcap');
    fs.writeFileSync(path, file);
    const before = fs.readdirSync('/proc/self/fd').length;
    const r = openCapture(path, { stream: true, chunkSize: 1024 });
    expect(fs.readdirSync('/proc/self/fd').length).toBe(before + 1);
    while (r.next() !== null);
    expect(fs.readdirSync('/proc/self/fd').length).toBe(before);
  });

  it('closes the file descriptor when a for-of loop breaks early', () => {
    const path = tmpFile('stream-break.pcap');
    fs.writeFileSync(path, file);
    const before = fs.readdirSync('/proc/self/fd').length;
    const r = openCapture(path, { stream: true, chunkSize: 1024 });
    for (const rec of r) if (rec.index === 3) break;
    expect(fs.readdirSync('/proc/self/fd').length).toBe(before);
    expect(r.next()).toBeNull();
  });
});
