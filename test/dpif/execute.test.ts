import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DpExecutor, ExecDrop, EXEC_DROP_NAMES, type DpSink, type DpUserspaceAction } from '../../src/dpif/execute.js';
import { findLayers } from '../../src/dpif/layers.js';
import { DpPacket } from '../../src/dpif/packet.js';
import { fieldNamed } from '../../src/flow/fields.js';
import { W } from '../../src/flow/key-layout.js';
import { Match } from '../../src/flow/match.js';
import type { DpAction, DpHeader } from '../../src/ofproto/dp-actions.js';
import { buildFrame, type FrameSpec } from '../../src/packet/build.js';
import { ipv4FromString, ipv6FromString, macFromString } from '../../src/packet/addr.js';
import { crc32c } from '../../src/packet/checksum.js';
import { PcapWriter } from '../../src/io/pcap-writer.js';

/** Collects what the executor emits, copied (the packet object is reused). */
class RecordingSink implements DpSink {
  readonly out: { port: number; bytes: Uint8Array }[] = [];
  readonly upcalls: { action: DpUserspaceAction; bytes: Uint8Array }[] = [];
  output(port: number, pkt: DpPacket): void {
    this.out.push({ port, bytes: pkt.frame().slice() });
  }
  userspace(action: DpUserspaceAction, pkt: DpPacket): void {
    this.upcalls.push({ action, bytes: pkt.frame().slice() });
  }
}

function packetOf(frame: Uint8Array): DpPacket {
  const p = new DpPacket(2048);
  p.load(frame, 0, frame.length);
  findLayers(p);
  return p;
}

/** Runs actions on a frame, returns the frames sent to port 1 (and the drop). */
function run(frame: Uint8Array, actions: DpAction[]): { out: Uint8Array[]; drop: ExecDrop; sink: RecordingSink } {
  const sink = new RecordingSink();
  const drop = new DpExecutor(sink).execute(packetOf(frame), actions);
  return { out: sink.out.map((o) => o.bytes), drop, sink };
}

/** A set_masked as xlate would emit it: fields set on a match, key/mask in flow-key layout. */
function set(header: DpHeader, fields: Record<string, bigint | [bigint, bigint]>): DpAction {
  const m = new Match();
  for (const [name, v] of Object.entries(fields)) {
    if (Array.isArray(v)) m.set(fieldNamed(name), v[0], v[1]);
    else m.set(fieldNamed(name), v);
  }
  return { kind: 'set_masked', header, key: m.key, mask: m.mask };
}

const ip = (s: string): bigint => BigInt(ipv4FromString(s));
const mac = (s: string): bigint => BigInt('0x' + Buffer.from(macFromString(s)).toString('hex'));
const ip6 = (s: string): bigint => BigInt('0x' + Buffer.from(ipv6FromString(s)).toString('hex'));
const OUT: DpAction = { kind: 'output', port: 1 };

const tcp4 = (over: Partial<FrameSpec> = {}): FrameSpec => ({
  eth: { src: '02:00:00:00:00:01', dst: '02:00:00:00:00:02' },
  ipv4: { src: '10.0.0.1', dst: '10.0.0.2', ttl: 64, tos: 0x10 },
  tcp: { srcPort: 1234, dstPort: 80, flags: 'S', seq: 1 },
  payload: 'hello',
  ...over,
});

describe('set_masked eth', () => {
  it('rewrites the addresses under the mask only', () => {
    const frame = buildFrame(tcp4());
    const { out } = run(frame, [set('eth', { dl_src: mac('aa:bb:cc:dd:ee:ff'), dl_dst: [mac('ff:00:00:00:00:00'), mac('ff:00:00:00:00:00')] }), OUT]);
    expect(out[0]).toEqual(buildFrame(tcp4({ eth: { src: 'aa:bb:cc:dd:ee:ff', dst: 'ff:00:00:00:00:02' } })));
  });
});

