/**
 * Assigned numbers shared by several headers: EtherTypes (IEEE) and IP protocol numbers (IANA). Values that belong
 * to one header only (ICMP types, TCP flags, ND option types) live in that header's file.
 */

export const EthType = Object.freeze({
  IPV4: 0x0800,
  ARP: 0x0806,
  /** Transparent Ethernet bridging: what an inner Ethernet frame is called inside GRE/NVGRE. */
  TEB: 0x6558,
  RARP: 0x8035,
  VLAN: 0x8100,
  IPV6: 0x86dd,
  MPLS: 0x8847,
  MPLS_MCAST: 0x8848,
  /** 802.1ad service tag (QinQ outer tag). */
  QINQ: 0x88a8,
  /** Values below this in the EtherType position are an 802.3 length, not a type. */
  MIN: 0x0600,
} as const);

export const IpProto = Object.freeze({
  HOPOPTS: 0,
  ICMP: 1,
  IGMP: 2,
  TCP: 6,
  UDP: 17,
  IPV6: 41,
  ROUTING: 43,
  FRAGMENT: 44,
  GRE: 47,
  ESP: 50,
  AH: 51,
  ICMPV6: 58,
  NONE: 59,
  DSTOPTS: 60,
  SCTP: 132,
} as const);
