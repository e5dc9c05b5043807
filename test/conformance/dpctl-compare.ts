/**
 * Comparing flowlab's dpctl-flows.txt and dpctl-show.txt with OVS's (the reference runner's expected/ files).
 *
 * Megaflow lines are compared whole (match, packets, bytes, flags, actions) after two normalisations, each of which
 * removes only a difference that carries no meaning:
 *
 *   - Recirculation ids. OVS allocates them from one global counter (continuations of controller actions take ids
 *     too, and freed ids are not reused at once); flowlab numbers its own. An id only links a `recirc(ID)` action to
 *     the `recirc_id(ID)` megaflows that continue it, so every non-zero id is blurred to `N` (recirc_id(0), "not
 *     recirculated", stays). The rest of the line still has to agree, so the continuation megaflows are still
 *     pinned by their ct_state, in_port and the rest of their match.
 *   - The order of outputs. NORMAL floods and multi-output rules emit outputs in the order of OVS's internal port
 *     lists (bundle hmaps, hashed by pointer), which nothing outside ovs-vswitchd can reproduce. Two action lists
 *     that send the same packets to the same ports are the same: each output is taken as (port, VLAN stack, header
 *     rewrites in force, tunnel encapsulation), outputs between two other actions (ct, recirc, userspace, ...) form
 *     a set, and those other actions keep their places. clone(…) and tnl_push(…) count as packet changes, not as
 *     other actions.
 *
 * dpctl/show is compared on its `lookups:` and `flows:` lines exactly, and on its ports by name and type only: OVS
 * numbers ports in an order that depends on OVSDB row UUIDs (see src/control/dpctl-port-numbers.ts).
 */

/** Splits `a(b,c),d,e(f)` at the commas outside parentheses. */
export function splitTop(s: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === ',' && depth === 0) {
      parts.push(cur);
      cur = '';
      continue;
    }
    if (ch === '(') depth++;
    else if (ch === ')') depth--;
    cur += ch;
  }
  if (cur !== '') parts.push(cur);
  return parts.map((p) => p.trim()).filter((p) => p !== '');
}

/** Non-zero recirculation ids (match, recirc action, controller cookies) become `N`. */
export function blurRecircIds(line: string): string {
  return line
    .replace(/recirc_id\((?!0\))(0x[0-9a-f]+|\d+)\)/g, 'recirc_id(N)')
    .replace(/recirc\((0x[0-9a-f]+|\d+)\)/g, 'recirc(N)')
    .replace(/recirc_id=\d+/g, 'recirc_id=N');
}

/** Bare actions that are not output ports. */
const BARE_ACTIONS: ReadonlySet<string> = new Set(['pop_vlan', 'ct_clear', 'drop', 'pop_eth', 'pop_nsh']);

/** What the packet looks like at a point of the action list: its VLAN stack, rewrites, tunnel encapsulation. */
interface PacketState {
  stack: string[];
  sets: Map<string, string>;
  /** `tnl_push(…)` of the inner packet's description, once encapsulated. */
  encap: string;
}

function describe(st: PacketState): string {
  return `[${st.stack.join('|')}]{${[...st.sets.values()].sort().join(';')}}${st.encap}`;
}

/**
 * Walks `actions` from packet state `st`, adding outputs to `group` and order-keeping actions to `out` (flushing the
 * group before each). clone(…) runs on a copy of the state and adds its outputs to the same group: OVS wraps a
 * tunnel push in clone() when more actions follow, flowlab pops the VLAN instead; both send the same packets.
 */
