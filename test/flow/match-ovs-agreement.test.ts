/**
 * Agreement with real Open vSwitch 3.1: every match string in fixtures/match-corpus.txt, parsed and printed by us,
 * must read exactly as `ovs-ofctl --names dump-flows` printed it after `ovs-ofctl add-flow` (OpenFlow 1.0, the
 * default, and `-O OpenFlow13`), and every match OVS refused must throw a FlowSyntaxError here.
 *
 * fixtures/match-ovs.json holds OVS's answers (regenerate with
 * `/usr/bin/python3 test/flow/fixtures/ovs-match-oracle.py test/flow/fixtures/match-corpus.txt
 * test/flow/fixtures/match-ovs.json`); the last test asks a live OVS again when one is installed.
 */

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { FlowSyntaxError } from '../../src/base/errors.js';
import {
  formatMatch,
  parseMatch,
  splitKeyValues,
  type OpenFlowVersion,
  type PortNamer,
} from '../../src/flow/match-syntax.js';

// Asynchronous so a long OVS run does not block the test worker (vitest's worker RPC times out after 60 s).
const execFileAsync = promisify(execFile);

type Answer = { readonly printed: string } | { readonly error: string };

interface OracleDoc {
  readonly ovs: string;
  readonly ports: Record<string, number>;
  readonly results: readonly { readonly match: string; readonly of10: Answer; readonly of13: Answer }[];
}

const FIXTURES = join(import.meta.dirname, 'fixtures');

function namerFor(ports: Record<string, number>): PortNamer {
  return {
    portNumber: (name) => ports[name],
    portName: (port) => Object.entries(ports).find(([, n]) => n === port)?.[0],
  };
}

/** What we print for a corpus line (priority is the flow printer's, so we lift it out as it would). */
function ours(line: string, protocol: OpenFlowVersion, namer: PortNamer): { printed: string } | { error: unknown } {
  const tokens = splitKeyValues(line);
  const priority = tokens.find((t) => t.name === 'priority');
  const rest = tokens.filter((t) => t !== priority);
  try {
    const draftText = rest.map((t) => line.slice(t.column - 1, t.valueColumn - 1 + t.value.length)).join(',');
    const { match } = parseMatch(draftText, { portNamer: namer, protocol });
    return { printed: formatMatch(match, priority === undefined ? undefined : Number(priority.value), { portNamer: namer }) };
  } catch (error) {
    return { error };
  }
}

function expectAgreement(line: string, protocol: OpenFlowVersion, answer: Answer, namer: PortNamer): void {
  const got = ours(line, protocol, namer);
  if ('printed' in answer) {
    expect(got).toEqual({ printed: answer.printed });
  } else {
    expect('error' in got, `OVS refused it (${answer.error}), we printed ${JSON.stringify(got)}`).toBe(true);
    if ('error' in got) expect(got.error).toBeInstanceOf(FlowSyntaxError);
  }
}

const fixture = JSON.parse(readFileSync(join(FIXTURES, 'match-ovs.json'), 'utf8')) as OracleDoc;
const fixtureNamer = namerFor(fixture.ports);

describe(`matches print as ${fixture.ovs} prints them`, () => {
  for (const [key, protocol] of [
    ['of10', 'OpenFlow10'],
    ['of13', 'OpenFlow13'],
  ] as const) {
    describe(protocol, () => {
      test.each(fixture.results.map((r) => [r.match, r[key]] as const))('%j', (line, answer) => {
        expectAgreement(line, protocol, answer, fixtureNamer);
      });
    });
  }
});

function onPath(program: string): boolean {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => dir !== '' && existsSync(join(dir, program)));
}

const haveOvs = onPath('ovs-vswitchd') && onPath('ovs-ofctl') && existsSync('/usr/bin/python3');

test('a live OVS agrees with us on the whole corpus', { timeout: 300_000 }, async (ctx) => {
  if (!haveOvs) {
    if (process.env.CI === 'true') throw new Error('ovs-vswitchd/ovs-ofctl are not installed but CI=true: cannot check against live OVS');
    ctx.skip();
  }
  const dir = mkdtempSync(join(tmpdir(), 'flowlab-match-live-'));
  try {
    const out = join(dir, 'live.json');
    await execFileAsync('/usr/bin/python3', [join(FIXTURES, 'ovs-match-oracle.py'), join(FIXTURES, 'match-corpus.txt'), out]);
    const live = JSON.parse(readFileSync(out, 'utf8')) as OracleDoc;
    const namer = namerFor(live.ports);
    for (const r of live.results) {
      expectAgreement(r.match, 'OpenFlow10', r.of10, namer);
      expectAgreement(r.match, 'OpenFlow13', r.of13, namer);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
