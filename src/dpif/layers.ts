/**
 * From packet bytes to flow key and layer offsets, for the datapath: a thin wrapper over src/flow/extract.ts.
 *
 * Extract (OVS's miniflow_extract) fills the packet words of the key and a `PacketLayout`; the datapath also needs
 * the key's metadata words (registers, metadata, tunnel, conntrack, recirc_id: zero for a packet that just arrived,
 * set by the datapath across recirculation) and keeps the offsets on the packet itself, where the executor's set
 * actions and push/pop VLAN read and update them. This module joins the two so neither has to know the other.
 */

import { extract, PacketLayout } from '../flow/extract.js';
import { FIRST_PACKET_WORD, KEY_WORDS, W } from '../flow/key-layout.js';
import { DpPacket } from './packet.js';

const layout = new PacketLayout();
const scratch = new Uint32Array(KEY_WORDS);

/**
 * Extracts the flow key of `pkt` into `key` (metadata words from `pkt.md`, in_port = `pkt.md[W.IN_PORT]`) and records
 * the layer offsets on the packet. Returns extract's status (0 = complete; otherwise why the walk stopped early,
 * which the datapath counts but does not drop on, as OVS forwards such packets with what it extracted).
 */
export function extractPacket(pkt: DpPacket, key: Uint32Array): number {
  const md = pkt.md;
  for (let w = 0; w < FIRST_PACKET_WORD; w++) key[w] = md[w];
  const status = extract(pkt.buf, pkt.start, pkt.len, md[W.IN_PORT], key, layout);
  pkt.l2_5 = layout.l2_5;
  pkt.l3 = layout.l3;
  pkt.l4 = layout.l4;
  pkt.l2Pad = layout.l2Pad;
  return status;
}

/** Only the layer offsets (tests, and callers that already have a key). */
export function findLayers(pkt: DpPacket): void {
  extractPacket(pkt, scratch);
}

/**
 * `extractPacket` for a packet fresh from a port into a key whose metadata words other than in_port are already
 * zero (the caller keeps them so): only in_port (from `pkt.md`) and the packet words are written, which saves
 * copying the 53 metadata words per packet.
 */
export function extractFresh(pkt: DpPacket, key: Uint32Array): number {
  const status = extract(pkt.buf, pkt.start, pkt.len, pkt.md[W.IN_PORT], key, layout);
  pkt.l2_5 = layout.l2_5;
  pkt.l3 = layout.l3;
  pkt.l4 = layout.l4;
  pkt.l2Pad = layout.l2Pad;
  return status;
}
