/**
 * From the `ct` datapath action to conntrack's parameters (what dpif-netdev does when it parses OVS_ACTION_ATTR_CT).
 *
 * Built once per action object and cached (actions live as long as their megaflow), so executing a ct action
 * allocates nothing per packet. NAT follows dpif-netdev: src/dst picks the direction, a lone minimum address is also
 * the maximum, a port range adds the *_PORT bit; a bare `nat` executes with no direction (it only translates
 * connections that already have NAT).
 */

import { HELPER_FTP, HELPER_NONE, HELPER_TFTP, natSpec, type CtParams, type NatSpec } from '../conntrack/index.js';
import type { CtNat } from '../ofproto/actions/types.js';
import type { DpAction } from '../ofproto/dp-actions.js';

export type DpCtAction = Extract<DpAction, { kind: 'ct' }>;

const cache = new WeakMap<DpCtAction, CtParams>();

export function ctParams(a: DpCtAction): CtParams {
  let p = cache.get(a);
  if (p === undefined) {
    p = {
      zone: a.zone & 0xffff,
      commit: a.commit || a.force,
      force: a.force,
      mark: a.mark,
      label: a.label === undefined ? undefined : { value: words128(a.label.value), mask: words128(a.label.mask) },
      helper: a.alg === 'ftp' ? HELPER_FTP : a.alg === 'tftp' ? HELPER_TFTP : HELPER_NONE,
      nat: a.nat === undefined ? null : toNatSpec(a.nat),
    };
    cache.set(a, p);
  }
  return p;
}

function words128(v: bigint): Uint32Array {
  const w = new Uint32Array(4);
  for (let i = 3; i >= 0; i--) {
    w[i] = Number(v & 0xffffffffn);
    v >>= 32n;
  }
  return w;
}

function addrWords(b: Uint8Array | undefined): Uint32Array | undefined {
  if (b === undefined) return undefined;
  const w = new Uint32Array(4);
  for (let i = 0; i < b.length / 4; i++) w[i] = ((b[4 * i] << 24) | (b[4 * i + 1] << 16) | (b[4 * i + 2] << 8) | b[4 * i + 3]) >>> 0;
  return w;
}

function toNatSpec(n: CtNat): NatSpec {
  const pmin = n.portMin !== undefined && n.portMin !== 0 ? n.portMin : undefined;
  const pmax = n.portMax !== undefined && pmin !== undefined && n.portMax > pmin ? n.portMax : undefined;
  return natSpec(n.type, addrWords(n.addrMin), addrWords(n.addrMax), pmin, pmax);
}