describe('set_masked ipv4', () => {
  it('rewrites source and destination with the IPv4 and TCP checksums of a freshly built packet', () => {
    const { out } = run(buildFrame(tcp4()), [set('ipv4', { nw_src: ip('192.168.1.7'), nw_dst: ip('172.16.0.9') }), OUT]);
    expect(out[0]).toEqual(buildFrame(tcp4({ ipv4: { src: '192.168.1.7', dst: '172.16.0.9', ttl: 64, tos: 0x10 } })));
  });

  it('decrements TTL and rewrites DSCP keeping ECN, fixing only the header checksum', () => {
    const frame = buildFrame(tcp4({ ipv4: { src: '10.0.0.1', dst: '10.0.0.2', ttl: 64, tos: 0x11 } }));
    const { out } = run(frame, [set('ipv4', { nw_ttl: 63n, nw_tos: 0xb8n }), OUT]);
    expect(out[0]).toEqual(buildFrame(tcp4({ ipv4: { src: '10.0.0.1', dst: '10.0.0.2', ttl: 63, tos: 0xb9 } })));
  });

  it('updates a UDP checksum over the addresses', () => {
    const spec = (src: string): FrameSpec => ({ ipv4: { src, dst: '10.0.0.2' }, udp: { srcPort: 53, dstPort: 999 }, payload: 'abcdefg' });
    const { out } = run(buildFrame(spec('10.0.0.1')), [set('ipv4', { nw_src: ip('10.9.8.7') }), OUT]);
    expect(out[0]).toEqual(buildFrame(spec('10.9.8.7')));
  });

  it('leaves a UDP checksum of 0 (none) at 0', () => {
    const spec = (src: string): FrameSpec => ({ ipv4: { src, dst: '10.0.0.2' }, udp: { srcPort: 53, dstPort: 999, checksum: 0 }, payload: 'x' });
    const { out } = run(buildFrame(spec('10.0.0.1')), [set('ipv4', { nw_src: ip('10.9.8.7') }), OUT]);
    expect(out[0]).toEqual(buildFrame(spec('10.9.8.7')));
    expect(out[0][14 + 20 + 6] | out[0][14 + 20 + 7]).toBe(0);
  });

  it('keeps a wrong TCP checksum exactly as wrong', () => {
    const good = buildFrame(tcp4());
    const csumAt = 14 + 20 + 16;
    const bad = good.slice();
    bad[csumAt] ^= 0x12;
    const { out } = run(bad, [set('ipv4', { nw_dst: ip('10.0.0.99') }), OUT]);
    const expected = buildFrame(tcp4({ ipv4: { src: '10.0.0.1', dst: '10.0.0.99', ttl: 64, tos: 0x10 } }));
    expect(out[0][csumAt] ^ expected[csumAt]).toBe(0x12);
    expect(out[0].subarray(0, csumAt)).toEqual(expected.subarray(0, csumAt));
  });

  it('sends a UDP checksum that comes out 0 as 0xffff', () => {
    // Search a source address for which the updated checksum is 0x0000 in ones' complement terms.
    const spec = (src: string): FrameSpec => ({ ipv4: { src, dst: '10.0.0.2' }, udp: { srcPort: 1, dstPort: 2 }, payload: 'zz' });
    const base = buildFrame(spec('10.0.0.1'));
    const csum = (base[40] << 8) | base[41];
    // new sum must be 0xffff: raise the source's low word by the checksum's complement deficit
    const low = 1; // the source's low word, 0.1
    const target = (low + csum) % 0xffff;
    const src = `10.0.${target >> 8}.${target & 0xff}`;
    const { out } = run(base, [set('ipv4', { nw_src: ip(src) }), OUT]);
    expect((out[0][40] << 8) | out[0][41]).toBe(0xffff);
  });

  it('skips a packet too short to hold an IPv4 header', () => {
    const frame = buildFrame(tcp4()).slice(0, 20);
    const { out } = run(frame, [set('ipv4', { nw_ttl: 1n }), OUT]);
    expect(out[0]).toEqual(frame);
  });
});

