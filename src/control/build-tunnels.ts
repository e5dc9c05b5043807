/**
 * From a topology's VXLAN ports and `underlay` section to the switch's TunnelSystem (src/tunnel/system.ts).
 *
 * The underlay section is what the reference runner applies with `netdev-dummy/ip4addr|ip6addr DEV ADDR/PLEN`,
 * `ovs/route/add PREFIX DEV [GW]` and `tnl/neigh/set BRIDGE IP MAC`; VXLAN ports come with their Interface options.
 * Everything is checked here, once, and a mistake is a TopologyError naming the topology file and the entry
 * (`underlay.routes[1]: ...`), as OVS would refuse the command or the port.
 *
 * Devices. An underlay address lives on a device: a bridge's LOCAL port (named like the bridge) or an internal
 * port. Its MAC is the bridge's hwaddr (other_config:hwaddr); OVS gives internal ports random MACs, which a replay
 * could not reproduce, so those use their bridge's too.
 */

import { TopologyError } from '../base/index.js';
import type { TopologySpec } from '../io/topology.js';
import type { Switch } from '../ofproto/switch.js';
import { isV4Mapped, parseTunnelAddr, parseTunnelConfig, TunnelSystem, type TunnelAddr } from '../tunnel/index.js';

export interface TunnelBuildResult {
  /** OVS's log warnings for the configuration (unknown options, duplicate tunnel matches). */
  readonly warnings: readonly string[];
}

/** Builds `sw.tunnels` when the topology has VXLAN ports or an underlay; leaves it null otherwise. */
export function buildTunnels(sw: Switch, spec: TopologySpec, nowMs: number): TunnelBuildResult {
  const warnings: string[] = [];
  const hasTunnels = spec.bridges.some((b) => b.ports.some((p) => p.type === 'vxlan'));
  if (!hasTunnels && spec.underlay === undefined) return { warnings };
  const fail = (where: string, msg: string): never => {
    throw new TopologyError(`${where}: ${msg}`, { file: spec.source });
  };
  const t = new TunnelSystem();
  for (const br of sw.bridges) {
    const mac = macBytes(br.hwaddr);
    t.setDeviceMac(br.name, mac);
    for (const p of br.portList) if (p.type === 'internal' && !p.isLocal) t.setDeviceMac(p.name, mac);
  }

  const u = spec.underlay;
  if (u !== undefined) {
    u.addresses.forEach((a, i) => {
      const where = `underlay.addresses[${i}]`;
      if (t.deviceMac(a.dev) === undefined) fail(where, `"${a.dev}" is not a bridge or an internal port`);
      const c = parseCidr(a.addr) ?? fail(where, `"${a.addr}" is not ADDRESS/PREFIXLEN`);
      t.underlay.addAddress(a.dev, c.addr, c.plen);
    });
    u.routes.forEach((r, i) => {
      const where = `underlay.routes[${i}]`;
      const c = parseCidr(r.prefix) ?? fail(where, `"${r.prefix}" is not PREFIX/LEN`);
      let gw: TunnelAddr | undefined;
      if (r.gw !== undefined) {
        gw = parseTunnelAddr(r.gw) ?? fail(where, `gateway "${r.gw}" is not an address`);
        if (isV4Mapped(gw) !== isV4Mapped(c.addr)) fail(where, 'gateway and prefix are of different families');
      }
      const err = t.underlay.addRoute(c.addr, c.plen, r.dev, gw);
      if (err !== null) fail(where, err);
    });
    u.neighbours.forEach((n, i) => {
      const where = `underlay.neighbours[${i}]`;
      const ip = parseTunnelAddr(n.ip) ?? fail(where, `"${n.ip}" is not an address`);
      const mac = parseMac(n.mac) ?? fail(where, `"${n.mac}" is not a MAC address`);
      t.underlay.setNeighbour(n.dev, ip, 0, mac, 0, nowMs);
    });
  }

  for (const br of spec.bridges) {
    for (const p of br.ports) {
      if (p.type !== 'vxlan') continue;
      const where = `bridge ${br.name} port ${p.name}`;
      const r = parseTunnelConfig(p.name, p.type, p.options);
      if (!r.ok) fail(where, r.error);
      else {
        warnings.push(...r.warnings);
        const vport = t.vport(r.config.dstPort, (dp) => sw.portByDp(dp) !== undefined);
        const dup = t.ports.add({ name: p.name, bridge: br.name, ofport: p.ofport, dpPort: vport.dpPort, config: r.config });
        if (dup !== null) warnings.push(`${p.name}: attempting to add tunnel port with same config as port '${dup}'`);
      }
    }
  }
  t.refreshListen();
  sw.tunnels = t;
  return { warnings };
}

function macBytes(mac: number): Uint8Array {
  const b = new Uint8Array(6);
  let v = mac;
  for (let i = 5; i >= 0; i--) {
    b[i] = v % 256;
    v = Math.floor(v / 256);
  }
  return b;
}

function parseMac(s: string): Uint8Array | null {
  if (!/^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/.test(s)) return null;
  return Uint8Array.from(s.split(':').map((h) => parseInt(h, 16)));
}

/** `172.16.0.31/24` or `fd00::/64`; the prefix length counted over 128 bits (IPv4 + 96). */
function parseCidr(s: string): { addr: TunnelAddr; plen: number } | null {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(s);
  if (!m) return null;
  const addr = parseTunnelAddr(m[1]);
  if (addr === null) return null;
  const plen = Number(m[2]);
  const v4 = isV4Mapped(addr);
  if (plen > (v4 ? 32 : 128)) return null;
  return { addr, plen: v4 ? plen + 96 : plen };
}
