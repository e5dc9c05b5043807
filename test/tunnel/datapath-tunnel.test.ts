/**
 * VXLAN through the whole datapath, on the vxlan-underlay conformance scenario's switch (br-int, br-tun with six
 * VXLAN ports, br-phy holding 172.16.0.31 on its LOCAL port, NIC eth0). The frames checked byte for byte are the
 * ones real OVS 3.1 sent in that scenario.
 */
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/base/clock.js';
import { buildSwitch } from '../../src/control/build-switch.js';
import { Datapath, type PortTransmit } from '../../src/dpif/datapath.js';
import type { DpPacket } from '../../src/dpif/packet.js';
import { formatDpActions } from '../../src/ofproto/dp-actions-format.js';
import type { Port } from '../../src/ofproto/port.js';
import { loadTopologyJson } from '../../src/io/topology.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const SCENARIO = path.join(HERE, '..', 'conformance', 'scenarios', 'vxlan-underlay');
const hex = (s: string): Uint8Array => Uint8Array.from(s.match(/../g)!.map((b) => parseInt(b, 16)));
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

// vm1's ARP reply from R1 (172.16.0.11, VNI 0x64) and vm1's ping to R1, as the scenario's gen.py builds them.
const ARP_FROM_R1 =
  '00155dbfba5000155dbfba4f08004500004e000040004011e254ac10000bac10001fc00012b5003a00000800000000006400fa163e000105fa163e00010b08060001080006040002fa163e00010b0a01000bfa163e0001050a010005';
const PING_TO_R1 = 'fa163e00010bfa163e00010508004500002c00010000400166bf0a0100050a01000b0800f7b1004d000100000000000000000000000000000000';
// what OVS 3.1 sent on eth0 for the ping (source port 0xc730 included)
const OVS_PING_OUTER =
  '00155dbfba4f00155dbfba5008004500005e000040004011e244ac10001fac10000bc73012b5004a00000800000000006400' + PING_TO_R1;

function setup() {
  const sw = buildSwitch(loadTopologyJson(SCENARIO), { nowMs: 0 });
  const sent: { port: string; bytes: Uint8Array }[] = [];
  const tx: PortTransmit = {
    transmit(port: Port, pkt: DpPacket): number {
      sent.push({ port: port.name, bytes: pkt.frame().slice() });
      return sent.length;
    },
  };
  const dp = new Datapath(sw, new ManualClock(0), tx);
  const port = (n: string): Port => sw.portByName(n)!;
  return { sw, dp, sent, port };
}

/** `frame` with the VXLAN source changed to `src` (IPv4 address bytes), IP checksum fixed. */
function fromSource(frame: string, src: number[]): Uint8Array {
  const f = hex(frame);
  f.set(src, 26);
  f[24] = f[25] = 0;
  let sum = 0;
  for (let i = 14; i < 34; i += 2) sum += (f[i] << 8) | f[i + 1];
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  const c = ~sum & 0xffff;
  f[24] = c >> 8;
  f[25] = c & 0xff;
  return f;
}

describe('VXLAN through the datapath (vxlan-underlay switch)', () => {
  it('decapsulates a frame for our address to the tunnel port whose remote sent it, and on to the VM', () => {
    const { dp, sent, port } = setup();
    const fate = dp.receive(port('eth0'), hex(ARP_FROM_R1));
    // br-int has not learned vm1's MAC yet: NORMAL floods (vm1, and br-int's LOCAL port tagged)
    expect(fate.outputs.map((o) => o.port).sort()).toEqual(['br-int', 'vm1']);
    expect(toHex(sent.find((s) => s.port === 'vm1')!.bytes)).toBe(ARP_FROM_R1.slice(100));
  });

  it('encapsulates towards the learned remote exactly as OVS does, through br-phy to eth0', () => {
    const { dp, sent, port } = setup();
    dp.receive(port('eth0'), hex(ARP_FROM_R1)); // learn R1 behind vxlan-a (br-tun table 20, br-int NORMAL)
    sent.length = 0;
    const fate = dp.receive(port('vm1'), hex(PING_TO_R1));
    expect(fate.outputs.map((o) => o.port)).toEqual(['eth0']);
    expect(toHex(sent[0].bytes)).toBe(OVS_PING_OUTER);
  });

  it('collapses br-int -> patch -> br-tun -> tunnel -> br-phy into one megaflow ending in tnl_push(...),eth0', () => {
    const { sw, dp, port } = setup();
    dp.receive(port('eth0'), hex(ARP_FROM_R1));
    dp.receive(port('vm1'), hex(PING_TO_R1));
    const actions = formatDpActions(dp.caches.lastMegaflow!.actions, (n) => sw.dpPortName(n));
    expect(actions).toBe(
      'tnl_push(tnl_port(vxlan_sys_4789),header(size=50,type=4,eth(dst=00:15:5d:bf:ba:4f,src=00:15:5d:bf:ba:50,dl_type=0x0800),ipv4(src=172.16.0.31,dst=172.16.0.11,proto=17,tos=0,ttl=64,frag=0x4000),udp(src=0,dst=4789,csum=0x0),vxlan(flags=0x8000000,vni=0x64)),out_port(br-phy)),eth0',
    );
    const before = dp.caches.stats.hits;
    dp.receive(port('vm1'), hex(PING_TO_R1));
    expect(dp.caches.stats.hits).toBe(before + 1);
  });

  it('counts a frame from a remote no tunnel port names as lost (receive tunnel port not found)', () => {
    const { dp, port } = setup();
    const fate = dp.receive(port('eth0'), fromSource(ARP_FROM_R1, [172, 16, 0, 99]));
    expect(fate.outputs).toEqual([]);
    expect(dp.caches.stats.lost).toBe(1);
    expect(dp.counters.dropReasons.get('receive tunnel port not found')).toBe(1);
  });

  it('learns the sender of a decapsulated frame as a tunnel neighbour', () => {
    const { sw, dp, port } = setup();
    dp.receive(port('eth0'), fromSource(ARP_FROM_R1, [172, 16, 0, 99]));
    expect(sw.tunnels!.underlay.showNeighbours(0)).toContain('172.16.0.99                                   00:15:5d:bf:ba:4f   br-phy');
  });

  it('leaves a frame to another UDP port alone: plain traffic to br-phy LOCAL', () => {
    const { dp, port } = setup();
    const f = hex(ARP_FROM_R1);
    f[37] = 0xb7; // UDP destination 4791
    expect(dp.receive(port('eth0'), f).outputs.map((o) => o.port)).toEqual(['br-phy']);
  });

  it('answers an ARP request for the underlay address from the host stack, out of eth0', () => {
    const { dp, sent, port } = setup();
    const req = hex('ffffffffffff00155dbfba4f0806000108000604000100155dbfba4fac10000b000000000000ac10001f');
    const fate = dp.receive(port('eth0'), req);
    expect(fate.outputs.map((o) => o.port)).toEqual(['br-phy', 'eth0']);
    expect(toHex(sent[1].bytes)).toBe('00155dbfba4f00155dbfba500806000108000604000200155dbfba50ac10001f00155dbfba4fac10000b');
  });
});