describe('set_masked ipv6', () => {
  const v6 = (src: string, extra: Partial<FrameSpec> = {}): FrameSpec => ({
    ipv6: { src, dst: 'fe80::2', hopLimit: 64, flowLabel: 0x12345, trafficClass: 0x20 },
    tcp: { srcPort: 1, dstPort: 2 },
    payload: 'v6',
    ...extra,
  });

  it('rewrites addresses with the TCP checksum, and traffic class, label and hop limit', () => {
    const { out } = run(buildFrame(v6('fe80::1')), [
      set('ipv6', { ipv6_src: ip6('2001:db8::5'), nw_ttl: 7n, ipv6_label: 0xabcden, nw_tos: 0x48n }),
      OUT,
    ]);
    expect(out[0]).toEqual(
      buildFrame({ ...v6('2001:db8::5'), ipv6: { src: '2001:db8::5', dst: 'fe80::2', hopLimit: 7, flowLabel: 0xabcde, trafficClass: 0x48 } }),
    );
  });

  it('updates the ICMPv6 checksum over the addresses', () => {
    const spec = (dst: string): FrameSpec => ({ ipv6: { src: 'fe80::1', dst }, icmpv6: { type: 128, id: 1, seq: 2 } });
    const { out } = run(buildFrame(spec('fe80::2')), [set('ipv6', { ipv6_dst: ip6('ff02::1') }), OUT]);
    expect(out[0]).toEqual(buildFrame(spec('ff02::1')));
  });

  it('does not touch the L4 checksum behind a non-first fragment header', () => {
    const spec = (src: string): FrameSpec => ({
      ipv6: { src, dst: 'fe80::2', ext: [{ type: 'fragment', offset: 8, more: false }] },
      udp: { srcPort: 1, dstPort: 2 },
      payload: 'abc',
    });
    const frame = buildFrame(spec('fe80::1'));
    const { out } = run(frame, [set('ipv6', { ipv6_src: ip6('fe80::9') }), OUT]);
    const l4csum = 14 + 40 + 8 + 6;
    expect(out[0].subarray(l4csum, l4csum + 2)).toEqual(frame.subarray(l4csum, l4csum + 2));
  });
});

describe('set_masked transport ports', () => {
  it('rewrites TCP ports with the checksum', () => {
    const { out } = run(buildFrame(tcp4()), [set('tcp', { tcp_dst: 8080n }), OUT]);
    expect(out[0]).toEqual(buildFrame(tcp4({ tcp: { srcPort: 1234, dstPort: 8080, flags: 'S', seq: 1 } })));
  });

  it('rewrites UDP ports with the checksum, and without one when it is 0', () => {
    const spec = (sp: number, checksum?: number): FrameSpec => ({ ipv4: { src: '1.1.1.1', dst: '2.2.2.2' }, udp: { srcPort: sp, dstPort: 7, checksum }, payload: 'u' });
    expect(run(buildFrame(spec(5)), [set('udp', { udp_src: 6000n }), OUT]).out[0]).toEqual(buildFrame(spec(6000)));
    expect(run(buildFrame(spec(5, 0)), [set('udp', { udp_src: 6000n }), OUT]).out[0]).toEqual(buildFrame(spec(6000, 0)));
  });

  it('rewrites SCTP ports with a correct CRC32c, and keeps a bad CRC bad', () => {
    const spec = (sp: number): FrameSpec => ({ ipv4: { src: '1.1.1.1', dst: '2.2.2.2' }, sctp: { srcPort: sp, dstPort: 9 }, payload: 'chunkdata' });
    expect(run(buildFrame(spec(5)), [set('sctp', { sctp_src: 77n }), OUT]).out[0]).toEqual(buildFrame(spec(77)));
    const bad = buildFrame(spec(5));
    const crcAt = 14 + 20 + 8;
    bad[crcAt + 1] ^= 0xff;
    const out = run(bad, [set('sctp', { sctp_src: 77n }), OUT]).out[0];
    const good = buildFrame(spec(77));
    expect(out[crcAt + 1] ^ good[crcAt + 1]).toBe(0xff);
    // and the good CRC is what CRC32c says
    const check = good.slice(14 + 20);
    check.fill(0, 8, 12);
    const crc = crc32c(check, 0, check.length);
    expect([...good.subarray(crcAt, crcAt + 4)]).toEqual([crc & 0xff, (crc >>> 8) & 0xff, (crc >>> 16) & 0xff, crc >>> 24]);
  });

  it('skips TCP rewrites when the TCP header is cut short', () => {
    const frame = buildFrame(tcp4()).slice(0, 14 + 20 + 10);
    frame[14 + 3] = 30; // total length matches the truncated frame
    const p = packetOf(frame);
    expect(p.l4).toBe(34);
    const { out } = run(frame, [set('tcp', { tcp_dst: 1n }), OUT]);
    expect(out[0]).toEqual(frame);
  });
});

