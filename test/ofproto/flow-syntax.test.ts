import { describe, expect, it } from 'vitest';
import { FlowSyntaxError } from '../../src/base/errors.js';
import { formatDuration, formatFlow, isIgnorableFlowLine, parseFlowFile, parseFlowLine } from '../../src/ofproto/flow-syntax.js';
import { namerFor } from './fixtures/ovs-fixtures.js';

const namer = namerFor({ 'phy-br-provider': 2, eth2: 1 });

function errorOf(f: () => unknown): FlowSyntaxError {
  try {
    f();
  } catch (e) {
    if (e instanceof FlowSyntaxError) return e;
    throw e;
  }
  throw new Error('expected a FlowSyntaxError');
}

const DUMP_LINE =
  ' cookie=0x54777dab8546811, duration=2176.310s, table=0, n_packets=0, n_bytes=0, idle_age=5, hard_age=9, ' +
  'priority=4,in_port="phy-br-provider",dl_vlan=1 actions=mod_vlan_vid:100,NORMAL';

describe('parsing flow lines', () => {
  it('accepts a verbatim dump-flows line and ignores its counters', () => {
    const f = parseFlowLine(DUMP_LINE, { namer });
    expect(f).toMatchObject({ cookie: 0x54777dab8546811n, table: 0, priority: 4, tableGiven: true });
    expect(f.actions).toHaveLength(2);
  });

  it('defaults to table 0 and priority 32768', () => {
    expect(parseFlowLine('actions=drop')).toMatchObject({ table: 0, tableGiven: false, priority: 32768, actions: [] });
  });

  it('reads timeouts, importance and flags', () => {
    const f = parseFlowLine('idle_timeout=10,hard_timeout=20,importance=3,send_flow_rem,check_overlap actions=drop');
    expect(f).toMatchObject({ idleTimeout: 10, hardTimeout: 20, importance: 3, flags: ['send_flow_rem', 'check_overlap'] });
  });

  it('refuses flags that OpenFlow 1.0 cannot carry', () => {
    expect(errorOf(() => parseFlowLine('reset_counts actions=drop')).detail).toMatch(/none of the usable flow formats/);
    expect(parseFlowLine('reset_counts actions=drop', { version: 'OpenFlow13' }).flags).toEqual(['reset_counts']);
  });

  it('refuses a cookie mask on add but reads it for delete', () => {
    expect(errorOf(() => parseFlowLine('cookie=0x1/0xff actions=drop')).detail).toBe('flow additions cannot use a cookie mask');
    expect(parseFlowLine('cookie=0x1/-1', { command: 'delete' })).toMatchObject({ cookie: 1n, cookieMask: (1n << 64n) - 1n });
  });

  it('accepts out_port only for delete commands', () => {
    expect(parseFlowLine('out_port=eth2', { command: 'delete', namer }).outPort).toBe(1);
    expect(errorOf(() => parseFlowLine('out_port=1 actions=drop')).detail).toBe('unknown keyword out_port');
  });

  it('requires actions for add', () => {
    expect(errorOf(() => parseFlowLine('priority=1')).detail).toBe('must specify an action');
  });

  it('places errors at file, line and column', () => {
    const e = errorOf(() => parseFlowLine('priority=70000 actions=drop', { file: 'br.flows', lineNo: 7 }));
    expect(e.detail).toBe('invalid priority "70000"');
    expect(e.location).toEqual({ file: 'br.flows', line: 7, column: 10 });
  });

  it('places action errors at their column in the line', () => {
    const e = errorOf(() => parseFlowLine('priority=1 actions=output:1,load:0x10000->reg6[0..15]'));
    expect(e.location.column).toBe(34);
  });
});

describe('flow files', () => {
  it('skips blank lines, comments and dump headers', () => {
    expect(isIgnorableFlowLine('NXST_FLOW reply (xid=0x4):')).toBe(true);
    expect(isIgnorableFlowLine('OFPST_FLOW reply (OF1.3) (xid=0x2):')).toBe(true);
    expect(isIgnorableFlowLine('   # comment')).toBe(true);
    const flows = parseFlowFile('NXST_FLOW reply (xid=0x4):\n# c\n\npriority=1 actions=drop # trailing\n' + DUMP_LINE + '\n', 'a.flows', { namer });
    expect(flows.map((f) => f.priority)).toEqual([1, 4]);
  });

  it('returns nothing when any line is bad, naming the line', () => {
    const e = errorOf(() => parseFlowFile('actions=drop\nactions=drop\nfoo=1 actions=drop\n', 'b.flows'));
    expect(e.message).toBe('b.flows:3:1: unknown keyword foo');
  });
});

