import * as fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PcapngReader, openCapture, readAll, readCapture } from '../../src/io/index.js';
import { PcapngBuilder, SKIP_TSHARK, packet, tmpFile, tsharkFrames } from './helpers.js';

const T0 = 1_700_000_000n;

function records(bytes: Uint8Array) {
  return readAll(bytes).map((r) => ({
    tsSec: r.tsSec,
    tsNsec: r.tsNsec,
    caplen: r.caplen,
    origLen: r.origLen,
    linktype: r.linktype,
    interfaceId: r.interfaceId,
    section: r.section,
  }));
}

describe('pcapng section header', () => {
  it.each([
    ['little-endian', true],
    ['big-endian', false],
  ])('reads a %s section', (_name, le) => {
    const file = new PcapngBuilder()
      .shb(le)
      .idb(1, { snaplen: 262144 })
      .epb(0, T0 * 1_000_000n + 250_000n, packet(60))
      .bytes();
    const r = PcapngReader.fromBytes(file);
    expect(r.littleEndian).toBe(le);
    const rec = r.next()!;
    expect([rec.tsSec, rec.tsNsec, rec.caplen, rec.linktype]).toEqual([Number(T0), 250_000_000, 60, 1]);
    expect(rec.data).toEqual(packet(60));
    expect(r.next()).toBeNull();
    expect(r.error).toBeUndefined();
  });

  it('rejects an unknown byte-order magic', () => {
    const file = new PcapngBuilder().shb().bytes();
    file[8] = 0x99;
    const r = PcapngReader.fromBytes(file);
    expect(r.next()).toBeNull();
    expect(r.error!.detail).toBe('block 1 (section header block) at byte offset 0: bad byte-order magic 0x1a2b3c99');
  });

  it('rejects a major version other than 1', () => {
    const file = new PcapngBuilder().shb().bytes();
    file[12] = 2;
    expect(() => PcapngReader.fromBytes(file, { strict: true })).toThrow(/unsupported pcapng version 2\.0/);
  });
});

describe('pcapng timestamps', () => {
  it('defaults to microseconds when the IDB has no if_tsresol', () => {
    const file = new PcapngBuilder().shb().idb(1).epb(0, T0 * 1_000_000n + 999_999n, packet(1)).bytes();
    expect(records(file)[0]).toMatchObject({ tsSec: Number(T0), tsNsec: 999_999_000 });
  });

  it('splits nanosecond counts beyond 2^53 exactly', () => {
    const file = new PcapngBuilder()
      .shb()
      .idb(1, { tsresol: 9 })
      .epb(0, 1_767_663_089_500_330_493n, packet(1))
      .bytes();
    const r = readAll(file)[0];
    expect([r.tsSec, r.tsNsec]).toEqual([1_767_663_089, 500_330_493]);
    expect(r.tsMs).toBeCloseTo(1_767_663_089_500.330493, 3);
  });

  it('reads power-of-2 resolutions (if_tsresol with the top bit set)', () => {
    // 2^-20 s units: 3.5 s + 1 unit = 3 s and 500000953 ns (953.67 ns truncated).
    const file = new PcapngBuilder()
      .shb()
      .idb(1, { tsresol: 0x80 | 20 })
      .epb(0, (T0 << 20n) + (1n << 19n) + 1n, packet(1))
      .bytes();
    expect(records(file)[0]).toMatchObject({ tsSec: Number(T0), tsNsec: 500_000_953 });
  });

  it('reads resolutions finer than a nanosecond, truncating to ns', () => {
    const file = new PcapngBuilder()
      .shb()
      .idb(1, { tsresol: 12 })
      .epb(0, 5n * 10n ** 12n + 123_456_789_999n, packet(1))
      .bytes();
    expect(records(file)[0]).toMatchObject({ tsSec: 5, tsNsec: 123_456_789 });
  });

  it('adds if_tsoffset seconds, negative ones included', () => {
    const file = new PcapngBuilder()
      .shb()
      .idb(1, { tsoffset: 1_000_000n })
      .idb(1, { tsoffset: -10n })
      .epb(0, 2_000_000n, packet(1))
      .epb(1, 20_000_000n, packet(1))
      .bytes();
    expect(records(file).map((r) => r.tsSec)).toEqual([1_000_002, 10]);
  });
});

