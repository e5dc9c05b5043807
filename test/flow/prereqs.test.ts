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
