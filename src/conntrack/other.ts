/**
 * Tracking for UDP and every protocol conntrack has no state machine for (OVS 3.1 lib/conntrack-other.c).
 *
 * FIRST after the first packet, MULTIPLE once the originator sent more, BIDIR once the other side answered. Until
 * BIDIR every packet is `+new` (there is no handshake to confirm the connection); after it, `+est`. Timeouts: 60 s in
 * FIRST and MULTIPLE, 30 s in BIDIR (OVS's udp_first, udp_single, udp_multiple defaults). Any packet may create one.
 *
 * State: one word of the record's protocol area.
 */

import { CtUpdate } from './tcp.js';
import { CtTimeout } from './timeouts.js';

const FIRST = 0;
const MULTIPLE = 1;
const BIDIR = 2;

const TIMEOUTS = [CtTimeout.OTHER_FIRST, CtTimeout.OTHER_MULTIPLE, CtTimeout.OTHER_BIDIR];

export function otherNewConn(s: Int32Array, base: number): CtTimeout {
  s[base] = FIRST;
  return CtTimeout.OTHER_FIRST;
}

/** Returns CtUpdate | (CtTimeout + 1) << 4, as tcpConnUpdate does. */
export function otherConnUpdate(s: Int32Array, base: number, reply: boolean): number {
  if (reply && s[base] !== BIDIR) s[base] = BIDIR;
  else if (s[base] === FIRST) s[base] = MULTIPLE;
  const tm = TIMEOUTS[s[base]];
  return (s[base] === BIDIR ? CtUpdate.VALID : CtUpdate.VALID_NEW) | ((tm + 1) << 4);
}
