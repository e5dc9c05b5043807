import { describe, expect, it } from 'vitest';
import { FlowSyntaxError } from '../../src/base/errors.js';
import { formatFlow, parseFlowLine } from '../../src/ofproto/flow-syntax.js';
import { CORPUS_NAMER, loadCorpus } from './fixtures/ovs-fixtures.js';

// Every line of fixtures/actions-corpus.txt, as real OVS 3.1 answered it (add-flow, then --names --no-stats
// dump-flows), once with plain ovs-ofctl (OpenFlow10) and once with -O OpenFlow13.
describe('actions agree with OVS 3.1', () => {
  const accepted = loadCorpus().filter((r) => r.ok);
  const rejected = loadCorpus().filter((r) => !r.ok);

  it.each(accepted.map((r) => [r.version, r.flow, r.dump![0]] as const))(
    '%s: %s prints as OVS dumps it',
    (version, flow, dump) => {
      const spec = parseFlowLine(flow, { namer: CORPUS_NAMER, version });
      expect(formatFlow(spec, undefined, { version, namer: CORPUS_NAMER })).toBe(dump);
    },
  );

  it.each(rejected.map((r) => [r.version, r.flow, r.error!] as const))(
    '%s: %s is rejected with a column',
    (version, flow, error) => {
      let caught: unknown;
      try {
        parseFlowLine(flow, { namer: CORPUS_NAMER, version });
      } catch (e) {
        caught = e;
      }
      expect(caught, `OVS: ${error}`).toBeInstanceOf(FlowSyntaxError);
      expect((caught as FlowSyntaxError).location.column).toBeGreaterThan(0);
    },
  );
});
