/**
 * extract() against tshark on every packet of every public capture in /work/shared/captures (see MANIFEST.md there).
 *
 * tshark is an independent dissector: for each file it runs once, printing the header fields OVS puts in a flow key,
 * and each field our key holds must equal tshark's value, except where OVS's semantics intentionally differ from a
 * full dissection. Those differences are not skipped: each is asserted as OVS behaviour, and the last test checks that
 * every one of them was actually exercised by the captures, so the table cannot silently go stale.
 *
 * Where OVS (and therefore extract) intentionally differs from tshark:
 *
 * | # | case                                   | tshark shows                          | extract / OVS asserts                                         |
 * |---|----------------------------------------|---------------------------------------|---------------------------------------------------------------|
 * | 1 | Linux cooked (SLL/SLL2) captures       | sll.* fields, no Ethernet header      | frame from toEthernetFrame: dl_src = sll.src.eth, dl_dst =    |
 * |   |                                        |                                       | ff:ff:ff:ff:ff:ff if pkttype is broadcast else 0, dl_type =    |
 * |   |                                        |                                       | sll.etype                                                     |
 * | 2 | second VLAN tag (vlan-limit=1)         | every tag, then L3/L4                 | dl_type = the inner TPID, vlan_tci = outer tag, no nw_/tp_    |
 * | 3 | DEI bit                                | vlan.dei                              | folded into the CFI/present bit: vlan_tci = pcp<<13|0x1000|vid |
 * | 4 | 802.3 length frames (LLC)              | eth.len, llc.*                        | dl_type 0x05ff, unless SNAP with OUI 0 names an EtherType      |
 * | 5 | IPv4/IPv6 failing OVS's length checks  | whatever was captured (ip.src, ...)   | dl_type kept, every nw_ and tp_ field 0 (snaplen cuts too)     |
 * |   | (IHL < 5, total/payload length > cap)  |                                       |                                                               |
 * | 6 | non-first fragments (defrag off)       | no L4; IPv6 fraghdr.nxt = real proto  | nw_frag any|later, tp 0; IPv6 nw_proto = 44                    |
 * | 7 | TOS / traffic class                    | ip.dsfield / ipv6.tclass              | nw_tos = the whole byte (DSCP<<2 | ECN), same value            |
 * | 8 | tunnels (VXLAN, Geneve, GRE, PPTP GRE) | inner Ethernet/IP/L4 too              | outer headers only; GRE (not TCP/UDP/SCTP/ICMP) gives tp 0     |
 * | 9 | ICMP/ICMPv6 errors                     | the quoted datagram's headers         | tp_src/tp_dst = type/code of the error itself, quote ignored   |
 * |10 | IGMP                                   | igmp.type, version-specific fields    | tp_src = type, tp_dst = the raw second byte                    |
 * |11 | TCP header cut inside its options      | ports and flags (from what is there)  | tp_src/tp_dst/tcp_flags 0 (asserted here when met; no capture  |
 *   |                                        |                                       | has it: snaplen cuts fail rule 5 first; see extract.test.ts)   |
 * |12 | ND options                             | every option                          | only the first 8-byte SLL/TLL; a repeat zeroes target/sll/tll  |
 *
 * tshark runs with IP defragmentation and TCP reassembly off, so it describes each frame's own bytes, as extract does.
 */

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { extract, extractStatusName, PacketLayout } from '../../src/flow/extract.js';
import { newKey } from '../../src/flow/key-layout.js';
import { LinkType, readAll, toEthernetFrame } from '../../src/io/capture.js';
import { keyFields, ZERO_FIELDS, ZERO_MAC, type KeyFields } from './extract-helpers.js';

const CAPTURES_DIR = process.env.FLOWLAB_CAPTURES ?? '/work/shared/captures';

