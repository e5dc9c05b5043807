/**
 * Datapath port numbers as OVS's dummy datapath hands them out, for `dpctl/show`.
 *
 * What? flowlab numbers its datapath ports in topology order; OVS's userspace datapath in dummy mode (the reference
 * runner's) numbers them with dpif-netdev's choose_port, in the order ovs-vswitchd adds them. To print the same
 * `port N: name (type)` lines, this module replays that assignment over a topology.
 *
 * choose_port (lib/dpif-netdev.c, dummy datapaths only). A name starting with "br" starts the search at 100; the
 * first run of digits in the name, added to that start, is taken if it is above 0 and free; otherwise (no digits,
 * or taken) the lowest free number from 1. Port 0 is the datapath's own `ovs-dummy`. A tunnel interface is not a
 * datapath port: its shared vport is (`vxlan_sys_4789`, `vxlan_sys_4790` for dst_port 4790), created with the
 * first interface that needs it, so its number is usually its UDP port.
 *
 * Order. The runner creates each bridge with its ports in one ovs-vsctl transaction and waits for ovs-vswitchd, so
 * bridges are added in topology order. Within a bridge, bridge.c's bridge_add_ports walks the wanted ports (a
 * shash: an hmap keyed by hash_string(name, 0)) twice: first the interfaces with an ofport_request, then the rest
 * (the bridge's own LOCAL interface among them). An hmap iterates bucket by bucket; inside a bucket the last
 * inserted comes first, and OVSDB inserts a bridge's ports in the order of their row UUIDs, which are random. So
 * the numbering is fully determined only when no two ports share a bucket in a way that changes the outcome; where
 * they do, this module takes topology order as the insertion order, one of the orders OVS may have used. The
 * conformance suite therefore compares dpctl/show's ports by name and type, not by number.
 */

import type { TopologySpec } from '../io/topology.js';

/** One `port N: name (type)` line of dpctl/show. */
export interface DpctlPort {
  readonly dpPort: number;
  readonly name: string;
  /** What dpctl/show prints in parentheses: `dummy`, `dummy-internal`, `vxlan: packet_type=ptap`, ... */
  readonly type: string;
}

const TUNNEL_TYPES: ReadonlySet<string> = new Set(['vxlan', 'geneve', 'gre', 'stt']);
const VXLAN_DEFAULT_PORT = 4789;

/** Every datapath port of the topology, numbered as OVS's dummy datapath numbers it, sorted by number. */
export function ovsDummyDpPorts(spec: TopologySpec): DpctlPort[] {
  const used = new Set<number>([0]);
  const ports: DpctlPort[] = [];
  const seen = new Set<string>();
  for (const br of spec.bridges) {
    interface Candidate {
      readonly name: string;
      readonly requested: boolean;
      readonly dp: { readonly name: string; readonly type: string } | null;
    }
    const candidates: Candidate[] = [{ name: br.name, requested: false, dp: { name: br.name, type: 'dummy-internal' } }];
    for (const p of br.ports) candidates.push({ name: p.name, requested: p.ofportRequested, dp: datapathPortOf(p.name, p.type, p.options) });
    const order = shashOrder(candidates.map((c) => c.name));
    const byName = new Map(candidates.map((c) => [c.name, c]));
    for (const requestedPass of [true, false]) {
      for (const name of order) {
        const c = byName.get(name)!;
        if (c.requested !== requestedPass || c.dp === null || seen.has(c.dp.name)) continue;
        seen.add(c.dp.name);
        const n = choosePort(c.dp.name, used);
        used.add(n);
        ports.push({ dpPort: n, name: c.dp.name, type: c.dp.type });
      }
    }
  }
  return ports.sort((a, b) => a.dpPort - b.dpPort);
}

/** The datapath port behind an interface: itself, its tunnel's shared vport, or none (patch ports). */
function datapathPortOf(name: string, type: string, options: Readonly<Record<string, string>>): { name: string; type: string } | null {
  if (type === 'patch') return null;
  if (TUNNEL_TYPES.has(type)) {
    if (type !== 'vxlan') return null; // flowlab's tunnels are VXLAN; other kinds have no vport here
    const udp = Number(options.dst_port ?? VXLAN_DEFAULT_PORT);
    const dstPort = udp === VXLAN_DEFAULT_PORT ? '' : `dst_port=${udp}, `;
    return { name: `vxlan_sys_${udp}`, type: `vxlan: ${dstPort}packet_type=ptap` };
  }
  return { name, type: type === 'internal' ? 'dummy-internal' : 'dummy' };
}

/** dpif-netdev's choose_port for a dummy datapath. */
export function choosePort(name: string, used: ReadonlySet<number>): number {
  const start = name.startsWith('br') ? 100 : 0;
  const digits = /\d+/.exec(name);
  if (digits !== null) {
    const n = start + Number.parseInt(digits[0], 10);
    if (n > 0 && !used.has(n)) return n;
  }
  let n = 1;
  while (used.has(n)) n++;
  return n;
}

/**
 * The order an OVS shash built by inserting `names` in this order iterates them: hmap buckets in index order, the
 * last inserted first within a bucket, the table doubling (calc_mask) whenever it holds more than twice its buckets.
 */
export function shashOrder(names: readonly string[]): string[] {
  let mask = 0;
  let buckets: { name: string; hash: number }[][] = [[]];
  let n = 0;
  for (const name of names) {
    const hash = hashString(name);
    buckets[hash & mask].unshift({ name, hash });
    n++;
    if (Math.floor(n / 2) > mask) {
      const newMask = calcMask(n);
      if (newMask > mask) {
        const old = buckets;
        mask = newMask;
        buckets = Array.from({ length: mask + 1 }, () => []);
        for (const b of old) for (const node of b) buckets[node.hash & mask].unshift(node);
      }
    }
  }
  return buckets.flat().map((b) => b.name);
}

/** lib/hmap.c calc_mask: the bucket mask for `capacity` nodes (at least 4 buckets once any are allocated). */
function calcMask(capacity: number): number {
  let mask = Math.floor(capacity / 2);
  mask |= mask >>> 1;
  mask |= mask >>> 2;
  mask |= mask >>> 4;
  mask |= mask >>> 8;
  mask |= mask >>> 16;
  mask |= (mask & 1) << 1;
  return mask >>> 0;
}

/** hash_string(s, 0): lib/hash.c hash_bytes over the UTF-8 bytes, murmur-style (OVS's non-SSE4.2 build). */
export function hashString(s: string): number {
  const bytes = new TextEncoder().encode(s);
  let h = 0;
  let i = 0;
  for (; i + 4 <= bytes.length; i += 4) h = mhashAdd(h, (bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24)) >>> 0);
  if (i < bytes.length) {
    let tail = 0;
    for (let j = 0; i + j < bytes.length; j++) tail |= bytes[i + j] << (8 * j);
    h = mhashAdd(h, tail >>> 0);
  }
  return mhashFinish((h ^ bytes.length) >>> 0);
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

function mhashAdd(hash: number, data: number): number {
  let h = hash;
  if (data !== 0) {
    let d = Math.imul(data, 0xcc9e2d51);
    d = rotl(d >>> 0, 15);
    d = Math.imul(d, 0x1b873593);
    h = (h ^ d) >>> 0;
  }
  h = rotl(h, 13);
  return (Math.imul(h, 5) + 0xe6546b64) >>> 0;
}

function mhashFinish(hash: number): number {
  let h = hash;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
