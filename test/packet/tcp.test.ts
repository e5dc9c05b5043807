import { describe, expect, it } from 'vitest';
import {
  checkTcp,
  emitTcp,
  fillTcpChecksum,
  parseTcp,
  setTcpDstPort,
  Status,
  tcpAck,
  tcpChecksum,
  tcpChecksumOk,
  TcpFlag,
  tcpFlags,
  tcpFlagsFromString,
  tcpDstPort,
  tcpHeaderLen,
  tcpLength,
  tcpSeq,
  tcpSrcPort,
  tcpUrgent,
  tcpWindow,
  type TcpRepr,
} from '../../src/packet/index.js';
import { toHex } from './pcap.js';
import { IPV6_EXT_TCP_SYN, TCP_SYN } from './samples.js';

// dns_tcp.pcap frame 1: IPv4 at 14, TCP at 34:
//   83f3 0035 23fe c80c 0000 0000 a002 faf0 0c41 0000 + 20 bytes of options (MSS, SACK_PERM, TS, NOP, WS).
const IP = 14;
const TCP = 34;

describe('TCP accessors', () => {
  it('read ports, sequence, acknowledgement, window, checksum and urgent pointer', () => {
    expect(tcpSrcPort(TCP_SYN, TCP)).toBe(33779);
    expect(tcpDstPort(TCP_SYN, TCP)).toBe(53);
    expect(tcpSeq(TCP_SYN, TCP)).toBe(0x23fec80c);
    expect(tcpAck(TCP_SYN, TCP)).toBe(0);
    expect(tcpWindow(TCP_SYN, TCP)).toBe(64240);
    expect(tcpChecksum(TCP_SYN, TCP)).toBe(0x0c41);
    expect(tcpUrgent(TCP_SYN, TCP)).toBe(0);
  });

  it('read the header length from the data offset, options included', () => {
    expect(tcpHeaderLen(TCP_SYN, TCP)).toBe(40);
  });

  it('read the 12 flag bits OVS matches, reserved bits included', () => {
    expect(tcpFlags(TCP_SYN, TCP)).toBe(TcpFlag.SYN);
    const f = TCP_SYN.slice();
    f[TCP + 12] |= 0x0f; // 3 reserved bits + NS
    f[TCP + 13] = 0xff;
    expect(tcpFlags(f, TCP)).toBe(0xfff);
  });

  it('parse tcpdump flag letters', () => {
    expect(tcpFlagsFromString('SA')).toBe(TcpFlag.SYN | TcpFlag.ACK);
    expect(tcpFlagsFromString('FP.')).toBe(TcpFlag.FIN | TcpFlag.PSH | TcpFlag.ACK);
    expect(() => tcpFlagsFromString('SX')).toThrow(/invalid TCP flag letter "X"/);
  });
});

describe('TCP checksum', () => {
  it('verifies a captured IPv4 segment', () => {
    expect(tcpChecksumOk(TCP_SYN, IP, TCP, TCP_SYN.length)).toBe(true);
  });

  it('verifies a captured IPv6 segment behind a destination options header', () => {
    expect(tcpChecksumOk(IPV6_EXT_TCP_SYN, 14, 62, IPV6_EXT_TCP_SYN.length)).toBe(true);
  });

  it('is refilled after a port rewrite', () => {
    const f = TCP_SYN.slice();
    setTcpDstPort(f, TCP, 5353);
    expect(tcpChecksumOk(f, IP, TCP, f.length)).toBe(false);
    fillTcpChecksum(f, IP, TCP, f.length);
    expect(tcpChecksumOk(f, IP, TCP, f.length)).toBe(true);
  });
});

describe('TCP check', () => {
  it('is OK for a whole header with options', () => {
    expect(checkTcp(TCP_SYN, TCP, TCP_SYN.length)).toBe(Status.OK);
  });

  it('is TRUNCATED when a snaplen cuts the options (tcp_smtp_snaplen68 style)', () => {
    expect(checkTcp(TCP_SYN, TCP, TCP + 34)).toBe(Status.TRUNCATED);
    expect(checkTcp(TCP_SYN, TCP, TCP + 19)).toBe(Status.TRUNCATED);
  });

  it('is BAD_HEADER_LEN for a data offset below 5', () => {
    const f = TCP_SYN.slice();
    f[TCP + 12] = 0x40 | (f[TCP + 12] & 0x0f);
    expect(checkTcp(f, TCP, f.length)).toBe(Status.BAD_HEADER_LEN);
  });
});

describe('TCP Repr', () => {
  it('parses the header and keeps options raw', () => {
    const r = parseTcp(TCP_SYN, TCP, TCP_SYN.length) as TcpRepr;
    expect(r).toMatchObject({ srcPort: 33779, dstPort: 53, seq: 0x23fec80c, ack: 0, flags: 2, window: 64240, urgent: 0 });
    expect(toHex(r.options)).toBe('020405b40402080a79e2ca9a0000000001030307');
  });

  it('emits the captured bytes back', () => {
    const r = parseTcp(TCP_SYN, TCP, TCP_SYN.length) as TcpRepr;
    const out = new Uint8Array(tcpLength(r));
    expect(emitTcp(r, out, 0)).toBe(40);
    expect(toHex(out)).toBe(toHex(TCP_SYN.subarray(TCP)));
  });

  it('pads options to a multiple of 4 and sets the data offset to match', () => {
    const r: TcpRepr = {
      srcPort: 1,
      dstPort: 2,
      seq: 3,
      ack: 4,
      flags: TcpFlag.ACK,
      window: 5,
      checksum: 0,
      urgent: 0,
      options: new Uint8Array([1, 1, 1, 1, 1]),
    };
    const out = new Uint8Array(tcpLength(r));
    emitTcp(r, out, 0);
    expect(tcpHeaderLen(out, 0)).toBe(28);
    expect(toHex(out.subarray(20))).toBe('0101010101000000');
  });
});
