/**
 * Helpers for the extract tests: frames written as tcpdump-style hex dumps, and the packet words of a flow key read
 * back as named fields, so an expectation names the fields it cares about and asserts every other one is zero (which
 * is what OVS leaves in a field it did not reach).
 */

import { expect } from 'vitest';
import { extract, extractStatusName, PacketLayout } from '../../src/flow/extract.js';
import { FIRST_PACKET_WORD, KEY_WORDS, newKey, W, type FlowKey } from '../../src/flow/key-layout.js';
import { ipv4ToString, ipv6ToString } from '../../src/packet/index.js';

/** Bytes from a dump whose lines are `0x0010:  0800 4500 ...`; the offset column is checked, not trusted. */
export function fromDump(dump: string): Uint8Array {
  const bytes: number[] = [];
  for (const raw of dump.split('\n')) {
    const line = raw.trim();
    if (line === '') continue;
    const m = /^0x([0-9a-f]{4}):\s+([0-9a-f ]+)$/.exec(line);
    if (m === null) throw new Error(`bad dump line: ${line}`);
    if (parseInt(m[1], 16) !== bytes.length) throw new Error(`dump offset ${m[1]} but ${bytes.length} bytes so far`);
    const digits = m[2].replace(/ /g, '');
    for (let i = 0; i < digits.length; i += 2) bytes.push(parseInt(digits.slice(i, i + 2), 16));
  }
  return new Uint8Array(bytes);
}

export function fromHex(hex: string): Uint8Array {
  return new Uint8Array(Buffer.from(hex.replace(/\s+/g, ''), 'hex'));
}

/** The packet part of a key, one named value per OVS field (addresses as text). */
export interface KeyFields {
  dl_dst: string;
  dl_src: string;
  dl_type: number;
  vlan_tci: number;
  nw_src: string;
  nw_dst: string;
  ipv6_src: string;
  ipv6_dst: string;
  ipv6_label: number;
  nw_proto: number;
  nw_tos: number;
  nw_ttl: number;
  nw_frag: number;
  arp_sha: string;
  arp_tha: string;
  nd_target: string;
  tp_src: number;
  tp_dst: number;
  tcp_flags: number;
}

export const ZERO_MAC = '00:00:00:00:00:00';

export const ZERO_FIELDS: KeyFields = {
  dl_dst: ZERO_MAC,
  dl_src: ZERO_MAC,
  dl_type: 0,
  vlan_tci: 0,
  nw_src: '0.0.0.0',
  nw_dst: '0.0.0.0',
  ipv6_src: '::',
  ipv6_dst: '::',
  ipv6_label: 0,
  nw_proto: 0,
  nw_tos: 0,
  nw_ttl: 0,
  nw_frag: 0,
  arp_sha: ZERO_MAC,
  arp_tha: ZERO_MAC,
  nd_target: '::',
  tp_src: 0,
  tp_dst: 0,
  tcp_flags: 0,
};

export function macAt(key: FlowKey, w: number): string {
  const hi = key[w];
  const lo = key[w + 1];
  const b = [hi >>> 8, hi & 0xff, lo >>> 24, (lo >>> 16) & 0xff, (lo >>> 8) & 0xff, lo & 0xff];
  return b.map((x) => x.toString(16).padStart(2, '0')).join(':');
}

export function ipv6At(key: FlowKey, w: number): string {
  const bytes = new Uint8Array(16);
  for (let i = 0; i < 4; i++) {
    const v = key[w + i];
    bytes[4 * i] = v >>> 24;
    bytes[4 * i + 1] = v >>> 16;
    bytes[4 * i + 2] = v >>> 8;
    bytes[4 * i + 3] = v;
  }
  return ipv6ToString(bytes);
}

export function keyFields(key: FlowKey): KeyFields {
  const nw = key[W.NW];
  return {
    dl_dst: macAt(key, W.DL_DST),
    dl_src: macAt(key, W.DL_SRC),
    dl_type: key[W.DL_TYPE_VLAN] >>> 16,
    vlan_tci: key[W.DL_TYPE_VLAN] & 0xffff,
    nw_src: ipv4ToString(key[W.NW_SRC]),
    nw_dst: ipv4ToString(key[W.NW_DST]),
    ipv6_src: ipv6At(key, W.IPV6_SRC),
    ipv6_dst: ipv6At(key, W.IPV6_DST),
    ipv6_label: key[W.IPV6_LABEL],
    nw_proto: nw >>> 24,
    nw_tos: (nw >>> 16) & 0xff,
    nw_ttl: (nw >>> 8) & 0xff,
    nw_frag: nw & 0xff,
    arp_sha: macAt(key, W.ARP_SHA),
    arp_tha: macAt(key, W.ARP_THA),
    nd_target: ipv6At(key, W.ND_TARGET),
    tp_src: key[W.TP] >>> 16,
    tp_dst: key[W.TP] & 0xffff,
    tcp_flags: key[W.TCP_FLAGS],
  };
}

export interface Extracted {
  status: string;
  key: FlowKey;
  layout: PacketLayout;
  fields: KeyFields;
}

/** A value the metadata words start with, to show extract leaves them alone. */
export const METADATA_SENTINEL = 0xdeadbeef;

/** Extracts `frame` (whole, or its first `len` bytes) into a fresh key whose metadata words hold a sentinel. */
export function run(frame: Uint8Array, len = frame.length, inPort = 1): Extracted {
  const key = newKey();
  key.fill(METADATA_SENTINEL, 0, FIRST_PACKET_WORD);
  key.fill(METADATA_SENTINEL, FIRST_PACKET_WORD, KEY_WORDS); // packet words too: extract must overwrite them all
  const layout = new PacketLayout();
  const status = extractStatusName(extract(frame, 0, len, inPort, key, layout));
  return { status, key, layout, fields: keyFields(key) };
}

/** Asserts the named fields and that every field not named is zero. */
export function expectFields(got: KeyFields, expected: Partial<KeyFields>): void {
  expect(got).toEqual({ ...ZERO_FIELDS, ...expected });
}
