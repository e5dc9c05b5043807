import { describe, expect, it } from 'vitest';
import { FlowSyntaxError } from '../../src/base/errors.js';
import { fieldNamed } from '../../src/flow/fields.js';
import { OfpPort } from '../../src/flow/key-layout.js';
import { parseMatch } from '../../src/flow/match-syntax.js';
import { checkActions, parseActions, splitKeyValues } from '../../src/ofproto/actions/parse.js';
import type { Action } from '../../src/ofproto/actions/types.js';
import { CORPUS_NAMER } from './fixtures/ovs-fixtures.js';

function errorOf(f: () => unknown): FlowSyntaxError {
  try {
    f();
  } catch (e) {
    if (e instanceof FlowSyntaxError) return e;
    throw e;
  }
  throw new Error('expected a FlowSyntaxError');
}

const parse = (s: string): Action[] => parseActions(s, { namer: CORPUS_NAMER });

describe('action list tokens', () => {
  it('splits at top-level commas and keeps parenthesised values whole', () => {
    const kv = splitKeyValues('resubmit(,5),ct(commit,exec(load:1->NXM_NX_CT_MARK[])),output:2');
    expect(kv.map((t) => [t.key, t.value])).toEqual([
      ['resubmit', ',5'],
      ['ct', 'commit,exec(load:1->NXM_NX_CT_MARK[])'],
      ['output', '2'],
    ]);
  });

  it('records the column of each key and value', () => {
    const kv = splitKeyValues('drop, output:2', 10);
    expect(kv[1]).toMatchObject({ key: 'output', keyColumn: 16, valueColumn: 23 });
  });
});

describe('output and controller', () => {
  it('resolves port numbers, bare names and quoted names alike', () => {
    expect(parse('output:4,tap648437e1-0d,output:"tap648437e1-0d"')).toEqual([
      { kind: 'output', port: 4, maxLen: 0 },
      { kind: 'output', port: 4, maxLen: 0 },
      { kind: 'output', port: 4, maxLen: 0 },
    ]);
  });

  it('reads reserved port names case-insensitively', () => {
    expect(parse('normal,LOCAL,in_port')).toEqual([
      { kind: 'output', port: OfpPort.NORMAL, maxLen: 0 },
      { kind: 'output', port: OfpPort.LOCAL, maxLen: 0 },
      { kind: 'output', port: OfpPort.IN_PORT, maxLen: 0 },
    ]);
  });

  it('makes plain controller forms an output to CONTROLLER with a max_len', () => {
    expect(parse('CONTROLLER:100,controller')).toEqual([
      { kind: 'output', port: OfpPort.CONTROLLER, maxLen: 100 },
      { kind: 'output', port: OfpPort.CONTROLLER, maxLen: 0xffff },
    ]);
  });

  it('keeps controller(...) with a reason as a controller action', () => {
    expect(parse('controller(reason=no_match,id=3)')[0]).toMatchObject({ kind: 'controller', reason: 'no_match', controllerId: 3 });
  });

  it('outputs to a register subfield', () => {
    expect(parse('output:reg0[0..15]')[0]).toMatchObject({ kind: 'output_reg', src: { ofs: 0, nbits: 16 } });
  });

  it('rejects an unknown port with the column of the value', () => {
    const e = errorOf(() => parseActions('drop,output:nosuch', { namer: CORPUS_NAMER, column: 20 }));
    expect(e.detail).toBe('nosuch: output to unknown port');
    expect(e.location.column).toBe(32);
  });

  it('rejects drop alongside other actions', () => {
    expect(errorOf(() => parse('drop,output:1')).detail).toMatch(/"drop" must not be accompanied/);
    expect(parse('drop')).toEqual([]);
  });
});

describe('resubmit and tables', () => {
  it('reads the port-only, table-only and ct forms', () => {
    expect(parse('resubmit:2,resubmit(,5),resubmit(p1,3,ct)')).toEqual([
      { kind: 'resubmit', inPort: 2, table: undefined, withCtOrig: false },
      { kind: 'resubmit', inPort: undefined, table: 5, withCtOrig: false },
      { kind: 'resubmit', inPort: 1, table: 3, withCtOrig: true },
    ]);
  });

  it('refuses a resubmit with neither port nor table', () => {
    expect(errorOf(() => parse('resubmit(,)')).detail).toMatch(/at least one "in_port" or "table"/);
  });

  it('refuses goto_table to the same or an earlier table', () => {
    const match = parseMatch('').match;
    const e = errorOf(() => checkActions(parse('goto_table:3'), { match, table: 3 }, 40));
    expect(e.detail).toBe('actions are invalid with specified match (OFPBIC_BAD_TABLE_ID)');
    expect(e.location.column).toBe(40);
    expect(() => checkActions(parse('goto_table:4'), { match, table: 3 })).not.toThrow();
  });

  it('refuses actions after goto_table', () => {
    expect(errorOf(() => parse('goto_table:3,output:1')).detail).toMatch(/apply_actions must appear before goto_table/);
  });
});

