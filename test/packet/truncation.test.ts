/**
 * Truncation and garbage never throw, and a header that a check passes at a cut is the same header as in the whole
 * packet: truncation can hide layers, never change what a visible layer says.
 */

import { describe, expect, it } from 'vitest';
import {
  arpCodec,
  ethernetCodec,
  icmpCodec,
  icmpv6Codec,
  ipv4Codec,
  ipv6Codec,
  ipv6ExtCodec,
  sctpCodec,
  Status,
  tcpCodec,
  udpCodec,
  vlanCodec,
  vxlanCodec,
  type Codec,
} from '../../src/packet/index.js';
import { dissect } from './dissect.js';
import { randBytes, rng } from './rng.js';
import * as S from './samples.js';

const samples = Object.entries(S) as [string, Uint8Array][];
const codecs = [
  ethernetCodec,
  vlanCodec,
  arpCodec,
  ipv4Codec,
  ipv6Codec,
  icmpCodec,
  icmpv6Codec,
  tcpCodec,
  udpCodec,
  sctpCodec,
  vxlanCodec,
  ...[0, 43, 44, 60, 51].map(ipv6ExtCodec),
] as Codec<unknown>[];
const statusValues = new Set<number>(Object.values(Status));

describe('truncation at every byte offset', () => {
  it.each(samples)('%s: the full frame dissects to its innermost layer without errors', (_name, frame) => {
    const layers = dissect(frame, 0, frame.length);
    expect(layers.length).toBeGreaterThan(1);
    for (const l of layers) expect([Status.OK]).toContain(l.status);
  });

  it.each(samples)('%s: every cut dissects without throwing, into layers the full frame agrees with', (_name, frame) => {
    const full = dissect(frame, 0, frame.length);
    for (let n = 0; n <= frame.length; n++) {
      // A real copy, so that nothing past the cut is there to be read by mistake.
      const cut = frame.slice(0, n);
      const layers = dissect(cut, 0, n);
      for (let i = 0; i < layers.length; i++) {
        const l = layers[i];
        expect(statusValues.has(l.status)).toBe(true);
        expect(l.name).toBe(full[i].name);
        // ICMPv6 ND options run to the datagram end, so a cut datagram lists fewer; the walk and headers must match.
        if (l.repr !== undefined && l.status === Status.OK && l.name !== 'icmpv6') expect(l.repr).toEqual(full[i].repr);
      }
    }
  });

  it.each(samples)('%s: every codec parses every cut at every offset without throwing', (_name, frame) => {
    for (let n = 0; n <= frame.length; n += 3) {
      const cut = frame.slice(0, n);
      for (let off = 0; off <= n; off++) {
        for (const c of codecs) {
          const r = c.parse(cut, off, n);
          if (typeof r === 'number') expect(r).toBeGreaterThan(Status.PAYLOAD_TRUNCATED);
        }
      }
    }
  });
});

describe('random bytes', () => {
  it('never make a check or parse throw', () => {
    const r = rng(99);
    for (let k = 0; k < 3000; k++) {
      const frame = randBytes(r, Math.floor(r() * 120));
      // Steer a share of them into the interesting decoders.
      if (frame.length > 14 && k % 2 === 0) {
        const types = [0x0800, 0x86dd, 0x0806, 0x8100, 0x88a8];
        const t = types[k % types.length];
        frame[12] = t >>> 8;
        frame[13] = t & 0xff;
        if (t === 0x0800 && frame.length > 15) frame[14] = 0x40 | (frame[14] & 0x0f);
        if (t === 0x86dd && frame.length > 15) frame[14] = 0x60 | (frame[14] & 0x0f);
      }
      expect(() => dissect(frame, 0, frame.length)).not.toThrow();
      for (const c of codecs) expect(() => c.parse(frame, 0, frame.length)).not.toThrow();
    }
  });
});
