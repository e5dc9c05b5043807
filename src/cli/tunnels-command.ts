/**
 * `flowlab tunnels list|neigh|routes|ports`: the userspace tunnelling state of a scenario or snapshot, in the
 * syntax of `ovs-appctl ofproto/list-tunnels`, `tnl/neigh/show`, `ovs/route/show` and `tnl/ports/show`.
 *
 * Without --replay the state is the configured one (topology options and the `underlay` section). With --replay the
 * scenario's captures run first (outputs to a temporary folder, removed afterwards) and `neigh` shows the table as
 * the traffic left it: entries learned from decapsulated packets and snooped ARP replies, refreshed or STALE.
 */

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { buildSwitch } from '../control/build-switch.js';
import { replay } from '../control/replay.js';
import { UsageError } from './cli-io.js';
import type { Command } from './commands.js';
import { loadSpec } from './load-spec.js';

const SUBCOMMANDS = ['list', 'neigh', 'routes', 'ports'] as const;
type Sub = (typeof SUBCOMMANDS)[number];

export const tunnelsCommand: Command = {
  name: 'tunnels',
  summary: 'VXLAN ports, tunnel neighbours, underlay routes, listening ports (ofproto/list-tunnels, tnl/neigh/show, ...)',
  help: `usage: flowlab tunnels (list | neigh | routes | ports) (SCENARIO | --snapshot DIR) [--replay]

  list     the VXLAN ports and how they match received packets   (ovs-appctl ofproto/list-tunnels)
  neigh    the tunnel neighbour table                             (ovs-appctl tnl/neigh/show)
  routes   the underlay routes with their source addresses        (ovs-appctl ovs/route/show)
  ports    the tunnel datapath ports listening for VXLAN          (ovs-appctl tnl/ports/show)

The underlay (addresses, routes, neighbours) comes from topology.json's "underlay" section.

options:
  --replay   replay the scenario's captures first and show the state they left (neighbours learned or snooped)

examples:
  flowlab tunnels list test/conformance/scenarios/vxlan-underlay
  flowlab tunnels neigh test/conformance/scenarios/vxlan-underlay --replay
`,
  run(args, io) {
    let parsed;
    try {
      parsed = parseArgs({
        args,
        allowPositionals: true,
        strict: true,
        options: {
          help: { type: 'boolean', short: 'h' },
          snapshot: { type: 'string' },
          replay: { type: 'boolean' },
        },
      });
    } catch (e) {
      throw new UsageError((e as Error).message.replace(/\. To specify a positional argument.*$/s, ''), 'tunnels');
    }
    const { values, positionals } = parsed;
    if (values.help) {
      io.out(this.help);
      return 0;
    }
    const [sub, scenario, extra] = positionals;
    if (sub === undefined) throw new UsageError(`missing what to show (${SUBCOMMANDS.join(', ')})`, 'tunnels');
    if (!(SUBCOMMANDS as readonly string[]).includes(sub)) {
      throw new UsageError(`unknown subcommand "${sub}" (${SUBCOMMANDS.join(', ')})`, 'tunnels');
    }
    if (extra !== undefined) throw new UsageError(`unexpected argument "${extra}"`, 'tunnels');
    const spec = loadSpec('tunnels', io.cwd, scenario, values.snapshot);

    if (values.replay && sub === 'neigh') {
      const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'flowlab-tunnels-'));
      try {
        replay(spec, { outDir: tmp });
        const file = path.join(tmp, 'tnl-neigh.txt');
        io.out(fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '');
      } finally {
        fs.rmSync(tmp, { recursive: true, force: true });
      }
      return 0;
    }
    const sw = buildSwitch(spec);
    const t = sw.tunnels;
    if (t === null) {
      io.out(sub === 'neigh' ? '' : sub === 'routes' ? 'Route Table:\n' : sub === 'ports' ? 'Listening ports:\n' : '');
      return 0;
    }
    const out: Record<Sub, () => string> = {
      list: () => t.ports.listTunnels(),
      neigh: () => t.underlay.showNeighbours(0),
      routes: () => t.underlay.showRoutes(),
      ports: () => t.listen.show(new Map([...t.vports].map((v) => [v.dpPort, v.name]))),
    };
    io.out(out[sub as Sub]());
    return 0;
  },
};
