import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LinkType, PcapWriter, readAll } from '../../src/io/index.js';
import { PCAPIO_DIR, SKIP_PYTHON, SKIP_TSHARK, packet, pcapFile, tmpFile, tsharkFrames } from './helpers.js';

const packets = [
  { tsSec: 1_700_000_000, tsNsec: 123_456_789, data: packet(60, 1) },
  { tsSec: 1_700_000_001, tsNsec: 0, data: packet(1514, 2) },
  { tsSec: 1_700_000_001, tsNsec: 999_999_999, data: packet(42, 3) },
];

/** Runs pcapio.py (the reference tooling's reader/writer) on a small Python program. */
function python(program: string, input = ''): string {
  return execFileSync('python3', ['-c', `import sys; sys.path.insert(0, ${JSON.stringify(PCAPIO_DIR)})\n${program}`], {
    input,
    encoding: 'utf8',
  });
}

describe('pcap writer output format', () => {
  it('writes the pcapio header: LE µs magic, 2.4, zone 0, sigfigs 0, snaplen 262144, Ethernet', () => {
    const w = PcapWriter.toMemory();
    expect(Array.from(w.bytes())).toEqual([
      0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x00, 0x00, 0x04, 0x00, 1, 0, 0, 0,
    ]);
  });

  it('writes the nanosecond magic, snaplen and link type when asked', () => {
    const w = PcapWriter.toMemory({ nanosecond: true, snaplen: 65535, linktype: LinkType.LINUX_SLL });
    expect(Array.from(w.bytes().subarray(0, 4))).toEqual([0x4d, 0x3c, 0xb2, 0xa1]);
    expect(Array.from(w.bytes().subarray(16, 24))).toEqual([0xff, 0xff, 0, 0, 113, 0, 0, 0]);
  });

  it('truncates nanoseconds to microseconds as pcapio does (rem // 1000)', () => {
    const w = PcapWriter.toMemory();
    w.write(5, 999_999_999, packet(1));
    expect(readAll(w.bytes())[0]).toMatchObject({ tsSec: 5, tsNsec: 999_999_000 });
  });

  it.skipIf(SKIP_PYTHON)('produces the same bytes as pcapio.write_pcap for the same packets', () => {
    const w = PcapWriter.toMemory();
    for (const p of packets) w.write(p.tsSec, p.tsNsec, p.data);
    const spec = packets.map((p) => [
      (BigInt(p.tsSec) * 1_000_000_000n + BigInt(p.tsNsec)).toString(),
      Buffer.from(p.data).toString('hex'),
    ]);
    const theirs = python(
      `import json, pcapio, tempfile, os
recs = [(int(ts), bytes.fromhex(h)) for ts, h in json.load(sys.stdin)]
path = os.path.join(tempfile.mkdtemp(), 'ref.pcap')
pcapio.write_pcap(path, recs)
print(open(path, 'rb').read().hex())`,
      JSON.stringify(spec),
    ).trim();
    expect(Buffer.from(w.bytes()).toString('hex')).toBe(theirs);
  });

  it.skipIf(SKIP_PYTHON)('is read back by pcapio with exact nanosecond timestamps in ns mode', () => {
    const path = tmpFile('ns.pcap');
    const w = PcapWriter.toFile(path, { nanosecond: true });
    for (const p of packets) w.write(p.tsSec, p.tsNsec, p.data);
    w.close();
    const out = python(
      `import pcapio
lt, recs = pcapio.read_pcap(${JSON.stringify(path)})
print(lt, ' '.join('%d:%d' % (ts, len(f)) for ts, f in recs))`,
    ).trim();
    expect(out).toBe('1 1700000000123456789:60 1700000001000000000:1514 1700000001999999999:42');
  });
});

