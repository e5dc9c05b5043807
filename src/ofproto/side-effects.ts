/**
 * Side effects of a translation, as data.
 *
 * Translating a packet through the OpenFlow pipeline changes OpenFlow state: the rules it hit gain packet and byte
 * counts and a fresh `used` time, NORMAL learns the source MAC, learn() installs or refreshes a flow, fin_timeout
 * shortens a rule's timeouts when a FIN or RST passes. The datapath caches (EMC, megaflows) replay a translation for
 * every later packet of the flow without running xlate again, so these effects must be replayable: xlate only
 * records them here (OVS's xlate cache entries, XC_RULE / XC_NORMAL / XC_LEARN / XC_FIN_TIMEOUT), and
 * `commitSideEffects` applies them — once for the packet that caused the upcall, and again for each cache hit.
 */

import type { FlowSpec } from './actions/types.js';
import type { Bridge } from './bridge.js';
import type { Rule } from './rule.js';

export interface RuleHit {
  readonly bridge: Bridge;
  readonly rule: Rule;
  /**
   * Bytes per packet the rule saw beyond the datapath packet's size: a tunnel header pushed before the packet
   * reached this rule's (underlay) bridge (OVS's XC_TUNNEL_HEADER). Absent = 0.
   */
  readonly extraBytes?: number;
}

export interface MacLearnEffect {
  readonly bridge: Bridge;
  /** 48-bit MAC. */
  readonly mac: number;
  readonly vlan: number;
  readonly port: number;
  readonly isGratuitousArp: boolean;
}

export interface LearnEffect {
  /** The bridge whose table receives the flow (learn works within its own bridge). */
  readonly bridge: Bridge;
  readonly flow: FlowSpec;
  readonly limit: number;
}

export interface FinTimeoutEffect {
  readonly bridge: Bridge;
  readonly rule: Rule;
  readonly idleTimeout: number;
  readonly hardTimeout: number;
}

export interface SideEffects {
  readonly ruleHits: RuleHit[];
  readonly macLearning: MacLearnEffect[];
  readonly learns: LearnEffect[];
  readonly finTimeouts: FinTimeoutEffect[];
}

export function emptySideEffects(): SideEffects {
  return { ruleHits: [], macLearning: [], learns: [], finTimeouts: [] };
}

const TCP_FIN = 0x001;
const TCP_RST = 0x004;

export interface CommitPacket {
  /** Bytes of the packet(s) being accounted. */
  readonly bytes: number;
  /** Number of packets (a cache may batch several hits); default 1. */
  readonly packets?: number;
  /** TCP flags seen (OR of the batch); fin_timeout applies only if FIN or RST is among them. */
  readonly tcpFlags?: number;
}

/**
 * Applies recorded side effects at `nowMs`. Rules that have left their table since the translation are skipped
 * (their stats no longer matter and must not bring them back); learned flows are (re)installed by learn's own
 * flow-mod semantics. Returns whether any OpenFlow or MAC state that affects translation changed.
 */
export function commitSideEffects(se: SideEffects, pkt: CommitPacket, nowMs: number): boolean {
  const packets = pkt.packets ?? 1;
  for (const hit of se.ruleHits) {
    const r = hit.rule;
    if (!r.installed) continue;
    r.nPackets += packets;
    r.nBytes += pkt.bytes + (hit.extraBytes ?? 0) * packets;
    if (nowMs > r.usedMs) r.usedMs = nowMs;
  }
  let changed = false;
  for (const m of se.macLearning) {
    if (m.bridge.macTable.learn(m.mac, m.vlan, m.port, m.isGratuitousArp, nowMs)) changed = true;
  }
  for (const l of se.learns) {
    const before = l.bridge.flows.generation;
    l.bridge.flows.learn(l.flow, l.limit, nowMs);
    if (l.bridge.flows.generation !== before) changed = true;
  }
  if ((pkt.tcpFlags ?? 0) & (TCP_FIN | TCP_RST)) {
    for (const f of se.finTimeouts) {
      if (f.rule.installed) f.bridge.flows.reduceTimeouts(f.rule, f.idleTimeout, f.hardTimeout);
    }
  }
  return changed;
}
