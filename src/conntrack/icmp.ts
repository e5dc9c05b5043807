/**
 * ICMP and ICMPv6 echo tracking (OVS 3.1 lib/conntrack-icmp.c).
 *
 * A "connection" is an echo (or timestamp, or information) exchange, keyed by the identifier. It is `+new` until a
 * reply is seen; the first reply moves it to REPLY, which shortens its timeout (60 s first, 30 s after a reply).
 * Only requests may create one: echo, information and timestamp requests for ICMPv4, echo request for ICMPv6. ICMP
 * errors never reach here: they are related to the connection they quote (conn-key.ts).
 *
 * State: one word of the record's protocol area, 0 = FIRST, 1 = REPLY.
 */

import { CtUpdate } from './tcp.js';
import { CtTimeout } from './timeouts.js';

const FIRST = 0;
const REPLY = 1;

export function icmpValidNew(v6: boolean, type: number): boolean {
  return v6 ? type === 128 : type === 8 || type === 15 || type === 13;
}

export function icmpNewConn(s: Int32Array, base: number): CtTimeout {
  s[base] = FIRST;
  return CtTimeout.ICMP_FIRST;
}

/** Returns CtUpdate | (CtTimeout + 1) << 4, as tcpConnUpdate does. */
export function icmpConnUpdate(s: Int32Array, base: number, reply: boolean): number {
  let res = CtUpdate.VALID;
  if (reply && s[base] === FIRST) s[base] = REPLY;
  else if (s[base] === FIRST) res = CtUpdate.VALID_NEW;
  const tm = s[base] === FIRST ? CtTimeout.ICMP_FIRST : CtTimeout.ICMP_REPLY;
  return res | ((tm + 1) << 4);
}
