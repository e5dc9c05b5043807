/**
 * The OpenFlow 1.1+ action set in translation. Every expectation here was first observed on real OVS 3.1
 * (ovs-appctl ofproto/trace on a userspace bridge with dummy ports p1..p4 = 1..4, flows added with -O OpenFlow13).
 */
import { describe, expect, test } from 'vitest';
import { parseActions } from '../../src/ofproto/actions/parse.js';
import { Switch } from '../../src/ofproto/switch.js';
import { formatTraceNodes } from '../../src/ofproto/trace.js';
import { formatXlateTrace } from '../../src/ofproto/trace-report.js';
import { actionSetToList } from '../../src/ofproto/xlate-action-set.js';
import { actionsText, addFlows, oneBridge, run, udp } from './helpers.js';

function of13(text: string): ReturnType<typeof oneBridge> {
  const s = oneBridge();
  addFlows(s.br, text, 0, 'OpenFlow13');
  return s;
}

const p1 = udp({ inPort: 1, dlSrc: '02:00:00:00:00:01', dlDst: '02:00:00:00:00:03', ttl: 9 });

describe('action set: when it runs', () => {
  test('it runs at the end of the translation, after the outputs of later tables and with their rewrites', () => {
    const { sw, br } = of13(`
      table=0,priority=1 actions=write_actions(output:p3),goto_table:2
      table=2,priority=1 actions=mod_dl_src:02:aa:aa:aa:aa:aa,output:p4`);
    expect(actionsText(sw, run(sw, br, p1))).toBe('set(eth(src=02:aa:aa:aa:aa:aa)),p4,p3');
  });

  test('a set written in a resubmitted table also waits for the end of the translation', () => {
    const { sw, br } = of13(`
      table=0,priority=1 actions=resubmit(,1),output:p2
      table=1,priority=1 actions=write_actions(output:p3)`);
    expect(actionsText(sw, run(sw, br, p1))).toBe('p2,p3');
  });

  test('a table miss after goto_table still runs the set', () => {
    const { sw, br } = of13('table=0,priority=1 actions=write_actions(output:p3),goto_table:2');
    expect(actionsText(sw, run(sw, br, p1))).toBe('p3');
  });

  test('exit stops the set too', () => {
    const { sw, br } = of13(`
      table=0,priority=1 actions=write_actions(output:p3),goto_table:1
      table=1,priority=1 actions=output:p2,exit`);
    expect(actionsText(sw, run(sw, br, p1))).toBe('p2');
  });

  test('a set without an output (or other final action) runs nothing, its rewrites included', () => {
    const { sw, br } = of13(`
      table=0,priority=1 actions=output:p2,write_actions(mod_dl_src:02:aa:aa:aa:aa:aa),goto_table:1
      table=1,priority=1 actions=output:p4`);
    const r = run(sw, br, p1);
    expect(actionsText(sw, r)).toBe('p2,p4');
    expect(Array.from(r.finalFlow)).toEqual(Array.from(p1));
  });

  test('clear_actions empties the set', () => {
    const { sw, br } = of13(`
      table=0,priority=1 actions=write_actions(output:p3),goto_table:1
      table=1,priority=1 actions=clear_actions,goto_table:2
      table=2,priority=1 actions=output:p2`);
    expect(actionsText(sw, run(sw, br, p1))).toBe('p2');
  });

  test('the set runs once: what a rule reached from it writes never runs', () => {
    const { sw, br } = of13(`
      table=0,priority=1 actions=write_actions(resubmit(,3),mod_dl_src:02:aa:aa:aa:aa:aa)
      table=3,priority=1 actions=output:p4,write_actions(output:p2)`);
    expect(actionsText(sw, run(sw, br, p1))).toBe('set(eth(src=02:aa:aa:aa:aa:aa)),p4');
  });

  test('a clone() runs a copy of the set when its actions end, and the set runs again at the end', () => {
    const { sw, br } = of13(`
      table=0,priority=1 actions=write_actions(output:p3),goto_table:1
      table=1,priority=1 actions=clone(output:p4),output:p2`);
    expect(actionsText(sw, run(sw, br, p1))).toBe('p4,p3,p2,p3');
  });

  test("a patch peer's pipeline has its own set, run when that pipeline ends", () => {
    const sw = new Switch();
    const br0 = sw.addBridge({ name: 'br0' });
    const br1 = sw.addBridge({ name: 'br1' });
    for (let i = 1; i <= 4; i++) sw.addPort('br0', { name: `p${i}`, ofport: i });
    sw.addPort('br0', { name: 'patch0', ofport: 10, type: 'patch', peer: 'patch1' });
    sw.addPort('br1', { name: 'q1', ofport: 1 });
    sw.addPort('br1', { name: 'patch1', ofport: 10, type: 'patch', peer: 'patch0' });
    addFlows(br0, `
      table=0,priority=1 actions=write_actions(output:p3),goto_table:1
      table=1,priority=1 actions=output:patch0,output:p2`, 0, 'OpenFlow13');
    addFlows(br1, `
      table=0,priority=1 actions=write_actions(output:q1),goto_table:1
      table=1,priority=1 actions=mod_dl_src:02:bb:bb:bb:bb:bb`, 0, 'OpenFlow13');
    const r = run(sw, br0, p1);
    expect(actionsText(sw, r)).toBe('set(eth(src=02:bb:bb:bb:bb:bb)),q1,set(eth(src=02:00:00:00:00:01)),p2,p3');
  });
});

