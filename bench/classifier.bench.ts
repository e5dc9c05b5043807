/**
 * Classifier lookup throughput (src/ofproto/classifier.ts), per table, with and without recording the wildcard mask
 * (the `wc` argument: what a megaflow needs; `null` is what a lookup that builds no megaflow pays).
 *
 *   seed br-int t71/t72/t82: the seed's security-group tables (pcaps/seed-003), probed with packets from the VM that
 *     hit their different rules: ARP, IPv4/IPv6 TCP, DHCP, ICMP, ICMPv6 RS, a spoofed source; untracked for t71
 *     (it runs before conntrack), tracked with new/est/rel/reply/inv states for t72 and t82 (they run after).
 *   acl 1k / 10k: generated ACLs (acl.ts), ~162 masks.
 *
 * Each op looks up a batch of 256 keys. The wc mask is not cleared between lookups: recording ORs bits in, which
 * costs the same whatever is already there, and clearing is the megaflow builder's cost, not the lookup's.
 */

import { CtState, KEY_WORDS } from '../src/flow/key-layout.js';
import type { Classifier } from '../src/ofproto/classifier.js';
import type { FrameSpec } from '../src/packet/build.js';
import { generateAcl } from './acl.js';
import { sink, type BenchCase } from './harness.js';
import { extractInto, keyBlock, setMeta } from './keys.js';
import { ofportOf, seedSwitch, VM } from './seed-switch.js';

const SUITE = 'classifier';
const BATCH = 256;

/** Frames from the VM that the seed's tables 71/72/82 tell apart; `i` varies the source port so keys differ. */
function vmFrames(i: number): FrameSpec[] {
  const eth = { src: VM.mac, dst: 'fa:16:3e:00:00:01' };
  const sport = 40000 + i;
  return [
    { eth: { src: VM.mac, dst: 'ff:ff:ff:ff:ff:ff' }, arp: { op: 1, sha: VM.mac, spa: VM.ipv4, tpa: '192.168.101.1' } },
    { eth, ipv4: { src: VM.ipv4, dst: '192.168.101.10' }, tcp: { srcPort: sport, dstPort: 22, flags: 'S' } },
    { eth, ipv4: { src: VM.ipv4, dst: '192.168.101.1' }, icmp: { type: 8, id: i, seq: 1 } },
    { eth: { src: VM.mac, dst: 'ff:ff:ff:ff:ff:ff' }, ipv4: { src: '0.0.0.0', dst: '255.255.255.255' }, udp: { srcPort: 68, dstPort: 67 } },
    { eth: { src: VM.mac, dst: '33:33:00:00:00:02' }, ipv6: { src: VM.ipv6, dst: 'ff02::2' }, icmpv6: { type: 133 } },
    { eth, ipv6: { src: VM.ipv6, dst: 'fe80::1' }, tcp: { srcPort: sport, dstPort: 443, flags: 'A' } },
    { eth, ipv4: { src: '192.168.101.99', dst: '192.168.101.10' }, tcp: { srcPort: sport, dstPort: 80, flags: 'A' } },
    { eth, ipv4: { src: VM.ipv4, dst: '192.168.101.10' }, udp: { srcPort: sport, dstPort: 53 } },
  ];
}

const TRK = CtState.TRACKED;
/** Conntrack states seen entering each table: t71 before ct (mostly untracked), t72/t82 after. */
const CT_STATES: Record<71 | 72 | 82, readonly number[]> = {
  71: [0, 0, 0, 0, 0, 0, 0, TRK | CtState.ESTABLISHED],
  72: [TRK | CtState.NEW, TRK | CtState.ESTABLISHED, TRK | CtState.ESTABLISHED | CtState.REPLY_DIR, TRK | CtState.RELATED, TRK | CtState.INVALID],
  82: [TRK | CtState.NEW, TRK | CtState.ESTABLISHED, TRK | CtState.ESTABLISHED | CtState.REPLY_DIR, TRK | CtState.RELATED, TRK | CtState.INVALID],
};

function seedKeys(inPort: number, table: 71 | 72 | 82): Uint32Array[] {
  const keys = keyBlock(BATCH);
  const states = CT_STATES[table];
  for (let i = 0; i < BATCH; i++) {
    const frames = vmFrames(i);
    extractInto(keys[i], frames[i % frames.length], inPort);
    const ctState = states[Math.floor(i / frames.length) % states.length];
    setMeta(keys[i], { regs: { 5: VM.reg5, 6: VM.reg6 }, ctState, ctZone: ctState !== 0 ? VM.reg6 : 0 });
  }
  return keys;
}

function lookupCase(name: string, cls: Classifier, keys: readonly Uint32Array[], recordWc: boolean, minDistinct: number): BenchCase {
  const wc = recordWc ? new Uint32Array(KEY_WORDS) : null;
  const n = keys.length;
  return {
    suite: SUITE,
    name: `${name}${recordWc ? ' +wc' : ''}`,
    unit: 'ops/s',
    perOp: n,
    op: () => {
      let found = 0;
      for (let i = 0; i < n; i++) if (cls.lookup(keys[i], wc) !== null) found++;
      sink[1] = found;
    },
    relativeTo: recordWc ? name : undefined,
    verify: () => {
      // The keys must exercise several rules, not all fall through to one default.
      const hit = new Set<number>();
      for (const k of keys) {
        const r = cls.lookup(k, wc);
        if (r) hit.add(r.id);
      }
      if (hit.size < minDistinct) throw new Error(`${name}: keys hit ${hit.size} distinct rules, want >= ${minDistinct}`);
    },
  };
}

/** Distinct masks among a table's rules: the subtables tuple-space search may have to visit. */
function maskCount(cls: Classifier): number {
  const masks = new Set<string>();
  for (const r of cls.rules()) masks.add(r.match.mask.join(','));
  return masks.size;
}

export function classifierCases(): BenchCase[] {
  const sw = seedSwitch();
  const brInt = sw.bridge('br-int')!;
  const vmPort = ofportOf(sw, VM.port);
  const cases: BenchCase[] = [];
  for (const t of [71, 72, 82] as const) {
    const cls = brInt.flows.tables[t];
    const keys = seedKeys(vmPort, t);
    const name = `seed br-int t${t} (${cls.size} rules, ${maskCount(cls)} masks)`;
    cases.push(lookupCase(name, cls, keys, false, 4), lookupCase(name, cls, keys, true, 4));
  }
  for (const n of [1000, 10000]) {
    const acl = generateAcl(n, BATCH);
    const cls = acl.tables.tables[0];
    const name = `acl ${n / 1000}k (${cls.size} rules, ${maskCount(cls)} masks)`;
    cases.push(lookupCase(name, cls, acl.keys, false, 50), lookupCase(name, cls, acl.keys, true, 50));
  }
  return cases;
}
