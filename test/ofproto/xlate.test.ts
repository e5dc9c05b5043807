import { describe, expect, test } from 'vitest';
import { W } from '../../src/flow/key-layout.js';
import { commitSideEffects } from '../../src/ofproto/side-effects.js';
import { Switch } from '../../src/ofproto/switch.js';
import { addFlows, actionsText, key, mac, oneBridge, run, tcp, udp } from './helpers.js';

describe('resubmit, goto_table and limits', () => {
  test('resubmit(,N) continues in table N and returns to the rest of the list', () => {
    const { sw, br } = oneBridge();
    addFlows(br, `
      table=0,priority=1 actions=resubmit(,5),output:p3
      table=5,priority=1 actions=output:p2`);
    expect(actionsText(sw, run(sw, br, tcp({ inPort: 1 })))).toBe('p2,p3');
  });

  test('resubmit(port,table) looks up as if from that port but acts with the real in_port', () => {
    const { sw, br } = oneBridge();
    addFlows(br, `
      table=0,priority=1,in_port=p4 actions=resubmit(p1,3)
      table=3,priority=10,in_port=p1 actions=output:in_port,output:p4
      table=3,priority=1 actions=output:p3`);
    // output:in_port goes to p4 (the real in_port); explicit output:p4 is skipped as the input port.
    expect(actionsText(sw, run(sw, br, udp({ inPort: 4 })))).toBe('p4');
  });

  test('a 10-deep forward chain translates completely', () => {
    const { sw, br } = oneBridge();
    const lines = [];
    for (let t = 20; t < 29; t++) lines.push(`table=${t},priority=0 actions=resubmit(,${t + 1})`);
    lines.push('table=29,priority=0 actions=output:p3');
    lines.push('table=0,priority=0 actions=resubmit(,20)');
    addFlows(br, lines.join('\n'));
    expect(actionsText(sw, run(sw, br, tcp({ inPort: 1 })))).toBe('p3');
  });

  test('a resubmit loop past depth 64 drops the whole packet, earlier outputs included', () => {
    const { sw, br } = oneBridge();
    addFlows(br, `
      table=0,priority=0 actions=output:p2,resubmit(,10)
      table=10,priority=0 actions=output:p4,resubmit(,11)
      table=11,priority=0 actions=resubmit(,10)`);
    const r = run(sw, br, tcp({ inPort: 1 }));
    expect(r.dpActions).toEqual([]);
    expect(r.error).toBe('Recursion too deep');
    expect(r.drop).toMatchObject({ kind: 'resubmit_depth', bridge: 'br0', text: 'resubmit depth exceeded' });
  });

  test('goto_table with write_metadata: the later table matches the metadata', () => {
    const { sw, br } = oneBridge();
    addFlows(
      br,
      `
      table=0,priority=1,ip actions=write_metadata:0x1234/0xffff,goto_table:1
      table=1,priority=10,metadata=0x1234/0xffff actions=output:p2
      table=1,priority=1 actions=output:p3`,
      0,
      'OpenFlow13',
    );
    expect(actionsText(sw, run(sw, br, tcp({ inPort: 1 })))).toBe('p2');
  });

  test('load, move and set_field on subfields feed later matches', () => {
    const { sw, br } = oneBridge();
    addFlows(br, `
      table=0,priority=1,ip actions=load:0xabcd->NXM_NX_REG0[0..15],load:0x5->NXM_NX_REG1[16..19],move:NXM_NX_REG0[0..7]->NXM_NX_REG2[8..15],set_field:0xa/0xf->reg3,resubmit(,2)
      table=2,priority=20,reg0=0xabcd,reg1=0x50000/0xf0000,reg2=0xcd00/0xff00,reg3=0xa actions=output:p3
      table=2,priority=1 actions=output:p4`);
    const r = run(sw, br, tcp({ inPort: 1 }));
    expect(actionsText(sw, r)).toBe('p3');
    expect(r.finalFlow[W.REGS + 2]).toBe(0xcd00);
    // Registers are not packet fields: the megaflow never matches them.
    expect(r.wc.subarray(W.REGS, W.REGS + 16).every((w) => w === 0)).toBe(true);
  });

  test('output to the input port is skipped unless written as in_port', () => {
    const { sw, br } = oneBridge();
    addFlows(br, 'priority=1 actions=output:p1');
    const r = run(sw, br, tcp({ inPort: 1 }));
    expect(r.dpActions).toEqual([]);
    expect(r.drop).toMatchObject({ kind: 'output_to_input_port', text: 'output to the input port skipped' });
  });

  test('FLOOD goes to every port but the input port, LOCAL included', () => {
    const { sw, br } = oneBridge();
    addFlows(br, 'priority=1 actions=FLOOD');
    expect(actionsText(sw, run(sw, br, tcp({ inPort: 2 })))).toBe('br0,p1,p3,p4');
  });

  test('exit stops the whole pipeline', () => {
    const { sw, br } = oneBridge();
    addFlows(br, `
      table=0,priority=1 actions=resubmit(,1),output:p3
      table=1,priority=1 actions=output:p2,exit,output:p4`);
    expect(actionsText(sw, run(sw, br, tcp({ inPort: 1 })))).toBe('p2');
  });
});

