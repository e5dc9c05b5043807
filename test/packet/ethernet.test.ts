import { describe, expect, it } from 'vitest';
import {
  checkEthernet,
  checkVlan,
  emitEthernet,
  EthLayout,
  ethDstHi,
  ethDstLo,
  ethernetLength,
  ethIsLength,
  ethIsMulticast,
  ethLlcSnapType,
  ethSrcHi,
  ethSrcLo,
  ethType,
  ethWalk,
  EthType,
  macFromString,
  macToString,
  makeTci,
  parseEthernet,
  parseVlan,
  setVlanTci,
  Status,
  vlanDei,
  vlanPcp,
  vlanTci,
  vlanTpid,
  vlanVid,
  type EthernetRepr,
} from '../../src/packet/index.js';
import { hex, toHex } from './pcap.js';
import { ARP_REQUEST, QINQ_ARP, VLAN_ICMP_ECHO } from './samples.js';

describe('Ethernet accessors', () => {
  it('read destination and source as 16+32-bit halves', () => {
    expect(ethDstHi(ARP_REQUEST, 0)).toBe(0xffff);
    expect(ethDstLo(ARP_REQUEST, 0)).toBe(0xffffffff);
    expect(ethSrcHi(ARP_REQUEST, 0)).toBe(0x000d);
    expect(ethSrcLo(ARP_REQUEST, 0)).toBe(0x549c5c0b);
  });

  it('read the EtherType', () => {
    expect(ethType(ARP_REQUEST, 0)).toBe(EthType.ARP);
  });

  it('flag broadcast and multicast destinations by the group bit', () => {
    expect(ethIsMulticast(ARP_REQUEST, 0)).toBe(true);
    expect(ethIsMulticast(VLAN_ICMP_ECHO, 0)).toBe(false);
  });

  it('treat values below 0x0600 as an 802.3 length', () => {
    expect(ethIsLength(0x05dc)).toBe(true);
    expect(ethIsLength(EthType.IPV4)).toBe(false);
  });
});

describe('Ethernet check', () => {
  it('says TRUNCATED below 14 bytes and OK at 14', () => {
    expect(checkEthernet(ARP_REQUEST, 0, 13)).toBe(Status.TRUNCATED);
    expect(checkEthernet(ARP_REQUEST, 0, 14)).toBe(Status.OK);
  });
});

describe('Ethernet Repr', () => {
  it('parses an untagged frame', () => {
    const r = parseEthernet(ARP_REQUEST, 0, ARP_REQUEST.length) as EthernetRepr;
    expect(macToString(r.dst)).toBe('ff:ff:ff:ff:ff:ff');
    expect(macToString(r.src)).toBe('00:0d:54:9c:5c:0b');
    expect(r.vlans).toEqual([]);
    expect(r.ethertype).toBe(EthType.ARP);
  });

  it('parses an 802.1ad + 802.1Q stack into tags outermost first', () => {
    // qinq_8021ad_arp.pcap frame 1: 88a8 00c8 (S-VID 200), 8100 07d1 (C-VID 2001), then ARP.
    const r = parseEthernet(QINQ_ARP, 0, QINQ_ARP.length) as EthernetRepr;
    expect(r.vlans).toEqual([
      { tpid: EthType.QINQ, tci: 200 },
      { tpid: EthType.VLAN, tci: 2001 },
    ]);
    expect(r.ethertype).toBe(EthType.ARP);
    expect(ethernetLength(r)).toBe(22);
  });

  it('emits the same bytes it parsed, tags included', () => {
    const r = parseEthernet(QINQ_ARP, 0, QINQ_ARP.length) as EthernetRepr;
    const out = new Uint8Array(ethernetLength(r));
    expect(emitEthernet(r, out, 0)).toBe(22);
    expect(toHex(out)).toBe(toHex(QINQ_ARP.subarray(0, 22)));
  });

  it('reports a tag cut before the EtherType that follows it as TRUNCATED', () => {
    expect(parseEthernet(QINQ_ARP, 0, 19)).toBe(Status.TRUNCATED);
  });
});