describe('set_masked icmp, arp, nd', () => {
  it('rewrites ICMP type and code with the checksum', () => {
    const spec = (type: number, code: number): FrameSpec => ({ ipv4: { src: '1.1.1.1', dst: '2.2.2.2' }, icmp: { type, code, id: 1, seq: 1 }, payload: 'ping' });
    expect(run(buildFrame(spec(8, 0)), [set('icmpv4', { icmp_type: 0n, icmp_code: 0n }), OUT]).out[0]).toEqual(buildFrame(spec(0, 0)));
  });

  it('rewrites ARP fields', () => {
    const spec = (op: number, spa: string, sha: string): FrameSpec => ({
      eth: { src: '02:00:00:00:00:01', dst: 'ff:ff:ff:ff:ff:ff' },
      arp: { op, spa, tpa: '10.0.0.2', sha, tha: '00:00:00:00:00:00' },
    });
    const { out } = run(buildFrame(spec(1, '10.0.0.1', '02:00:00:00:00:01')), [
      set('arp', { arp_op: 2n, arp_spa: ip('10.0.0.5'), arp_sha: mac('02:aa:00:00:00:05') }),
      OUT,
    ]);
    expect(out[0]).toEqual(buildFrame(spec(2, '10.0.0.5', '02:aa:00:00:00:05')));
  });

  it('rewrites the ND target and link-layer option with the ICMPv6 checksum', () => {
    const spec = (target: string, sll: string): FrameSpec => ({ ipv6: { src: 'fe80::1', dst: 'ff02::1:ff00:2' }, icmpv6: { type: 135, target, sll } });
    const { out } = run(buildFrame(spec('fe80::2', '02:00:00:00:00:01')), [
      set('nd', { nd_target: ip6('fe80::77'), nd_sll: mac('02:00:00:00:00:77') }),
      OUT,
    ]);
    expect(out[0]).toEqual(buildFrame(spec('fe80::77', '02:00:00:00:00:77')));
  });
});

