/** The normalisations the conformance suite applies before comparing datapath dumps with OVS's. */
import { describe, expect, it } from 'vitest';
import { blurRecircIds, canonicalMegaflow, compareDpFlows, dpctlShowCounters, dpctlShowPortNames } from './dpctl-compare.js';

const TAGGED = 'recirc_id(0),in_port(n2),packet_type(ns=0,id=0),eth_type(0x8100),vlan(vid=10,pcp=0),encap(eth_type(0x0800)), packets:0, bytes:0';

describe('dpctl-flows comparison', () => {
  it('blurs non-zero recirculation ids and keeps recirc_id(0)', () => {
    expect(blurRecircIds('recirc_id(0x2),x, actions:ct(zone=3),recirc(0x5)')).toBe('recirc_id(N),x, actions:ct(zone=3),recirc(N)');
    expect(blurRecircIds('recirc_id(0),x, actions:userspace(pid=0,controller(recirc_id=1))')).toBe(
      'recirc_id(0),x, actions:userspace(pid=0,controller(recirc_id=N))',
    );
  });

  it('treats a flood in another port order, with its VLAN pushes and pops, as the same actions', () => {
    const ovs = `${TAGGED}, actions:t1,pop_vlan,n1,p2,push_vlan(vid=10,pcp=0),t2,pop_vlan,p1,push_vlan(vid=10,pcp=0),br0`;
    const flowlab = `${TAGGED}, actions:br0,pop_vlan,p1,p2,push_vlan(vid=10,pcp=0),t1,t2,pop_vlan,n1`;
    expect(canonicalMegaflow(flowlab)).toBe(canonicalMegaflow(ovs));
  });

  it('tells apart outputs that send a port the packet with a different VLAN tag', () => {
    const a = `${TAGGED}, actions:t1,pop_vlan,n1`;
    const b = `${TAGGED}, actions:n1,pop_vlan,t1`;
    expect(canonicalMegaflow(a)).not.toBe(canonicalMegaflow(b));
  });

  it('treats a tunnel push in clone() and one after popping the VLAN as the same actions', () => {
    const push = 'tnl_push(tnl_port(vxlan_sys_4789),header(size=50),out_port(br-phy))';
    const ovs = `recirc_id(0),in_port(vm), packets:0, bytes:0, actions:clone(${push},eth0),push_vlan(vid=3,pcp=0),br-int`;
    const flowlab = `recirc_id(0),in_port(vm), packets:0, bytes:0, actions:push_vlan(vid=3,pcp=0),br-int,pop_vlan,${push},eth0`;
    expect(canonicalMegaflow(flowlab)).toBe(canonicalMegaflow(ovs));
  });

  it('keeps the place of an action other than an output (ct before or after an output differs)', () => {
    const a = 'recirc_id(0),in_port(p1), packets:0, bytes:0, actions:ct(commit,zone=1),p2';
    const b = 'recirc_id(0),in_port(p1), packets:0, bytes:0, actions:p2,ct(commit,zone=1)';
    expect(canonicalMegaflow(a)).not.toBe(canonicalMegaflow(b));
  });

  it('lists the lines of each side that have no counterpart, as printed', () => {
    const same = 'recirc_id(0),in_port(p1),packet_type(ns=0,id=0),eth_type(0x0806), packets:1, bytes:42, actions:p2';
    const ovs = `${same}\nrecirc_id(0),in_port(p2),packet_type(ns=0,id=0),eth_type(0x0806), packets:2, bytes:84, actions:p1\n`;
    const flowlab = `${same}\nrecirc_id(0),in_port(p2),packet_type(ns=0,id=0),eth_type(0x0806), packets:1, bytes:42, actions:p1\n`;
    const c = compareDpFlows(ovs, flowlab);
    expect(c.onlyOvs).toEqual([ovs.split('\n')[1]]);
    expect(c.onlyFlowlab).toEqual([flowlab.split('\n')[1]]);
  });
});

describe('dpctl-show comparison', () => {
  const show = 'dummy@ovs-dummy:\n  lookups: hit:72 missed:17 lost:0\n  flows: 17\n  port 0: ovs-dummy (dummy-internal)\n  port 3: p1 (dummy)\n  port 1: mon (dummy)\n';

  it('reads the lookups: and flows: lines', () => {
    expect(dpctlShowCounters(show)).toBe('lookups: hit:72 missed:17 lost:0\nflows: 17');
  });

  it('reads the ports by name and type, without their numbers', () => {
    expect(dpctlShowPortNames(show)).toEqual(['mon (dummy)', 'ovs-dummy (dummy-internal)', 'p1 (dummy)']);
  });
});
