import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES, loadCorpus, loadSeedDumps, normalizeDumpLine } from './fixtures/ovs-fixtures.js';

// Asynchronous so a long OVS run does not block the test worker (vitest's worker RPC times out after 60 s).
const execFileAsync = promisify(execFile);

// Regenerates the OVS answers with the real OVS installed here and checks the committed fixtures (which the
// agreement tests compare our output with) still say what OVS says. Skipped without OVS, except in CI.
function ovsInstalled(): boolean {
  try {
    execFileSync('ovs-vswitchd', ['--version'], { stdio: 'ignore' });
    return existsSync('/usr/bin/python3');
  } catch {
    return false;
  }
}

const haveOvs = ovsInstalled();

describe('committed OVS fixtures match a live OVS run', () => {
  it.runIf(!haveOvs && process.env.CI === 'true')('has OVS in CI', () => {
    throw new Error('OVS 3.1 (ovs-vswitchd, ovs-ofctl) is required in CI to regenerate test/ofproto/fixtures');
  });

  it.runIf(haveOvs)('regenerates the same answers', async () => {
    const out = mkdtempSync(join(tmpdir(), 'flowlab-fixtures-'));
    try {
      await execFileAsync('/usr/bin/python3', [join(FIXTURES, 'make-ovs-fixtures.py'), '--out', out], { timeout: 120_000 });
      expect(loadCorpus(out)).toEqual(loadCorpus());
      const norm = (d: Record<string, Record<string, string[]>>): Record<string, Record<string, string[]>> =>
        Object.fromEntries(
          Object.entries(d).map(([b, v]) => [b, Object.fromEntries(Object.entries(v).map(([k, l]) => [k, l.map(normalizeDumpLine).sort()]))]),
        );
      expect(norm(loadSeedDumps(out))).toEqual(norm(loadSeedDumps()));
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 180_000);
});
