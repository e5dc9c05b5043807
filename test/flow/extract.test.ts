/**
 * extract(): one behaviour per test, over literal frames (scapy-built, dumped as tcpdump -xx would).
 *
 * Evidence: every frame dumped below was also fed to real OVS 3.1 (`ovs-appctl ofproto/trace br0 in_port=1 HEX` on
 * a dummy-datapath bridge) and OVS printed the same field values (it shows DSCP and ECN separately, and arp_sha/
 * arp_tha as nd_sll/nd_tll for ND). Most byte-edited variants inside the tests have an OVS-checked twin of the same
 * shape (SNAP with another OUI or a small type, TCP offset 4, atomic fragment, ND code 1, ND without a target, IPv6
 * payload length too long); the DEI-clear tag, ARP opcode 2 and the 7-byte ICMP header follow the same code paths.
 */

import { describe, expect, it } from 'vitest';
import { extract, ExtractStatus, extractStatusName, flowKeyToString, PacketLayout } from '../../src/flow/extract.js';
import { FIRST_PACKET_WORD, newKey, W } from '../../src/flow/key-layout.js';
import { expectFields, fromDump, METADATA_SENTINEL, run, ZERO_FIELDS } from './extract-helpers.js';

const A = { dl_dst: '02:00:00:00:00:02', dl_src: '02:00:00:00:00:01' };
const V4 = { ...A, dl_type: 0x0800, nw_src: '10.0.0.1', nw_dst: '10.0.0.2', nw_ttl: 64 };
const V6 = { ...A, dl_type: 0x86dd, ipv6_src: '2001:db8::1', ipv6_dst: '2001:db8::2', ipv6_label: 0x12345, nw_tos: 0xb9, nw_ttl: 9 };

describe('extract: what it writes', () => {
  const frame = fromDump(`
    0x0000:  0200 0000 0002 0200 0000 0001 0800 4500
    0x0010:  001c 0001 0000 4011 66ce 0a00 0001 0a00
    0x0020:  0002 0009 000a 0008 ebc8
  `);

  it('sets in_port from its argument', () => {
    expect(run(frame, frame.length, 7).key[W.IN_PORT]).toBe(7);
  });

  it('leaves the metadata words between in_port and the packet words alone', () => {
    const { key } = run(frame);
    for (let i = W.RECIRC_ID; i < FIRST_PACKET_WORD; i++) expect(key[i], `word ${i}`).toBe(METADATA_SENTINEL);
  });

  it('overwrites every packet word, zeroing what the packet does not have', () => {
    const { key, fields } = run(frame);
    expectFields(fields, { ...V4, nw_proto: 17, tp_src: 9, tp_dst: 10 });
    expect(key[W.ND_TARGET]).toBe(0);
  });

  it('reads the frame at an offset inside a larger buffer and never past off+len', () => {
    const buf = new Uint8Array(100).fill(0xee);
    buf.set(frame, 10);
    const key = newKey();
    const layout = new PacketLayout();
    expect(extract(buf, 10, frame.length, 1, key, layout)).toBe(ExtractStatus.OK);
    expect(layout.start).toBe(10);
    expect(layout.l3).toBe(14);
    // The 0xee bytes after the frame are not padding of this frame: they were never given to extract.
    expect(layout.l2Pad).toBe(0);
  });

  it('clamps a len that runs past the buffer instead of reading undefined bytes', () => {
    const { status, fields } = run(frame, 1000);
    expect(status).toBe('ok');
    expect(fields.tp_dst).toBe(10);
  });
});