describe('commit model', () => {
  test('a rewrite before two outputs is committed once, before the first', () => {
    const { sw, br } = oneBridge();
    addFlows(br, 'priority=10,in_port=p1,ip actions=mod_nw_ttl:5,mod_dl_src:02:11:11:11:11:11,output:p2,output:p3');
    const r = run(sw, br, tcp({ inPort: 1 }));
    expect(actionsText(sw, r)).toBe('set(eth(src=02:11:11:11:11:11)),set(ipv4(ttl=5)),p2,p3');
    // Written fields become part of the megaflow (OVS: dl_src and nw_ttl exact).
    expect(r.wc[W.DL_SRC + 1]).toBe(0xffffffff);
    expect((r.wc[W.NW] >>> 8) & 0xff).toBe(0xff);
  });

  test('mod_vlan_vid, output, strip_vlan, output: push then pop', () => {
    const { sw, br } = oneBridge();
    addFlows(br, 'priority=10,in_port=p3,tcp actions=mod_vlan_vid:7,output:p1,strip_vlan,output:p2');
    expect(actionsText(sw, run(sw, br, tcp({ inPort: 3 })))).toBe('push_vlan(vid=7,pcp=0),p1,pop_vlan,p2');
  });

  test('changing the VID of a tagged packet pops the old tag and pushes the new one', () => {
    const { sw, br } = oneBridge();
    addFlows(br, 'priority=10 actions=mod_vlan_vid:9,output:p2');
    expect(actionsText(sw, run(sw, br, tcp({ inPort: 1, vlan: 3, pcp: 5 })))).toBe('pop_vlan,push_vlan(vid=9,pcp=5),p2');
  });

  test('rewrites after an output are committed before the next output only', () => {
    const { sw, br } = oneBridge();
    addFlows(br, 'priority=10 actions=output:p2,mod_tp_dst:8080,output:p3');
    expect(actionsText(sw, run(sw, br, tcp({ inPort: 1 })))).toBe('p2,set(tcp(dst=8080)),p3');
  });

  test('clone() of reversible actions leaves the outer packet unchanged', () => {
    const { sw, br } = oneBridge();
    addFlows(br, 'priority=10 actions=clone(mod_dl_dst:02:00:00:00:cc:cc,output:p3),output:p4');
    expect(actionsText(sw, run(sw, br, tcp({ inPort: 1 })))).toBe(
      'set(eth(dst=02:00:00:00:cc:cc)),p3,set(eth(dst=00:00:00:00:00:02)),p4',
    );
  });
});

describe('dec_ttl', () => {
  test('ttl 1: actions before run, a packet-in follows, the rest of the list is skipped', () => {
    const { sw, br } = oneBridge();
    addFlows(br, 'priority=10 actions=output:p2,dec_ttl,output:p4');
    const r = run(sw, br, tcp({ inPort: 1, ttl: 1 }));
    expect(r.dpActions.map((a) => a.kind)).toEqual(['output', 'userspace']);
    expect(r.dpActions[1]).toMatchObject({ reason: 'controller', detail: 'invalid_ttl' });
    expect((r.wc[W.NW] >>> 8) & 0xff).toBe(0xff);
  });

  test('ttl above 1 is decremented and committed', () => {
    const { sw, br } = oneBridge();
    addFlows(br, 'priority=10 actions=dec_ttl,output:p2');
    expect(actionsText(sw, run(sw, br, tcp({ inPort: 1, ttl: 64 })))).toBe('set(ipv4(ttl=63)),p2');
  });

  test('on a non-IP packet it does nothing', () => {
    const { sw, br } = oneBridge();
    addFlows(br, 'priority=10 actions=dec_ttl,output:p2');
    expect(actionsText(sw, run(sw, br, key({ inPort: 1, arpOp: 1 })))).toBe('p2');
  });
});

describe('side effects', () => {
  test('rule statistics change only when the side effects are committed', () => {
    const { sw, br } = oneBridge();
    addFlows(br, `
      table=0,priority=1 actions=resubmit(,1)
      table=1,priority=1 actions=output:p2`);
    const r = run(sw, br, tcp({ inPort: 1 }), 5000);
    expect(br.flows.allRules().map((x) => x.nPackets)).toEqual([0, 0]);
    commitSideEffects(r.sideEffects, { bytes: 100 }, 5000);
    commitSideEffects(r.sideEffects, { bytes: 60 }, 6000);
    expect(br.flows.allRules().map((x) => [x.nPackets, x.nBytes, x.usedMs])).toEqual([
      [2, 160, 6000],
      [2, 160, 6000],
    ]);
  });

  test('NORMAL learning happens at commit, not during translation', () => {
    const { sw, br } = oneBridge();
    addFlows(br, 'priority=0 actions=NORMAL');
    const r = run(sw, br, tcp({ inPort: 1, dlSrc: '00:00:00:00:00:0a' }));
    expect(br.macTable.size).toBe(0);
    commitSideEffects(r.sideEffects, { bytes: 60 }, 0);
    expect(br.macTable.lookup(mac('00:00:00:00:00:0a'), 0, 0)).toBe(1);
  });
});

