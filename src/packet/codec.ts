/**
 * The uniform codec shape, dns-packet style: every header's Repr has `parse`, `emit` and `length`, and this table
 * lists them so generic code (the round-trip test, a packet printer, fuzzers) can treat all headers alike.
 *
 *   parse(buf, off, end) -> Repr, or a Status code (never OK) when the header cannot be decoded
 *   emit(repr, buf, off) -> bytes written, always equal to length(repr); the caller sizes the buffer
 *   length(repr)         -> bytes emit will write
 *
 * IPv6 extension headers are the one codec whose parse needs context (the previous header names the type), so they
 * appear here with the type taken from the Repr's own `type` on emit and passed in on parse.
 */

import { emitArp, arpLength, parseArp, type ArpRepr } from './arp.js';
import { emitEthernet, ethernetLength, parseEthernet, type EthernetRepr } from './ethernet.js';
import { emitIcmp, icmpLength, parseIcmp, type IcmpRepr } from './icmp.js';
import { emitIcmpv6, icmpv6Length, parseIcmpv6, type Icmpv6Repr } from './icmpv6.js';
import { emitIpv4, ipv4Length, parseIpv4, type Ipv4Repr } from './ipv4.js';
import {
  emitIpv6,
  emitIpv6Ext,
  ipv6ExtLength,
  ipv6Length,
  parseIpv6,
  parseIpv6Ext,
  type Ipv6ExtRepr,
  type Ipv6Repr,
} from './ipv6.js';
import { emitSctp, parseSctp, sctpLength, type SctpRepr } from './sctp.js';
import type { StatusCode } from './status.js';
import { emitTcp, parseTcp, tcpLength, type TcpRepr } from './tcp.js';
import { emitUdp, parseUdp, udpLength, type UdpRepr } from './udp.js';
import { emitVlan, parseVlan, vlanLength, type VlanRepr } from './vlan.js';
import { emitVxlan, parseVxlan, vxlanLength, type VxlanRepr } from './vxlan.js';

export interface Codec<R> {
  readonly name: string;
  parse(buf: Uint8Array, off: number, end: number): R | StatusCode;
  emit(repr: R, buf: Uint8Array, off: number): number;
  length(repr: R): number;
}

function codec<R>(
  name: string,
  parse: Codec<R>['parse'],
  emit: Codec<R>['emit'],
  length: Codec<R>['length'],
): Codec<R> {
  return Object.freeze({ name, parse, emit, length });
}

export const ethernetCodec = codec<EthernetRepr>('ethernet', parseEthernet, emitEthernet, ethernetLength);
export const vlanCodec = codec<VlanRepr>('vlan', parseVlan, emitVlan, vlanLength);
export const arpCodec = codec<ArpRepr>('arp', parseArp, emitArp, arpLength);
export const ipv4Codec = codec<Ipv4Repr>('ipv4', parseIpv4, emitIpv4, ipv4Length);
export const ipv6Codec = codec<Ipv6Repr>('ipv6', parseIpv6, emitIpv6, ipv6Length);
export const icmpCodec = codec<IcmpRepr>('icmp', parseIcmp, emitIcmp, icmpLength);
export const icmpv6Codec = codec<Icmpv6Repr>('icmpv6', parseIcmpv6, emitIcmpv6, icmpv6Length);
export const tcpCodec = codec<TcpRepr>('tcp', parseTcp, emitTcp, tcpLength);
export const udpCodec = codec<UdpRepr>('udp', parseUdp, emitUdp, udpLength);
export const sctpCodec = codec<SctpRepr>('sctp', parseSctp, emitSctp, sctpLength);
export const vxlanCodec = codec<VxlanRepr>('vxlan', parseVxlan, emitVxlan, vxlanLength);

/** An extension-header codec bound to one next-header value, so it fits the uniform shape (others: UNSUPPORTED). */
export function ipv6ExtCodec(type: number): Codec<Ipv6ExtRepr> {
  return codec<Ipv6ExtRepr>(
    `ipv6-ext-${type}`,
    (buf, off, end) => parseIpv6Ext(buf, off, end, type),
    emitIpv6Ext,
    ipv6ExtLength,
  );
}