describe('VLAN tags', () => {
  // vlan_dot1q_icmp_arp.pcap frame 5: 8100 007b -> PCP 0, DEI 0, VID 123.
  it('read TPID, TCI, PCP, DEI and VID at the tag offset', () => {
    expect(vlanTpid(VLAN_ICMP_ECHO, 12)).toBe(EthType.VLAN);
    expect(vlanTci(VLAN_ICMP_ECHO, 12)).toBe(0x007b);
    expect(vlanVid(VLAN_ICMP_ECHO, 12)).toBe(123);
    expect(vlanPcp(VLAN_ICMP_ECHO, 12)).toBe(0);
    expect(vlanDei(VLAN_ICMP_ECHO, 12)).toBe(false);
  });

  it('pack PCP, DEI and VID into a TCI', () => {
    const tci = makeTci(7, true, 0xabc);
    expect(tci).toBe(0xfabc);
    const b = new Uint8Array(4);
    setVlanTci(b, 0, tci);
    expect(vlanPcp(b, 0)).toBe(7);
    expect(vlanDei(b, 0)).toBe(true);
    expect(vlanVid(b, 0)).toBe(0xabc);
  });

  it('parse as a single-tag codec', () => {
    expect(parseVlan(VLAN_ICMP_ECHO, 12, VLAN_ICMP_ECHO.length)).toEqual({ tpid: 0x8100, tci: 123 });
    expect(checkVlan(VLAN_ICMP_ECHO, 12, 15)).toBe(Status.TRUNCATED);
  });
});

describe('ethWalk', () => {
  const layout = new EthLayout();

  it('finds the L3 offset of an untagged frame', () => {
    expect(ethWalk(ARP_REQUEST, 0, ARP_REQUEST.length, layout)).toBe(Status.OK);
    expect(layout).toMatchObject({ tags: 0, ethertype: EthType.ARP, l3Offset: 14 });
  });

  it('steps over one 802.1Q tag', () => {
    expect(ethWalk(VLAN_ICMP_ECHO, 0, VLAN_ICMP_ECHO.length, layout)).toBe(Status.OK);
    expect(layout).toMatchObject({ tags: 1, ethertype: EthType.IPV4, l3Offset: 18 });
  });

  it('steps over 802.1ad then 802.1Q', () => {
    expect(ethWalk(QINQ_ARP, 0, QINQ_ARP.length, layout)).toBe(Status.OK);
    expect(layout).toMatchObject({ tags: 2, ethertype: EthType.ARP, l3Offset: 22 });
  });

  it('reports TRUNCATED with the tags it completed when the frame ends inside the stack', () => {
    expect(ethWalk(QINQ_ARP, 0, 20, layout)).toBe(Status.TRUNCATED);
    expect(layout.tags).toBe(1);
    expect(layout.ethertype).toBe(0);
  });

  it('stops at ETH_MAX_TAGS and leaves deeper tags as the payload', () => {
    const f = new Uint8Array(12 + 4 * 10 + 2);
    for (let i = 0; i < 10; i++) {
      f[12 + 4 * i] = 0x81;
      f[12 + 4 * i + 1] = 0x00;
    }
    expect(ethWalk(f, 0, f.length, layout)).toBe(Status.OK);
    expect(layout.tags).toBe(8);
    expect(layout.ethertype).toBe(0x8100);
  });
});

describe('802.3 LLC/SNAP', () => {
  it('gives the SNAP EtherType when the OUI is zero', () => {
    // DSAP AA, SSAP AA, control 03, OUI 000000, type 0800.
    expect(ethLlcSnapType(hex('aaaa030000000800'), 0, 8)).toBe(0x0800);
  });

  it('gives -1 for plain LLC (STP: 42 42 03), a vendor OUI, or a short payload', () => {
    expect(ethLlcSnapType(hex('424203000000'), 0, 6)).toBe(-1);
    expect(ethLlcSnapType(hex('aaaa0300000c2000'), 0, 8)).toBe(-1);
    expect(ethLlcSnapType(hex('aaaa03000000'), 0, 6)).toBe(-1);
  });
});

describe('MAC setters', () => {
  it('write addresses in place from a 6-byte array', () => {
    const f = ARP_REQUEST.slice();
    const r = parseEthernet(f, 0, f.length) as EthernetRepr;
    r.src = macFromString('02:00:00:00:00:99');
    emitEthernet(r, f, 0);
    expect(macToString(f, 6)).toBe('02:00:00:00:00:99');
  });
});