describe('patch ports', () => {
  function twoBridges(): { sw: Switch } {
    const sw = new Switch();
    sw.addBridge({ name: 'br-int' });
    sw.addBridge({ name: 'br-tun' });
    sw.addPort('br-int', { name: 'vm1', ofport: 5 });
    sw.addPort('br-int', { name: 'patch-tun', ofport: 1, type: 'patch', peer: 'patch-int' });
    sw.addPort('br-tun', { name: 'patch-int', ofport: 1, type: 'patch', peer: 'patch-tun' });
    sw.addPort('br-tun', { name: 'eth0', ofport: 2 });
    return { sw };
  }

  test('translation continues in the peer bridge with the peer as in_port and registers cleared', () => {
    const { sw } = twoBridges();
    const brInt = sw.bridge('br-int')!;
    const brTun = sw.bridge('br-tun')!;
    addFlows(brInt, 'priority=1,in_port=vm1 actions=load:0x7->NXM_NX_REG0[],mod_dl_src:02:00:00:00:00:99,output:patch-tun');
    addFlows(brTun, `
      priority=10,in_port=patch-int,reg0=0x7 actions=output:LOCAL
      priority=5,in_port=patch-int actions=output:eth0`);
    const r = run(sw, brInt, tcp({ inPort: 5 }));
    expect(actionsText(sw, r)).toBe('set(eth(src=02:00:00:00:00:99)),eth0');
    expect(r.sideEffects.ruleHits.map((h) => h.bridge.name)).toEqual(['br-int', 'br-tun']);
  });

  test('changes made in the peer bridge do not leak back, but the packet was rewritten', () => {
    const { sw } = twoBridges();
    const brInt = sw.bridge('br-int')!;
    addFlows(brInt, 'priority=1,in_port=vm1 actions=output:patch-tun,output:br-int');
    addFlows(sw.bridge('br-tun')!, 'priority=1 actions=mod_vlan_vid:5,output:eth0');
    expect(actionsText(sw, run(sw, brInt, tcp({ inPort: 5 })))).toBe('push_vlan(vid=5,pcp=0),eth0,pop_vlan,br-int');
  });

  test('a resubmit loop in the peer bridge does not fail the calling bridge', () => {
    const { sw } = twoBridges();
    addFlows(sw.bridge('br-int')!, 'priority=1,in_port=vm1 actions=output:patch-tun,output:br-int');
    addFlows(sw.bridge('br-tun')!, `
      table=0,priority=1 actions=resubmit(,1)
      table=1,priority=1 actions=resubmit(,0)`);
    const r = run(sw, sw.bridge('br-int')!, tcp({ inPort: 5 }));
    expect(r.error).toBeNull();
    expect(actionsText(sw, r)).toBe('br-int');
  });
});

describe('conntrack translation', () => {
  test('ct(table=N) emits ct then a recirculation that resumes in table N with registers restored', () => {
    const { sw, br } = oneBridge();
    addFlows(br, `
      table=0,priority=1,ip actions=load:0x3->NXM_NX_REG6[],ct(table=72,zone=NXM_NX_REG6[0..15])
      table=72,priority=10,ct_state=+new+trk,ip,reg6=0x3 actions=ct(commit,zone=3),output:p2
      table=72,priority=1 actions=drop`);
    const r = run(sw, br, tcp({ inPort: 1 }));
    expect(actionsText(sw, r)).toBe('ct(zone=3),recirc(0x1)');
    const thawed = run(sw, br, tcp({ inPort: 1, recircId: 1, ctState: 0x21, ctZone: 3 }));
    expect(actionsText(sw, thawed)).toBe('ct(commit,zone=3),p2');
  });

  test('ct exec() writes ct_mark into the ct action only', () => {
    const { sw, br } = oneBridge();
    addFlows(br, 'priority=1,ip actions=ct(commit,zone=1,exec(load:0x1->NXM_NX_CT_MARK[])),output:p2');
    const r = run(sw, br, tcp({ inPort: 1 }));
    expect(r.dpActions[0]).toMatchObject({ kind: 'ct', zone: 1, commit: true, mark: { value: 1, mask: 0xffffffff } });
    expect(r.finalFlow[W.CT_MARK]).toBe(0);
  });
});
