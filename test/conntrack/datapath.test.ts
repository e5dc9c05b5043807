import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/base/clock.js';
import { Datapath, type PortTransmit } from '../../src/dpif/datapath.js';
import type { DpPacket } from '../../src/dpif/packet.js';
import { parseFlowLine } from '../../src/ofproto/flow-syntax.js';
import type { Port } from '../../src/ofproto/port.js';
import { Switch } from '../../src/ofproto/switch.js';
import { buildFrame } from '../../src/packet/build.js';
import { checksumsOk, ipDst, ipSrc } from './helpers.js';

/** br0 with p1 (inside) and p2 (outside), a stateful SNAT firewall in zone 1. */
function setup() {
  const sw = new Switch();
  const br = sw.addBridge({ name: 'br0' });
  sw.addPort('br0', { name: 'p1', ofport: 1 });
  sw.addPort('br0', { name: 'p2', ofport: 2 });
  const flows = [
    'table=0,priority=10,ip,ct_state=-trk actions=ct(table=1,zone=1)',
    'table=1,priority=10,ip,in_port=p1,ct_state=+trk+new actions=ct(commit,zone=1,nat(src=172.16.1.100)),output:p2',
    'table=1,priority=10,ip,in_port=p1,ct_state=+trk+est actions=ct(zone=1,nat),output:p2',
    'table=1,priority=10,ip,in_port=p2,ct_state=+trk+est+rpl actions=ct(zone=1,nat),output:p1',
    'table=1,priority=1 actions=drop',
  ];
  for (const f of flows) br.flows.add(parseFlowLine(f, { namer: br.namer }), 0);
  const sent: { port: string; bytes: Uint8Array }[] = [];
  const tx: PortTransmit = {
    transmit(port: Port, pkt: DpPacket): number {
      sent.push({ port: port.name, bytes: pkt.frame().slice() });
      return sent.filter((s) => s.port === port.name).length;
    },
  };
  const dp = new Datapath(sw, new ManualClock(0), tx);
  return { sw, dp, sent };
}

const eth = { src: '02:00:00:00:00:01', dst: '02:00:00:00:00:02' };
const out = (seq: number, flags: string) => buildFrame({ eth, ipv4: { src: '10.0.0.1', dst: '192.0.2.10' }, tcp: { srcPort: 40000, dstPort: 80, flags, seq, ack: flags === 'S' ? 0 : 501 } });
const back = (flags: string) => buildFrame({ eth, ipv4: { src: '192.0.2.10', dst: '172.16.1.100' }, tcp: { srcPort: 80, dstPort: 40000, flags, seq: 500, ack: 101 } });

describe('ct and recirculation in the datapath', () => {
  it('ct(table=N) recirculates with the conntrack result, commit+nat translates, replies come back translated', () => {
    const { sw, dp, sent } = setup();
    expect(dp.receive(sw.portByName('p1')!, out(100, 'S')).outputs).toEqual([{ port: 'p2', n: 1 }]);
    expect(ipSrc(sent[0].bytes)).toBe('172.16.1.100');
    expect(checksumsOk(sent[0].bytes)).toBe(true);
    expect(dp.receive(sw.portByName('p2')!, back('SA')).outputs).toEqual([{ port: 'p1', n: 1 }]);
    expect(ipDst(sent[1].bytes)).toBe('10.0.0.1');
    expect(checksumsOk(sent[1].bytes)).toBe(true);
    expect(dp.receive(sw.portByName('p1')!, out(101, 'A')).outputs).toEqual([{ port: 'p2', n: 2 }]);
    expect(dp.conntrack.dump(0)).toEqual([
      'tcp,orig=(src=10.0.0.1,dst=192.0.2.10,sport=40000,dport=80),reply=(src=192.0.2.10,dst=172.16.1.100,sport=80,dport=40000),zone=1,protoinfo=(state=ESTABLISHED)',
    ]);
  });

  it('a packet with no connection in the reply direction is dropped by the pipeline', () => {
    const { sw, dp } = setup();
    expect(dp.receive(sw.portByName('p2')!, back('SA')).outputs).toEqual([]);
  });
});
