import { describe, expect, test } from 'vitest';
import { FlowSyntaxError } from '../../src/base/errors.js';
import { fieldNamed } from '../../src/flow/fields.js';
import {
  applyMatchToken,
  finishMatch,
  formatMatch,
  isMatchKeyword,
  newMatchDraft,
  parseMatch,
  splitKeyValues,
  type MatchSyntaxOptions,
} from '../../src/flow/match-syntax.js';

const roundTrip = (text: string, opts: MatchSyntaxOptions = {}): string => formatMatch(parseMatch(text, opts).match);

function errorOf(fn: () => unknown): FlowSyntaxError {
  try {
    fn();
  } catch (e) {
    if (e instanceof FlowSyntaxError) return e;
    throw e;
  }
  throw new Error('expected a FlowSyntaxError');
}

describe('splitting', () => {
  test('tokens split on commas and white space, values follow = or :', () => {
    expect(splitKeyValues(' tcp , tp_dst:80').map((t) => [t.name, t.value, t.column, t.valueColumn])).toEqual([
      ['tcp', '', 2, 5],
      ['tp_dst', '80', 8, 15],
    ]);
  });
  test('a value keeps commas inside parentheses', () => {
    expect(splitKeyValues('a=f(x,y),b').map((t) => t.value)).toEqual(['f(x,y)', '']);
  });
});

describe('parsing', () => {
  test('protocol shorthands pin dl_type and nw_proto', () => {
    const { match } = parseMatch('tcp6');
    expect(match.value(fieldNamed('dl_type'))).toBe(0x86ddn);
    expect(match.value(fieldNamed('nw_proto'))).toBe(6n);
  });
  test('tokens apply in order, later ones replacing earlier ones', () => {
    expect(roundTrip('ip,nw_src=10.0.0.1,nw_src=10.0.0.2')).toBe('ip,nw_src=10.0.0.2');
    expect(roundTrip('vlan_tci=0x1000/0x1000,dl_vlan=7')).toBe('dl_vlan=7');
  });
  test('tp_src is the L4 source port whatever nw_proto is', () => {
    expect(roundTrip('udp,tcp_dst=80')).toBe('udp,tp_dst=80');
    expect(roundTrip('icmp,tp_src=8')).toBe('icmp,icmp_type=8');
  });
  test('dl_vlan=0xffff means no VLAN tag', () => {
    expect(roundTrip('dl_vlan=0xffff')).toBe('vlan_tci=0x0000');
  });
  test('nw_tos keeps only its DSCP bits and ip_dscp is shifted into them', () => {
    expect(roundTrip('ip,nw_tos=5')).toBe('ip,nw_tos=4');
    expect(roundTrip('ip,ip_dscp=10')).toBe('ip,nw_tos=40');
  });
  test('a subfield assignment sets only those bits', () => {
    expect(roundTrip('NXM_OF_VLAN_TCI[0..11]=3')).toBe('vlan_tci=0x0003/0x0fff');
    expect(errorOf(() => parseMatch('reg0[0..3]=16')).detail).toBe('reg0[0..3]: value 0x10 does not fit into 4 bits');
  });
  test('unknown keywords are refused at their column', () => {
    const e = errorOf(() => parseMatch('ip,nosuchfield=1'));
    expect(e.detail).toBe('unknown keyword nosuchfield');
    expect(e.location.column).toBe(4);
  });
  test('NXM names are only accepted inside subfield brackets', () => {
    expect(errorOf(() => parseMatch('NXM_NX_REG3=7')).detail).toBe('unknown keyword NXM_NX_REG3');
  });
  test('value errors point at the value', () => {
    expect(errorOf(() => parseMatch('tcp,tp_dst=65536')).location.column).toBe(12);
  });
  test('port names resolve through the namer', () => {
    const portNamer = { portNumber: (n: string) => (n === 'p1' ? 1 : undefined), portName: () => undefined };
    expect(roundTrip('in_port=p1', { portNamer })).toBe('in_port=1');
    expect(errorOf(() => parseMatch('in_port=nosuchport', { portNamer })).detail).toBe(
      'nosuchport: invalid or unknown port for in_port',
    );
  });
  test('the per-token API builds the same match as parseMatch', () => {
    const draft = newMatchDraft();
    applyMatchToken(draft, 'tcp', '', 1);
    applyMatchToken(draft, 'tp_dst', '22', 5);
    expect(finishMatch(draft).equals(parseMatch('tcp,tp_dst=22').match)).toBe(true);
  });
  test('isMatchKeyword separates match tokens from other flow keywords', () => {
    expect(['ip', 'tp_dst', 'eth_src', 'reg0[1]', 'eth'].every(isMatchKeyword)).toBe(true);
    expect(['priority', 'table', 'actions', 'cookie'].some(isMatchKeyword)).toBe(false);
  });
});

