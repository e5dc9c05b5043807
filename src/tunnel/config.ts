/**
 * Tunnel port configuration: the Interface `options` of a VXLAN port, read the way OVS's netdev-vport.c
 * (set_tunnel_config) reads them.
 *
 * What? A tunnel port is configured by strings (`remote_ip=172.16.0.11`, `key=flow`, `ttl=32`, ...), exactly as
 * `ovs-vsctl show` prints them and topology.json carries them. `parseTunnelConfig` turns them into a
 * `TunnelConfig` with OVS's defaults and checks:
 *
 *   remote_ip   an address, or `flow` (the remote comes from tun_dst / tun_ipv6_dst); required; not multicast.
 *   local_ip    an address or `flow` (only together with remote_ip=flow); same family as remote_ip.
 *   key / in_key / out_key
 *               a number (strtoull base 0: `0x64`, `100`, `0144`) or `flow`; in_key/out_key fall back to key;
 *               absent = no key (VNI 0 on send, and only VNI 0 received).
 *   dst_port    UDP port, default 4789.
 *   tos         DSCP bits only (`0x20`), or `inherit` (copy the inner DSCP); ECN is always copied from the inner packet.
 *   ttl         default 64 (0 also means 64), or `inherit`.
 *   df_default  `false` clears DF on the outer IPv4 header; anything else keeps the default, true.
 *   csum        `true` computes the outer UDP checksum (IPv6 outers always have one).
 *   egress_pkt_mark  sets pkt_mark on the flow before routing (and so selects routes with that mark).
 *   packet_type `legacy_l2` (VXLAN's default) or `ptap`; `legacy_l3` is refused for VXLAN, as OVS refuses it.
 *
 * Options OVS does not know become warnings (OVS logs "unknown vxlan argument" and carries on); impossible
 * combinations are errors (OVS refuses the port). Neither throws here: the topology loaders own the file position
 * and wrap the message in a located TopologyError.
 */

import { isAnyAddr, isV4Mapped, parseTunnelAddr, type TunnelAddr } from './addr.js';

export const VXLAN_DEFAULT_PORT = 4789;
export const TUNNEL_DEFAULT_TTL = 64;
/** IPv4 DSCP bits (OVS's IP_DSCP_MASK); the `tos` option may set only these. */
export const IP_DSCP_MASK = 0xfc;

/** A fixed value, or "take it from the flow". */
export type TunnelKey =
  | { readonly kind: 'none' }
  | { readonly kind: 'fixed'; readonly value: bigint }
  | { readonly kind: 'flow' };

export type TunnelEndpoint = { readonly kind: 'addr'; readonly addr: TunnelAddr } | { readonly kind: 'flow' };

export interface TunnelConfig {
  readonly type: 'vxlan';
  readonly remote: TunnelEndpoint;
  /** undefined: any local address (the route's source is used on send). */
  readonly local?: TunnelEndpoint;
  readonly inKey: TunnelKey;
  readonly outKey: TunnelKey;
  readonly dstPort: number;
  /** DSCP bits for the outer header, or 'inherit'. */
  readonly tos: number | 'inherit';
  readonly ttl: number | 'inherit';
  readonly dontFragment: boolean;
  readonly csum: boolean;
  /** egress_pkt_mark, when set. */
  readonly egressPktMark?: number;
  readonly packetType: 'legacy_l2' | 'ptap';
}

export type TunnelConfigResult =
  | { readonly ok: true; readonly config: TunnelConfig; readonly warnings: readonly string[] }
  | { readonly ok: false; readonly error: string };

/** Options netdev-vport.c accepts on a VXLAN port besides those interpreted here (IPsec keys are ignored there). */
const IGNORED_OPTIONS: ReadonlySet<string> = new Set(['remote_cert', 'remote_name', 'psk']);

/**
 * Parses a VXLAN port's options. `name` is the port name, used in messages the way OVS words them
 * (`vxlan-a: vxlan type requires valid 'remote_ip' argument`).
 */