function walk(actions: string, st: PacketState, group: string[], out: string[]): void {
  for (const a of splitTop(actions)) {
    if (a === 'pop_vlan') {
      st.stack = st.stack.slice(1);
    } else if (a.startsWith('push_vlan(')) {
      st.stack = [a.slice('push_vlan('.length, -1), ...st.stack];
    } else if (a.startsWith('set(')) {
      // One rewrite per header and field list: set(eth(src=…,dst=…)) replaces an earlier set of the same fields.
      const inner = a.slice(4, -1);
      const header = inner.slice(0, inner.indexOf('('));
      const fields = splitTop(inner.slice(header.length + 1, -1)).map((f) => f.slice(0, f.indexOf('=')));
      st.sets.set(`${header}:${fields.join(',')}`, inner);
    } else if (a.startsWith('tnl_push(')) {
      st.encap = `<${a} of ${describe(st)}>`;
      st.stack = [];
      st.sets = new Map();
    } else if (a.startsWith('clone(')) {
      walk(a.slice('clone('.length, -1), { stack: [...st.stack], sets: new Map(st.sets), encap: st.encap }, group, out);
    } else if (!a.includes('(') && !BARE_ACTIONS.has(a)) {
      group.push(`${a}@${describe(st)}`);
    } else {
      if (group.length > 0) out.push(`{${group.sort().join(' ')}}`);
      group.length = 0;
      out.push(a);
    }
  }
}

/**
 * The action list with each run of outputs (and the VLAN, set, tunnel-push and clone actions among them) replaced
 * by the sorted set of `port@[vlan stack]{rewrites}<encapsulation>`; see the module comment. `initialVlan` is the
 * packet's tag as the match has it.
 */
export function canonicalActions(actions: string, initialVlan: string | null): string {
  const out: string[] = [];
  const group: string[] = [];
  walk(actions, { stack: initialVlan === null ? [] : [initialVlan], sets: new Map(), encap: '' }, group, out);
  if (group.length > 0) out.push(`{${group.sort().join(' ')}}`);
  return out.join(',');
}

/** One dump-flows line in comparable form: recirculation ids blurred, output order canonical. */
export function canonicalMegaflow(line: string): string {
  const blurred = blurRecircIds(line.trim());
  const at = blurred.indexOf(', actions:');
  if (at < 0) return blurred;
  const head = blurred.slice(0, at);
  const match = head.slice(0, head.indexOf(', packets:') >= 0 ? head.indexOf(', packets:') : head.length);
  const vlan = splitTop(match).find((a) => a.startsWith('vlan('));
  return `${head}, actions:${canonicalActions(blurred.slice(at + ', actions:'.length), vlan === undefined ? null : vlan.slice(5, -1))}`;
}

export interface FlowsComparison {
  /** OVS lines with no counterpart in flowlab's file, as OVS printed them. */
  readonly onlyOvs: string[];
  /** flowlab lines with no counterpart in OVS's file, as flowlab printed them. */
  readonly onlyFlowlab: string[];
}

/** Compares two dpctl-flows.txt texts as multisets of canonical lines. */
export function compareDpFlows(ovs: string, flowlab: string): FlowsComparison {
  const lines = (t: string): string[] => t.split('\n').filter((l) => l.includes(', packets:'));
  const pending = new Map<string, string[]>();
  for (const l of lines(flowlab)) {
    const k = canonicalMegaflow(l);
    pending.set(k, [...(pending.get(k) ?? []), l]);
  }
  const onlyOvs: string[] = [];
  for (const l of lines(ovs)) {
    const k = canonicalMegaflow(l);
    const left = pending.get(k);
    if (left !== undefined && left.length > 0) left.shift();
    else onlyOvs.push(l);
  }
  const onlyFlowlab = [...pending.values()].flat();
  return { onlyOvs, onlyFlowlab };
}

/** The `lookups:` and `flows:` lines of a dpctl/show text. */
export function dpctlShowCounters(text: string): string {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.startsWith('lookups:') || l.startsWith('flows:'))
    .join('\n');
}

/** The ports of a dpctl/show text as sorted `name (type)` lines, numbers left out. */
export function dpctlShowPortNames(text: string): string[] {
  const ports: string[] = [];
  for (const l of text.split('\n')) {
    const m = /^\s*port \d+: (.*)$/.exec(l);
    if (m) ports.push(m[1]);
  }
  return ports.sort();
}