describe('VLAN push and pop', () => {
  it('pushes a tag after the addresses, with CFI cleared on the wire', () => {
    const { out } = run(buildFrame(tcp4()), [{ kind: 'push_vlan', tpid: 0x8100, tci: 0x1000 | (5 << 13) | 42 }, OUT]);
    expect(out[0]).toEqual(buildFrame(tcp4({ vlans: [{ vid: 42, pcp: 5 }] })));
  });

  it('pops the outer tag', () => {
    const { out } = run(buildFrame(tcp4({ vlans: [{ tpid: 0x88a8, vid: 100 }, { vid: 7 }] })), [{ kind: 'pop_vlan' }, OUT]);
    expect(out[0]).toEqual(buildFrame(tcp4({ vlans: [{ vid: 7 }] })));
  });

  it('does nothing on pop for an untagged frame', () => {
    const frame = buildFrame(tcp4());
    expect(run(frame, [{ kind: 'pop_vlan' }, OUT]).out[0]).toEqual(frame);
  });

  it('keeps layer offsets right, so a set after a push rewrites the right bytes', () => {
    const { out } = run(buildFrame(tcp4()), [{ kind: 'push_vlan', tpid: 0x8100, tci: 0x1000 | 3 }, set('ipv4', { nw_ttl: 9n }), OUT]);
    expect(out[0]).toEqual(buildFrame(tcp4({ vlans: [{ vid: 3 }], ipv4: { src: '10.0.0.1', dst: '10.0.0.2', ttl: 9, tos: 0x10 } })));
  });

  it('pushes more tags than the headroom holds by shifting the frame', () => {
    const actions: DpAction[] = [];
    for (let i = 0; i < 20; i++) actions.push({ kind: 'push_vlan', tpid: 0x8100, tci: 0x1000 | i });
    actions.push(OUT);
    const { out, drop } = run(buildFrame(tcp4()), actions);
    expect(drop).toBe(ExecDrop.NONE);
    expect(out[0].length).toBe(buildFrame(tcp4()).length + 80);
    expect((out[0][14] << 8) | out[0][15]).toBe(19);
  });
});

describe('DpPacket', () => {
  it('grows its buffer for a frame larger than its capacity, keeping every byte', () => {
    const big = buildFrame(tcp4({ payload: new Uint8Array(12000).fill(7) }));
    const { out } = run(big, [{ kind: 'push_vlan', tpid: 0x8100, tci: 0x1001 }, OUT]);
    expect(out[0].length).toBe(big.length + 4);
    expect(out[0].subarray(18)).toEqual(big.subarray(14));
  });
});

describe('output, clone, userspace, conntrack', () => {
  it('sends the packet as it is at each output', () => {
    const { sink } = run(buildFrame(tcp4()), [{ kind: 'output', port: 3 }, set('ipv4', { nw_ttl: 1n }), { kind: 'output', port: 4 }]);
    expect(sink.out.map((o) => [o.port, o.bytes[14 + 8]])).toEqual([
      [3, 64],
      [4, 1],
    ]);
  });

  it('runs clone actions on a copy, leaving the original untouched', () => {
    const { sink } = run(buildFrame(tcp4()), [
      { kind: 'clone', actions: [{ kind: 'push_vlan', tpid: 0x8100, tci: 0x1005 }, { kind: 'output', port: 7 }] },
      { kind: 'output', port: 8 },
    ]);
    expect(sink.out.map((o) => [o.port, o.bytes.length])).toEqual([
      [7, buildFrame(tcp4()).length + 4],
      [8, buildFrame(tcp4()).length],
    ]);
  });

  it('records packet-ins', () => {
    const action: DpAction = { kind: 'userspace', reason: 'controller', detail: 'action', controllerId: 0, maxLen: 65535, bridge: 'br0', table: 0, cookie: 0n };
    const { sink } = run(buildFrame(tcp4()), [action]);
    expect(sink.upcalls).toHaveLength(1);
    expect(sink.upcalls[0].action).toBe(action);
  });

  it('stops at ct with the drop reason "conntrack not implemented", after earlier outputs', () => {
    const { sink, drop } = run(buildFrame(tcp4()), [OUT, { kind: 'ct', zone: 1, commit: false, force: false }, { kind: 'output', port: 2 }]);
    expect(EXEC_DROP_NAMES[drop]).toBe('conntrack not implemented');
    expect(sink.out.map((o) => o.port)).toEqual([1]);
  });

  it('clears conntrack metadata on ct_clear', () => {
    const p = packetOf(buildFrame(tcp4()));
    p.md[W.CT_STATE_ZONE] = 0x210005;
    p.md[W.CT_MARK] = 7;
    new DpExecutor(new RecordingSink()).execute(p, [{ kind: 'ct_clear' }]);
    expect([p.md[W.CT_STATE_ZONE], p.md[W.CT_MARK]]).toEqual([0, 0]);
  });
});