describe('load, set_field and move', () => {
  it('reads NXM names and ofctl names for the same subfield', () => {
    const [a, b] = parse('load:0x3->NXM_NX_REG6[0..15],load:3->reg6[0..15]');
    expect(a).toEqual(b);
    expect(a).toMatchObject({ kind: 'load', dst: { field: fieldNamed('reg6'), ofs: 0, nbits: 16 }, value: 3n });
  });

  it('reads a single-bit subfield', () => {
    expect(parse('load:1->reg3[5]')[0]).toMatchObject({ dst: { ofs: 5, nbits: 1 } });
  });

  it('rejects a value wider than its subfield', () => {
    const e = errorOf(() => parse('load:0x10000->NXM_NX_REG6[0..15]'));
    expect(e.detail).toBe('0x10000->NXM_NX_REG6[0..15]: value 0x10000 does not fit into 16 bits');
    expect(e.location.column).toBe(6);
  });

  it('rejects bits beyond the field', () => {
    expect(errorOf(() => parse('load:1->reg0[32]')).detail).toBe(
      'reg0[32]: starting bit 32 is not valid because field is only 32 bits wide',
    );
  });

  it('parses set_field values in the field syntax, with a mask', () => {
    expect(parse('set_field:0x5/0xf->reg1,set_field:aa:bb:cc:dd:ee:ff->eth_dst')).toMatchObject([
      { kind: 'set_field', field: fieldNamed('reg1'), value: 5n, mask: 0xfn },
      { kind: 'set_field', field: fieldNamed('dl_dst'), value: 0xaabbccddeeffn },
    ]);
  });

  it('refuses set_field to a read-only field', () => {
    expect(errorOf(() => parse('set_field:1->ct_state')).detail).toBe('ct_state is read-only');
  });

  it('refuses a move between subfields of different widths', () => {
    expect(errorOf(() => parse('move:reg0[0..15]->reg1[0..7]')).detail).toMatch(/16 bits wide but destination is 8/);
  });

  it('refuses set_field to an IP field when the match is not IP', () => {
    const e = errorOf(() => checkActions(parse('set_field:1.2.3.4->ip_src'), { match: parseMatch('').match, table: 0 }));
    expect(e.detail).toBe('actions are invalid with specified match (OFPBAC_MATCH_INCONSISTENT)');
    expect(() => checkActions(parse('set_field:1.2.3.4->ip_src'), { match: parseMatch('ip').match, table: 0 })).not.toThrow();
  });
});

describe('small actions', () => {
  it('tells dec_ttl from dec_ttl with explicit ids', () => {
    expect(parse('dec_ttl,dec_ttl(0),dec_ttl(1,2)')).toEqual([
      { kind: 'dec_ttl', controllerIds: [0], explicitIds: false },
      { kind: 'dec_ttl', controllerIds: [0], explicitIds: true },
      { kind: 'dec_ttl', controllerIds: [1, 2], explicitIds: true },
    ]);
  });

  it('reads note bytes with or without dots', () => {
    expect(parse('note:01.02,note:0a0b')).toEqual([
      { kind: 'note', data: Uint8Array.of(1, 2) },
      { kind: 'note', data: Uint8Array.of(10, 11) },
    ]);
  });

  it('checks conjunction clause numbers', () => {
    expect(parse('conjunction(0x10,2/3)')).toEqual([{ kind: 'conjunction', id: 16, clause: 2, nClauses: 3 }]);
    expect(errorOf(() => parse('conjunction(1,3/2)')).detail).toBe(
      'clause index must be less than or equal to number of clauses',
    );
  });

  it('refuses an invalid VLAN VID and TOS', () => {
    expect(errorOf(() => parse('mod_vlan_vid:4096')).detail).toBe('4096: not a valid VLAN VID');
    expect(errorOf(() => parse('mod_nw_tos:3')).detail).toBe('3: not a valid TOS');
  });
});