describe('extract: Ethernet and VLAN', () => {
  // 02:00:00:00:00:01 > 02:00:00:00:00:02, 802.1Q vlan 10 p 7 (DEI set), IPv4 10.0.0.1.1 > 10.0.0.2.2: UDP
  const vlan_dei = fromDump(`
    0x0000:  0200 0000 0002 0200 0000 0001 8100 f00a
    0x0010:  0800 4500 001c 0001 0000 4011 66ce 0a00
    0x0020:  0001 0a00 0002 0001 0002 0008 ebd8
  `);

  it('puts one 802.1Q tag into vlan_tci with the CFI bit set, hiding DEI', () => {
    const { fields, layout } = run(vlan_dei);
    expectFields(fields, { ...V4, vlan_tci: 0xf00a, nw_proto: 17, tp_src: 1, tp_dst: 2 });
    expect(layout).toMatchObject({ vlan0: 12, vlan1: -1, l3: 18, l4: 38, payload: 46, l3Valid: true, l4Valid: true });
  });

  it('keeps a DEI-clear tag distinguishable from no tag at all (CFI is set either way)', () => {
    const f = vlan_dei.slice();
    f[14] = 0x00; // pcp 0, DEI 0, vid 10
    expect(run(f).fields.vlan_tci).toBe(0x100a);
  });

  // 802.1ad S-tag vid 200 p 5 DEI, 802.1Q C-tag vid 2001, ARP who-has 0.0.0.0
  const qinq_88a8 = fromDump(`
    0x0000:  0200 0000 0002 0200 0000 0001 88a8 b0c8
    0x0010:  8100 07d1 0806 0001 0800 0604 0001 02fc
    0x0020:  0000 0001 c000 0202 0000 0000 0000 0000
    0x0030:  0000
  `);

  it('parses only the first of two tags (vlan-limit=1): the inner TPID becomes dl_type and nothing after it is read', () => {
    const { fields, layout, status } = run(qinq_88a8);
    expect(status).toBe('ok');
    expectFields(fields, { ...A, dl_type: 0x8100, vlan_tci: 0xb0c8 });
    expect(layout).toMatchObject({ vlan0: 12, vlan1: 16, l3: 18, l4: -1, l3Valid: false });
  });

  it('leaves the inner VLAN slot zero on a double-tagged frame (only xlate fills it)', () => {
    const { key } = run(qinq_88a8);
    expect(key[W.VLAN_TCI1]).toBe(0);
  });

  // 17 bytes: addresses, TPID 8100, then only 3 bytes where a tag and a type need 4+2
  const vlan_trunc = fromDump(`
    0x0000:  0200 0000 0002 0200 0000 0001 8100 0005
    0x0010:  08
  `);

  it('treats a TPID without room for its tag as the dl_type', () => {
    const { fields, layout, status } = run(vlan_trunc);
    expect(status).toBe('truncated_vlan');
    expectFields(fields, { ...A, dl_type: 0x8100 });
    expect(layout).toMatchObject({ vlan0: -1, l3: 14 });
  });

  it('extracts nothing but in_port from a frame shorter than an Ethernet header', () => {
    const { fields, layout, status } = run(vlan_dei, 13);
    expect(status).toBe('truncated_l2');
    expectFields(fields, {});
    expect(layout).toMatchObject({ l3: -1, l4: -1, len: 13 });
  });

  // 802.3 length 0x26, LLC 42 > 42, STP
  const dot3_llc = fromDump(`
    0x0000:  0180 c200 0000 0200 0000 0001 0026 4242
    0x0010:  0300 0000 0000 0000 0000 0000 0000 0000
    0x0020:  0000 0000 0000 0000 0000 0000 0100 1400
    0x0030:  0200 0f00
  `);

  it('gives 802.3 frames without an Ethernet SNAP header dl_type 0x05ff (FLOW_DL_TYPE_NONE), L3 at the LLC', () => {
    const { fields, layout } = run(dot3_llc);
    expectFields(fields, { dl_dst: '01:80:c2:00:00:00', dl_src: '02:00:00:00:00:01', dl_type: 0x05ff });
    expect(layout.l3).toBe(14);
  });

  // 802.3 length 0x30, LLC AA AA 03, SNAP OUI 000000 type 0800, IPv4 1.1.1.1.5 > 2.2.2.2.6: S
  const dot3_snap_ip = fromDump(`
    0x0000:  0200 0000 0002 0200 0000 0001 0030 aaaa
    0x0010:  0300 0000 0800 4500 0028 0001 0000 4006
    0x0020:  74ca 0101 0101 0202 0202 0005 0006 0000
    0x0030:  0000 0000 0000 5002 2000 89d2 0000
  `);

  it('takes the EtherType from an LLC/SNAP header with OUI 0 and parses on from there', () => {
    const { fields, layout } = run(dot3_snap_ip);
    expectFields(fields, { ...A, dl_type: 0x0800, nw_src: '1.1.1.1', nw_dst: '2.2.2.2', nw_ttl: 64, nw_proto: 6, tp_src: 5, tp_dst: 6, tcp_flags: 0x002 });
    expect(layout).toMatchObject({ l3: 22, l4: 42 });
  });

  it('gives dl_type 0x05ff for SNAP with a non-zero OUI or a SNAP type below 0x0600', () => {
    const otherOui = dot3_snap_ip.slice();
    otherOui[19] = 0x0c;
    expect(run(otherOui).fields.dl_type).toBe(0x05ff);
    const smallType = dot3_snap_ip.slice();
    smallType[20] = 0x01;
    smallType[21] = 0x00;
    expect(run(smallType).fields.dl_type).toBe(0x05ff);
  });

  // MPLS label 16 (not bottom), label 17 (bottom), IPv4 UDP
  const mpls = fromDump(`
    0x0000:  0200 0000 0002 0200 0000 0001 8847 0001
    0x0010:  0000 0001 1100 4500 001c 0001 0000 4011
    0x0020:  74cb 0101 0101 0202 0202 0035 0035 0008
    0x0030:  f96e
  `);

  it('skips an MPLS label stack for the layer offsets and extracts no L3 fields behind it', () => {
    const { fields, layout, status } = run(mpls);
    expect(status).toBe('ok');
    expectFields(fields, { ...A, dl_type: 0x8847 });
    expect(layout).toMatchObject({ l2_5: 14, l3: 22, l4: -1 });
  });

  it('reports an MPLS stack without a bottom-of-stack entry', () => {
    const f = mpls.slice(0, 18);
    expect(run(f).status).toBe('truncated_mpls');
  });
});