describe('pcapng packet blocks', () => {
  it('reads simple packet blocks on interface 0, without a timestamp, cut to the snaplen', () => {
    const file = new PcapngBuilder().shb().idb(1, { snaplen: 64 }).spb(100, packet(64)).spb(30, packet(30)).bytes();
    expect(records(file)).toEqual([
      { tsSec: 0, tsNsec: 0, caplen: 64, origLen: 100, linktype: 1, interfaceId: 0, section: 0 },
      { tsSec: 0, tsNsec: 0, caplen: 30, origLen: 30, linktype: 1, interfaceId: 0, section: 0 },
    ]);
  });

  it('reads obsolete packet blocks with their 16-bit interface id', () => {
    const file = new PcapngBuilder().shb().idb(1).idb(113).opb(1, T0 * 1_000_000n, packet(44), 50).bytes();
    expect(records(file)).toEqual([
      { tsSec: Number(T0), tsNsec: 0, caplen: 44, origLen: 50, linktype: 113, interfaceId: 1, section: 0 },
    ]);
  });

  it('gives each packet the link type of its interface', () => {
    const file = new PcapngBuilder()
      .shb()
      .idb(1)
      .idb(276)
      .epb(1, 1n, packet(20))
      .epb(0, 2n, packet(20))
      .bytes();
    expect(records(file).map((r) => [r.interfaceId, r.linktype])).toEqual([
      [1, 276],
      [0, 1],
    ]);
  });

  it('skips blocks it does not know (name resolution, statistics, custom)', () => {
    const file = new PcapngBuilder()
      .shb()
      .block(0x00000004, new Uint8Array(8))
      .idb(1)
      .block(0x00000005, new Uint8Array(20))
      .epb(0, 1n, packet(10))
      .block(0x00000bad, new Uint8Array(4))
      .epb(0, 2n, packet(11))
      .bytes();
    expect(records(file).map((r) => r.caplen)).toEqual([10, 11]);
  });

  it('points data into the file buffer without copying and reuses the record', () => {
    const file = new PcapngBuilder().shb().idb(1).epb(0, 1n, packet(10)).epb(0, 2n, packet(11)).bytes();
    const r = PcapngReader.fromBytes(file);
    const a = r.next()!;
    expect(a.data.buffer).toBe(file.buffer);
    expect(r.next()).toBe(a);
  });

  it('exposes the interfaces with their options', () => {
    const file = new PcapngBuilder().shb().idb(1, { snaplen: 128, tsresol: 9, name: 'eth0' }).bytes();
    const r = PcapngReader.fromBytes(file);
    r.next();
    expect(r.interfaces).toEqual([
      { id: 0, section: 0, linktype: 1, snaplen: 128, tsresol: 9, tsOffset: 0, name: 'eth0' },
    ]);
  });
});

describe('pcapng sections', () => {
  // Two sections, the second big-endian, each declaring its own interface 0.
  const file = new PcapngBuilder()
    .shb(true)
    .idb(1)
    .epb(0, 1_000_000n, packet(10))
    .shb(false)
    .idb(113, { tsresol: 9 })
    .epb(0, 2_000_000_000n, packet(12))
    .bytes();

  it('restarts interface ids in each section, as the file and tshark number them, and says which section', () => {
    expect(records(file).map((r) => [r.section, r.interfaceId, r.linktype, r.tsSec, r.caplen])).toEqual([
      [0, 0, 1, 1, 10],
      [1, 0, 113, 2, 12],
    ]);
  });

  it('switches byte order at each section header', () => {
    const r = PcapngReader.fromBytes(file);
    r.next();
    expect(r.littleEndian).toBe(true);
    r.next();
    expect(r.littleEndian).toBe(false);
    expect(r.sections).toBe(2);
  });

  it('forgets the previous section interfaces', () => {
    const bad = new PcapngBuilder().shb().idb(1).idb(1).shb().idb(1).epb(1, 1n, packet(4)).bytes();
    const { records: got, error } = readCapture(bad);
    expect(got).toEqual([]);
    expect(error!.detail).toMatch(/interface 1 is not declared \(the section has 1\)/);
  });
});

