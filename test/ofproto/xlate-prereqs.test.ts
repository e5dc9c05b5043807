import { describe, expect, test } from 'vitest';
import { FRAG_ANY, FRAG_LATER, W } from '../../src/flow/key-layout.js';
import { addFlows, oneBridge, run, tcp, udp } from './helpers.js';

// OVS's mf_are_prereqs_ok: a later fragment has no L4 header, so its TCP/UDP/SCTP port fields are absent.
describe('field prerequisites in translation', () => {
  test('move from tcp_dst is skipped on a later fragment', () => {
    const { sw, br } = oneBridge();
    addFlows(br, 'priority=1,tcp actions=load:0x77->NXM_NX_REG0[],move:NXM_OF_TCP_DST[]->NXM_NX_REG0[0..15],output:p2');
    const r = run(sw, br, tcp({ inPort: 1, tpDst: 80, frag: FRAG_ANY | FRAG_LATER }));
    expect(r.finalFlow[W.REGS]).toBe(0x77);
  });

  test('move from tcp_dst copies the port on a first fragment', () => {
    const { sw, br } = oneBridge();
    addFlows(br, 'priority=1,tcp actions=move:NXM_OF_TCP_DST[]->NXM_NX_REG0[0..15],output:p2');
    const r = run(sw, br, tcp({ inPort: 1, tpDst: 80, frag: FRAG_ANY }));
    expect(r.finalFlow[W.REGS]).toBe(80);
  });

  test('set_field on udp_dst does nothing on a later fragment', () => {
    const { sw, br } = oneBridge();
    addFlows(br, 'priority=1,udp actions=set_field:99->udp_dst,output:p2');
    const r = run(sw, br, udp({ inPort: 1, tpDst: 53, frag: FRAG_ANY | FRAG_LATER }));
    expect(r.finalFlow[W.TP] & 0xffff).toBe(53);
  });
});