describe('extract: ARP', () => {
  // ARP, opcode 300 (only the low 8 bits are matchable), sha 02:00:00:00:00:01 spa 10.0.0.1 tpa 10.0.0.2
  const arp_op300 = fromDump(`
    0x0000:  0200 0000 0002 0200 0000 0001 0806 0001
    0x0010:  0800 0604 012c 0200 0000 0001 0a00 0001
    0x0020:  0000 0000 0000 0a00 0002
  `);

  it('fills spa/tpa/sha/tha and leaves arp_op 0 when the opcode does not fit in 8 bits', () => {
    const { fields, layout } = run(arp_op300);
    expectFields(fields, { ...A, dl_type: 0x0806, nw_src: '10.0.0.1', nw_dst: '10.0.0.2', arp_sha: '02:00:00:00:00:01' });
    expect(layout).toMatchObject({ l3: 14, l4: -1, l3Valid: true });
  });

  it('puts an opcode up to 255 into nw_proto', () => {
    const f = arp_op300.slice();
    f[20] = 0;
    f[21] = 2;
    expect(run(f).fields.nw_proto).toBe(2);
  });

  // RARP (0x8035), opcode 3
  const rarp = fromDump(`
    0x0000:  0200 0000 0002 0200 0000 0001 8035 0001
    0x0010:  0800 0604 0003 0200 0000 0001 0a00 0001
    0x0020:  0000 0000 0000 0a00 0002
  `);

  it('parses RARP the same way as ARP', () => {
    expectFields(run(rarp).fields, { ...A, dl_type: 0x8035, nw_src: '10.0.0.1', nw_dst: '10.0.0.2', nw_proto: 3, arp_sha: '02:00:00:00:00:01' });
  });

  // ARP with hlen 8: not Ethernet/IPv4 ARP
  const arp_hlen8 = fromDump(`
    0x0000:  0200 0000 0002 0200 0000 0001 0806 0001
    0x0010:  0800 0804 0001 0000 0000 0000 0000 c000
    0x0020:  0202 0000 0000 0000 0000 0000 0000
  `);

  it('extracts no ARP fields unless htype=1, ptype=0x0800, hlen=6, plen=4', () => {
    const { fields, status } = run(arp_hlen8);
    expect(status).toBe('unsupported_arp');
    expectFields(fields, { ...A, dl_type: 0x0806 });
  });

  it('extracts no ARP fields from fewer than 28 bytes', () => {
    const { fields, status } = run(arp_op300, 14 + 27);
    expect(status).toBe('truncated_arp');
    expectFields(fields, { ...A, dl_type: 0x0806 });
  });
});

