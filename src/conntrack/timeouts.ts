/**
 * Connection timeouts: OVS 3.1's userspace defaults (lib/conntrack-tp.c, ct_dpif_netdev_tp_def), in seconds.
 *
 * Each protocol state machine names the timeout class that applies after a packet (OVS's CT_TM_*); the class maps to
 * a timeout-policy attribute whose default is below. An update sets expiration = now + timeout, on the datapath's
 * clock (capture time in a replay), so a replay ages connections exactly as the capture's gaps say.
 */

export const enum CtTimeout {
  TCP_FIRST_PACKET = 0, // tcp_syn_sent
  TCP_OPENING = 1, // tcp_syn_recv
  TCP_ESTABLISHED = 2,
  TCP_CLOSING = 3, // tcp_fin_wait
  TCP_FIN_WAIT = 4, // tcp_time_wait
  TCP_CLOSED = 5, // tcp_close
  OTHER_FIRST = 6, // udp_first
  OTHER_MULTIPLE = 7, // udp_single
  OTHER_BIDIR = 8, // udp_multiple
  ICMP_FIRST = 9,
  ICMP_REPLY = 10,
}

/** Default seconds per CtTimeout class. */
export const DEFAULT_TIMEOUT_S: readonly number[] = [
  30, // TCP_FIRST_PACKET: syn_sent
  30, // TCP_OPENING: syn_recv
  24 * 60 * 60, // TCP_ESTABLISHED
  15 * 60, // TCP_CLOSING: fin_wait
  45, // TCP_FIN_WAIT: time_wait
  30, // TCP_CLOSED: close
  60, // OTHER_FIRST: udp_first
  60, // OTHER_MULTIPLE: udp_single
  30, // OTHER_BIDIR: udp_multiple
  60, // ICMP_FIRST
  30, // ICMP_REPLY
];

export function timeoutMs(tm: CtTimeout): number {
  return DEFAULT_TIMEOUT_S[tm] * 1000;
}