describe('layer offsets (OVS miniflow_extract rules)', () => {
  it('finds L3 after one VLAN tag and L4 after the IPv4 options', () => {
    const p = packetOf(buildFrame(tcp4({ vlans: [{ vid: 1 }], ipv4: { src: '1.1.1.1', dst: '2.2.2.2', options: new Uint8Array([1, 1, 1, 1]) } })));
    expect([p.l3, p.l4]).toEqual([18, 18 + 24]);
  });

  it('with QinQ takes the inner TPID as the ethertype (vlan-limit 1): L3 at the inner TCI, no L4', () => {
    const p = packetOf(buildFrame(tcp4({ vlans: [{ tpid: 0x88a8, vid: 1 }, { vid: 2 }] })));
    expect([p.l3, p.l4]).toEqual([18, -1]);
  });

  it('counts Ethernet padding after a short IPv4 datagram', () => {
    const p = packetOf(buildFrame({ ipv4: { src: '1.1.1.1', dst: '2.2.2.2' }, udp: { srcPort: 1, dstPort: 2 }, padTo: 60 }));
    expect([p.l4, p.l2Pad, p.l4Size()]).toEqual([34, 60 - 42, 8]);
  });

  it('has no L4 for an IPv4 total length beyond the frame', () => {
    const p = packetOf(buildFrame({ ipv4: { src: '1.1.1.1', dst: '2.2.2.2', totalLength: 500 }, udp: { srcPort: 1, dstPort: 2 } }));
    expect([p.l3, p.l4]).toEqual([14, -1]);
  });

  it('skips IPv6 extension headers', () => {
    const p = packetOf(buildFrame({ ipv6: { src: '::1', dst: '::2', ext: [{ type: 'hopopts' }, { type: 'dstopts' }] }, udp: { srcPort: 1, dstPort: 2 } }));
    expect(p.l4).toBe(14 + 40 + 16);
  });
});

const HAVE_TSHARK = (() => {
  try {
    execFileSync('tshark', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe.skipIf(!HAVE_TSHARK && process.env.CI !== 'true')('checksums judged by tshark', () => {
  it('finds every checksum good after NAT-style rewrites on TCP, UDP and ICMP', () => {
    const frames = [
      buildFrame(tcp4()),
      buildFrame({ ipv4: { src: '10.0.0.1', dst: '10.0.0.2' }, udp: { srcPort: 53, dstPort: 5353 }, payload: 'query' }),
      buildFrame({ ipv4: { src: '10.0.0.1', dst: '10.0.0.2' }, icmp: { type: 8, id: 3, seq: 4 }, payload: 'ping!' }),
    ];
    const w = PcapWriter.toMemory();
    for (const f of frames) {
      const { out } = run(f, [set('ipv4', { nw_src: ip('203.0.113.77'), nw_ttl: 17n }), set('eth', { dl_dst: mac('02:99:00:00:00:01') }), OUT]);
      w.write(1, 0, out[0]);
    }
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'flowlab-exec-')), 'out.pcap');
    fs.writeFileSync(file, w.bytes());
    const text = execFileSync(
      'tshark',
      ['-r', file, '-V', '-o', 'ip.check_checksum:TRUE', '-o', 'tcp.check_checksum:TRUE', '-o', 'udp.check_checksum:TRUE'],
      { encoding: 'utf8' },
    );
    const statuses = [...text.matchAll(/\[(?:Header checksum|Checksum) status: (\w+)\]/gi)].map((m) => m[1]);
    expect(statuses.length).toBeGreaterThanOrEqual(6);
    expect(statuses.every((s) => s === 'Good')).toBe(true);
  });
});