describe('what the switch keeps', () => {
  test('a field whose prerequisites are not pinned is silently dropped', () => {
    expect(roundTrip('tcp_dst=80')).toBe('');
    expect(roundTrip('ip,tp_dst=80')).toBe('ip');
  });
  test('OpenFlow 1.0 turns a VID without the tag bit into "no VLAN"', () => {
    expect(roundTrip('vlan_vid=5')).toBe('vlan_tci=0x0000');
    expect(roundTrip('vlan_vid=5', { protocol: 'OpenFlow13' })).toBe('vlan_tci=0x0005/0x1fff');
  });
  test('OpenFlow 1.3 cannot carry a PCP without a tag', () => {
    expect(roundTrip('dl_vlan=0xffff', { protocol: 'OpenFlow13' })).toBe('vlan_tci=0x0000/0x1fff');
    expect(errorOf(() => parseMatch('vlan_tci=0x200a/0xefff', { protocol: 'OpenFlow13' })).detail).toMatch(
      /OFPBMC_BAD_PREREQ/,
    );
  });
  test('the switch refuses L4 ports on later fragments', () => {
    expect(errorOf(() => parseMatch('tcp,nw_frag=later,tp_dst=80')).detail).toMatch(/OFPBMC_BAD_PREREQ/);
  });
  test('ct_nw_src needs a valid ct_state and IPv4', () => {
    expect(roundTrip('ct_state=+est+trk,ct_nw_src=10.0.0.1,ip')).toBe('ct_state=+est+trk,ct_nw_src=10.0.0.1,ip');
    expect(() => parseMatch('ct_state=+trk,ct_nw_src=10.0.0.1,ip')).toThrow(FlowSyntaxError);
    expect(() => parseMatch('ct_state=+est+trk,ct_nw_src=10.0.0.1')).toThrow(FlowSyntaxError);
  });
  test('tunnel TOS and TTL cannot be matched through OpenFlow', () => {
    expect(errorOf(() => parseMatch('tun_tos=16')).detail).toMatch(/OFPBAC_MATCH_INCONSISTENT/);
  });
});

describe('printing', () => {
  test('priority comes first unless it is the default', () => {
    const { match } = parseMatch('ip');
    expect(formatMatch(match, 100)).toBe('priority=100,ip');
    expect(formatMatch(match, 32768)).toBe('ip');
  });
  test('fields print in OVS order whatever order they were given in', () => {
    expect(roundTrip('dl_dst=01:00:00:00:00:00/01:00:00:00:00:00,dl_src=AA:BB:CC:DD:EE:FF')).toBe(
      'dl_src=aa:bb:cc:dd:ee:ff,dl_dst=01:00:00:00:00:00/01:00:00:00:00:00',
    );
    expect(roundTrip('arp,arp_op=2,arp_spa=10.0.0.1')).toBe('arp,arp_spa=10.0.0.1,arp_op=2');
  });
  test('an exact VLAN TCI with the tag bit prints as dl_vlan and dl_vlan_pcp', () => {
    expect(roundTrip('vlan_tci=0x7005')).toBe('dl_vlan=5,dl_vlan_pcp=3');
    expect(roundTrip('vlan_tci=0x0000/0x1fff')).toBe('vlan_tci=0x0000/0x1fff');
  });
  test('registers print in hex and ICMP fields as icmp_type/icmp_code', () => {
    expect(roundTrip('reg5=4')).toBe('reg5=0x4');
    expect(roundTrip('icmp6,icmpv6_type=135,icmpv6_code=0')).toBe('icmp6,icmp_type=135,icmp_code=0');
  });
  test('ports print as quoted names with a namer', () => {
    const portNamer = { portNumber: () => 6, portName: (p: number) => (p === 6 ? 'tap648437e1-0d' : undefined) };
    expect(formatMatch(parseMatch('in_port=6').match, undefined, { portNamer })).toBe('in_port="tap648437e1-0d"');
  });
});
