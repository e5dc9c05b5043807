import { describe, expect, it } from 'vitest';
import {
  checkSctp,
  emitSctp,
  fillSctpChecksum,
  parseSctp,
  sctpChecksum,
  sctpChecksumOk,
  SctpChunkType,
  sctpComputeChecksum,
  sctpDstPort,
  sctpFirstChunkType,
  sctpLength,
  sctpSrcPort,
  sctpVerificationTag,
  setSctpDstPort,
  Status,
  type SctpRepr,
} from '../../src/packet/index.js';
import { toHex } from './pcap.js';
import { SCTP_INIT } from './samples.js';

// sctp_assoc_data.pcap frame 1: IPv4 at 14, SCTP at 34: 0007 0007 0000 0000 3761 a746, then INIT (01 00 0020 ...).
const SCTP = 34;

describe('SCTP', () => {
  it('reads ports, verification tag and first chunk type', () => {
    expect(sctpSrcPort(SCTP_INIT, SCTP)).toBe(7);
    expect(sctpDstPort(SCTP_INIT, SCTP)).toBe(7);
    expect(sctpVerificationTag(SCTP_INIT, SCTP)).toBe(0);
    expect(sctpFirstChunkType(SCTP_INIT, SCTP)).toBe(SctpChunkType.INIT);
  });

  it('reads the CRC32c from its little-endian wire order (37 61 a7 46 on the wire)', () => {
    expect(sctpChecksum(SCTP_INIT, SCTP)).toBe(0x46a76137);
  });

  it('verifies the CRC32c of a captured INIT, computed with the checksum field as zero', () => {
    expect(sctpComputeChecksum(SCTP_INIT, SCTP, SCTP_INIT.length)).toBe(0x46a76137);
    expect(sctpChecksumOk(SCTP_INIT, SCTP, SCTP_INIT.length)).toBe(true);
  });

  it('computes without modifying the packet', () => {
    const before = toHex(SCTP_INIT);
    sctpComputeChecksum(SCTP_INIT, SCTP, SCTP_INIT.length);
    expect(toHex(SCTP_INIT)).toBe(before);
  });

  it('refills the CRC after a port rewrite', () => {
    const f = SCTP_INIT.slice();
    setSctpDstPort(f, SCTP, 9);
    expect(sctpChecksumOk(f, SCTP, f.length)).toBe(false);
    fillSctpChecksum(f, SCTP, f.length);
    expect(sctpChecksumOk(f, SCTP, f.length)).toBe(true);
  });

  it('is TRUNCATED below 12 bytes', () => {
    expect(checkSctp(SCTP_INIT, SCTP, SCTP + 11)).toBe(Status.TRUNCATED);
    expect(checkSctp(SCTP_INIT, SCTP, SCTP + 12)).toBe(Status.OK);
  });

  it('parses and emits the common header back', () => {
    const r = parseSctp(SCTP_INIT, SCTP, SCTP_INIT.length) as SctpRepr;
    expect(r).toEqual({ srcPort: 7, dstPort: 7, verificationTag: 0, checksum: 0x46a76137 });
    const out = new Uint8Array(sctpLength(r));
    emitSctp(r, out, 0);
    expect(toHex(out)).toBe(toHex(SCTP_INIT.subarray(SCTP, SCTP + 12)));
  });
});
