/**
 * A generated ACL table and the keys to look up in it.
 *
 * Rules: `priority=P,{tcp|udp},nw_src=A/S,nw_dst=B/D,tp_dst=T actions=drop`, with S and D drawn from /24../32 and one
 * rule in ten also pinning tp_src, plus a priority-0 default. Prefix lengths are independent, so the table has on the
 * order of 9 x 9 x 2 = 162 distinct masks: a hard case for tuple-space search (every lookup may visit every subtable
 * whose best priority can still win), which is the point: it is the shape of a firewall translated rule by rule.
 * The rules are written as ovs-ofctl text and parsed, so they are exactly what a user's flow file would produce.
 *
 * Keys: half are drawn from a random rule (its addresses with random host bits, its protocol and ports), so they hit
 * some rule at least that specific; half are random 10.x addresses that mostly fall to the default. A fixed seed makes
 * every run build the same table and keys.
 */

import { ETH_TYPE_IP, IPPROTO_TCP, IPPROTO_UDP, W } from '../src/flow/key-layout.js';
import { parseFlowLine } from '../src/ofproto/flow-syntax.js';
import { FlowTables } from '../src/ofproto/flow-tables.js';
import { keyBlock } from './keys.js';

/** mulberry32: a small seeded PRNG, so the ACL is the same on every run and machine. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface AclRule {
  readonly proto: number;
  readonly src: number;
  readonly srcLen: number;
  readonly dst: number;
  readonly dstLen: number;
  readonly tpSrc: number | null;
  readonly tpDst: number;
}

const dotted = (a: number): string => `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
const prefixMask = (len: number): number => (len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0);

function randomRule(rnd: () => number): AclRule {
  const int = (n: number): number => Math.floor(rnd() * n);
  const srcLen = 24 + int(9);
  const dstLen = 24 + int(9);
  // 10.0.0.0/8 sources, 172.16.0.0/12 destinations: realistic private ranges, and keys can aim at them.
  const src = ((10 << 24) | (int(256) << 16) | (int(256) << 8) | int(256)) & prefixMask(srcLen);
  const dst = ((172 << 24) | ((16 + int(16)) << 16) | (int(256) << 8) | int(256)) & prefixMask(dstLen);
  return {
    proto: rnd() < 0.7 ? IPPROTO_TCP : IPPROTO_UDP,
    src: src >>> 0,
    srcLen,
    dst: dst >>> 0,
    dstLen,
    tpSrc: rnd() < 0.1 ? 1024 + int(60000) : null,
    tpDst: [22, 53, 80, 443, 3306, 5432, 6379, 8080][int(8)] + (rnd() < 0.3 ? int(1000) : 0),
  };
}

function ruleText(r: AclRule, priority: number): string {
  const proto = r.proto === IPPROTO_TCP ? 'tcp' : 'udp';
  const tpSrc = r.tpSrc === null ? '' : `,tp_src=${r.tpSrc}`;
  return `priority=${priority},${proto},nw_src=${dotted(r.src)}/${r.srcLen},nw_dst=${dotted(r.dst)}/${r.dstLen}${tpSrc},tp_dst=${r.tpDst} actions=drop`;
}

export interface Acl {
  readonly tables: FlowTables;
  /** Lookup keys (in_port 1, IPv4 TCP/UDP), `nKeys` of them. */
  readonly keys: Uint32Array[];
  readonly nRules: number;
}

export function generateAcl(nRules: number, nKeys: number, seed = 0xac1): Acl {
  const rnd = prng(seed);
  const tables = new FlowTables();
  const rules: AclRule[] = [];
  for (let i = 0; i < nRules; i++) {
    const r = randomRule(rnd);
    rules.push(r);
    tables.add(parseFlowLine(ruleText(r, 1 + Math.floor(rnd() * 60000))), 0);
  }
  tables.add(parseFlowLine('priority=0 actions=NORMAL'), 0);

  const keys = keyBlock(nKeys);
  for (let i = 0; i < nKeys; i++) {
    const k = keys[i];
    let proto: number;
    let src: number;
    let dst: number;
    let tp: number;
    if (i % 2 === 0) {
      const r = rules[Math.floor(rnd() * rules.length)];
      proto = r.proto;
      src = (r.src | (Math.floor(rnd() * 0x100000000) & ~prefixMask(r.srcLen))) >>> 0;
      dst = (r.dst | (Math.floor(rnd() * 0x100000000) & ~prefixMask(r.dstLen))) >>> 0;
      tp = ((r.tpSrc ?? 1024 + Math.floor(rnd() * 60000)) << 16) | r.tpDst;
    } else {
      proto = rnd() < 0.7 ? IPPROTO_TCP : IPPROTO_UDP;
      src = ((10 << 24) | Math.floor(rnd() * 0x1000000)) >>> 0;
      dst = ((172 << 24) | (16 << 16) | Math.floor(rnd() * 0x100000)) >>> 0;
      tp = ((1024 + Math.floor(rnd() * 60000)) << 16) | 443;
    }
    // The words extract would fill for such a packet (MACs left zero: no rule reads them).
    k[W.IN_PORT] = 1;
    k[W.DL_TYPE_VLAN] = ETH_TYPE_IP << 16;
    k[W.NW_SRC] = src;
    k[W.NW_DST] = dst;
    k[W.NW] = ((proto << 24) | (64 << 8)) >>> 0; // ttl 64, tos 0, not a fragment
    k[W.TP] = tp >>> 0;
  }
  return { tables, keys, nRules };
}
