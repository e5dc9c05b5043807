/**
 * Every public sample capture (shared/captures, see MANIFEST.md there) read by our readers and judged by others:
 * tshark for counts, lengths, exact timestamps and interfaces; pcap-parser for the classic microsecond files; the
 * manifest's packet counts where neither tool is present.
 */

import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import { beforeAll, describe, expect, it } from 'vitest';
import { LinkType, PcapWriter, openCapture, readAll, readCapture, toEthernetFrame } from '../../src/io/index.js';
import type { CaptureRecord } from '../../src/io/index.js';
import {
  CAPTURES_DIR,
  IN_CI,
  SKIP_TSHARK,
  captureFiles,
  capturePath,
  mapLimit,
  tmpFile,
  tsharkFields,
  tsharkFrames,
} from './helpers.js';
import type { TsharkFrame } from './helpers.js';

const files = captureFiles();
const haveCorpus = files.length > 0;
if (!haveCorpus && !IN_CI) console.warn(`no captures in ${CAPTURES_DIR}: skipping corpus cross-checks`);

describe.skipIf(!haveCorpus && !IN_CI)('sample capture corpus', () => {
  it('is present (42 files per MANIFEST.md)', () => {
    expect(files.length).toBe(42);
  });

  describe('against MANIFEST.md', () => {
    const manifest = haveCorpus ? fs.readFileSync(capturePath('MANIFEST.md'), 'utf8') : '';
    const counts = new Map<string, number>();
    for (const m of manifest.matchAll(/^\| \d+ \| `([^`]+)` \|(?:[^|]*\|){3} (\d+) \|/gm)) counts.set(m[1], Number(m[2]));

    it.each(files)('%s has the packet count the manifest lists', (name) => {
      expect(readAll(capturePath(name)).length).toBe(counts.get(name));
    });
  });

  it.each(files)('%s reads to the end without damage, also in strict mode', (name) => {
    const { error } = readCapture(capturePath(name));
    expect(error).toBeUndefined();
    const r = openCapture(capturePath(name), { strict: true });
    while (r.next() !== null);
  });

  it.each(files)('%s reads the same through a 4 KiB streaming window', (name) => {
    const key = (r: CaptureRecord) => [r.tsSec, r.tsNsec, r.caplen, r.origLen, r.interfaceId, Buffer.from(r.data).toString('hex')];
    const whole = readAll(capturePath(name)).map(key);
    const streamed = readAll(capturePath(name), { stream: true, chunkSize: 4096 }).map(key);
    expect(streamed).toEqual(whole);
  });

  describe.skipIf(SKIP_TSHARK)('against tshark', () => {
    const tshark = new Map<string, TsharkFrame[]>();
    beforeAll(async () => {
      const results = await mapLimit(files, 4, (f) => tsharkFrames(capturePath(f)));
      files.forEach((f, i) => tshark.set(f, results[i]));
    });

    it.each(files)('%s: same packets, lengths, exact timestamps and interfaces as tshark', (name) => {
      const ours = readAll(capturePath(name)).map((r) => ({
        len: r.origLen,
        caplen: r.caplen,
        sec: r.tsSec,
        nsec: r.tsNsec,
        interfaceId: name.endsWith('.pcapng') ? r.interfaceId : undefined,
      }));
      expect(ours).toEqual(tshark.get(name));
    });

    it('tsMs agrees with tshark time_epoch to within float resolution', () => {
      for (const name of files) {
        const theirs = tshark.get(name)!;
        readAll(capturePath(name)).forEach((r, i) => {
          const ms = theirs[i].sec * 1000 + theirs[i].nsec / 1e6;
          expect(Math.abs(r.tsMs - ms)).toBeLessThan(0.001);
        });
      }
    });
  });

  describe('against pcap-parser (classic microsecond pcap only)', () => {
    const require = createRequire(import.meta.url);
    const pcapParser = require('pcap-parser') as { parse(input: string): NodeJS.EventEmitter };
    const classicMicro = files.filter((f) => {
      if (!f.endsWith('.pcap')) return false;
      const magic = fs.readFileSync(capturePath(f)).readUInt32BE(0);
      return magic === 0xa1b2c3d4 || magic === 0xd4c3b2a1;
    });

    interface ParsedPacket {
      header: { timestampSeconds: number; timestampMicroseconds: number; capturedLength: number; originalLength: number };
      data: Buffer;
    }

    function parseWithPcapParser(path: string): Promise<ParsedPacket[]> {
      return new Promise((resolve, reject) => {
        const out: ParsedPacket[] = [];
        const parser = pcapParser.parse(path);
        parser.on('packet', (p: ParsedPacket) => out.push({ header: p.header, data: Buffer.from(p.data) }));
        parser.on('error', reject);
        parser.on('end', () => resolve(out));
      });
    }

    it('covers the 38 classic microsecond files', () => {
      expect(classicMicro.length).toBe(38);
    });

    it.each(classicMicro)('%s: same headers and bytes as pcap-parser', async (name) => {
      const theirs = await parseWithPcapParser(capturePath(name));
      const ours = readAll(capturePath(name));
      expect(ours.map((r) => [r.tsSec, r.tsNsec / 1000, r.caplen, r.origLen])).toEqual(
        theirs.map((p) => [
          p.header.timestampSeconds,
          p.header.timestampMicroseconds,
          p.header.capturedLength,
          p.header.originalLength,
        ]),
      );
      ours.forEach((r, i) => expect(Buffer.from(r.data).equals(theirs[i].data)).toBe(true));
    });
  });

  describe('link types', () => {
    const linktypes = (name: string) => new Set(readAll(capturePath(name)).map((r) => r.linktype));

    it('reports Linux SLL for the cooked captures and SLL2 for the SLL2 one', () => {
      expect(linktypes('sll_arp.pcap')).toEqual(new Set([LinkType.LINUX_SLL]));
      expect(linktypes('nsec_sll_tcp_handshake.pcap')).toEqual(new Set([LinkType.LINUX_SLL]));
      expect(linktypes('sll2_icmp_arp.pcap')).toEqual(new Set([LinkType.LINUX_SLL2]));
    });

    it('reports Ethernet for every other file', () => {
      const cooked = new Set(['sll_arp.pcap', 'nsec_sll_tcp_handshake.pcap', 'sll2_icmp_arp.pcap']);
      for (const name of files.filter((f) => !cooked.has(f))) expect(linktypes(name)).toEqual(new Set([LinkType.ETHERNET]));
    });

    it.skipIf(SKIP_TSHARK).each(['sll_arp.pcap', 'sll2_icmp_arp.pcap', 'nsec_sll_tcp_handshake.pcap'])(
      '%s converted to Ethernet decodes to the same protocols in tshark',
      async (name) => {
        const path = tmpFile(name.replace('.pcap', '-eth.pcap'));
        const w = PcapWriter.toFile(path);
        for (const r of readAll(capturePath(name))) w.write(r.tsSec, r.tsNsec, toEthernetFrame(r.linktype, r.data)!);
        w.close();
        const before = await tsharkFields(capturePath(name), ['frame.protocols', 'sll.src.eth']);
        const after = await tsharkFields(path, ['frame.protocols', 'eth.src']);
        expect(after.map((f) => f[0])).toEqual(before.map((f) => f[0].replace(/^sll:/, 'eth:')));
        // No 6-byte link address in the cooked header (loopback): the synthesised source is zero.
        expect(after.map((f) => f[1])).toEqual(before.map((f) => f[1] || '00:00:00:00:00:00'));
      },
    );
  });
});
