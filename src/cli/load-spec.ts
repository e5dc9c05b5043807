/**
 * The switch a command works on: a scenario folder (topology.json) given as the first argument, or an OVS snapshot
 * folder given with --snapshot (or as the first argument, when it has an `ovs-vsctl show` text and no topology.json).
 */

import * as fs from 'node:fs';
import * as path from 'node:path';
import { isOvsSnapshot, loadOvsSnapshot } from '../io/ovs-snapshot.js';
import { loadTopologyJson, type TopologySpec } from '../io/topology.js';
import { UsageError } from './cli-io.js';

export function loadSpec(command: string, cwd: string, scenario: string | undefined, snapshot: string | undefined): TopologySpec {
  if (scenario !== undefined && snapshot !== undefined) {
    throw new UsageError(`give a scenario folder or --snapshot DIR, not both`, command);
  }
  if (snapshot !== undefined) return loadOvsSnapshot(path.resolve(cwd, snapshot));
  if (scenario === undefined) throw new UsageError('missing the scenario folder (or --snapshot DIR)', command);
  const dir = path.resolve(cwd, scenario);
  if (!fs.existsSync(path.join(dir, 'topology.json')) && isOvsSnapshot(dir)) return loadOvsSnapshot(dir);
  return loadTopologyJson(dir);
}

/** The name a scenario is reported under: its folder's name. */
export function specName(spec: TopologySpec): string {
  return path.basename(spec.dir);
}
