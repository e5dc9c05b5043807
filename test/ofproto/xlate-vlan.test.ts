import { describe, expect, test } from 'vitest';
import { VLAN_CFI, W } from '../../src/flow/key-layout.js';
import { traceText } from '../../src/ofproto/trace-report.js';
import { addFlows, actionsText, oneBridge, run, udp } from './helpers.js';

// OVS keeps two VLAN slots in its flow: push_vlan on a tagged packet moves the tag down, pop_vlan brings it back
// (checked against OVS 3.1 in the field-rewrites conformance scenario, input #29).
describe('two VLAN tags in translation', () => {
  const tagged = udp({ inPort: 1, vlan: 13, pcp: 7 });

  test('push_vlan on a tagged packet commits one push over the existing tag', () => {
    const { sw, br } = oneBridge();
    addFlows(br, 'priority=1 actions=push_vlan:0x8100,set_field:4196->vlan_vid,output:p2', 0, 'OpenFlow13');
    expect(actionsText(sw, run(sw, br, tagged))).toBe('push_vlan(vid=100,pcp=0),p2');
  });

  test('push_vlan on a tagged packet moves the old tag into the inner slot, TPID included', () => {
    const { sw, br } = oneBridge();
    addFlows(br, 'priority=1 actions=push_vlan:0x88a8,output:p2', 0, 'OpenFlow13');
    const r = run(sw, br, tagged);
    expect(r.finalFlow[W.DL_TYPE_VLAN] & 0xffff).toBe(VLAN_CFI);
    expect(r.finalFlow[W.VLAN_TCI1]).toBe(((0x8100 << 16) | VLAN_CFI | (7 << 13) | 13) >>> 0);
  });

  test('the tag pushed down is matched exactly by the megaflow', () => {
    const { sw, br } = oneBridge();
    addFlows(br, 'priority=1 actions=push_vlan:0x8100,output:p2', 0, 'OpenFlow13');
    expect(run(sw, br, tagged).wc[W.DL_TYPE_VLAN] & 0xffff).toBe(0xffff);
  });

  test('pop_vlan after a second push exposes the original tag again: one pop before the next output', () => {
    const { sw, br } = oneBridge();
    addFlows(br, 'priority=1 actions=push_vlan:0x8100,set_field:4196->vlan_vid,output:p2,pop_vlan,output:p3', 0, 'OpenFlow13');
    const r = run(sw, br, tagged);
    expect(actionsText(sw, r)).toBe('push_vlan(vid=100,pcp=0),p2,pop_vlan,p3');
    expect(r.finalFlow[W.DL_TYPE_VLAN] & 0xffff).toBe(VLAN_CFI | (7 << 13) | 13);
    expect(r.finalFlow[W.VLAN_TCI1]).toBe(0);
  });

  test('two pops after a second push leave the packet untagged', () => {
    const { sw, br } = oneBridge();
    // (Split over two tables: the pop in table 1 also shows the lookup sees the original tag again.)
    addFlows(
      br,
      `table=0,priority=1,dl_vlan=13 actions=push_vlan:0x8100,output:p2,pop_vlan,resubmit(,1)
       table=1,priority=1,dl_vlan=13 actions=pop_vlan,output:p3`,
      0,
      'OpenFlow13',
    );
    expect(actionsText(sw, run(sw, br, tagged))).toBe('push_vlan(vid=0,pcp=0),p2,pop_vlan,pop_vlan,p3');
  });

  test('the inner slot is not part of the megaflow (extract never fills it)', () => {
    const { sw, br } = oneBridge();
    addFlows(br, 'priority=1 actions=push_vlan:0x8100,output:p2,pop_vlan,output:p3', 0, 'OpenFlow13');
    expect(run(sw, br, tagged).wc[W.VLAN_TCI1]).toBe(0);
  });

  test('the trace shows push_vlan and the inner tag in the final flow as OVS prints them', () => {
    const { sw, br } = oneBridge();
    addFlows(br, 'priority=1 actions=push_vlan:0x8100,set_field:4196->vlan_vid,output:p2', 0, 'OpenFlow13');
    const text = traceText(sw, br, tagged, { nowMs: 0 });
    expect(text).toContain('\n    push_vlan:0x8100\n');
    expect(text).toContain('Flow: udp,in_port=1,dl_vlan=13,dl_vlan_pcp=7,vlan_tci1=0x0000,dl_src=');
    expect(text).toContain('Final flow: udp,in_port=1,dl_vlan=100,dl_vlan_pcp=0,dl_vlan1=13,dl_vlan_pcp1=7,dl_src=');
  });
});
