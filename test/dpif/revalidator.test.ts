import { describe, expect, it } from 'vitest';
import { PassSource } from '../../src/dpif/caches.js';
import type { Megaflow } from '../../src/dpif/megaflow.js';
import { W } from '../../src/flow/key-layout.js';
import { parseFlowLine } from '../../src/ofproto/flow-syntax.js';
import { buildFrame } from '../../src/packet/build.js';
import { ethFrame, rig, udpFrame } from './cache-helpers.js';

const A = '02:00:00:00:00:0a';
const B = '02:00:00:00:00:0b';
const BCAST = 'ff:ff:ff:ff:ff:ff';

/** Sends a frame twice so that the second time is served from a cache; returns both outputs. */
function twice(r: ReturnType<typeof rig>, port: string, frame: Uint8Array): string[] {
  r.send(port, frame);
  const out = r.send(port, frame);
  expect(r.dp.caches.lastSource).not.toBe(PassSource.UPCALL);
  return out;
}

describe('revalidation: a packet never follows a stale action', () => {
  it('a higher-priority flow added over a cached megaflow takes effect for the next packet', () => {
    const r = rig(['priority=10,ip actions=output:p2']);
    const f = udpFrame('10.0.0.1', '10.0.0.2');
    expect(twice(r, 'p1', f)).toEqual(['p2']);
    r.addFlow('priority=20,udp,tp_dst=53 actions=output:p3');
    expect(r.send('p1', f)).toEqual(['p3']);
  });

  it('a modified flow changes the cached actions in place (the megaflow is kept and modified)', () => {
    const r = rig(['priority=10,ip actions=output:p2']);
    const f = udpFrame('10.0.0.1', '10.0.0.2');
    twice(r, 'p1', f);
    const before = r.dp.caches.table.count;
    const br = r.sw.bridge('br0')!;
    const [rule] = br.flows.allRules();
    br.flows.modify({ ...rule.toSpec(), actions: [{ kind: 'output', port: 3, maxLen: 0 }] } as never, false, r.clock.nowMs());
    expect(r.send('p1', f)).toEqual(['p3']);
    expect(r.dp.caches.lastSource).not.toBe(PassSource.UPCALL);
    expect(r.dp.caches.table.count).toBe(before);
    expect(r.dp.caches.stats.modified).toBe(1);
  });

  it('a deleted flow stops forwarding at once', () => {
    const r = rig(['priority=10,ip actions=output:p2', 'priority=0 actions=drop']);
    const f = udpFrame('10.0.0.1', '10.0.0.2');
    twice(r, 'p1', f);
    const br = r.sw.bridge('br0')!;
    const rule = br.flows.allRules().find((x) => x.priority === 10)!;
    br.flows.delete({ table: 0, match: rule.match, priority: 10 }, true, r.clock.nowMs());
    expect(r.send('p1', f)).toEqual([]);
  });

  it('a rule that times out (hard_timeout) no longer forwards cached traffic', () => {
    const r = rig(['priority=20,hard_timeout=5,ip actions=output:p2', 'priority=10,ip actions=output:p3']);
    const f = udpFrame('10.0.0.1', '10.0.0.2');
    expect(twice(r, 'p1', f)).toEqual(['p2']);
    r.clock.advance(6_000);
    expect(r.send('p1', f)).toEqual(['p3']);
  });

  it('cache hits refresh a rule idle timer, so a busy idle_timeout rule never expires', () => {
    const r = rig(['priority=20,idle_timeout=10,ip actions=output:p2', 'priority=10,ip actions=output:p3']);
    const f = udpFrame('10.0.0.1', '10.0.0.2');
    for (let i = 0; i < 10; i++) {
      expect(r.send('p1', f)).toEqual(['p2']);
      r.clock.advance(5_000);
    }
    expect(r.dp.caches.stats.hits).toBeGreaterThan(0);
    r.clock.advance(11_000);
    expect(r.send('p1', f)).toEqual(['p3']);
  });

  it('a flow installed by learn() redirects traffic whose megaflow was cached before', () => {
    const r = rig([
      'table=0,priority=10,in_port=p1 actions=learn(table=1,priority=10,NXM_OF_ETH_DST[]=NXM_OF_ETH_SRC[],output:NXM_OF_IN_PORT[]),output:p2',
      'table=0,priority=10,in_port=p3 actions=resubmit(,1)',
      'table=1,priority=0 actions=output:p4',
    ]);
    const toA = ethFrame(B, A);
    expect(twice(r, 'p3', toA)).toEqual(['p4']);
    r.send('p1', ethFrame(A, B)); // learns "dl_dst=A -> p1"
    expect(r.send('p3', toA)).toEqual(['p1']);
  });

  it('learn() replayed on cache hits keeps refreshing the learned flow (its hard timeout restarts)', () => {
    const r = rig([
      'table=0,priority=10,in_port=p1 actions=learn(table=1,hard_timeout=10,priority=10,NXM_OF_ETH_DST[]=NXM_OF_ETH_SRC[],output:NXM_OF_IN_PORT[]),output:p2',
      'table=0,priority=10,in_port=p3 actions=resubmit(,1)',
      'table=1,priority=0 actions=output:p4',
    ]);
    for (let i = 0; i < 6; i++) {
      r.send('p1', ethFrame(A, B));
      r.clock.advance(4_000);
    }
    expect(r.dp.caches.stats.hits).toBeGreaterThan(0);
    expect(r.send('p3', ethFrame(B, A))).toEqual(['p1']);
  });

  it('NORMAL: a destination learned after its flooding megaflow was cached is forwarded, not flooded', () => {
    const r = rig(['priority=0 actions=NORMAL']);
    const aToB = ethFrame(A, B);
    expect(twice(r, 'p1', aToB).sort()).toEqual(['br0', 'p2', 'p3', 'p4']);
    r.send('p2', ethFrame(B, A)); // B learned on p2
    expect(r.send('p1', aToB)).toEqual(['p2']);
  });

  it('NORMAL: a MAC that moves to another port is followed at once', () => {
    const r = rig(['priority=0 actions=NORMAL']);
    const aToB = ethFrame(A, B);
    r.send('p2', ethFrame(B, BCAST));
    expect(twice(r, 'p1', aToB)).toEqual(['p2']);
    r.send('p3', ethFrame(B, BCAST)); // B moves to p3
    expect(r.send('p1', aToB)).toEqual(['p3']);
  });

  it('NORMAL: an aged-out MAC entry makes cached traffic flood again', () => {
    const r = rig(['priority=0 actions=NORMAL'], { maxIdleMs: 10_000_000 });
    const aToB = ethFrame(A, B);
    r.send('p2', ethFrame(B, BCAST));
    expect(twice(r, 'p1', aToB)).toEqual(['p2']);
    r.clock.advance(301_000); // mac-aging-time 300 s; A's entry is refreshed by the packet, B's is not
    expect(r.send('p1', aToB).sort()).toEqual(['br0', 'p2', 'p3', 'p4']);
  });

  it('a port removed from the bridge is no longer flooded to by cached megaflows', () => {
    const r = rig(['priority=0 actions=NORMAL']);
    const aToB = ethFrame(A, B);
    expect(twice(r, 'p1', aToB).sort()).toEqual(['br0', 'p2', 'p3', 'p4']);
    r.sw.bridge('br0')!.removePort('p4');
    expect(r.send('p1', aToB).sort()).toEqual(['br0', 'p2', 'p3']);
  });

  it('a port added to the switch is flooded to by cached megaflows (VLAN membership included)', () => {
    const r = rig(['priority=0 actions=NORMAL'], {}, [
      { name: 'p1', ofport: 1, tag: 10 },
      { name: 'p2', ofport: 2, tag: 10 },
      { name: 'p3', ofport: 3, tag: 20 },
    ]);
    const aToB = ethFrame(A, B);
    expect(twice(r, 'p1', aToB).sort()).toEqual(['br0', 'p2']);
    r.sw.addPort('br0', { name: 'p5', ofport: 5, tag: 10 });
    expect(r.send('p1', aToB).sort()).toEqual(['br0', 'p2', 'p5']);
  });

  it('revalidation deletes a megaflow whose mask became too wide for the new translation', () => {
    const r = rig(['priority=10,ip actions=output:p2']);
    const f = udpFrame('10.0.0.1', '10.0.0.2');
    twice(r, 'p1', f);
    r.addFlow('priority=20,ip,nw_src=10.0.0.1 actions=output:p3');
    expect(r.send('p1', f)).toEqual(['p3']);
    expect(r.dp.caches.stats.deletedStale).toBe(1);
  });

  it('a change in one bridge leaves megaflows of unconnected bridges alone', () => {
    const r = rig(['priority=10,ip actions=output:p2']);
    r.sw.addBridge({ name: 'br1' });
    r.sw.addPort('br1', { name: 'q1', ofport: 1 });
    const f = udpFrame('10.0.0.1', '10.0.0.2');
    twice(r, 'p1', f);
    const revalidated = r.dp.caches.stats.revalidated;
    r.sw.bridge('br1')!.flows.add({ ...r.sw.bridge('br0')!.flows.allRules()[0].toSpec() }, r.clock.nowMs());
    r.send('p1', f);
    expect(r.dp.caches.stats.revalidated).toBe(revalidated);
  });
});