describe('extract: IPv4', () => {
  // IPv4 tos 0xb9 ttl 7, options [RR], 10.0.0.1.1000 > 10.0.0.2.80: Flags [SEW]
  const ipv4_opts_tcp = fromDump(`
    0x0000:  0200 0000 0002 0200 0000 0001 0800 46b9
    0x0010:  002c 0001 0000 0706 930d 0a00 0001 0a00
    0x0020:  0002 0703 0400 03e8 0050 0000 0000 0000
    0x0030:  0000 50c2 2000 76e8 0000
  `);

  it('skips options and keeps the whole TOS byte (DSCP and ECN) in nw_tos', () => {
    const { fields, layout } = run(ipv4_opts_tcp);
    expectFields(fields, { ...V4, nw_ttl: 7, nw_tos: 0xb9, nw_proto: 6, tp_src: 1000, tp_dst: 80, tcp_flags: 0x0c2 });
    expect(layout).toMatchObject({ l3: 14, l4: 38, payload: 58, l2Pad: 0 });
  });

  // 10.0.0.1.1000 > 10.0.0.2.80: all nine flags plus the three reserved bits
  const ipv4_tcp_ns = fromDump(`
    0x0000:  0200 0000 0002 0200 0000 0001 0800 4500
    0x0010:  0028 0001 0000 4006 66cd 0a00 0001 0a00
    0x0020:  0002 03e8 0050 0000 0000 0000 0000 5fff
    0x0030:  2000 67ab 0000
  `);

  it('takes all 12 low bits of the TCP offset/flags word as tcp_flags (NS and reserved bits included)', () => {
    expect(run(ipv4_tcp_ns).fields.tcp_flags).toBe(0xfff);
  });

  // TCP data offset 15 (60 bytes) in a 30-byte segment
  const ipv4_tcp_doff15 = fromDump(`
    0x0000:  0200 0000 0002 0200 0000 0001 0800 4500
    0x0010:  0032 0001 0000 4006 66c3 0a00 0001 0a00
    0x0020:  0002 0014 0050 0000 0000 0000 0000 f002
    0x0030:  2000 770d 0000 7a7a 7a7a 7a7a 7a7a 7a7a
  `);

  it('leaves ports and flags 0 when the TCP header its data offset announces is not all there', () => {
    const { fields, status, layout } = run(ipv4_tcp_doff15);
    expect(status).toBe('bad_tcp_header');
    expectFields(fields, { ...V4, nw_proto: 6 });
    expect(layout).toMatchObject({ l4: 34, l4Valid: false, payload: -1 });
  });

  it('leaves ports and flags 0 for a TCP data offset below 5', () => {
    const f = ipv4_tcp_ns.slice();
    f[46] = 0x4f;
    const { fields, status } = run(f);
    expect(status).toBe('bad_tcp_header');
    expect([fields.tp_src, fields.tp_dst, fields.tcp_flags]).toEqual([0, 0, 0]);
  });

  // 10.0.0.1.7 > 10.0.0.2.8: UDP, first fragment (MF)
  const ipv4_frag_first = fromDump(`
    0x0000:  0200 0000 0002 0200 0000 0001 0800 4500
    0x0010:  002c 0001 2000 4011 46be 0a00 0001 0a00
    0x0020:  0002 0007 0008 0018 e0a1 6161 6161 6161
    0x0030:  6161 6161 6161 6161 6161
  `);

  it('marks a first fragment FRAG_ANY and still extracts its ports', () => {
    expectFields(run(ipv4_frag_first).fields, { ...V4, nw_proto: 17, nw_frag: 1, tp_src: 7, tp_dst: 8 });
  });

  // 10.0.0.1 > 10.0.0.2: UDP fragment at offset 24 (no UDP header here)
  const ipv4_frag_later = fromDump(`
    0x0000:  0200 0000 0002 0200 0000 0001 0800 4500
    0x0010:  0024 0001 0003 4011 66c3 0a00 0001 0a00
    0x0020:  0002 6161 6161 6161 6161 6161 6161 6161
    0x0030:  6161
  `);

  it('marks a later fragment FRAG_ANY|FRAG_LATER, keeps nw_proto and extracts no ports', () => {
    const { fields, layout } = run(ipv4_frag_later);
    expectFields(fields, { ...V4, nw_proto: 17, nw_frag: 3 });
    expect(layout).toMatchObject({ l4: 34, l4Valid: false });
  });

  it('ignores DF when deciding whether a datagram is a fragment', () => {
    const f = ipv4_frag_first.slice();
    f[20] = 0x40; // DF, no MF, offset 0
    expect(run(f).fields.nw_frag).toBe(0);
  });

  // IPv4 IGMP v2 report (type 0x16, max resp 5) to 224.0.0.1
  const ipv4_igmp = fromDump(`
    0x0000:  0200 0000 0002 0200 0000 0001 0800 4500
    0x0010:  001c 0001 0000 4002 90dd 0a00 0001 e000
    0x0020:  0001 1605 0000 e001 0203
  `);

  it('puts the IGMP type and code into tp_src/tp_dst', () => {
    expectFields(run(ipv4_igmp).fields, { ...V4, nw_dst: '224.0.0.1', nw_proto: 2, tp_src: 0x16, tp_dst: 5 });
  });

  // 10.0.0.1.1111 > 10.0.0.2.2222: SCTP common header
  const ipv4_sctp = fromDump(`
    0x0000:  0200 0000 0002 0200 0000 0001 0800 4500
    0x0010:  0020 0001 0000 4084 6657 0a00 0001 0a00
    0x0020:  0002 0457 08ae 0000 0000 0000 0000
  `);

  it('extracts SCTP ports from the 12-byte common header', () => {
    expectFields(run(ipv4_sctp).fields, { ...V4, nw_proto: 132, tp_src: 1111, tp_dst: 2222 });
  });

  // ICMP 10.0.0.2 udp port unreachable (type 3 code 3), no quoted datagram
  const ipv4_icmp = fromDump(`
    0x0000:  0200 0000 0002 0200 0000 0001 0800 4500
    0x0010:  001c 0001 0000 4001 66de 0a00 0001 0a00
    0x0020:  0002 0303 fcfc 0000 0000
  `);

  it('puts the ICMP type and code into tp_src/tp_dst', () => {
    expectFields(run(ipv4_icmp).fields, { ...V4, nw_proto: 1, tp_src: 3, tp_dst: 3 });
  });

  it('reports an L4 header shorter than OVS needs and leaves its fields 0', () => {
    const f = ipv4_icmp.slice(0, 14 + 20 + 7);
    f[17] = 27; // total length 27: the 7 ICMP bytes are all there, but 8 are needed
    const { fields, status } = run(f);
    expect(status).toBe('truncated_l4');
    expectFields(fields, { ...V4, nw_proto: 1 });
  });

  // UDP 10.0.0.1.9 > 10.0.0.2.10, then 18 bytes of 0xff Ethernet padding
  const ipv4_padded = fromDump(`
    0x0000:  0200 0000 0002 0200 0000 0001 0800 4500
    0x0010:  001c 0001 0000 4011 66ce 0a00 0001 0a00
    0x0020:  0002 0009 000a 0008 ebc8 ffff ffff ffff
    0x0030:  ffff ffff ffff ffff ffff ffff
  `);

  it('counts bytes after the IPv4 total length as L2 padding', () => {
    const { fields, layout } = run(ipv4_padded);
    expectFields(fields, { ...V4, nw_proto: 17, tp_src: 9, tp_dst: 10 });
    expect(layout).toMatchObject({ l2Pad: 18, len: 60 });
  });

  // IPv4 with IHL 4 (16 bytes), below the minimum
  const ipv4_ihl4 = fromDump(`
    0x0000:  0200 0000 0002 0200 0000 0001 0800 4400
    0x0010:  001c 0001 0000 4011 67ce 0a00 0001 0a00
    0x0020:  0002 0035 0035 0008 eb71
  `);

  it('keeps dl_type 0x0800 and zeroes every nw_ field when IHL is below 5', () => {
    const { fields, status, layout } = run(ipv4_ihl4);
    expect(status).toBe('bad_ipv4_header');
    expectFields(fields, { ...A, dl_type: 0x0800 });
    expect(layout).toMatchObject({ l3: 14, l4: -1, l3Valid: false });
  });

  // IPv4 total length 200 in a 42-byte frame
  const ipv4_totlen_big = fromDump(`
    0x0000:  0200 0000 0002 0200 0000 0001 0800 4500
    0x0010:  00c8 0001 0000 4011 6622 0a00 0001 0a00
    0x0020:  0002 0035 0035 0008 eac5
  `);

  it('zeroes every nw_ field when the total length runs past the frame (snaplen-cut captures too)', () => {
    const { fields, status } = run(ipv4_totlen_big);
    expect(status).toBe('bad_ipv4_length');
    expectFields(fields, { ...A, dl_type: 0x0800 });
  });

  it('zeroes every nw_ field when the total length is shorter than the header', () => {
    const f = ipv4_totlen_big.slice();
    f[16] = 0;
    f[17] = 19;
    expect(run(f).status).toBe('bad_ipv4_length');
    expectFields(run(f).fields, { ...A, dl_type: 0x0800 });
  });
});

