/**
 * Status codes of the checked entry points (`checkX`) and the failures of `parseX`.
 *
 * Packet data never throws. A bad or short packet is an everyday event for a datapath (snaplen-cut captures, fuzzers,
 * broken stacks), so each check returns one of these small integers and the caller turns it into a counted drop
 * reason, or carries on with the fields it can still read.
 *
 * The order is meaningful: codes up to `PAYLOAD_TRUNCATED` leave the header itself fully readable (only the bytes the
 * header promises *after* itself are missing, as in a capture with a small snaplen), so `headerUsable()` is a single
 * comparison. Everything above it means at least one field of the header cannot be trusted.
 */

export const Status = Object.freeze({
  /** The header is complete and self-consistent; every accessor is in bounds. */
  OK: 0,
  /** The header is complete but its length field promises more bytes than were captured. */
  PAYLOAD_TRUNCATED: 1,
  /** The header itself is cut short: fields past `end` are unknown. */
  TRUNCATED: 2,
  /** IP version nibble does not match the header being checked. */
  BAD_VERSION: 3,
  /** A header-length field is below its minimum (IPv4 IHL < 5, TCP data offset < 5). */
  BAD_HEADER_LEN: 4,
  /** A length field contradicts the header (IPv4 total length < IHL*4, UDP length < 8). */
  BAD_LENGTH: 5,
  /** An option or TLV is malformed (zero length, runs past its header). */
  BAD_OPTION: 6,
  /** Reserved or required flag bits are wrong (VXLAN I bit, reserved bits). */
  BAD_FLAGS: 7,
  /** Well-formed but a variant this layer does not decode (ARP for non-Ethernet/IPv4). */
  UNSUPPORTED: 8,
} as const);

export type StatusCode = (typeof Status)[keyof typeof Status];

const NAMES: readonly string[] = Object.keys(Status).map((k) => k.toLowerCase());

/** True when every field of the header can be read, even if what follows it was cut off. */
export function headerUsable(status: number): boolean {
  return status <= Status.PAYLOAD_TRUNCATED;
}

/** Lower-case name for counters and logs, e.g. `bad_header_len`. */
export function statusName(status: number): string {
  return NAMES[status] ?? `status_${status}`;
}