describe('idle expiry and the flow limit', () => {
  it('expires a megaflow unused for max-idle (10 s by default), on the clock', () => {
    const r = rig(['priority=10,ip actions=output:p2']);
    r.send('p1', udpFrame('10.0.0.1', '10.0.0.2'));
    expect(r.dp.caches.table.count).toBe(1);
    r.clock.advance(10_600);
    r.send('p1', udpFrame('10.0.0.9', '10.0.0.2', 99, { src: '02:00:00:00:00:09' }));
    expect(r.dp.caches.stats.deletedIdle).toBe(1);
  });

  it('keeps a megaflow that is hit within max-idle', () => {
    const r = rig(['priority=10,ip actions=output:p2']);
    const f = udpFrame('10.0.0.1', '10.0.0.2');
    for (let i = 0; i < 5; i++) {
      r.send('p1', f);
      r.clock.advance(6_000);
    }
    expect(r.dp.caches.stats.deletedIdle).toBe(0);
    expect(r.dp.caches.stats.upcalls).toBe(1);
  });

  it('installs no megaflow past the flow limit but still forwards the packet', () => {
    const r = rig([1, 2, 3, 4].map((i) => `priority=10,ip,nw_src=10.0.0.${i} actions=output:p2`), { flowLimit: 2 });
    for (let i = 1; i <= 4; i++) expect(r.send('p1', udpFrame(`10.0.0.${i}`, '10.0.0.200'))).toEqual(['p2']);
    expect(r.dp.caches.table.count).toBe(2);
    expect(r.dp.caches.stats.flowLimitHits).toBe(2);
  });
});