describe('learn', () => {
  it('reads every kind of spec', () => {
    const [learn] = parse(
      'learn(table=20,hard_timeout=300,priority=1,NXM_OF_VLAN_TCI[0..11],NXM_OF_ETH_DST[]=NXM_OF_ETH_SRC[],' +
        'reg1[0..7]=0x5,load:0->NXM_OF_VLAN_TCI[],load:NXM_NX_TUN_ID[]->NXM_NX_TUN_ID[],output:OXM_OF_IN_PORT[])',
    );
    expect(learn).toMatchObject({ kind: 'learn', table: 20, hardTimeout: 300, priority: 1 });
    expect((learn as Extract<Action, { kind: 'learn' }>).specs.map((s) => s.kind)).toEqual([
      'match_field',
      'match_field',
      'match_value',
      'load_value',
      'load_field',
      'output',
    ]);
  });

  it('defaults to table 1 and the default priority', () => {
    expect(parse('learn(reg0[])')[0]).toMatchObject({ table: 1, priority: 0x8000 });
  });

  it('refuses a result_dst wider than one bit', () => {
    expect(errorOf(() => parse('learn(result_dst=reg0[0..1])')).detail).toBe(
      "result_dst in 'learn' action must be a single bit",
    );
  });
});

describe('ct', () => {
  it('reads zone as a number or a subfield', () => {
    expect(parse('ct(zone=5),ct(table=72,zone=NXM_NX_REG6[0..15])')).toMatchObject([
      { kind: 'ct', zone: 5, table: undefined },
      { kind: 'ct', zone: { field: fieldNamed('reg6'), ofs: 0, nbits: 16 }, table: 72 },
    ]);
  });

  it('reads a NAT range with ports and flags', () => {
    const [ct] = parse('ct(commit,nat(src=10.0.0.1-10.0.0.5:100-200,random))');
    expect(ct).toMatchObject({
      commit: true,
      nat: { type: 'src', addrMin: Uint8Array.of(10, 0, 0, 1), addrMax: Uint8Array.of(10, 0, 0, 5), portMin: 100, portMax: 200, flags: ['random'] },
    });
  });

  it('allows only ct_mark and ct_label writes inside exec', () => {
    expect(parse('ct(commit,exec(load:0x1->NXM_NX_CT_MARK[]))')[0]).toMatchObject({ exec: [{ kind: 'load' }] });
    expect(errorOf(() => parse('ct(commit,exec(set_field:1->reg0))')).detail).toBe(
      "ct action doesn't support nested modification of reg0",
    );
    expect(errorOf(() => parse('load:1->NXM_NX_CT_MARK[]')).detail).toBe('cannot set CT fields outside of ct action');
  });

  it('requires commit with force', () => {
    expect(errorOf(() => parse('ct(force)')).detail).toBe('"force" flag requires "commit" flag.');
  });

  it('requires an IP match', () => {
    expect(() => checkActions(parse('ct(commit)'), { match: parseMatch('').match, table: 0 })).toThrow(/OFPBAC_MATCH_INCONSISTENT/);
  });
});

describe('instructions', () => {
  it('reads write_actions with its nested list and clear_actions', () => {
    expect(parseActions('clear_actions,write_actions(mod_dl_src:00:00:00:00:00:01,output:1)')).toMatchObject([
      { kind: 'clear_actions' },
      { kind: 'write_actions', actions: [{ kind: 'set_eth_src' }, { kind: 'output', port: 1 }] },
    ]);
  });

  it('requires the OpenFlow 1.1+ instruction order, each instruction once', () => {
    expect(() => parseActions('write_actions(output:1),output:2')).toThrow(
      'invalid instruction ordering: apply_actions must appear before write_actions, for OpenFlow 1.1+ compatibility',
    );
    expect(() => parseActions('write_actions(output:1),clear_actions')).toThrow(
      'invalid instruction ordering: clear_actions must appear before write_actions',
    );
    expect(() => parseActions('clear_actions,clear_actions')).toThrow('duplicate clear_actions instruction not allowed');
  });

  it('allows no instruction inside write_actions or clone', () => {
    expect(() => parseActions('write_actions(goto_table:1)')).toThrow('goto_table instruction not allowed here');
    expect(() => parseActions('clone(write_actions(output:1))')).toThrow('write_actions instruction not allowed here');
  });

  it('reports an unknown action in the list before an ordering problem, as OVS verifies after parsing', () => {
    expect(() => parseActions('write_actions(output:1),output:2,bogus')).toThrow('unknown action bogus');
  });
});
