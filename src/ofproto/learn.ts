/**
 * learn(): the flow a learn action installs for a given packet (OVS lib/learn.c learn_execute), and the key bits the
 * translation depends on because of it (learn_mask).
 *
 * Each spec either adds a match to the new flow (a constant, or bits copied from the packet) or an action: a load of
 * a constant or of packet bits (printed as `load:` like OVS prints learned flows), or an output to a port read from
 * the packet. fin_idle/fin_hard timeouts become a leading fin_timeout action. The flow is added with
 * OFPFC_MODIFY_STRICT semantics (FlowTables.learn).
 */

import { getBits, setBits, type Subfield } from '../flow/bits.js';
import { Match } from '../flow/match.js';
import { OfpPort } from '../flow/key-layout.js';
import type { Action, FlowSpec, LearnAction } from './actions/types.js';

function writeSubfield(match: Match, dst: Subfield, value: bigint): void {
  const f = dst.field;
  const sub = ((1n << BigInt(dst.nbits)) - 1n) << BigInt(dst.ofs);
  const oldMask = getBits(match.mask, f);
  const oldVal = getBits(match.key, f);
  const v = (value << BigInt(dst.ofs)) & sub;
  setBits(match.mask, f, oldMask | sub);
  setBits(match.key, f, (oldVal & ~sub) | v);
  if (dst.ofs === 0 && dst.nbits === f.nbits) {
    for (const imp of f.implied ?? []) {
      match.mask[imp.word] = (match.mask[imp.word] | imp.mask) >>> 0;
      match.key[imp.word] = ((match.key[imp.word] & ~imp.mask) | imp.value) >>> 0;
    }
  }
}

/** The flow that `learn` installs for a packet whose (current) flow key is `flow`. */
export function learnedFlow(learn: LearnAction, flow: Uint32Array): FlowSpec {
  const match = new Match();
  const actions: Action[] = [];
  if (learn.finIdleTimeout || learn.finHardTimeout) {
    actions.push({ kind: 'fin_timeout', idleTimeout: learn.finIdleTimeout, hardTimeout: learn.finHardTimeout });
  }
  for (const spec of learn.specs) {
    switch (spec.kind) {
      case 'match_value':
        writeSubfield(match, spec.dst, spec.value);
        break;
      case 'match_field':
        writeSubfield(match, spec.dst, getBits(flow, spec.src.field, spec.src.ofs, spec.src.nbits));
        break;
      case 'load_value':
        actions.push({ kind: 'load', dst: spec.dst, value: spec.value & ((1n << BigInt(spec.dst.nbits)) - 1n) });
        break;
      case 'load_field':
        actions.push({ kind: 'load', dst: spec.dst, value: getBits(flow, spec.src.field, spec.src.ofs, spec.src.nbits) });
        break;
      case 'output': {
        const v = getBits(flow, spec.src.field, spec.src.ofs, spec.src.nbits);
        if (v <= 0xffffn) {
          const port = Number(v);
          if (
            port < OfpPort.MAX ||
            port === OfpPort.IN_PORT ||
            port === OfpPort.FLOOD ||
            port === OfpPort.LOCAL ||
            port === OfpPort.ALL
          ) {
            actions.push({ kind: 'output', port, maxLen: 0 });
          }
        }
        break;
      }
    }
  }
  return {
    table: learn.table,
    priority: learn.priority,
    cookie: learn.cookie,
    cookieMask: 0n,
    match,
    idleTimeout: learn.idleTimeout,
    hardTimeout: learn.hardTimeout,
    importance: 0,
    flags: learn.flags.includes('send_flow_rem') ? ['send_flow_rem'] : [],
    actions,
  };
}

/** ORs into `wc` every packet bit the learned flow was built from (learn_mask). */
export function learnMask(learn: LearnAction, wc: Uint32Array): void {
  for (const spec of learn.specs) {
    if (spec.kind === 'match_field' || spec.kind === 'load_field' || spec.kind === 'output') {
      const s = spec.src;
      setBits(wc, s.field, (1n << BigInt(s.nbits)) - 1n, s.ofs, s.nbits);
    }
  }
}
