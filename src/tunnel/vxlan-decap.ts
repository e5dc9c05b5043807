/**
 * VXLAN decapsulation as OVS's userspace tnl_pop does it (netdev_vxlan_pop_header and the helpers it calls in
 * lib/netdev-native-tnl.c, OVS 3.1).
 *
 * What? `tnl_pop(port)` runs on a frame the underlay bridge found addressed to one of our tunnel endpoints. It
 * checks the outer headers, records them as tunnel metadata (the flow key's TUN_* words) and strips them, leaving
 * the inner Ethernet frame, which the datapath then sends through its caches again with in_port = the tunnel port.
 * Anything wrong drops the packet with a counted reason, never an exception:
 *
 *   IPv4: header checksum must verify; total length must fit the frame; no options (IHL 5 only).
 *   IPv6: extension headers are allowed (the UDP header is wherever extract found it).
 *   UDP: room for UDP + VXLAN; a nonzero checksum must verify (and sets the `csum` tunnel flag).
 *   VXLAN: flags must be exactly I (0x08) and the byte after the VNI zero. A VXLAN-GPE header (P bit) is accepted
 *   too, as OVS accepts it on any VXLAN port: OAM packets are dropped, and only an Ethernet payload can be carried
 *   here (OVS would hand IPv4/IPv6/NSH payloads to an L3 pipeline flowlab does not model: counted as unsupported).
 *
 * Tunnel metadata written: tun_id (the VNI), tun_src/tun_dst (or tun_ipv6_src/dst), tun_tos, tun_ttl, and tun_flags
 * = key (+csum). OVS 3.1's userspace decap does not report DF (the `df` flag stays clear, as its megaflows show:
 * `flags(-df-csum+key)` for a DF-marked packet).
 */

import { W } from '../flow/key-layout.js';
import { onesSum, finishChecksum, pseudoSum } from '../packet/checksum.js';

/** tun_flags bits (FLOW_TNL_F_*). Only OAM is visible to OpenFlow; the rest are datapath-internal. */
export const TNL_F_OAM = 0x1;
export const TNL_F_DONT_FRAGMENT = 0x2;
export const TNL_F_CSUM = 0x4;
export const TNL_F_KEY = 0x8;

/** Why a tnl_pop dropped the packet; 0 = it did not. Indexes DECAP_DROP_NAMES. */
export const enum DecapDrop {
  NONE = 0,
  NOT_IP = 1,
  TOO_SHORT = 2,
  BAD_IP_CHECKSUM = 3,
  IP_TRUNCATED = 4,
  IP_OPTIONS = 5,
  BAD_UDP_CHECKSUM = 6,
  BAD_VXLAN_FLAGS = 7,
  GPE_OAM = 8,
  GPE_NOT_ETHERNET = 9,
}

export const DECAP_DROP_NAMES: readonly string[] = [
  'none',
  'tunnel pop: not an IP packet',
  'tunnel pop: too short for UDP and VXLAN headers',
  'tunnel pop: ip packet has invalid checksum',
  'tunnel pop: ip packet is truncated',
  'tunnel pop: ip options not supported on tunnel packets',
  'tunnel pop: bad UDP checksum',
  'tunnel pop: invalid vxlan flags',
  'tunnel pop: VXLAN-GPE OAM packet',
  'tunnel pop: VXLAN-GPE payload is not Ethernet (unsupported)',
];

const VXLAN_HLEN = 16; // UDP + VXLAN
const GPE_P = 0x04;
const GPE_O = 0x01;
const GPE_NP_ETHERNET = 3;

/**
 * Validates and strips the outer headers of the frame `buf[start..start+len)` whose network and transport headers
 * extract found at `start+l3` and `start+l4`. On success fills the tunnel words of `md` (clearing the old ones) and
 * returns the number of bytes to strip from the front (> 0); on failure returns -DecapDrop (md's tunnel words are
 * then unspecified).
 */
export function popVxlan(buf: Uint8Array, start: number, len: number, l3: number, l4: number, md: Uint32Array): number {
  md.fill(0, W.TUN_ID, W.TUN_FLAGS_TOS_TTL + 1);
  if (l3 < 0 || l4 < 0) return -DecapDrop.NOT_IP;
  if (len - l4 < VXLAN_HLEN) return -DecapDrop.TOO_SHORT;
  const ip = start + l3;
  const ver = buf[ip] >>> 4;
  let tos: number;
  let ttl: number;
  let hlen: number;
  if (ver === 4) {
    const ihl = (buf[ip] & 0x0f) * 4;
    if (finishChecksum(onesSum(buf, ip, ip + ihl)) !== 0) return -DecapDrop.BAD_IP_CHECKSUM;
    if (((buf[ip + 2] << 8) | buf[ip + 3]) > len - l3) return -DecapDrop.IP_TRUNCATED;
    if (ihl > 20) return -DecapDrop.IP_OPTIONS;
    md[W.TUN_SRC] = word(buf, ip + 12);
    md[W.TUN_DST] = word(buf, ip + 16);
    tos = buf[ip + 1];
    ttl = buf[ip + 8];
    hlen = l3 + 20;
  } else if (ver === 6) {
    for (let i = 0; i < 4; i++) {
      md[W.TUN_IPV6_SRC + i] = word(buf, ip + 8 + i * 4);
      md[W.TUN_IPV6_DST + i] = word(buf, ip + 24 + i * 4);
    }
    tos = (word(buf, ip) >>> 20) & 0xff;
    ttl = buf[ip + 7];
    hlen = l4;
  } else {
    return -DecapDrop.NOT_IP;
  }
  const udp = start + l4;
  let flags = 0;
  if (buf[udp + 6] !== 0 || buf[udp + 7] !== 0) {
    const udpLen = start + len - udp;
    if (finishChecksum(onesSum(buf, udp, udp + udpLen, pseudoSum(buf, ip, 17, udpLen))) !== 0) {
      return -DecapDrop.BAD_UDP_CHECKSUM;
    }
    flags |= TNL_F_CSUM;
  }
  const vx = udp + 8;
  let vflags = word(buf, vx);
  if (vflags & (GPE_P << 24)) {
    // GPE: version, P, O and the next-protocol byte are its own; the rest must look like plain VXLAN.
    vflags = (vflags & ~(0x30000000 | 0x04000000 | 0x01000000 | 0xff)) >>> 0;
    if (buf[vx] & GPE_O) return -DecapDrop.GPE_OAM;
    const np = buf[vx + 3];
    if (np !== GPE_NP_ETHERNET) return np >= 1 && np <= 4 ? -DecapDrop.GPE_NOT_ETHERNET : -DecapDrop.BAD_VXLAN_FLAGS;
  }
  if (vflags !== 0x08000000 || buf[vx + 7] !== 0) return -DecapDrop.BAD_VXLAN_FLAGS;
  md[W.TUN_ID] = 0;
  md[W.TUN_ID + 1] = word(buf, vx + 4) >>> 8;
  flags |= TNL_F_KEY;
  md[W.TUN_FLAGS_TOS_TTL] = ((flags << 16) | (tos << 8) | ttl) >>> 0;
  return hlen + VXLAN_HLEN;
}

function word(b: Uint8Array, o: number): number {
  return ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
}