describe('extract: IPv6', () => {
  // IP6 (tc 0xb9, flowlabel 0x12345, hlim 9) 2001:db8::1.1 > 2001:db8::2.2: Flags [S]
  const ipv6_tcp = fromDump(`
    0x0000:  0200 0000 0002 0200 0000 0001 86dd 6b91
    0x0010:  2345 0014 0609 2001 0db8 0000 0000 0000
    0x0020:  0000 0000 0001 2001 0db8 0000 0000 0000
    0x0030:  0000 0000 0002 0001 0002 0000 0000 0000
    0x0040:  0000 5002 2000 346b 0000
  `);

  it('takes the traffic class as nw_tos, the hop limit as nw_ttl and the 20-bit flow label', () => {
    const { fields, layout } = run(ipv6_tcp);
    expectFields(fields, { ...V6, nw_proto: 6, tp_src: 1, tp_dst: 2, tcp_flags: 0x002 });
    expect(layout).toMatchObject({ l3: 14, l4: 54, payload: 74 });
  });

  // IP6 HBH, DSTOPT, Routing (type 0, 1 address), UDP 3 > 4
  const ipv6_hbh_dst_rt_udp = fromDump(`
    0x0000:  0200 0000 0002 0200 0000 0001 86dd 6b91
    0x0010:  2345 0030 0009 2001 0db8 0000 0000 0000
    0x0020:  0000 0000 0001 2001 0db8 0000 0000 0000
    0x0030:  0000 0000 0002 3c00 0104 0000 0000 2b00
    0x0040:  0104 0000 0000 1102 0001 0000 0000 2001
    0x0050:  0db8 0000 0000 0000 0000 0000 0003 0003
    0x0060:  0004 0008 a461
  `);

  it('steps over hop-by-hop, destination options and routing headers to the transport header', () => {
    const { fields, layout } = run(ipv6_hbh_dst_rt_udp);
    expectFields(fields, { ...V6, nw_proto: 17, tp_src: 3, tp_dst: 4 });
    expect(layout.l4).toBe(94);
  });

  // IP6 AH (payload len 1: 12 bytes), TCP 1 > 2: S
  const ipv6_ah_tcp = fromDump(`
    0x0000:  0200 0000 0002 0200 0000 0001 86dd 6b91
    0x0010:  2345 0020 3309 2001 0db8 0000 0000 0000
    0x0020:  0000 0000 0001 2001 0db8 0000 0000 0000
    0x0030:  0000 0000 0002 0601 0000 0000 0000 0000
    0x0040:  0000 0001 0002 0000 0000 0000 0000 5002
    0x0050:  2000 0000 0000
  `);

  it('steps over AH using its (len+2)*4 length', () => {
    const { fields, layout } = run(ipv6_ah_tcp);
    expectFields(fields, { ...V6, nw_proto: 6, tp_src: 1, tp_dst: 2, tcp_flags: 0x002 });
    expect(layout.l4).toBe(66);
  });

  // IP6 ESP (24 opaque bytes)
  const ipv6_esp = fromDump(`
    0x0000:  0200 0000 0002 0200 0000 0001 86dd 6b91
    0x0010:  2345 0018 3209 2001 0db8 0000 0000 0000
    0x0020:  0000 0000 0001 2001 0db8 0000 0000 0000
    0x0030:  0000 0000 0002 0000 0000 0000 0000 0000
    0x0040:  0000 0000 0000 0000 0000 0000 0000
  `);

  it('stops at ESP: nw_proto 50 and nothing further', () => {
    const { fields, status } = run(ipv6_esp);
    expect(status).toBe('ok');
    expectFields(fields, { ...V6, nw_proto: 50 });
  });

  // IP6 frag (offset 32, id 5) of UDP: no UDP header here
  const ipv6_frag_later = fromDump(`
    0x0000:  0200 0000 0002 0200 0000 0001 86dd 6b91
    0x0010:  2345 0018 2c09 2001 0db8 0000 0000 0000
    0x0020:  0000 0000 0001 2001 0db8 0000 0000 0000
    0x0030:  0000 0000 0002 1100 0020 0000 0005 7171
    0x0040:  7171 7171 7171 7171 7171 7171 7171
  `);

  it('gives a later fragment nw_proto 44 (IPPROTO_FRAGMENT), FRAG_ANY|FRAG_LATER and no ports', () => {
    const { fields, layout } = run(ipv6_frag_later);
    expectFields(fields, { ...V6, nw_proto: 44, nw_frag: 3 });
    expect(layout).toMatchObject({ l4: 62, l4Valid: false });
  });

  // IP6 frag header with offset 0, M clear but a reserved bit set, UDP 3 > 4
  const ipv6_frag_res = fromDump(`
    0x0000:  0200 0000 0002 0200 0000 0001 86dd 6b91
    0x0010:  2345 0010 2c09 2001 0db8 0000 0000 0000
    0x0020:  0000 0000 0001 2001 0db8 0000 0000 0000
    0x0030:  0000 0000 0002 1100 0002 0000 0005 0003
    0x0040:  0004 0008 a462
  `);

  it('calls any fragment header with a non-zero offset/flags word a fragment (reserved bits too)', () => {
    expectFields(run(ipv6_frag_res).fields, { ...V6, nw_proto: 17, nw_frag: 1, tp_src: 3, tp_dst: 4 });
  });

  it('does not call an atomic fragment (offset 0, M clear, nothing else) a fragment', () => {
    const f = ipv6_frag_res.slice();
    f[57] = 0;
    expect(run(f).fields.nw_frag).toBe(0);
  });

  // IP6 payload length 4: a hop-by-hop header that needs 8 bytes
  const ipv6_hbh_trunc = fromDump(`
    0x0000:  0200 0000 0002 0200 0000 0001 86dd 6b91
    0x0010:  2345 0004 0009 2001 0db8 0000 0000 0000
    0x0020:  0000 0000 0001 2001 0db8 0000 0000 0000
    0x0030:  0000 0000 0002 1100 0000
  `);

  it('keeps only the addresses when an extension header does not fit (no label, tos, ttl or proto)', () => {
    const { fields, status, layout } = run(ipv6_hbh_trunc);
    expect(status).toBe('bad_ipv6_ext_header');
    expectFields(fields, { ...A, dl_type: 0x86dd, ipv6_src: '2001:db8::1', ipv6_dst: '2001:db8::2' });
    expect(layout).toMatchObject({ l4: -1, l3Valid: false });
  });

  it('zeroes every nw_ field when the payload length runs past the frame', () => {
    const f = ipv6_tcp.slice();
    f[19] = 0x15;
    const { fields, status } = run(f);
    expect(status).toBe('bad_ipv6_length');
    expectFields(fields, { ...A, dl_type: 0x86dd });
  });

  // IP6 next header 1 (ICMPv4 echo request inside IPv6)
  const ipv6_icmpv4 = fromDump(`
    0x0000:  0200 0000 0002 0200 0000 0001 86dd 6b91
    0x0010:  2345 0008 0109 2001 0db8 0000 0000 0000
    0x0020:  0000 0000 0001 2001 0db8 0000 0000 0000
    0x0030:  0000 0000 0002 0800 f7ff 0000 0000
  `);

  it('decodes ICMPv4 inside IPv6 as OVS does (the L4 code is shared by both IP versions)', () => {
    expectFields(run(ipv6_icmpv4).fields, { ...V6, nw_proto: 1, tp_src: 8, tp_dst: 0 });
  });
});