const FIELDS = [
  'frame.number',
  'frame.protocols',
  'eth.dst',
  'eth.src',
  'eth.type',
  'eth.len',
  'llc.oui',
  'llc.pid',
  'vlan.id',
  'vlan.priority',
  'vlan.dei',
  'vlan.etype',
  'ieee8021ad.id',
  'ieee8021ad.priority',
  'ieee8021ad.dei',
  'sll.src.eth',
  'sll.etype',
  'sll.pkttype',
  'arp.hw.type',
  'arp.proto.type',
  'arp.hw.size',
  'arp.proto.size',
  'arp.opcode',
  'arp.src.hw_mac',
  'arp.src.proto_ipv4',
  'arp.dst.hw_mac',
  'arp.dst.proto_ipv4',
  'ip.hdr_len',
  'ip.len',
  'ip.dsfield',
  'ip.ttl',
  'ip.proto',
  'ip.src',
  'ip.dst',
  'ip.flags.mf',
  'ip.frag_offset',
  'ipv6.plen',
  'ipv6.tclass',
  'ipv6.flow',
  'ipv6.hlim',
  'ipv6.src',
  'ipv6.dst',
  'ipv6.fraghdr.offset',
  'ipv6.fraghdr.more',
  'ipv6.fraghdr.reserved_octet',
  'ipv6.fraghdr.reserved_bits',
  'tcp.srcport',
  'tcp.dstport',
  'tcp.hdr_len',
  'tcp.flags',
  'udp.srcport',
  'udp.dstport',
  'sctp.srcport',
  'sctp.dstport',
  'icmp.type',
  'icmp.code',
  'icmpv6.type',
  'icmpv6.code',
  'icmpv6.nd.ns.target_address',
  'icmpv6.nd.na.target_address',
  'icmpv6.opt.type',
  'icmpv6.opt.length',
  'icmpv6.opt.linkaddr',
  'igmp.type',
] as const;

type Field = (typeof FIELDS)[number];
/** All occurrences of each field, outermost first. */
type Row = Record<Field, string[]>;

const tsharkFound = spawnSync('tshark', ['--version'], { encoding: 'utf8' }).status === 0;

