import { expect, test } from 'vitest';
import { fieldNamed } from '../../src/flow/fields.js';
import { newKey, W } from '../../src/flow/key-layout.js';
import { Match } from '../../src/flow/match.js';
import { checkPrereqs, matchPrereqsOk, prereqsOk } from '../../src/flow/prereqs.js';

function key(dlType: number, proto = 0, frag = 0, tp = 0): Uint32Array {
  const k = newKey();
  k[W.DL_TYPE_VLAN] = (dlType << 16) >>> 0;
  k[W.NW] = ((proto << 24) | frag) >>> 0;
  k[W.TP] = tp >>> 0;
  return k;
}

test('a TCP packet satisfies tcp_dst and an UDP one does not', () => {
  expect(prereqsOk(key(0x0800, 6), fieldNamed('tcp_dst'))).toBe(true);
  expect(prereqsOk(key(0x86dd, 6), fieldNamed('tcp_dst'))).toBe(true);
  expect(prereqsOk(key(0x0800, 17), fieldNamed('tcp_dst'))).toBe(false);
});

test('a later fragment has no L4 header', () => {
  expect(prereqsOk(key(0x0800, 6, 3), fieldNamed('tcp_src'))).toBe(false);
  expect(prereqsOk(key(0x0800, 6, 1), fieldNamed('tcp_src'))).toBe(true);
});

test('nd_target needs a neighbour solicitation or advertisement with code 0', () => {
  expect(prereqsOk(key(0x86dd, 58, 0, 135 << 16), fieldNamed('nd_target'))).toBe(true);
  expect(prereqsOk(key(0x86dd, 58, 0, (135 << 16) | 1), fieldNamed('nd_target'))).toBe(false);
  expect(prereqsOk(key(0x86dd, 58, 0, 136 << 16), fieldNamed('nd_sll'))).toBe(false);
});

test('ARP fields need ARP or RARP', () => {
  expect(prereqsOk(key(0x8035), fieldNamed('arp_spa'))).toBe(true);
  expect(prereqsOk(key(0x0800), fieldNamed('arp_spa'))).toBe(false);
});

test('a packet has a valid conntrack state when it is new, established or a reply', () => {
  const k = newKey();
  k[W.CT_STATE_ZONE] = 0x20 << 16; // +trk only
  expect(prereqsOk(k, fieldNamed('ct_nw_src'))).toBe(false);
  k[W.CT_STATE_ZONE] = 0x22 << 16; // +trk+est
  expect(prereqsOk(k, fieldNamed('ct_nw_src'))).toBe(true);
});

test('a match shows a valid conntrack state with +trk-inv', () => {
  const m = new Match().set(fieldNamed('ct_state'), 0x20n, 0x30n);
  expect(matchPrereqsOk(m, fieldNamed('ct_nw_src'))).toBe(true);
  expect(matchPrereqsOk(new Match().set(fieldNamed('ct_state'), 0x20n, 0x20n), fieldNamed('ct_nw_src'))).toBe(false);
});

test('checkPrereqs names the first field whose prerequisites the match does not pin', () => {
  const m = new Match().set(fieldNamed('tcp_dst'), 80n);
  expect(checkPrereqs(m)).toBe('prerequisites not met for matching tcp_dst');
  m.set(fieldNamed('dl_type'), 0x0800n).set(fieldNamed('nw_proto'), 6n);
  expect(checkPrereqs(m)).toBeUndefined();
});

test('fields sharing storage count as satisfied through any of their names', () => {
  const m = new Match().set(fieldNamed('dl_type'), 0x0800n).set(fieldNamed('nw_proto'), 1n).set(fieldNamed('tcp_src'), 8n);
  expect(checkPrereqs(m)).toBeUndefined();
});

test('checking a packet records what the answer read in the wildcards: nw_proto for an L4 field', () => {
  const wc = newKey();
  expect(prereqsOk(key(0x0800, 17), fieldNamed('tcp_dst'), wc)).toBe(false);
  expect(wc[W.NW]).toBe(0xff000000);
});

test('checking a packet records the ICMPv6 type and code for an ND field, and nothing when the dl_type rules it out', () => {
  const wc = newKey();
  expect(prereqsOk(key(0x86dd, 58, 0, 135 << 16), fieldNamed('nd_target'), wc)).toBe(true);
  expect(wc[W.TP]).toBe(0x00ff00ff);
  const none = newKey();
  expect(prereqsOk(key(0x0800, 58), fieldNamed('nd_target'), none)).toBe(false);
  expect(Array.from(none).every((w) => w === 0)).toBe(true);
});

test('checking a packet for a valid conntrack state records the new, established and reply bits', () => {
  const wc = newKey();
  prereqsOk(newKey(), fieldNamed('ct_nw_src'), wc);
  expect(wc[W.CT_STATE_ZONE] >>> 16).toBe(0x01 | 0x02 | 0x08);
});

test('a match reads a wildcarded ICMPv6 code as 0, so icmp_type=135 alone satisfies nd_target (as OVS accepts)', () => {
  const m = new Match().set(fieldNamed('dl_type'), 0x86ddn).set(fieldNamed('nw_proto'), 58n).set(fieldNamed('icmpv6_type'), 135n);
  expect(matchPrereqsOk(m, fieldNamed('nd_target'))).toBe(true);
});
