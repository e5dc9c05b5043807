import { describe, expect, it } from 'vitest';
import { parseMatch } from '../../src/flow/match-syntax.js';
import { parseActions } from '../../src/ofproto/actions/parse.js';
import { formatActions } from '../../src/ofproto/actions/print.js';
import { CORPUS_NAMER } from './fixtures/ovs-fixtures.js';

const print = (actions: string, version: 'OpenFlow10' | 'OpenFlow13' = 'OpenFlow10', match = ''): string =>
  formatActions(parseActions(actions, { namer: CORPUS_NAMER }), {
    version,
    namer: CORPUS_NAMER,
    match: parseMatch(match, { portNamer: CORPUS_NAMER }).match,
  });

describe('printing actions as OVS 3.1 dumps them', () => {
  it('prints no actions as drop', () => {
    expect(print('')).toBe('drop');
  });

  it('prints port names, quoting the ones that are not plain identifiers', () => {
    expect(print('output:1,output:4,output:99')).toBe('output:p1,output:"tap648437e1-0d",output:99');
  });

  it('prints subfields by their NXM names', () => {
    expect(print('load:3->reg6[0..15],move:reg0[5]->reg2[0]')).toBe(
      'load:0x3->NXM_NX_REG6[0..15],move:NXM_NX_REG0[5]->NXM_NX_REG2[0]',
    );
  });

  it('turns set_field into the OpenFlow 1.0 action or Nicira loads', () => {
    expect(print('set_field:00:11:22:33:44:55->eth_src,set_field:1->reg0')).toBe(
      'mod_dl_src:00:11:22:33:44:55,load:0x1->NXM_NX_REG0[]',
    );
  });

  it('splits a masked set_field into one load per run of mask bits', () => {
    expect(print('set_field:0xf0f/0xf0f->reg1')).toBe('load:0xf->NXM_NX_REG1[0..3],load:0xf->NXM_NX_REG1[8..11]');
  });

  it('keeps load as load in OpenFlow 1.3 but prints legacy setters as set_field', () => {
    expect(print('load:1->reg0,mod_dl_src:00:00:00:00:00:01', 'OpenFlow13')).toBe(
      'load:0x1->NXM_NX_REG0[],set_field:00:00:00:00:00:01->eth_src',
    );
  });

  it('pushes a tag for mod_vlan_vid in OpenFlow 1.3 only when the match has none', () => {
    expect(print('mod_vlan_vid:2', 'OpenFlow13', 'vlan_tci=0x0000/0x1fff')).toBe('push_vlan:0x8100,set_field:4098->vlan_vid');
    expect(print('mod_vlan_vid:4', 'OpenFlow13', 'dl_vlan=3')).toBe('set_field:4100->vlan_vid');
    expect(print('mod_vlan_vid:4', 'OpenFlow10', 'vlan_tci=0x0000/0x1fff')).toBe('mod_vlan_vid:4');
  });

  it('spells strip_vlan and goto_table per version', () => {
    expect(print('strip_vlan,goto_table:3')).toBe('strip_vlan,resubmit(,3)');
    expect(print('strip_vlan,goto_table:3', 'OpenFlow13', 'dl_vlan=1')).toBe('pop_vlan,goto_table:3');
  });

  it('pads notes to the length OVS encodes', () => {
    expect(print('note:01')).toBe('note:01.00.00.00.00.00');
  });

  it('prints ct with its parts in OVS order', () => {
    expect(print('ct(alg=ftp,exec(set_field:1->ct_mark),zone=5,table=3,commit)', 'OpenFlow10', 'tcp')).toBe(
      'ct(commit,table=3,zone=5,exec(load:0x1->NXM_NX_CT_MARK[]),alg=ftp)',
    );
  });

  it('prints learn with OVS field names and defaults left out', () => {
    expect(print('learn(table=1,dl_type=0x0806,in_port=p1,priority=32768)')).toBe('learn(table=1,eth_type=0x806,in_port=p1)');
  });
});
