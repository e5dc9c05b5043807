/**
 * The packet layer: wire formats, one module per header, plus checksums, address text and frame builders.
 *
 * Each header module has the same parts, in the same order: a field-offset table (`XField`), unchecked accessors
 * `x<Field>(buf, off)` for the fast path, a checked entry `checkX(buf, off, end)` that returns a `Status` and never
 * throws, and a plain `XRepr` with `parseX` / `emitX` / `xLength` for builders and tests. See status.ts for what the
 * codes mean and codec.ts for the uniform codec table.
 */

export * from './status.js';
export * from './numbers.js';
export * from './addr.js';
export * from './checksum.js';
export * from './ethernet.js';
export * from './vlan.js';
export * from './arp.js';
export * from './ipv4.js';
export * from './ipv6.js';
export * from './icmp.js';
export * from './icmpv6.js';
export * from './tcp.js';
export * from './udp.js';
export * from './sctp.js';
export * from './vxlan.js';
export * from './codec.js';
export * from './build.js';
