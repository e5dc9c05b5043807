/**
 * Connection tracking (OVS 3.1's userspace conntrack): the `Conntrack` class the datapath's `ct` action calls,
 * its shared connection table, NAT specs, and the dpctl-style dump/flush/limits formats.
 */

export { Conntrack, CtVerdict, CT_MD_WORDS, type CtPacket, type CtParams, type ConntrackOptions, type FlushResult } from './conntrack.js';
export { ConnTable, HELPER_FTP, HELPER_NONE, HELPER_TFTP, NAT_DST, NAT_DST_PORT, NAT_SRC, NAT_SRC_PORT } from './table.js';
export { natSpec, ipv4Words, ipv6Words, type NatSpec } from './nat.js';
export { formatEntry, formatStats, formatTuple, parseTupleMatch, emptyTupleMatch, type CtEntry, type CtTuple, type CtTupleMatch } from './dump.js';
export { formatZoneLimits, DEFAULT_ZONE } from './limits.js';
export { DEFAULT_TIMEOUT_S, CtTimeout } from './timeouts.js';
export { TcpState, TCP_STATE_NAMES } from './tcp.js';
export type { HeldFragment } from './ipf.js';