describe('extract: ICMPv6 and neighbour discovery', () => {
  // ICMP6 neighbor solicitation, who has 2001:db8::99, source link-address 02:aa:bb:cc:dd:ee
  const nd_ns_sll = fromDump(`
    0x0000:  0200 0000 0002 0200 0000 0001 86dd 6b91
    0x0010:  2345 0020 3a09 2001 0db8 0000 0000 0000
    0x0020:  0000 0000 0001 2001 0db8 0000 0000 0000
    0x0030:  0000 0000 0002 8700 5177 0000 0000 2001
    0x0040:  0db8 0000 0000 0000 0000 0000 0099 0101
    0x0050:  02aa bbcc ddee
  `);

  it('fills nd_target and the source link-layer address; nd_options_type (1) shares tcp_flags', () => {
    const { fields, layout } = run(nd_ns_sll);
    expectFields(fields, { ...V6, nw_proto: 58, tp_src: 135, nd_target: '2001:db8::99', arp_sha: '02:aa:bb:cc:dd:ee', tcp_flags: 1 });
    expect(layout).toMatchObject({ l4: 54, l4Valid: true });
  });

  // ICMP6 neighbor advertisement (R S O), tgt 2001:db8::99, target link-address 02:aa:bb:cc:dd:ef
  const nd_na_tll = fromDump(`
    0x0000:  0200 0000 0002 0200 0000 0001 86dd 6b91
    0x0010:  2345 0020 3a09 2001 0db8 0000 0000 0000
    0x0020:  0000 0000 0001 2001 0db8 0000 0000 0000
    0x0030:  0000 0000 0002 8800 6f75 e000 0000 2001
    0x0040:  0db8 0000 0000 0000 0000 0000 0099 0201
    0x0050:  02aa bbcc ddef
  `);

  it('fills the target link-layer address of an advertisement', () => {
    expectFields(run(nd_na_tll).fields, { ...V6, nw_proto: 58, tp_src: 136, nd_target: '2001:db8::99', arp_tha: '02:aa:bb:cc:dd:ef', tcp_flags: 2 });
  });

  // ICMP6 NS with two source link-address options
  const nd_ns_dup = fromDump(`
    0x0000:  0200 0000 0002 0200 0000 0001 86dd 6b91
    0x0010:  2345 0028 3a09 2001 0db8 0000 0000 0000
    0x0020:  0000 0000 0001 2001 0db8 0000 0000 0000
    0x0030:  0000 0000 0002 8700 b415 0000 0000 2001
    0x0040:  0db8 0000 0000 0000 0000 0000 0099 0101
    0x0050:  02aa bbcc ddee 0101 02aa bbcc dde1
  `);

  it('treats a repeated link-layer option as invalid ND: target and addresses zero, type and code kept', () => {
    const { fields, status } = run(nd_ns_dup);
    expect(status).toBe('bad_nd');
    expectFields(fields, { ...V6, nw_proto: 58, tp_src: 135, tcp_flags: 1 });
  });

  // ICMP6 NS, an option of length 0, then a source link-address option
  const nd_ns_zero_opt = fromDump(`
    0x0000:  0200 0000 0002 0200 0000 0001 86dd 6b91
    0x0010:  2345 0028 3a09 2001 0db8 0000 0000 0000
    0x0020:  0000 0000 0001 2001 0db8 0000 0000 0000
    0x0030:  0000 0000 0002 8700 506f 0000 0000 2001
    0x0040:  0db8 0000 0000 0000 0000 0000 0099 0100
    0x0050:  0000 0000 0000 0101 02aa bbcc ddee
  `);

  it('stops the option scan at a zero-length option, keeping the target', () => {
    const { fields, status } = run(nd_ns_zero_opt);
    expect(status).toBe('bad_nd');
    expectFields(fields, { ...V6, nw_proto: 58, tp_src: 135, nd_target: '2001:db8::99' });
  });

  it('keeps type and code but no target when the target address is cut short', () => {
    const f = nd_ns_sll.slice(0, 14 + 40 + 8 + 10);
    f[18] = 0;
    f[19] = 18;
    const { fields, status } = run(f);
    expect(status).toBe('truncated_nd');
    expectFields(fields, { ...V6, nw_proto: 58, tp_src: 135 });
  });

  it('treats NS/NA with a non-zero code as plain ICMPv6', () => {
    const f = nd_ns_sll.slice();
    f[55] = 1;
    expectFields(run(f).fields, { ...V6, nw_proto: 58, tp_src: 135, tp_dst: 1 });
  });
});

describe('extract: status codes and debugging text', () => {
  it('names every status code', () => {
    for (const [name, code] of Object.entries(ExtractStatus)) expect(extractStatusName(code)).toBe(name.toLowerCase());
  });

  it('prints every packet field of a key', () => {
    const { key } = run(fromDump(`
    0x0000:  0200 0000 0002 0200 0000 0001 0800 4500
    0x0010:  0020 0001 0000 4084 6657 0a00 0001 0a00
    0x0020:  0002 0457 08ae 0000 0000 0000 0000
  `));
    const text = flowKeyToString(key);
    expect(text).toContain('dl_type=0x0800');
    expect(text).toContain('nw_src=10.0.0.1');
    expect(text).toContain('nw_proto=132');
    expect(text).toContain('tp_src=1111');
    expect(text.split(',').length).toBe(20);
  });

  it('has a zero key for the all-zero expectation helper', () => {
    expect(run(new Uint8Array(0)).fields).toEqual(ZERO_FIELDS);
  });
});
