/**
 * Tunnel neighbour snooping (OVS terminate_native_tunnel -> tnl_neigh_snoop) on the vxlan-underlay switch: frames
 * that br-phy delivers to its LOCAL port (which holds 172.16.0.31) and that are not tunnel traffic teach the tunnel
 * neighbour cache when they are ARP replies to us or gratuitous ARPs, and the megaflow matches exactly the fields
 * OVS's checks read, so that a cached flow snoops (or not) as a fresh translation would.
 */
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/base/clock.js';
import { buildSwitch } from '../../src/control/build-switch.js';
import { Datapath } from '../../src/dpif/datapath.js';
import { W } from '../../src/flow/key-layout.js';
import { loadTopologyJson } from '../../src/io/topology.js';

const SCENARIO = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'conformance', 'scenarios', 'vxlan-underlay');
const hex = (s: string): Uint8Array => Uint8Array.from(s.match(/../g)!.map((b) => parseInt(b, 16)));

/** An ARP frame: Ethernet destination and source, opcode, sender MAC and address, target MAC and address (hex). */
function arp(dst: string, src: string, op: number, sha: string, spa: string, tha: string, tpa: string): Uint8Array {
  return hex(`${dst}${src}0806000108000604000${op}${sha}${spa}${tha}${tpa}`);
}

function setup() {
  const sw = buildSwitch(loadTopologyJson(SCENARIO), { nowMs: 0 });
  const dp = new Datapath(sw, new ManualClock(0), { transmit: () => 0 });
  const eth0 = sw.portByName('eth0')!;
  /** Receives `frame` on eth0 and returns the mask of the megaflow it installed there (a host reply may follow). */
  const send = (frame: Uint8Array): Uint32Array => {
    dp.receive(eth0, frame);
    const mfs = dp.caches.table.all().filter((m) => m.dpInPort === eth0.dpPort);
    expect(mfs).toHaveLength(1);
    return mfs[0].mask;
  };
  const neighbours = (): string => sw.tunnels!.underlay.showNeighbours(0);
  return { send, neighbours };
}

const matchesSha = (mask: Uint32Array): boolean => mask[W.ARP_SHA] === 0xffff && mask[W.ARP_SHA + 1] === 0xffffffff;
const matchesAddrs = (mask: Uint32Array): boolean => mask[W.NW_SRC] === 0xffffffff && mask[W.NW_DST] === 0xffffffff;

describe('tunnel neighbour snooping on the underlay bridge', () => {
  it('a gratuitous ARP teaches its sender and its megaflow matches both addresses and the sender MAC', () => {
    const { send, neighbours } = setup();
    const mask = send(arp('ffffffffffff', '00155dbfba88', 1, '00155dbfba88', 'ac10000d', '000000000000', 'ac10000d'));
    expect(neighbours()).toMatch(/172\.16\.0\.13 +00:15:5d:bf:ba:88 +br-phy/);
    expect(matchesAddrs(mask)).toBe(true);
    expect(matchesSha(mask)).toBe(true);
  });

  it('an ARP reply to our address teaches its sender', () => {
    const { send, neighbours } = setup();
    const mask = send(arp('00155dbfba50', '00155dbfba44', 2, '00155dbfba44', 'ac100014', '00155dbfba50', 'ac10001f'));
    expect(neighbours()).toMatch(/172\.16\.0\.20 +00:15:5d:bf:ba:44 +br-phy/);
    expect(mask[W.NW] >>> 24).toBe(0xff); // the opcode
    expect(matchesSha(mask)).toBe(true);
  });

  it('an ARP request to our address teaches nothing, and its megaflow leaves the sender MAC wildcarded', () => {
    const { send, neighbours } = setup();
    const before = neighbours();
    const mask = send(arp('ffffffffffff', '00155dbfba4f', 1, '00155dbfba4f', 'ac10000b', '000000000000', 'ac10001f'));
    expect(neighbours()).toBe(before);
    expect(matchesAddrs(mask)).toBe(true);
    expect(matchesSha(mask)).toBe(false);
  });

  it('an ARP reply to another address teaches nothing (it is not for this bridge)', () => {
    const { send, neighbours } = setup();
    const before = neighbours();
    const mask = send(arp('ffffffffffff', '00155dbfba44', 2, '00155dbfba44', 'ac100014', '00155dbfba45', 'ac10004d'));
    expect(neighbours()).toBe(before);
    expect(matchesSha(mask)).toBe(false);
  });

  // Neighbour advertisements for fd00::22 (target link-layer address 00:15:5d:bf:ba:47), built with scapy.
  const NA_TO_US =
    '00155dbfba5000155dbfba4786dd6000000000203afffd000000000000000000000000000022fd0000000000000000000000000000318800061060000000fd000000000000000000000000000022020100155dbfba47';
  const NA_TO_OUR_SOLICITED_NODE_GROUP =
    '3333ff00003100155dbfba4786dd6000000000203afffd000000000000000000000000000022ff0200000000000000000001ff0000318800050c60000000fd000000000000000000000000000022020100155dbfba47';

  it('a neighbour advertisement to our IPv6 address teaches target -> TLL, matching addresses, target and TLL', () => {
    const { send, neighbours } = setup();
    const mask = send(hex(NA_TO_US));
    expect(neighbours()).toMatch(/fd00::22 +00:15:5d:bf:ba:47 +br-phy/);
    for (const w of [W.IPV6_SRC, W.IPV6_DST, W.ND_TARGET]) expect([...mask.subarray(w, w + 4)]).toEqual([0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff]);
    expect([mask[W.ARP_THA], mask[W.ARP_THA + 1]]).toEqual([0xffff, 0xffffffff]);
    expect(mask[W.TP]).toBe(0x00ff00ff); // ICMPv6 type and code, 8 bits each in a datapath key
  });

  it("a neighbour advertisement to our address's solicited-node group teaches it too", () => {
    const { send, neighbours } = setup();
    send(hex(NA_TO_OUR_SOLICITED_NODE_GROUP));
    expect(neighbours()).toMatch(/fd00::22 +00:15:5d:bf:ba:47 +br-phy/);
  });
});
