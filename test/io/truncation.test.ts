/**
 * Damage never costs what came before it. Good captures are cut at every byte offset (and corrupted at random); the
 * reader must deliver exactly the records that are complete before the cut, then stop with an error naming the next
 * record or block and its offset, and never throw in non-strict mode.
 */

import * as fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CaptureError } from '../../src/base/index.js';
import { openCapture, readAll, readCapture } from '../../src/io/index.js';
import type { CaptureContents } from '../../src/io/index.js';
import { PcapngBuilder, captureFiles, capturePath, packet, pcapFile, tmpFile } from './helpers.js';

/** Where each record (pcap) or block (pcapng) starts and ends, walked independently of the readers. */
interface Unit {
  start: number;
  end: number;
  /** Packets whose bytes are complete once this unit is. */
  packetsThrough: number;
}

function pcapUnits(file: Uint8Array): Unit[] {
  const v = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const le = v.getUint32(0, false) === 0xd4c3b2a1 || v.getUint32(0, false) === 0x4d3cb2a1;
  const units: Unit[] = [{ start: 0, end: 24, packetsThrough: 0 }];
  for (let o = 24, n = 1; o < file.length; n++) {
    const end = o + 16 + v.getUint32(o + 8, le);
    units.push({ start: o, end, packetsThrough: n });
    o = end;
  }
  return units;
}

/** Little-endian single-section pcapng files only, which is what the corpus and the builder below produce. */
function pcapngUnits(file: Uint8Array): Unit[] {
  const v = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const units: Unit[] = [];
  let packets = 0;
  for (let o = 0; o < file.length; ) {
    const type = v.getUint32(o, true);
    const end = o + v.getUint32(o + 4, true);
    if (type === 6 || type === 3 || type === 2) packets++;
    units.push({ start: o, end, packetsThrough: packets });
    o = end;
  }
  return units;
}

function expectCutBehaviour(file: Uint8Array, units: Unit[], cut: number, got: CaptureContents, format: string): void {
  const complete = units.filter((u) => u.end <= cut);
  const delivered = complete.length === 0 ? 0 : complete[complete.length - 1].packetsThrough;
  expect(got.records.length).toBe(delivered);
  const atBoundary = cut === 0 || units.some((u) => u.end === cut);
  if (atBoundary && complete.length > 0) {
    expect(got.error).toBeUndefined();
    return;
  }
  expect(got.error).toBeInstanceOf(CaptureError);
  const broken = units[complete.length];
  if (format === 'pcap') {
    if (broken.start === 0) expect(got.error!.detail).toBe(`truncated pcap file header (${cut} of 24 bytes)`);
    else expect(got.error!.detail).toMatch(new RegExp(`^record ${delivered + 1} at byte offset ${broken.start}: truncated`));
  } else {
    expect(got.error!.detail).toMatch(new RegExp(`^block ${complete.length + 1} .*at byte offset ${broken.start}: truncated`));
  }
}

function cutEverywhere(name: string, file: Uint8Array, format: 'pcap' | 'pcapng'): void {
  const units = format === 'pcap' ? pcapUnits(file) : pcapngUnits(file);

  it(`${name}: every cut from byte 4 to the end keeps the complete records and names the broken one`, () => {
    for (let cut = 4; cut <= file.length; cut++) {
      const got = readCapture(file.subarray(0, cut));
      expectCutBehaviour(file, units, cut, got, format);
    }
  });

  it(`${name}: strict mode throws at the same place, after the same records`, () => {
    for (let cut = 4; cut < file.length; cut += 7) {
      const lenient = readCapture(file.subarray(0, cut));
      if (lenient.error === undefined) continue;
      let delivered = 0;
      let thrown: unknown;
      try {
        const r = openCapture(file.subarray(0, cut), { strict: true });
        while (r.next() !== null) delivered++;
      } catch (e) {
        thrown = e;
      }
      expect((thrown as CaptureError).detail).toBe(lenient.error.detail);
      expect(delivered).toBe(lenient.records.length);
    }
  });

  it(`${name}: a streamed file cut anywhere stops at the same record as in memory`, () => {
    const path = tmpFile(name);
    for (let cut = 24; cut < file.length; cut += 13) {
      fs.writeFileSync(path, file.subarray(0, cut));
      const streamed = readCapture(path, { stream: true, chunkSize: 128 });
      const inMemory = readCapture(file.subarray(0, cut));
      expect(streamed.records.length).toBe(inMemory.records.length);
      expect(streamed.error?.detail).toBe(inMemory.error?.detail);
    }
  });
}

