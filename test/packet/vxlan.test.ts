import { describe, expect, it } from 'vitest';
import {
  checkVxlan,
  emitVxlan,
  EthLayout,
  ethWalk,
  EthType,
  parseVxlan,
  Status,
  udpDstPort,
  VXLAN_FLAG_I,
  VXLAN_UDP_PORT,
  vxlanFlags,
  vxlanInnerOffset,
  vxlanLength,
  vxlanVni,
  type VxlanRepr,
} from '../../src/packet/index.js';
import { hex, toHex } from './pcap.js';
import { VXLAN_ARP } from './samples.js';

// vxlan_icmp_arp.pcap frame 1: outer IPv4 at 14, UDP at 34 (dst 12b5 = 4789), VXLAN at 42: 0800 0000 0000 7b00.
const VX = 42;

describe('VXLAN', () => {
  it('sits behind UDP port 4789', () => {
    expect(udpDstPort(VXLAN_ARP, 34)).toBe(VXLAN_UDP_PORT);
  });

  it('reads the I flag and the 24-bit VNI', () => {
    expect(vxlanFlags(VXLAN_ARP, VX)).toBe(VXLAN_FLAG_I);
    expect(vxlanVni(VXLAN_ARP, VX)).toBe(123);
  });

  it('carries an inner Ethernet frame right after the header', () => {
    const inner = vxlanInnerOffset(VX);
    const l = new EthLayout();
    expect(ethWalk(VXLAN_ARP, inner, VXLAN_ARP.length, l)).toBe(Status.OK);
    expect(l.ethertype).toBe(EthType.ARP);
  });

  it('checks OK for exactly the I flag and a zero reserved byte', () => {
    expect(checkVxlan(VXLAN_ARP, VX, VXLAN_ARP.length)).toBe(Status.OK);
  });

  it('rejects a missing I flag, other flag bits, or a non-zero byte after the VNI, as OVS does', () => {
    expect(checkVxlan(hex('0000 0000 0000 7b00'), 0, 8)).toBe(Status.BAD_FLAGS);
    expect(checkVxlan(hex('0c00 0000 0000 7b00'), 0, 8)).toBe(Status.BAD_FLAGS);
    expect(checkVxlan(hex('0800 0001 0000 7b00'), 0, 8)).toBe(Status.BAD_FLAGS);
    expect(checkVxlan(hex('0800 0000 0000 7b01'), 0, 8)).toBe(Status.BAD_FLAGS);
  });

  it('is TRUNCATED below 8 bytes', () => {
    expect(checkVxlan(VXLAN_ARP, VX, VX + 7)).toBe(Status.TRUNCATED);
  });

  it('parses and emits the captured header back', () => {
    const r = parseVxlan(VXLAN_ARP, VX, VXLAN_ARP.length) as VxlanRepr;
    expect(r).toEqual({ flags: VXLAN_FLAG_I, vni: 123 });
    const out = new Uint8Array(vxlanLength(r));
    emitVxlan(r, out, 0);
    expect(toHex(out)).toBe(toHex(VXLAN_ARP.subarray(VX, VX + 8)));
  });

  it('parses a header with bad flags so tools can show it', () => {
    expect(parseVxlan(hex('0c00 0000 00ff ff00'), 0, 8)).toEqual({ flags: 0x0c, vni: 0xffff });
  });
});
