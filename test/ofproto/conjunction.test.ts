import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, test } from 'vitest';
import type { Bridge } from '../../src/ofproto/bridge.js';
import type { Switch } from '../../src/ofproto/switch.js';
import { addFlows, actionsText, key, oneBridge, run, tcp, udp } from './helpers.js';

// The conjunction conformance scenario's flows; expectations from its packets.tsv (checked against OVS 3.1).
const FLOWS = readFileSync(new URL('../conformance/scenarios/conjunction/br0.flows', import.meta.url), 'utf8');

describe('conjunctive matches', () => {
  let sw: Switch;
  let br: Bridge;
  beforeAll(() => {
    ({ sw, br } = oneBridge(['p1', 'p2', 'p3', 'p4', 'p5', 'p6']));
    addFlows(br, FLOWS);
  });
  const out = (k: Uint32Array): string => actionsText(sw, run(sw, br, k));

  test('two dimensions, both matched: the conj_id flow runs', () => {
    expect(out(tcp({ inPort: 1, nwSrc: '10.0.0.1', tpDst: 80 }))).toBe('p3');
    expect(out(tcp({ inPort: 1, nwSrc: '10.0.0.2', tpDst: 443 }))).toBe('p3');
  });

  test('one dimension only: falls through to the next ordinary flow', () => {
    expect(out(tcp({ inPort: 1, nwSrc: '10.0.0.1', tpDst: 22 }))).toBe('p5');
    expect(out(tcp({ inPort: 1, nwSrc: '10.0.0.9', tpDst: 80 }))).toBe('p5');
  });

  test('a higher-priority conjunction with a masked dimension wins over a lower one', () => {
    expect(out(tcp({ inPort: 1, nwSrc: '10.0.0.1', tpDst: 0x1234 }))).toBe('set(eth(dst=02:00:00:00:03:03)),p5');
  });

  test('both conjunctions incomplete: the ordinary flow below them', () => {
    expect(out(tcp({ inPort: 1, nwSrc: '10.0.0.1', tpDst: 8192 }))).toBe('p5');
  });

  test('three dimensions', () => {
    expect(out(udp({ inPort: 1, nwSrc: '10.0.0.9', nwDst: '10.1.0.7', tpDst: 53 }))).toBe('p4');
    expect(out(udp({ inPort: 2, nwSrc: '10.0.0.9', nwDst: '10.1.0.7', tpDst: 5353 }))).toBe('p4');
    expect(out(udp({ inPort: 1, nwSrc: '10.0.0.9', nwDst: '10.2.0.7', tpDst: 53 }))).toBe('p5');
  });

  test('a port outside a dimension falls to the lower flows', () => {
    expect(out(udp({ inPort: 6, nwSrc: '10.0.0.9', nwDst: '10.1.0.7', tpDst: 53 }))).toBe('p4');
  });

  test('one flow can be a clause of two conjunctions', () => {
    expect(out(udp({ inPort: 1, nwSrc: '10.0.0.3', nwDst: '10.9.0.1', tpDst: 7 }))).toBe('p3,p4');
    expect(out(tcp({ inPort: 1, nwSrc: '10.0.0.3', tpDst: 80 }))).toBe('p3');
    expect(out(udp({ inPort: 1, nwSrc: '10.0.0.3', nwDst: '10.1.0.7', tpDst: 53 }))).toBe('p4');
  });

  test('an ordinary flow of higher priority beats a complete conjunction', () => {
    expect(out(tcp({ inPort: 1, nwSrc: '10.0.0.66', tpDst: 80 }))).toBe('drop');
  });

  test('partial match on a non-IP packet ends at the priority-0 drop', () => {
    expect(out(key({ inPort: 1, arpOp: 1, dlDst: 'ff:ff:ff:ff:ff:ff' }))).toBe('drop');
  });

  test('a conjunction evaluated in a resubmitted table', () => {
    const p = { inPort: 6, nwSrc: '10.0.0.9', nwDst: '10.9.0.1', tpDst: 9 };
    expect(out(udp({ ...p, dlSrc: '02:00:00:00:00:61', tos: 184 }))).toBe('set(ipv4(tos=0/0xfc)),p3');
    expect(out(udp({ ...p, dlSrc: '02:00:00:00:00:62', tos: 185 }))).toBe('set(ipv4(tos=0/0xfc)),p3');
    expect(out(udp({ ...p, dlSrc: '02:00:00:00:00:63', tos: 184 }))).toBe('p4');
  });
});

describe('conjunction priorities', () => {
  test('an incomplete conjunction at a high priority falls back to an identical-match ordinary flow below it', () => {
    const { sw, br } = oneBridge();
    addFlows(br, `
      priority=100,ip,nw_src=10.0.0.1 actions=conjunction(1,1/2)
      priority=100,tcp,tp_dst=80 actions=conjunction(1,2/2)
      priority=100,conj_id=1 actions=output:p2
      priority=50,ip,nw_src=10.0.0.1 actions=output:p3
      priority=1 actions=output:p4`);
    expect(actionsText(sw, run(sw, br, tcp({ inPort: 1, nwSrc: '10.0.0.1', tpDst: 22 })))).toBe('p3');
    expect(actionsText(sw, run(sw, br, tcp({ inPort: 1, nwSrc: '10.0.0.1', tpDst: 80 })))).toBe('p2');
  });
});
