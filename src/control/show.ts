/**
 * `flowlab show`: the switch's bridges and ports in the layouts of `ovs-vsctl show` and `ovs-ofctl show`.
 *
 * The vsctl form prints the configuration (fail mode, VLAN settings, interface types and options) as OVS indents it;
 * the UUID line is left out (a topology has none). The ofctl form lists each bridge's OpenFlow ports by number, which
 * is what a flow's `in_port=N` means; port MAC addresses are not modelled, so it prints no `addr:`.
 */

import type { BridgeSpec, PortSpec, TopologySpec } from '../io/topology.js';

/** Quotes a name the way ovsdb prints strings that are not plain identifiers. */
function q(s: string): string {
  return /^[A-Za-z_][A-Za-z0-9_.-]*$/.test(s) ? s : JSON.stringify(s);
}

function mapText(m: Readonly<Record<string, string>>): string {
  const items = Object.keys(m)
    .sort()
    .map((k) => `${q(k)}=${/^[A-Za-z0-9_.-]+$/.test(m[k]) && !/^\d/.test(m[k]) ? m[k] : JSON.stringify(m[k])}`);
  return `{${items.join(', ')}}`;
}

/** `ovs-vsctl show` without the UUID line. */
export function formatVsctlShow(spec: TopologySpec): string {
  let out = '';
  for (const br of spec.bridges) {
    out += `    Bridge ${q(br.name)}\n`;
    for (const c of br.controllers ?? []) out += `        Controller ${JSON.stringify(c)}\n`;
    out += `        fail_mode: ${br.failMode}\n`;
    if (br.datapathType !== undefined) out += `        datapath_type: ${br.datapathType}\n`;
    out += `        Port ${q(br.name)}\n            Interface ${q(br.name)}\n                type: internal\n`;
    for (const p of br.ports) out += formatPort(p);
  }
  return out;
}

function formatPort(p: PortSpec): string {
  let out = `        Port ${q(p.name)}\n`;
  if (p.tag !== undefined) out += `            tag: ${p.tag}\n`;
  if (p.trunks !== undefined) out += `            trunks: [${p.trunks.join(', ')}]\n`;
  if (p.vlanMode !== undefined) out += `            vlan_mode: ${p.vlanMode}\n`;
  out += `            Interface ${q(p.name)}\n`;
  const type = p.declaredType ?? p.type;
  if (type !== '' && type !== 'system') out += `                type: ${type}\n`;
  if (Object.keys(p.options).length > 0) out += `                options: ${mapText(p.options)}\n`;
  if (p.error !== undefined) out += `                error: ${JSON.stringify(p.error)}\n`;
  return out;
}

/** The port list of `ovs-ofctl show BRIDGE`: ` N(name): type`, LOCAL last, as OVS sorts them. */
export function formatOfctlShow(br: BridgeSpec): string {
  const ports = [...br.ports].sort((a, b) => a.ofport - b.ofport);
  let out = `${br.name}: fail_mode=${br.failMode}${br.hwaddr !== undefined ? ` hwaddr=${br.hwaddr}` : ''}\n`;
  for (const p of ports) out += ` ${p.ofport}(${p.name}): ${p.type}${describeVlan(p)}${p.error !== undefined ? ' (error in snapshot)' : ''}\n`;
  out += ` LOCAL(${br.name}): internal\n`;
  return out;
}

function describeVlan(p: PortSpec): string {
  const parts: string[] = [];
  if (p.vlanMode !== undefined) parts.push(p.vlanMode);
  if (p.tag !== undefined) parts.push(`tag ${p.tag}`);
  if (p.trunks !== undefined) parts.push(`trunks ${p.trunks.join(',')}`);
  if (p.peer !== undefined) parts.push(`peer ${p.peer}`);
  return parts.length > 0 ? `, ${parts.join(', ')}` : '';
}