/** A neighbor advertisement from p1 for `target` (link-layer address option given, as Linux sends it). */
function neighborAdvert(target: string): Uint8Array {
  return buildFrame({
    eth: { src: '02:00:00:00:00:01', dst: '02:00:00:00:00:02' },
    ipv6: { src: 'fe80::1', dst: 'fe80::2', hopLimit: 255 },
    icmpv6: { type: 136, rest: 0x60000000, target, tll: '02:00:00:00:00:01' },
  });
}

function ndTargetMasked(mf: Megaflow): boolean {
  return mf.mask.subarray(W.ND_TARGET, W.ND_TARGET + 4).some((w) => w !== 0);
}

// OVS 3.1 (Debian 3.1.0-2+deb12u1): the datapath key carries the ND fields only when the ICMPv6 type and code are
// both matched exactly (odp_flow_key_from_mask), and revalidate_ukey__() deletes a megaflow whose new wildcards need
// a bit the datapath mask lacks. The seed scenario's NA (type 136) and RA (type 134) megaflows show up as [new] in
// OVS's dp-trace but are gone from its final dump for this reason.
describe('megaflows the datapath key cannot carry whole (OVS 3.1 ND behaviour)', () => {
  it('an NA megaflow whose rule leaves the ICMPv6 code out is installed without its ND target', () => {
    const r = rig(['priority=95,icmp6,icmp_type=136,nd_target=fe80::1 actions=output:p2', 'priority=0 actions=drop']);
    expect(r.send('p1', neighborAdvert('fe80::1'))).toEqual(['p2']);
    const [mf] = r.dp.caches.table.all();
    expect(ndTargetMasked(mf)).toBe(false);
  });

  it('until the next revalidation an advertisement for another target follows that megaflow, as in OVS', () => {
    const r = rig(['priority=95,icmp6,icmp_type=136,nd_target=fe80::1 actions=output:p2', 'priority=0 actions=drop']);
    r.send('p1', neighborAdvert('fe80::1'));
    expect(r.send('p1', neighborAdvert('fe80::99'))).toEqual(['p2']);
    expect(r.dp.caches.lastSource).not.toBe(PassSource.UPCALL);
  });

  it('any revalidation deletes it, even one its bridges did not ask for', () => {
    const r = rig(['priority=95,icmp6,icmp_type=136,nd_target=fe80::1 actions=output:p2', 'priority=0 actions=drop']);
    const other = r.sw.addBridge({ name: 'br1' });
    r.send('p1', neighborAdvert('fe80::1'));
    other.flows.add(parseFlowLine('priority=1 actions=drop'), r.clock.nowMs());
    expect(r.send('p1', neighborAdvert('fe80::99'))).toEqual([]);
    expect(r.dp.caches.stats.deletedStale).toBe(1);
  });

  it('with the code matched too, the ND target stays in the megaflow and revalidation keeps it', () => {
    const r = rig(['priority=95,icmp6,icmp_type=136,icmp_code=0,nd_target=fe80::1 actions=output:p2', 'priority=0 actions=drop']);
    r.send('p1', neighborAdvert('fe80::1'));
    const [mf] = r.dp.caches.table.all();
    expect(ndTargetMasked(mf)).toBe(true);
    r.addFlow('priority=1,arp actions=drop');
    expect(r.send('p1', neighborAdvert('fe80::99'))).toEqual([]);
    expect(r.dp.caches.stats.deletedStale).toBe(0);
    expect(r.dp.caches.table.all().filter((m) => ndTargetMasked(m))).toHaveLength(2);
  });
});
