#!/usr/bin/env node
// Harness self-test stand-in for flowlab's CLI: answers
// `replay SCENARIO --out DIR` with a second, independent real-OVS run.
//   FLOWLAB_CLI=test/conformance/ovs-as-flowlab.mjs npx vitest run test/conformance
// Every test must pass (OVS's output for these scenarios is reproducible).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const ref = process.env.OVS_REFERENCE_DIR ?? path.resolve(here, '..', '..', '..', 'shared', 'tools', 'ovs-reference');
const py = process.env.FLOWLAB_PYTHON ?? (fs.existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');
const [, , cmd, scen, flag, out] = process.argv;
if (cmd !== 'replay' || !scen || flag !== '--out' || !out) {
  console.error('usage: ovs-as-flowlab.mjs replay SCENARIO --out DIR');
  process.exit(2);
}
const r = spawnSync(py, [path.join(ref, 'run_ovs.py'), scen, '--out', out], { stdio: 'inherit' });
process.exit(r.status ?? 1);