describe('pcap writer round trip', () => {
  it('reads back what it wrote: times, lengths, bytes', () => {
    const w = PcapWriter.toMemory({ nanosecond: true });
    for (const p of packets) w.write(p.tsSec, p.tsNsec, p.data);
    expect(readAll(w.bytes()).map((r) => [r.tsSec, r.tsNsec, r.caplen, r.origLen, Buffer.from(r.data).toString('hex')])).toEqual(
      packets.map((p) => [p.tsSec, p.tsNsec, p.data.length, p.data.length, Buffer.from(p.data).toString('hex')]),
    );
  });

  it('copies a capture record for record, keeping original lengths', () => {
    const source = pcapFile({ nanosecond: true }, [
      { sec: 10, frac: 5, data: packet(54), origLen: 1500 },
      { sec: 11, frac: 6, data: packet(60), origLen: 60 },
    ]);
    const w = PcapWriter.toMemory({ nanosecond: true, snaplen: 65535 });
    for (const r of readAll(source)) w.writeRecord(r);
    expect(w.bytes()).toEqual(new Uint8Array(source.buffer, 0, source.length).slice());
    expect(w.count).toBe(2);
  });

  it('rounds float milliseconds to the nearest microsecond, undoing float error', () => {
    // 1767663089500.3305 ms cannot be held exactly; truncation would give ...500330 µs only by luck.
    const w = PcapWriter.toMemory();
    w.writeMs(1_767_663_089_500.33, packet(1));
    w.writeMs(1_767_663_089_999.9999, packet(1));
    expect(readAll(w.bytes()).map((r) => [r.tsSec, r.tsNsec])).toEqual([
      [1_767_663_089, 500_330_000],
      [1_767_663_090, 0],
    ]);
  });

  it('round-trips every microsecond timestamp read as tsMs', () => {
    const usecs = [0, 1, 499_999, 500_000, 999_999, 123_457, 330_493];
    const source = pcapFile({}, usecs.map((u, i) => ({ sec: 1_767_663_089 + i, frac: u, data: packet(1) })));
    const w = PcapWriter.toMemory();
    for (const r of readAll(source)) w.writeMs(r.tsMs, r.data);
    expect(readAll(w.bytes()).map((r) => r.tsNsec / 1000)).toEqual(usecs);
  });

  it('cuts packets longer than the snaplen, keeping the original length', () => {
    const w = PcapWriter.toMemory({ snaplen: 100 });
    w.write(1, 0, packet(150));
    expect(readAll(w.bytes())[0]).toMatchObject({ caplen: 100, origLen: 150 });
  });

  it('rejects timestamps and lengths the format cannot hold', () => {
    const w = PcapWriter.toMemory();
    expect(() => w.write(-1, 0, packet(1))).toThrow(RangeError);
    expect(() => w.write(2 ** 32, 0, packet(1))).toThrow(RangeError);
    expect(() => w.write(1, 1e9, packet(1))).toThrow(RangeError);
    expect(() => w.write(1, 0, packet(10), 5)).toThrow(RangeError);
  });
});

describe('pcap writer to a file', () => {
  it('buffers records and writes them all on close', () => {
    const path = tmpFile('buffered.pcap');
    const w = PcapWriter.toFile(path);
    w.write(1, 0, packet(100));
    expect(fs.statSync(path).size).toBe(0);
    w.close();
    expect(fs.statSync(path).size).toBe(24 + 16 + 100);
  });

  it('writes what it holds on flush, so a reader can follow the file', () => {
    const path = tmpFile('flushed.pcap');
    const w = PcapWriter.toFile(path);
    w.write(1, 0, packet(100));
    w.flush();
    expect(readAll(path).length).toBe(1);
    w.close();
  });

  it('writes many records and ones larger than its buffer in order', () => {
    const path = tmpFile('many.pcap');
    const w = PcapWriter.toFile(path);
    const lengths = Array.from({ length: 300 }, (_, i) => (i % 50 === 7 ? 200_000 : 60 + i));
    lengths.forEach((n, i) => w.write(1_000 + i, i, packet(n, i)));
    w.close();
    const back = readAll(path);
    expect(back.map((r) => r.caplen)).toEqual(lengths);
    back.forEach((r, i) => expect(r.data[0]).toBe(i & 0xff));
  });

  it('refuses writes after close', () => {
    const w = PcapWriter.toFile(tmpFile('closed.pcap'));
    w.close();
    expect(() => w.write(1, 0, packet(1))).toThrow(/after close/);
  });

  it.skipIf(SKIP_TSHARK)('is read by tshark with the same lengths and times', async () => {
    for (const nanosecond of [false, true]) {
      const path = tmpFile(`tshark-${nanosecond}.pcap`);
      const w = PcapWriter.toFile(path, { nanosecond });
      for (const p of packets) w.write(p.tsSec, p.tsNsec, p.data);
      w.write(1_700_000_002, 0, packet(54), 1500);
      w.close();
      const ours = readAll(path).map((r) => [r.origLen, r.caplen, r.tsSec, r.tsNsec]);
      const theirs = (await tsharkFrames(path)).map((f) => [f.len, f.caplen, f.sec, f.nsec]);
      expect(theirs).toEqual(ours);
      expect(theirs[0][3]).toBe(nanosecond ? 123_456_789 : 123_456_000);
    }
  });
});