export function parseTunnelConfig(name: string, type: string, options: Readonly<Record<string, string>>): TunnelConfigResult {
  if (type !== 'vxlan') return { ok: false, error: `${name}: tunnel type "${type}" is not supported (only vxlan)` };
  const warnings: string[] = [];
  let remote: TunnelEndpoint | undefined;
  let local: TunnelEndpoint | undefined;
  let dstPort = VXLAN_DEFAULT_PORT;
  let tos: number | 'inherit' = 0;
  let ttl: number | 'inherit' = 0;
  let dontFragment = true;
  let csum = false;
  let egressPktMark: number | undefined;

  for (const [k, v] of Object.entries(options)) {
    switch (k) {
      case 'remote_ip': {
        const ep = parseEndpoint(v);
        if (ep === null) return { ok: false, error: `${name}: bad ${type} 'remote_ip' "${v}"` };
        if (ep.kind === 'addr' && isMulticast(ep.addr)) {
          return { ok: false, error: `${name}: multicast remote_ip=${v} not allowed` };
        }
        remote = ep;
        break;
      }
      case 'local_ip': {
        const ep = parseEndpoint(v);
        if (ep === null) return { ok: false, error: `${name}: bad ${type} 'local_ip' "${v}"` };
        local = ep;
        break;
      }
      case 'tos':
        if (v === 'inherit') tos = 'inherit';
        else {
          const n = parseCInt(v);
          if (n === null || n < 0 || (n & IP_DSCP_MASK) !== n) return { ok: false, error: `${name}: invalid TOS ${v}` };
          tos = n;
        }
        break;
      case 'ttl':
        // OVS uses atoi(): leading digits, garbage after them ignored, none at all = 0 (= the default).
        ttl = v === 'inherit' ? 'inherit' : (parseInt(v, 10) || 0) & 0xff;
        break;
      case 'dst_port':
        dstPort = (parseInt(v, 10) || 0) & 0xffff;
        break;
      case 'csum':
        csum = v === 'true';
        break;
      case 'df_default':
        if (v === 'false') dontFragment = false;
        break;
      case 'egress_pkt_mark':
        egressPktMark = (parseInt(v, 10) || 0) >>> 0;
        break;
      case 'key':
      case 'in_key':
      case 'out_key':
      case 'packet_type':
        break; // below
      default:
        if (!IGNORED_OPTIONS.has(k)) warnings.push(`${name}: unknown ${type} argument '${k}'`);
    }
  }

  const pt = options.packet_type;
  let packetType: 'legacy_l2' | 'ptap' = 'legacy_l2';
  if (pt === 'ptap') packetType = 'ptap';
  else if (pt === 'legacy_l3') {
    return { ok: false, error: `${name}: legacy_l3 configured on VXLAN (without GPE) tunnel that cannot carry L3 traffic` };
  } else if (pt !== undefined && pt !== 'legacy_l2') return { ok: false, error: `${name}: unknown packet_type '${pt}'` };

  if (remote === undefined) return { ok: false, error: `${name}: ${type} type requires valid 'remote_ip' argument` };
  if (local?.kind === 'flow' && remote.kind !== 'flow') {
    return { ok: false, error: `${name}: ${type} type requires 'remote_ip=flow' with 'local_ip=flow'` };
  }
  if (local?.kind === 'addr' && remote.kind === 'addr' && isV4Mapped(local.addr) !== isV4Mapped(remote.addr)) {
    return { ok: false, error: `${name}: 'remote_ip' and 'local_ip' has to be of the same address family` };
  }
  const inKey = parseKey(options.in_key ?? options.key);
  const outKey = parseKey(options.out_key ?? options.key);
  return {
    ok: true,
    warnings,
    config: {
      type: 'vxlan',
      remote,
      local: local !== undefined && local.kind === 'addr' && isAnyAddr(local.addr) ? undefined : local,
      inKey,
      outKey,
      dstPort,
      tos,
      ttl: ttl === 0 ? TUNNEL_DEFAULT_TTL : ttl,
      dontFragment,
      csum,
      egressPktMark,
      packetType,
    },
  };
}

function parseEndpoint(v: string): TunnelEndpoint | null {
  if (v === 'flow') return { kind: 'flow' };
  const addr = parseTunnelAddr(v);
  return addr === null ? null : { kind: 'addr', addr };
}

function isMulticast(a: TunnelAddr): boolean {
  return isV4Mapped(a) ? a[3] >>> 28 === 0xe : a[0] >>> 24 === 0xff;
}

/**
 * A key as OVS's parse_key reads it: `flow`, or strtoull(s, NULL, 0) — decimal, 0x hex or leading-0 octal, digits up
 * to the first character that is not one, nothing parsable = 0 — truncated to 64 bits.
 */
function parseKey(v: string | undefined): TunnelKey {
  if (v === undefined) return { kind: 'none' };
  if (v === 'flow') return { kind: 'flow' };
  const m = /^\s*(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)/.exec(v);
  let value = 0n;
  if (m) {
    const t = m[1];
    value = /^0[xX]/.test(t) ? BigInt(t) : t.length > 1 && t[0] === '0' ? BigInt('0o' + t.slice(1)) : BigInt(t);
  }
  return { kind: 'fixed', value: value & 0xffffffffffffffffn };
}

/** strtol(s, &end, 0) that must consume the whole string. */
function parseCInt(v: string): number | null {
  if (/^0[xX][0-9a-fA-F]+$/.test(v)) return parseInt(v.slice(2), 16);
  if (/^0[0-7]*$/.test(v)) return parseInt(v, 8);
  if (/^[1-9][0-9]*$/.test(v)) return parseInt(v, 10);
  return null;
}

/** The options as `ovs-appctl dpif/show` prints them after the type (sorted `key=value`, comma separated). */
export function formatTunnelOptions(options: Readonly<Record<string, string>>): string {
  return Object.keys(options)
    .sort()
    .map((k) => `${k}=${options[k]}`)
    .join(', ');
}