describe('printing flows as dump-flows does', () => {
  const spec = parseFlowLine(DUMP_LINE, { namer });

  it('prints the stats in OVS order with names quoted', () => {
    expect(formatFlow(spec, { durationSec: 2176.31, nPackets: 0, nBytes: 0 }, { namer })).toBe(
      ' cookie=0x54777dab8546811, duration=2176.310s, table=0, n_packets=0, n_bytes=0, ' +
        'priority=4,in_port="phy-br-provider",dl_vlan=1 actions=mod_vlan_vid:100,NORMAL',
    );
  });

  it('prints idle_age, and hard_age only when it differs from the duration', () => {
    const stats = { durationSec: 9.5, nPackets: 1, nBytes: 60, idleAgeSec: 2, hardAgeSec: 9 };
    expect(formatFlow(spec, stats, { namer })).toContain('n_bytes=60, idle_age=2, priority=4');
    expect(formatFlow(spec, { ...stats, hardAgeSec: 3 }, { namer })).toContain('idle_age=2, hard_age=3, priority=4');
  });

  it('prints timeouts and, for OpenFlow 1.3, flags', () => {
    const f = parseFlowLine('table=3,hard_timeout=300,send_flow_rem,priority=1 actions=drop');
    expect(formatFlow(f, undefined)).toBe(' table=3, hard_timeout=300, priority=1 actions=drop');
    expect(formatFlow(f, undefined, { version: 'OpenFlow13' })).toBe(' table=3, hard_timeout=300, send_flow_rem priority=1 actions=drop');
  });

  it('leaves out the times when normalised like run_ovs.py', () => {
    expect(formatFlow(spec, { durationSec: 1, nPackets: 0, nBytes: 0, idleAgeSec: 1 }, { namer, normalized: true })).toBe(
      'cookie=0x54777dab8546811, table=0, n_packets=0, n_bytes=0, priority=4,in_port="phy-br-provider",dl_vlan=1 actions=mod_vlan_vid:100,NORMAL',
    );
  });

  it('prints durations with milliseconds, or as many digits as needed', () => {
    expect(formatDuration(2176.31)).toBe('2176.310s');
    expect(formatDuration(5)).toBe('5s');
    expect(formatDuration(0.0000015)).toBe('0.0000015s');
  });
});

describe('write_actions and clear_actions across OpenFlow versions', () => {
  it('installs them as written with OpenFlow 1.3', () => {
    const f = parseFlowLine('actions=clear_actions,write_actions(output:1),goto_table:1', { version: 'OpenFlow13' });
    expect(f.actions.map((a) => a.kind)).toEqual(['clear_actions', 'write_actions', 'goto_table']);
  });

  it('loses them with OpenFlow 1.0, which cannot carry instructions (OVS drops them without a word)', () => {
    const f = parseFlowLine('actions=output:1,clear_actions,write_actions(output:2),goto_table:3');
    expect(f.actions.map((a) => a.kind)).toEqual(['output', 'goto_table']);
  });

  it('installs nothing for an empty write_actions()', () => {
    expect(parseFlowLine('actions=write_actions(),goto_table:2', { version: 'OpenFlow13' }).actions.map((a) => a.kind)).toEqual([
      'goto_table',
    ]);
  });

  it('refuses, with OpenFlow 1.3, an action an action set cannot hold', () => {
    expect(errorOf(() => parseFlowLine('actions=write_actions(learn(table=1,reg0[]))', { version: 'OpenFlow13' })).detail).toBe(
      'disallowed action in action set (OFPBAC_BAD_TYPE)',
    );
    expect(parseFlowLine('actions=write_actions(learn(table=1,reg0[]))').actions).toEqual([]);
  });

  it('refuses, with OpenFlow 1.3, a legacy setter inside write_actions whose set_field has unmet prerequisites', () => {
    expect(errorOf(() => parseFlowLine('actions=write_actions(mod_nw_src:1.2.3.4)', { version: 'OpenFlow13' })).detail).toBe(
      'actions are invalid with specified match (OFPBAC_MATCH_INCONSISTENT)',
    );
  });
});
