/**
 * dpctl/dump-flows key formatting details as OVS 3.1 prints them (lib/odp-util.c), checked against lines from the
 * reference runner's expected/dpctl-flows.txt files.
 */
import { describe, expect, it } from 'vitest';
import { formatMegaflowKey } from '../../src/dpif/megaflow-format.js';
import { CtState, ETH_TYPE_ARP, ETH_TYPE_IP, ETH_TYPE_IPV6, KEY_WORDS, W } from '../../src/flow/key-layout.js';

/** A key/mask pair for an untagged frame of `dlType` with the ethertype matched exactly. */
function pair(dlType: number): { key: Uint32Array; mask: Uint32Array } {
  const key = new Uint32Array(KEY_WORDS);
  const mask = new Uint32Array(KEY_WORDS);
  key[W.DL_TYPE_VLAN] = dlType << 16;
  mask[W.DL_TYPE_VLAN] = 0xffff0000;
  return { key, mask };
}

const names = (dp: number): string => (dp === 4789 ? 'vxlan_sys_4789' : `p${dp}`);

function fmt(key: Uint32Array, mask: Uint32Array, inPort = 1): string {
  return formatMegaflowKey(key, mask, inPort, 0, names);
}

describe('megaflow keys as OVS 3.1 dpctl/dump-flows prints them', () => {
  it('prints a zero skb_mark, ct_mark and ct_label matched exactly as plain 0', () => {
    const { key, mask } = pair(ETH_TYPE_ARP);
    mask[W.PKT_MARK] = 0xffffffff;
    mask[W.CT_MARK] = 0xffffffff;
    mask.fill(0xffffffff, W.CT_LABEL, W.CT_LABEL + 4);
    expect(fmt(key, mask)).toBe('skb_mark(0),ct_mark(0),ct_label(0),recirc_id(0),in_port(p1),packet_type(ns=0,id=0),eth_type(0x0806)');
  });

  it('prints a non-zero ct_mark and ct_zone in %#x form, with a mask only when partial', () => {
    const { key, mask } = pair(ETH_TYPE_ARP);
    key[W.CT_STATE_ZONE] = 3;
    mask[W.CT_STATE_ZONE] = 0xffff;
    key[W.CT_MARK] = 0x14;
    mask[W.CT_MARK] = 0xff;
    expect(fmt(key, mask)).toContain('ct_zone(0x3),ct_mark(0x14/0xff),recirc_id(0)');
  });

  it('prints an exactly matched ct_label without its all-ones mask and a partial one with it', () => {
    const exact = pair(ETH_TYPE_ARP);
    exact.key[W.CT_LABEL + 3] = 0xa1;
    exact.mask.fill(0xffffffff, W.CT_LABEL, W.CT_LABEL + 4);
    expect(fmt(exact.key, exact.mask)).toContain('ct_label(0xa1),');
    const partial = pair(ETH_TYPE_ARP);
    partial.key[W.CT_LABEL] = 0xb2000000;
    partial.mask[W.CT_LABEL] = 0xff000000;
    expect(fmt(partial.key, partial.mask)).toContain(
      'ct_label(0xb2000000000000000000000000000000/0xff000000000000000000000000000000),',
    );
  });

  it('prints the original-direction tuple of an IPv4 connection as ct_tuple4 after ct_label', () => {
    const { key, mask } = pair(ETH_TYPE_IP);
    key[W.CT_STATE_ZONE] = (CtState.TRACKED | CtState.ESTABLISHED) << 16;
    mask[W.CT_STATE_ZONE] = (CtState.TRACKED | CtState.ESTABLISHED) << 16;
    key[W.CT_NW_SRC] = 0x0a000001;
    mask[W.CT_NW_SRC] = 0xffffffff;
    key[W.CT_NW_PROTO] = 17;
    mask[W.CT_NW_PROTO] = 0xff;
    key[W.CT_TP] = (40000 << 16) | 53;
    mask[W.CT_TP] = 0xffff;
    key[W.RECIRC_ID] = 2;
    expect(fmt(key, mask)).toMatch(/^ct_state\(\+est\+trk\),ct_tuple4\(src=10\.0\.0\.1,proto=17,tp_dst=53\),recirc_id\(0x2\),/);
  });

  it('prints an IPv6 original-direction tuple as ct_tuple6 with src_port/dst_port names', () => {
    const { key, mask } = pair(ETH_TYPE_IPV6);
    key[W.CT_IPV6_DST + 3] = 1;
    mask.fill(0xffffffff, W.CT_IPV6_DST, W.CT_IPV6_DST + 4);
    key[W.CT_NW_PROTO] = 6;
    mask[W.CT_NW_PROTO] = 0xff;
    key[W.CT_TP] = (1234 << 16) | 80;
    mask[W.CT_TP] = 0xffff;
    expect(fmt(key, mask)).toContain('ct_tuple6(dst=::1,proto=6,dst_port=80),');
  });

  it('leaves ct_tuple4 out while the key holds no conntrack protocol', () => {
    const { key, mask } = pair(ETH_TYPE_IP);
    mask[W.CT_NW_SRC] = 0xffffffff;
    expect(fmt(key, mask)).not.toContain('ct_tuple4');
  });

  it("prints a decapsulated VXLAN packet's tunnel as tun_id, src, dst and flags, leaving a zero tos out", () => {
    const { key, mask } = pair(ETH_TYPE_ARP);
    key[W.TUN_ID + 1] = 0x64;
    key[W.TUN_SRC] = 0xac10000b; // 172.16.0.11
    key[W.TUN_DST] = 0xac10001f; // 172.16.0.31
    key[W.TUN_FLAGS_TOS_TTL] = (0x8 << 16) | 64; // key flag, tos 0, ttl 64
    mask.fill(0xffffffff, W.TUN_ID, W.TUN_DST + 1);
    mask[W.TUN_FLAGS_TOS_TTL] = (0xe << 16) | 0xff00;
    expect(fmt(key, mask, 4789)).toBe(
      'tunnel(tun_id=0x64,src=172.16.0.11,dst=172.16.0.31,flags(-df-csum+key)),recirc_id(0),in_port(vxlan_sys_4789),' +
        'packet_type(ns=0,id=0),eth_type(0x0806)',
    );
  });

  it('prints a non-zero tunnel tos before the flags', () => {
    const { key, mask } = pair(ETH_TYPE_ARP);
    key[W.TUN_ID + 1] = 0x64;
    key[W.TUN_DST] = 0xac10001f;
    key[W.TUN_FLAGS_TOS_TTL] = (0x8 << 16) | (0x3 << 8);
    mask.fill(0xffffffff, W.TUN_ID, W.TUN_DST + 1);
    mask[W.TUN_FLAGS_TOS_TTL] = (0xe << 16) | 0xff00;
    expect(fmt(key, mask, 4789)).toContain('dst=172.16.0.31,tos=0x3,flags(-df-csum+key))');
  });

  it('prints an IPv6 tunnel with ipv6_src/ipv6_dst and no IPv4 addresses', () => {
    const { key, mask } = pair(ETH_TYPE_ARP);
    key[W.TUN_ID + 1] = 0x64;
    key[W.TUN_IPV6_SRC] = 0xfd000000;
    key[W.TUN_IPV6_SRC + 3] = 0x11;
    key[W.TUN_IPV6_DST] = 0xfd000000;
    key[W.TUN_IPV6_DST + 3] = 0x31;
    key[W.TUN_FLAGS_TOS_TTL] = (0xc << 16) | 64; // csum + key
    mask.fill(0xffffffff, W.TUN_ID, W.TUN_ID + 2);
    mask.fill(0xffffffff, W.TUN_IPV6_SRC, W.TUN_IPV6_DST + 4);
    mask[W.TUN_FLAGS_TOS_TTL] = (0xe << 16) | 0xff00;
    expect(fmt(key, mask, 4789)).toMatch(/^tunnel\(tun_id=0x64,ipv6_src=fd00::11,ipv6_dst=fd00::31,flags\(-df\+csum\+key\)\),/);
  });
});