describe('pcapng damage', () => {
  const good = new PcapngBuilder()
    .shb()
    .idb(1)
    .epb(0, 1n, packet(60))
    .epb(0, 2n, packet(61))
    .epb(0, 3n, packet(62))
    .bytes();
  // SHB 28 bytes, IDB 20, EPBs 92, 96, 96.
  const third = 28 + 20 + 92 + 96;

  it('stops at a truncated block, naming block, packet and offset, after the packets before it', () => {
    const { records: got, error } = readCapture(good.subarray(0, third + 50), { file: 'x.pcapng' });
    expect(got.map((r) => r.caplen)).toEqual([60, 61]);
    expect(error!.message).toBe(
      `x.pcapng: block 5 (enhanced packet block, packet 3) at byte offset ${third}: truncated block (50 of 96 bytes)`,
    );
  });

  it('stops at a truncated block header', () => {
    const { records: got, error } = readCapture(good.subarray(0, third + 6));
    expect(got.length).toBe(2);
    expect(error!.detail).toBe(`block 5 at byte offset ${third}: truncated block header (6 of 8 bytes)`);
  });

  it('stops at a block length that is not a multiple of 4', () => {
    const bad = new PcapngBuilder().shb().idb(1).epb(0, 1n, packet(4)).block(6, new Uint8Array(24), 33).bytes();
    const { records: got, error } = readCapture(bad);
    expect(got.length).toBe(1);
    expect(error!.detail).toBe('block 4 (enhanced packet block, packet 2) at byte offset 84: corrupt block length 33 (not a multiple of 4)');
  });

  it('stops at a block length under 12', () => {
    const bad = new PcapngBuilder().shb().idb(1).block(6, new Uint8Array(0), 8).bytes();
    expect(readCapture(bad).error!.detail).toMatch(/corrupt block length 8 \(under 12\)/);
  });

  it('stops when the trailing block length disagrees', () => {
    const bad = new PcapngBuilder().shb().idb(1).block(5, new Uint8Array(4), 16, 20).bytes();
    expect(readCapture(bad).error!.detail).toBe(
      'block 3 (block type 0x00000005) at byte offset 48: block length 16 does not match its trailing copy 20',
    );
  });

  it('stops at a captured length that runs past its block', () => {
    const bad = new PcapngBuilder().shb().idb(1).epb(0, 1n, packet(8), 8, 400).bytes();
    expect(readCapture(bad).error!.detail).toMatch(/captured length 400 runs past the end of the block \(8 bytes of data\)/);
  });

  it('stops at a packet for an interface the section has not declared', () => {
    const bad = new PcapngBuilder().shb().idb(1).epb(2, 1n, packet(8)).bytes();
    expect(readCapture(bad).error!.detail).toBe(
      'block 3 (enhanced packet block, packet 1) at byte offset 48: interface 2 is not declared (the section has 1)',
    );
  });

  it('stops at an IDB option that runs past its block', () => {
    const idb = new Uint8Array(12);
    new DataView(idb.buffer).setUint16(0, 1, true);
    new DataView(idb.buffer).setUint16(8, 9, true);
    new DataView(idb.buffer).setUint16(10, 40, true);
    const bad = new PcapngBuilder().shb().block(1, idb).bytes();
    expect(readCapture(bad).error!.detail).toMatch(/option 9 of 40 bytes runs past the end of the block/);
  });
});

describe('pcapng streaming', () => {
  it('reads the same records through a small window as from memory', () => {
    const b = new PcapngBuilder().shb().idb(1, { tsresol: 9 }).idb(113);
    for (let i = 0; i < 100; i++) b.epb(i % 2, BigInt(i) * 1_000_000_123n, packet(i % 10 === 0 ? 3000 : 60 + i, i));
    const file = b.bytes();
    const path = tmpFile('stream.pcapng');
    fs.writeFileSync(path, file);
    const key = (r: { tsSec: number; tsNsec: number; caplen: number; interfaceId: number; data: Uint8Array }) => [
      r.tsSec,
      r.tsNsec,
      r.caplen,
      r.interfaceId,
      Array.from(r.data.subarray(0, 4)),
    ];
    const reader = openCapture(path, { stream: true, chunkSize: 200 });
    const streamed = [];
    for (const r of reader) streamed.push(key(r));
    expect(streamed).toEqual(readAll(file).map(key));
    expect(streamed.length).toBe(100);
  });
});

describe.skipIf(SKIP_TSHARK)('pcapng files built by hand agree with tshark', () => {
  const cases: [string, Uint8Array][] = [
    ['big-endian section', new PcapngBuilder().shb(false).idb(1).epb(0, T0 * 1_000_000n + 7n, packet(60)).bytes()],
    [
      'nanosecond and power-of-2 interfaces',
      new PcapngBuilder()
        .shb()
        .idb(1, { tsresol: 9 })
        .idb(1, { tsresol: 0x80 | 20 })
        .epb(0, T0 * 1_000_000_000n + 123_456_789n, packet(60))
        .epb(1, (T0 << 20n) + 12_345n, packet(70))
        .bytes(),
    ],
    ['if_tsoffset', new PcapngBuilder().shb().idb(1, { tsoffset: 1_600_000_000n }).epb(0, 5_500_000n, packet(60)).bytes()],
    [
      'sections with different interface lists',
      new PcapngBuilder().shb().idb(1).idb(113).epb(1, 1_000_000n, packet(60)).shb().idb(1).epb(0, 2_000_000n, packet(61)).bytes(),
    ],
    ['obsolete packet block', new PcapngBuilder().shb().idb(1).opb(0, T0 * 1_000_000n, packet(60), 80).bytes()],
    ['simple packet block', new PcapngBuilder().shb().idb(1, { snaplen: 50 }).spb(60, packet(50)).bytes()],
    [
      'two sections',
      new PcapngBuilder().shb().idb(1).epb(0, 1_000_000n, packet(60)).shb(false).idb(1).idb(1).epb(1, 2_000_000n, packet(61)).bytes(),
    ],
  ];

  it.each(cases)('%s', async (name, bytes) => {
    const path = tmpFile(`${name.replace(/\W+/g, '_')}.pcapng`);
    fs.writeFileSync(path, bytes);
    const ours = readAll(path).map((r) => [r.origLen, r.caplen, r.tsSec, r.tsNsec, r.interfaceId]);
    const theirs = (await tsharkFrames(path)).map((f) => [f.len, f.caplen, f.sec, f.nsec, f.interfaceId]);
    expect(ours).toEqual(theirs);
  });
});