function tsharkRows(file: string): Row[] {
  const args = ['-r', file, '-n', '-o', 'ip.defragment:FALSE', '-o', 'ipv6.defragment:FALSE', '-o', 'tcp.desegment_tcp_streams:FALSE'];
  args.push('-T', 'fields', '-E', 'separator=/t', '-E', 'occurrence=a', '-E', 'aggregator=;');
  for (const f of FIELDS) args.push('-e', f);
  const r = spawnSync('tshark', args, { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`tshark failed on ${file}: ${r.stderr}`);
  return r.stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((line) => {
      const cols = line.split('\t');
      const row = {} as Row;
      FIELDS.forEach((f, i) => (row[f] = cols[i] ? cols[i].split(';') : []));
      return row;
    });
}

// ------------------------------------------------------------------------------------------------- the comparison

/** How often each divergence of the table above was met; the last test requires every one. */
const seen: Record<string, number> = {
  '1 cooked capture': 0,
  '2 second vlan tag': 0,
  '3 dei folded into cfi': 0,
  '4 802.3 llc': 0,
  '5 ip length checks fail': 0,
  '6 later fragment': 0,
  '7 tos byte': 0,
  '8 tunnel outer only': 0,
  '9 icmp error quote ignored': 0,
  '10 igmp': 0,
  '12 nd options': 0,
};

const num = (v: string | undefined): number => (v === undefined ? NaN : Number(v));
const first = (row: Row, f: Field): string | undefined => row[f][0];
const has = (row: Row, f: Field): boolean => row[f].length > 0;

/** The protocol tshark found right after the first IP header (IPv6 extension headers skipped). */
function l4Name(row: Row): string {
  const protos = (first(row, 'frame.protocols') ?? '').split(':');
  const i = protos.findIndex((p) => p === 'ip' || p === 'ipv6');
  let j = i + 1;
  while (j < protos.length && protos[j].startsWith('ipv6.')) j++;
  return protos[j] ?? '';
}

const L4_NUMBER: Record<string, number> = { tcp: 6, udp: 17, sctp: 132, icmp: 1, icmpv6: 58, igmp: 2, gre: 47, esp: 50 };

/** What OVS must have in the key for this packet, derived from tshark's fields and the frame's length only. */
function expected(row: Row, frame: Uint8Array, linktype: number): { want: Partial<KeyFields>; notes: string[] } {
  const want: Partial<KeyFields> = {};
  const notes: string[] = [];
  const want0 = (...names: (keyof KeyFields)[]): void => {
    for (const n of names) (want as Record<string, unknown>)[n] = ZERO_FIELDS[n];
  };
  let l3 = 14;

  // L2 -------------------------------------------------------------------------------------------------------
  if (linktype === LinkType.LINUX_SLL || linktype === LinkType.LINUX_SLL2) {
    notes.push('1 cooked capture');
    want.dl_src = first(row, 'sll.src.eth') ?? ZERO_MAC;
    want.dl_dst = num(first(row, 'sll.pkttype')) === 1 ? 'ff:ff:ff:ff:ff:ff' : ZERO_MAC;
    want.dl_type = num(first(row, 'sll.etype'));
    want.vlan_tci = 0;
  } else {
    want.dl_dst = first(row, 'eth.dst');
    want.dl_src = first(row, 'eth.src');
    if (has(row, 'eth.len')) {
      notes.push('4 802.3 llc');
      const snapType = num(first(row, 'llc.pid'));
      const ethSnap = num(first(row, 'llc.oui')) === 0 && snapType >= 0x600;
      want.dl_type = ethSnap ? snapType : 0x05ff;
      if (ethSnap) l3 += 8;
      want.vlan_tci = 0;
    } else if (has(row, 'vlan.id') || has(row, 'ieee8021ad.id')) {
      // tshark names an 802.1ad S-tag ieee8021ad.* and an 802.1Q tag vlan.*; the outer one is what eth.type says.
      const sTag = num(first(row, 'eth.type')) === 0x88a8;
      const id = num(first(row, sTag ? 'ieee8021ad.id' : 'vlan.id'));
      const pcp = num(first(row, sTag ? 'ieee8021ad.priority' : 'vlan.priority'));
      const dei = num(first(row, sTag ? 'ieee8021ad.dei' : 'vlan.dei'));
      want.vlan_tci = (pcp << 13) | 0x1000 | id;
      if (dei === 1) notes.push('3 dei folded into cfi');
      l3 += 4;
      const tags = row['vlan.id'].length + row['ieee8021ad.id'].length;
      // The type after the outer tag: an S-tag's inner 0x8100 tag has no field of its own in tshark.
      want.dl_type = sTag && has(row, 'vlan.id') ? 0x8100 : num(first(row, 'vlan.etype'));
      if (tags > 1) {
        notes.push('2 second vlan tag');
        want0('nw_src', 'nw_dst', 'ipv6_src', 'ipv6_dst', 'nw_proto', 'nw_tos', 'nw_ttl', 'nw_frag', 'tp_src', 'tp_dst', 'tcp_flags');
        return { want, notes };
      }
    } else {
      want.dl_type = num(first(row, 'eth.type'));
      want.vlan_tci = 0;
    }
  }
  const size = frame.length - l3;
  const dlType = want.dl_type;

  // ARP --------------------------------------------------------------------------------------------------------
  if (dlType === 0x0806 || dlType === 0x8035) {
    const ethIpv4 =
      num(first(row, 'arp.hw.type')) === 1 &&
      num(first(row, 'arp.proto.type')) === 0x0800 &&
      num(first(row, 'arp.hw.size')) === 6 &&
      num(first(row, 'arp.proto.size')) === 4;
    if (ethIpv4 && size >= 28) {
      want.nw_src = first(row, 'arp.src.proto_ipv4');
      want.nw_dst = first(row, 'arp.dst.proto_ipv4');
      want.arp_sha = first(row, 'arp.src.hw_mac');
      want.arp_tha = first(row, 'arp.dst.hw_mac');
      const op = num(first(row, 'arp.opcode'));
      want.nw_proto = op <= 0xff ? op : 0;
    } else {
      want0('nw_src', 'nw_dst', 'arp_sha', 'arp_tha', 'nw_proto');
    }
    return { want, notes };
  }

  // IP ---------------------------------------------------------------------------------------------------------
  const l4 = l4Name(row);
  let l4Size = -1; // bytes of the IP payload, when known exactly
  if (dlType === 0x0800) {
    const hlen = num(first(row, 'ip.hdr_len'));
    const total = num(first(row, 'ip.len'));
    if (!(size >= 20 && hlen >= 20 && size >= hlen && total <= size && total >= hlen)) {
      notes.push('5 ip length checks fail');
      want0('nw_src', 'nw_dst', 'nw_proto', 'nw_tos', 'nw_ttl', 'nw_frag', 'tp_src', 'tp_dst', 'tcp_flags');
      return { want, notes };
    }
    want.nw_src = first(row, 'ip.src');
    want.nw_dst = first(row, 'ip.dst');
    want.nw_proto = num(first(row, 'ip.proto'));
    want.nw_tos = num(first(row, 'ip.dsfield'));
    want.nw_ttl = num(first(row, 'ip.ttl'));
    const later = num(first(row, 'ip.frag_offset')) !== 0;
    want.nw_frag = later ? 3 : num(first(row, 'ip.flags.mf')) === 1 ? 1 : 0;
    if (want.nw_tos !== 0) notes.push('7 tos byte');
    if (later) {
      notes.push('6 later fragment');
      want0('tp_src', 'tp_dst', 'tcp_flags');
      return { want, notes };
    }
    l4Size = total - hlen;
  } else if (dlType === 0x86dd) {
    const plen = num(first(row, 'ipv6.plen'));
    if (!(size >= 40 && plen + 40 <= size)) {
      notes.push('5 ip length checks fail');
      want0('ipv6_src', 'ipv6_dst', 'ipv6_label', 'nw_proto', 'nw_tos', 'nw_ttl', 'nw_frag', 'tp_src', 'tp_dst', 'tcp_flags');
      return { want, notes };
    }
    want.ipv6_src = first(row, 'ipv6.src');
    want.ipv6_dst = first(row, 'ipv6.dst');
    want.ipv6_label = num(first(row, 'ipv6.flow'));
    want.nw_tos = num(first(row, 'ipv6.tclass'));
    want.nw_ttl = num(first(row, 'ipv6.hlim'));
    if (want.nw_tos !== 0) notes.push('7 tos byte');
    if (has(row, 'ipv6.fraghdr.offset')) {
      const offset = num(first(row, 'ipv6.fraghdr.offset'));
      const offlg =
        offset | num(first(row, 'ipv6.fraghdr.more')) | num(first(row, 'ipv6.fraghdr.reserved_bits'));
      if (offset !== 0) {
        notes.push('6 later fragment');
        want.nw_frag = 3;
        want.nw_proto = 44;
        want0('tp_src', 'tp_dst', 'tcp_flags');
        return { want, notes };
      }
      want.nw_frag = offlg !== 0 ? 1 : 0;
    } else {
      want.nw_frag = 0;
    }
    if (L4_NUMBER[l4] !== undefined) want.nw_proto = L4_NUMBER[l4];
  } else {
    want0('nw_src', 'nw_dst', 'ipv6_src', 'ipv6_dst', 'nw_proto', 'tp_src', 'tp_dst');
    return { want, notes };
  }

  // L4 -----------------------------------------------------------------------------------------------------------
  const protos = first(row, 'frame.protocols') ?? '';
  if (/:(vxlan|geneve|gre|eth):/.test(protos) || l4 === 'gre') notes.push('8 tunnel outer only');
  const cut = /_ws\.(short|malformed)/.test(protos);
  switch (l4) {
    case 'tcp': {
      const hlen = num(first(row, 'tcp.hdr_len'));
      const whole = hlen >= 20 && (l4Size >= 0 ? l4Size >= hlen : !cut);
      if (whole) {
        want.tp_src = num(first(row, 'tcp.srcport'));
        want.tp_dst = num(first(row, 'tcp.dstport'));
        want.tcp_flags = num(first(row, 'tcp.flags')) & 0xfff;
      } else {
        want0('tp_src', 'tp_dst', 'tcp_flags');
      }
      break;
    }
    case 'udp':
      want.tp_src = num(first(row, 'udp.srcport'));
      want.tp_dst = num(first(row, 'udp.dstport'));
      break;
    case 'sctp':
      want.tp_src = num(first(row, 'sctp.srcport'));
      want.tp_dst = num(first(row, 'sctp.dstport'));
      break;
    case 'icmp':
      want.tp_src = num(first(row, 'icmp.type'));
      want.tp_dst = num(first(row, 'icmp.code'));
      if (want.tp_src === 3 || want.tp_src === 11) notes.push('9 icmp error quote ignored');
      break;
    case 'igmp': {
      notes.push('10 igmp');
      want.tp_src = num(first(row, 'igmp.type'));
      break;
    }
    case 'icmpv6': {
      want.tp_src = num(first(row, 'icmpv6.type'));
      want.tp_dst = num(first(row, 'icmpv6.code'));
      if (want.tp_src < 128) notes.push('9 icmp error quote ignored');
      if ((want.tp_src === 135 || want.tp_src === 136) && want.tp_dst === 0) {
        notes.push('12 nd options');
        want.nd_target = first(row, 'icmpv6.nd.ns.target_address') ?? first(row, 'icmpv6.nd.na.target_address');
        // Link-layer options in order; tshark prints a linkaddr for each option of type 1 or 2.
        const types = row['icmpv6.opt.type'].map(Number);
        const lens = row['icmpv6.opt.length'].map(Number);
        const addrs = row['icmpv6.opt.linkaddr'];
        let a = 0;
        let sll = ZERO_MAC;
        let tll = ZERO_MAC;
        let optType = 0;
        let dup = false;
        types.forEach((t, i) => {
          if (t !== 1 && t !== 2) return;
          const addr = addrs[a++];
          if (lens[i] !== 1) return;
          if (t === 1 ? sll !== ZERO_MAC : tll !== ZERO_MAC) dup = true;
          if (t === 1) sll = addr;
          else tll = addr;
          if (optType === 0) optType = t;
        });
        want.arp_sha = dup ? ZERO_MAC : sll;
        want.arp_tha = dup ? ZERO_MAC : tll;
        if (dup) want.nd_target = '::';
        want.tcp_flags = optType;
      }
      break;
    }
    default:
      want0('tp_src', 'tp_dst', 'tcp_flags');
  }
  return { want, notes };
}

// ------------------------------------------------------------------------------------------------------ the tests

const files = fs.existsSync(CAPTURES_DIR) ? fs.readdirSync(CAPTURES_DIR).filter((f) => /\.pcap(ng)?$/.test(f)).sort() : [];

if (!tsharkFound) {
  if (process.env.CI === 'true') {
    it('tshark is installed (required in CI for the extract agreement test)', () => {
      throw new Error('tshark not found on PATH: install it (Debian: apt-get install tshark) so extract can be checked');
    });
  } else {
    // eslint-disable-next-line no-console
    console.warn('tshark-agreement: tshark not found on PATH; skipping the extract/tshark comparison');
    it.skip('extract agrees with tshark (tshark not installed)', () => {});
  }
} else {
  describe('extract agrees with tshark on every packet of the public captures', () => {
    it('has the captures to compare', () => {
      expect(files.length).toBeGreaterThanOrEqual(40);
    });

    const key = newKey();
    const layout = new PacketLayout();
    let packets = 0;

    for (const file of files) {
      it(file, () => {
        const full = path.join(CAPTURES_DIR, file);
        const rows = tsharkRows(full);
        const records = readAll(full);
        expect(rows.length).toBe(records.length);
        const problems: string[] = [];
        records.forEach((r, i) => {
          const row = rows[i];
          expect(num(first(row, 'frame.number'))).toBe(r.index);
          const frame = toEthernetFrame(r.linktype, r.data);
          expect(frame, `${file} #${r.index}: not convertible to Ethernet`).not.toBeNull();
          if (frame === null) return;
          const status = extractStatusName(extract(frame, 0, frame.length, 1, key, layout));
          const got = keyFields(key);
          const { want, notes } = expected(row, frame, r.linktype);
          for (const n of notes) seen[n]++;
          for (const [name, value] of Object.entries(want)) {
            const ours = got[name as keyof KeyFields];
            if (ours !== value) problems.push(`#${r.index} ${name}: extract ${String(ours)} (${status}), tshark/OVS rule ${String(value)}`);
          }
          packets++;
        });
        expect(problems).toEqual([]);
      });
    }

    afterAll(() => {
      // eslint-disable-next-line no-console
      console.info(`tshark-agreement: ${packets} packets compared; divergences met: ${JSON.stringify(seen)}`);
    });

    it('met every intentional divergence of the table at least once', () => {
      for (const [name, count] of Object.entries(seen)) expect(count, name).toBeGreaterThan(0);
    });
  });
}