describe('action set: what runs', () => {
  test('one output: a later write_actions replaces the earlier output, field writes accumulate in order', () => {
    const { sw, br } = of13(`
      table=0,priority=1 actions=write_actions(load:0x1->reg0[],output:p3,mod_dl_dst:02:00:00:00:00:09),goto_table:1
      table=1,priority=1 actions=write_actions(output:p4,mod_dl_dst:02:00:00:00:00:0a)`);
    expect(actionsText(sw, run(sw, br, p1))).toBe('set(eth(dst=02:00:00:00:00:0a)),p4');
  });

  test('OpenFlow order, not written order: dec_ttl, then the field writes, then the output', () => {
    const { sw, br } = of13(
      'table=0,priority=1,ip actions=write_actions(output:p3,mod_dl_src:02:aa:aa:aa:aa:aa,dec_ttl,mod_dl_dst:02:00:00:00:00:0b)',
    );
    const r = run(sw, br, p1);
    expect(r.finalFlow).not.toEqual(p1);
    expect(actionsText(sw, r)).toMatch(/^set\(eth\(src=02:aa:aa:aa:aa:aa,dst=02:00:00:00:00:0b\)\),set\(ipv4\(ttl=8\)\),p3$/);
  });

  test('an output beats a resubmit in the set, whatever the order written', () => {
    const { sw, br } = of13(`
      table=0,priority=1 actions=write_actions(resubmit(,3),output:p2),goto_table:1
      table=1,priority=1 actions=write_actions(output:p2,resubmit(,3))
      table=3,priority=1 actions=output:p4`);
    expect(actionsText(sw, run(sw, br, p1))).toBe('p2');
  });

  test('output to the input port from the set is skipped like any other', () => {
    const { sw, br } = of13('table=0,priority=1 actions=write_actions(output:p1)');
    expect(run(sw, br, p1).dpActions).toEqual([]);
  });

  test('CONTROLLER in the set sends a packet-in with reason action_set', () => {
    const { sw, br } = of13('table=0,priority=1 actions=write_actions(controller)');
    expect(run(sw, br, p1).dpActions).toMatchObject([{ kind: 'userspace', reason: 'controller', detail: 'action_set' }]);
  });

  test('actionSetToList keeps the last of each single kind and drops a set with no final action', () => {
    const list = (t: string): string =>
      actionSetToList(parseActions(t))
        .map((a) => a.kind)
        .join(',');
    expect(list('dec_ttl,output:1,strip_vlan,load:1->reg0[],ct_clear,dec_ttl(5)')).toBe('strip_vlan,dec_ttl,load,output');
    expect(list('load:1->reg0[],strip_vlan')).toBe('');
  });
});

describe('action set: trace', () => {
  test('write_actions and clear_actions report the set, and the set runs under "--. Executing action set:"', () => {
    const { sw, br } = of13(`
      table=0,priority=1 actions=resubmit(,1),output:p2
      table=1,priority=1 actions=write_actions(output:p3)`);
    const r = run(sw, br, p1, 0, true);
    expect(formatTraceNodes(r.trace ?? [])).toBe(
      [
        '',
        'bridge("br0")',
        '-------------',
        ' 0. priority 1',
        '    resubmit(,1)',
        '     1. priority 1',
        '            write_actions(output:3)',
        '             -> action set is: output:3',
        '    output:2',
        '--. Executing action set:',
        '    output:3',
        '',
      ].join('\n'),
    );
  });

  test('clear_actions reports the set it empties', () => {
    const { sw, br } = of13(`
      table=0,priority=1 actions=write_actions(output:p3),goto_table:1
      table=1,priority=1 actions=clear_actions,goto_table:2
      table=2,priority=1 actions=output:p2`);
    const text = formatTraceNodes(run(sw, br, p1, 0, true).trace ?? []);
    expect(text).toContain('    clear_actions\n     -> action set was: output:3\n');
    expect(text).not.toContain('Executing action set');
  });

  test('an output left in the set counts as a change to the flow (OVS prints the final flow)', () => {
    const { sw, br } = of13('table=0,priority=1 actions=write_actions(output:p3)');
    const r = run(sw, br, p1, 0, true);
    expect(r.actsetOutput).toBe(3);
    expect(formatXlateTrace(sw, br, p1, r)).not.toContain('Final flow: unchanged');
  });
});
