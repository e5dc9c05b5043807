/**
 * Header rewrites with checksum fix-ups, as conntrack's NAT does them (OVS lib/packets.c: packet_set_ipv4_addr,
 * packet_set_ipv6_addr with packet_update_csum128, packet_set_tcp_port, packet_set_udp_port).
 *
 * All offsets are absolute; `l4Size` is the bytes from the L4 header to the end of the datagram (padding excluded),
 * which decides, as in OVS, whether an L4 checksum is touched at all: TCP needs 20 bytes, UDP 8 (and a non-zero
 * checksum, which must never become 0), ICMPv6 4. Which L4 checksum an address change adjusts is decided by `proto`:
 * for IPv4 the header's own protocol, for IPv6 the caller's (OVS passes the connection's protocol, even for the outer
 * header of an ICMPv6 error, and we do the same).
 *
 * Incremental updates (RFC 1624) only: a wrong checksum stays exactly as wrong.
 */

import { rd16, rd32, wr16, wr32 } from '../packet/bytes.js';
import { csumUpdate16, csumUpdate32 } from '../packet/checksum.js';

const IPPROTO_TCP = 6;
const IPPROTO_UDP = 17;
const IPPROTO_ICMPV6 = 58;

/** Sets the IPv4 address at `addrOff` (inside the header at `l3`) to `addr`, fixing IP and L4 checksums. */
export function setIpv4Addr(buf: Uint8Array, l3: number, l4: number, l4Size: number, addrOff: number, addr: number): void {
  const old = rd32(buf, addrOff);
  if (old === addr >>> 0) return;
  const proto = buf[l3 + 9];
  if (proto === IPPROTO_TCP && l4Size >= 20) {
    wr16(buf, l4 + 16, csumUpdate32(rd16(buf, l4 + 16), old, addr));
  } else if (proto === IPPROTO_UDP && l4Size >= 8) {
    const c = rd16(buf, l4 + 6);
    if (c !== 0) {
      const n = csumUpdate32(c, old, addr);
      wr16(buf, l4 + 6, n === 0 ? 0xffff : n);
    }
  }
  wr16(buf, l3 + 10, csumUpdate32(rd16(buf, l3 + 10), old, addr));
  wr32(buf, addrOff, addr);
}

/** Sets the 16-byte IPv6 address at `addrOff` to the words `w[wb..wb+4)`, fixing the L4 checksum `proto` names. */
export function setIpv6Addr(
  buf: Uint8Array,
  proto: number,
  l4: number,
  l4Size: number,
  addrOff: number,
  w: Uint32Array | Int32Array,
  wb: number,
): void {
  let csumOff = -1;
  let isUdp = false;
  if (proto === IPPROTO_TCP && l4Size >= 20) csumOff = l4 + 16;
  else if (proto === IPPROTO_UDP && l4Size >= 8) {
    if (rd16(buf, l4 + 6) !== 0) csumOff = l4 + 6;
    isUdp = true;
  } else if (proto === IPPROTO_ICMPV6 && l4Size >= 4) csumOff = l4 + 2;
  let c = csumOff >= 0 ? rd16(buf, csumOff) : 0;
  for (let i = 0; i < 4; i++) {
    const old = rd32(buf, addrOff + 4 * i);
    const nw = w[wb + i] >>> 0;
    if (csumOff >= 0) c = csumUpdate32(c, old, nw);
    wr32(buf, addrOff + 4 * i, nw);
  }
  if (csumOff >= 0) wr16(buf, csumOff, isUdp && c === 0 ? 0xffff : c);
}

/** packet_set_port: one port and the checksum at `csumOff` (skipped when that lies beyond `end`). */
function setPort(buf: Uint8Array, portOff: number, port: number, csumOff: number, end: number): void {
  const old = rd16(buf, portOff);
  if (old === port) return;
  if (csumOff + 2 <= end) wr16(buf, csumOff, csumUpdate16(rd16(buf, csumOff), old, port));
  wr16(buf, portOff, port);
}

/** packet_set_tcp_port. `end` is the end of the frame: OVS writes the checksum wherever it lies in the buffer. */
export function setTcpPorts(buf: Uint8Array, l4: number, end: number, src: number, dst: number): void {
  setPort(buf, l4, src, l4 + 16, end);
  setPort(buf, l4 + 2, dst, l4 + 16, end);
}

/** packet_set_udp_port: a zero (absent) checksum stays zero, a computed zero becomes 0xffff. */
export function setUdpPorts(buf: Uint8Array, l4: number, src: number, dst: number): void {
  if (rd16(buf, l4 + 6) !== 0) {
    setPort(buf, l4, src, l4 + 6, l4 + 8);
    setPort(buf, l4 + 2, dst, l4 + 6, l4 + 8);
    if (rd16(buf, l4 + 6) === 0) wr16(buf, l4 + 6, 0xffff);
  } else {
    wr16(buf, l4, src);
    wr16(buf, l4 + 2, dst);
  }
}