describe('cut classic pcap', () => {
  const built = pcapFile(
    {},
    Array.from({ length: 12 }, (_, i) => ({ sec: i, frac: i, data: packet(i * 11, i) })),
  );
  cutEverywhere('built.pcap (includes an empty record)', built, 'pcap');
  for (const name of ['arp_req_reply.pcap', 'be_pcap_pptp_gre_v1.pcap', 'nsec_sll_tcp_handshake.pcap']) {
    if (captureFiles().includes(name)) cutEverywhere(name, fs.readFileSync(capturePath(name)), 'pcap');
  }
});

describe('cut pcapng', () => {
  const built = new PcapngBuilder()
    .shb()
    .idb(1, { tsresol: 9 })
    .epb(0, 1n, packet(30))
    .block(5, new Uint8Array(16))
    .spb(20, packet(20))
    .opb(0, 3n, packet(9))
    .epb(0, 4n, packet(0))
    .bytes();
  cutEverywhere('built.pcapng', built, 'pcapng');
  for (const name of ['pcapng_multi_interface_dns.pcapng', 'vlan_pcp_dei_tcp.pcapng']) {
    if (captureFiles().includes(name)) cutEverywhere(name, fs.readFileSync(capturePath(name)), 'pcapng');
  }
});

describe('random corruption', () => {
  /** xorshift32: deterministic, so a failure reproduces. */
  function rng(seed: number): () => number {
    let x = seed;
    return () => {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      return (x >>> 0) / 2 ** 32;
    };
  }

  const sources = captureFiles()
    .filter((f) => ['dns_tcp.pcap', 'pcapng_multi_interface_dns.pcapng', 'nsec_eth_http_to_ssh.pcap'].includes(f))
    .map((f) => fs.readFileSync(capturePath(f)));
  sources.push(Buffer.from(pcapFile({}, [{ sec: 1, frac: 2, data: packet(100) }, { sec: 3, frac: 4, data: packet(50) }])));

  it('never throws in non-strict mode and never hands out bytes beyond the file', () => {
    const random = rng(0x5eed);
    for (const original of sources) {
      for (let trial = 0; trial < 300; trial++) {
        const file = Uint8Array.from(original);
        const flips = 1 + Math.floor(random() * 4);
        // Leave the magic alone: a changed magic is refused at open, which another test covers.
        for (let k = 0; k < flips; k++) file[4 + Math.floor(random() * (file.length - 4))] = Math.floor(random() * 256);
        const r = openCapture(file);
        for (let rec = r.next(); rec !== null; rec = r.next()) {
          expect(rec.offset + rec.caplen).toBeLessThanOrEqual(file.length);
          expect(rec.data.length).toBe(rec.caplen);
        }
      }
    }
  });

  it('a corrupt length stops the reader even when the records after it are intact', () => {
    const file = pcapFile({}, [
      { sec: 1, frac: 0, data: packet(10) },
      { sec: 2, frac: 0, data: packet(10), caplenField: 0xffffffff },
      { sec: 3, frac: 0, data: packet(10) },
    ]);
    const { records, error } = readCapture(file);
    expect(records.map((r) => r.tsSec)).toEqual([1]);
    expect(error!.detail).toMatch(/^record 2 at byte offset 50: captured length 4294967295 exceeds/);
    expect(() => readAll(file)).toThrow(CaptureError);
  });
});
