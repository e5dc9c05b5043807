/**
 * Whole OpenFlow flow lines in ovs-ofctl syntax: `add-flow`/`add-flows` input and `dump-flows` output.
 *
 * What? `parseFlowLine(' cookie=0x54777dab8546811, duration=2176.310s, table=0, n_packets=0, n_bytes=0,
 * priority=4,in_port="phy-br-provider",dl_vlan=1 actions=mod_vlan_vid:100,NORMAL')` gives the FlowSpec OVS 3.1 would
 * install; `formatFlow(spec, stats)` prints a rule the way `ovs-ofctl --names dump-flows` does. Users paste dumps
 * from running systems, so a dump line is valid input: OVS's parser ignores duration, n_packets, n_bytes, idle_age
 * and hard_age for exactly that reason, and so do we.
 *
 * A line is OVS's parse_ofp_str: everything from the first `action` on is the action list (after its `=`); before
 * it, comma/space separated tokens are either flow keywords we own here (table, priority, cookie, timeouts,
 * importance, flags, out_port/out_group for selection commands) or match tokens, handed to match-syntax.ts, which
 * also decides what the switch keeps of the match for the OpenFlow version in use. The actions go to
 * actions/parse.ts and are then checked against the finished match (ofpacts_check), including the version
 * restrictions ovs-ofctl applies (reset_counts needs OpenFlow 1.2, mod_nw_src without `ip` only works in 1.0), and
 * reduced to what the switch receives in that version (OpenFlow 1.0 silently loses write_actions/clear_actions).
 *
 * Files (`parseFlowFile`) follow ovs-ofctl add-flows: `#` starts a comment anywhere on a line, blank lines are
 * skipped, and a bad line stops everything: the error names the file, line and column, and no flow is returned.
 * Unlike OVS we also skip the `NXST_FLOW reply (...)`/`OFPST_FLOW reply (...)` header lines of a pasted dump (OVS
 * rejects them with "must specify an action"), so a whole dump can be fed back unedited.
 */

import { FlowSyntaxError } from '../base/errors.js';
import {
  applyMatchToken,
  finishMatch,
  formatMatch,
  isMatchKeyword,
  newMatchDraft,
  type OpenFlowVersion,
} from '../flow/match-syntax.js';
import { parsePortNumber, type PortNamer } from '../flow/value-syntax.js';
import { checkActions } from './actions/checks.js';
import { parseCInteger, parseUnsigned } from './actions/numbers.js';
import { parseActions } from './actions/parse.js';
import { splitKeyValues } from './actions/tokens.js';
import { formatActions } from './actions/print.js';
import type { FlowSpec } from './actions/types.js';

export type { PortNamer } from '../flow/value-syntax.js';

/** The ovs-ofctl command a line is for; it decides which keywords are allowed (OVS's F_* field sets). */
export type FlowCommand = 'add' | 'modify' | 'modify_strict' | 'delete' | 'delete_strict';

export interface FlowSyntaxOptions {
  readonly namer?: PortNamer;
  /** OpenFlow10 (plain ovs-ofctl, the default) or OpenFlow13 (`-O OpenFlow13`). */
  readonly version?: OpenFlowVersion;
  readonly command?: FlowCommand;
  readonly file?: string;
  /** 1-based line number for error locations. */
  readonly lineNo?: number;
}

/**
 * A parsed line: the FlowSpec plus what only selection commands use. `tableGiven` is false when the line named no
 * table (OVS's 255: add installs into table 0, delete/modify select every table).
 */
export interface FlowLine extends FlowSpec {
  readonly tableGiven: boolean;
  readonly outPort: number | undefined;
  readonly outGroup: number | undefined;
}

const FLAG_ORDER = ['send_flow_rem', 'check_overlap', 'reset_counts', 'no_packet_counts', 'no_byte_counts'] as const;
const IGNORED_STATS = new Set(['duration', 'n_packets', 'n_bytes', 'idle_age', 'hard_age']);
const U64_MAX = (1n << 64n) - 1n;

/** Whether a line carries no flow: blank, a comment, or a dump's reply header. */
export function isIgnorableFlowLine(text: string): boolean {
  const t = stripComment(text).trim();
  return t === '' || /^(NXST|OFPST)_FLOW reply\b/.test(t);
}

function stripComment(text: string): string {
  const hash = text.indexOf('#');
  return hash < 0 ? text : text.slice(0, hash);
}

/** str_to_be64: like strtoull, so `-1` is all ones. */
function parseCookie(text: string, column: number): bigint {
  const neg = /^-(\d+)$/.exec(text);
  const v = neg !== null ? BigInt.asUintN(64, -BigInt(neg[1])) : parseCInteger(text);
  if (v === undefined || v > U64_MAX) throw new FlowSyntaxError(`invalid numeric format ${text}`, { column });
  return v;
}

/**
 * Parses one flow line. Throws FlowSyntaxError located at file:line:column. Blank, comment and header lines are not
 * flows: check them with isIgnorableFlowLine first (parseFlowFile does).
 */
export function parseFlowLine(text: string, opts: FlowSyntaxOptions = {}): FlowLine {
  try {
    return parseLine(stripComment(text), opts);
  } catch (e) {
    if (e instanceof FlowSyntaxError) throw e.at({ file: opts.file, line: opts.lineNo });
    throw e;
  }
}

function parseLine(text: string, opts: FlowSyntaxOptions): FlowLine {
  const version = opts.version ?? 'OpenFlow10';
  const command = opts.command ?? 'add';
  const wantsActions = command === 'add' || command === 'modify' || command === 'modify_strict';
  const allowsOutPort = command === 'delete' || command === 'delete_strict';
  const allowsPriority = command !== 'delete';
  const allowsTimeouts = wantsActions;

  // OVS takes everything after the first "action" as the action list (ofp_extract_actions).
  let matchText = text;
  let actionsText: string | undefined;
  let actionsColumn = 1;
  const at = text.indexOf('action');
  if (wantsActions) {
    const eq = at < 0 ? -1 : text.indexOf('=', at + 1);
    if (at < 0 || eq < 0) throw new FlowSyntaxError('must specify an action', { column: text.length - text.trimStart().length + 1 });
    matchText = text.slice(0, at);
    actionsText = text.slice(eq + 1);
    actionsColumn = eq + 2;
  }

  let table = 0;
  let tableGiven = false;
  let priority = 0x8000;
  let cookie = 0n;
  let cookieMask = 0n;
  let idleTimeout = 0;
  let hardTimeout = 0;
  let importance = 0;
  let outPort: number | undefined;
  let outGroup: number | undefined;
  const flags = new Set<string>();
  const draft = newMatchDraft();
  const matchOpts = { portNamer: opts.namer, protocol: version };

  for (const kv of splitKeyValues(matchText, 1)) {
    const { key: name, value } = kv;
    if (wantsActions && (FLAG_ORDER as readonly string[]).includes(name)) {
      if (name === 'reset_counts' && version === 'OpenFlow10') {
        throw new FlowSyntaxError(unusableFlagMessage(), { column: kv.keyColumn });
      }
      if ((name === 'no_packet_counts' || name === 'no_byte_counts') && version === 'OpenFlow10') {
        throw new FlowSyntaxError(unusableFlagMessage(), { column: kv.keyColumn });
      }
      flags.add(name);
      continue;
    }
    if (name === 'no_readonly_table' || name === 'allow_hidden_fields') continue;
    if (isMatchKeyword(name)) {
      applyMatchToken(draft, name, value, kv.keyColumn, matchOpts);
      continue;
    }
    if (value === '') throw new FlowSyntaxError(`field ${name} missing value`, { column: kv.keyColumn });
    const col = kv.valueColumn;
    if (name === 'table') {
      const t = parseCInteger(value);
      if (t === undefined || t > 255n) throw new FlowSyntaxError(`unknown table "${value}"`, { column: col });
      tableGiven = t !== 255n;
      table = tableGiven ? Number(t) : 0;
    } else if (allowsOutPort && name === 'out_port') {
      outPort = parsePortNumber(value, opts.namer);
      if (outPort === undefined) throw new FlowSyntaxError(`${value} is not a valid OpenFlow port`, { column: col });
    } else if (allowsOutPort && name === 'out_group') {
      const g = parseCInteger(value);
      if (g === undefined || g > 0xffffffffn) throw new FlowSyntaxError(`${value} is not a valid OpenFlow group`, { column: col });
      outGroup = Number(g);
    } else if (allowsPriority && name === 'priority') {
      priority = parseUnsigned(value, 16, 'priority', col);
    } else if (allowsTimeouts && name === 'idle_timeout') {
      idleTimeout = parseUnsigned(value, 16, 'idle_timeout', col);
    } else if (allowsTimeouts && name === 'hard_timeout') {
      hardTimeout = parseUnsigned(value, 16, 'hard_timeout', col);
    } else if (command === 'add' && name === 'importance') {
      importance = parseUnsigned(value, 16, 'importance', col);
    } else if (name === 'cookie') {
      const slash = value.indexOf('/');
      if (slash >= 0) {
        if (command === 'add') throw new FlowSyntaxError('flow additions cannot use a cookie mask', { column: col });
        cookie = parseCookie(value.slice(0, slash), col);
        cookieMask = parseCookie(value.slice(slash + 1), col + slash + 1);
      } else {
        if (!wantsActions) {
          throw new FlowSyntaxError(
            `cannot set cookie (to match on a cookie, specify a mask, e.g. cookie=${value}/-1)`,
            { column: col },
          );
        }
        cookie = parseCookie(value, col);
      }
    } else if (IGNORED_STATS.has(name)) {
      // Dump output fed back as input (OVS ignores these too).
    } else {
      throw new FlowSyntaxError(`unknown keyword ${name}`, { column: kv.keyColumn });
    }
  }

  const match = finishMatch(draft, matchOpts);
  let actions: FlowSpec['actions'] = [];
  if (actionsText !== undefined) {
    actions = parseActions(actionsText, { namer: opts.namer, column: actionsColumn });
    checkActions(actions, { match, table: tableGiven ? table : undefined, version }, actionsColumn);
    actions = actionsTheSwitchKeeps(actions, version);
  }
  return {
    table,
    tableGiven,
    priority,
    cookie,
    cookieMask,
    match,
    idleTimeout,
    hardTimeout,
    importance,
    flags: FLAG_ORDER.filter((f) => flags.has(f)),
    actions,
    outPort,
    outGroup,
  };
}

/**
 * What survives ovs-ofctl's encoding into a flow_mod of `version`: OpenFlow 1.0 has no instructions, so
 * write_actions and clear_actions are dropped without a word (OVS's 1.0 encoder emits nothing for them); in any
 * version an empty write_actions() encodes as nothing. The switch runs what it received, so we install the same.
 */
function actionsTheSwitchKeeps(actions: FlowSpec['actions'], version: OpenFlowVersion): FlowSpec['actions'] {
  const dropped = (a: FlowSpec['actions'][number]): boolean =>
    (a.kind === 'write_actions' && (version === 'OpenFlow10' || a.actions.length === 0)) ||
    (a.kind === 'clear_actions' && version === 'OpenFlow10');
  return actions.some(dropped) ? actions.filter((a) => !dropped(a)) : actions;
}

function unusableFlagMessage(): string {
  return 'none of the usable flow formats (OXM) is among the allowed flow formats (OpenFlow10,NXM)';
}

/**
 * Parses a flow file the way `ovs-ofctl add-flows` reads one. All or nothing: the first bad line throws a
 * FlowSyntaxError naming `file`, the line and the column.
 */
export function parseFlowFile(text: string, file: string, opts: Omit<FlowSyntaxOptions, 'file' | 'lineNo'> = {}): FlowLine[] {
  const out: FlowLine[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    if (isIgnorableFlowLine(lines[i])) continue;
    out.push(parseFlowLine(lines[i], { ...opts, file, lineNo: i + 1 }));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Printing (ofputil_flow_stats_format)

/** A rule's counters and ages, as a flow-stats reply carries them. */
export interface FlowStats {
  /** Time since the rule was added, in seconds (fractional). */
  readonly durationSec: number;
  readonly nPackets: bigint | number;
  readonly nBytes: bigint | number;
  /** Seconds since the rule last matched a packet (NXST dumps only); omitted when undefined. */
  readonly idleAgeSec?: number;
  /** Seconds since the rule was last modified; printed only when it differs from the duration's whole seconds. */
  readonly hardAgeSec?: number;
}

export interface FormatFlowOptions {
  readonly version?: OpenFlowVersion;
  readonly namer?: PortNamer;
  /**
   * Leave out duration, idle_age and hard_age and the leading blank, the way run_ovs.py's norm_ofctl_flows
   * normalises a dump so two runs compare equal.
   */
  readonly normalized?: boolean;
}

/** ofp_print_duration: whole seconds, then milliseconds when exact, else as many nanosecond digits as needed. */
export function formatDuration(sec: number): string {
  const whole = Math.floor(sec);
  const nsec = Math.round((sec - whole) * 1e9);
  if (nsec === 0) return `${whole}s`;
  if (nsec % 1_000_000 === 0) return `${whole}.${String(nsec / 1_000_000).padStart(3, '0')}s`;
  return `${whole}.${String(nsec).padStart(9, '0').replace(/0+$/, '')}s`;
}

/**
 * One line of `ovs-ofctl --names dump-flows` for a rule. With `stats` it is the full line (leading blank, cookie,
 * duration, table, counters); without, the `--no-stats` form. OpenFlow 1.0 flow stats carry no flags, so flags print
 * only for OpenFlow13; neither version carries importance.
 */
export function formatFlow(spec: FlowSpec, stats: FlowStats | undefined, opts: FormatFlowOptions = {}): string {
  const version = opts.version ?? 'OpenFlow10';
  const showStats = stats !== undefined;
  const times = showStats && opts.normalized !== true;
  let s = '';
  if (showStats || spec.cookie !== 0n) s += `cookie=0x${spec.cookie.toString(16)}, `;
  if (times) s += `duration=${formatDuration(stats!.durationSec)}, `;
  if (showStats || spec.table !== 0) s += `table=${spec.table}, `;
  if (showStats) s += `n_packets=${stats!.nPackets}, n_bytes=${stats!.nBytes}, `;
  if (spec.idleTimeout !== 0) s += `idle_timeout=${spec.idleTimeout}, `;
  if (spec.hardTimeout !== 0) s += `hard_timeout=${spec.hardTimeout}, `;
  if (version !== 'OpenFlow10') {
    for (const f of FLAG_ORDER) if (spec.flags.includes(f)) s += `${f} `;
  }
  if (times && stats!.idleAgeSec !== undefined) s += `idle_age=${stats!.idleAgeSec}, `;
  if (times && stats!.hardAgeSec !== undefined && stats!.hardAgeSec !== Math.floor(stats!.durationSec)) {
    s += `hard_age=${stats!.hardAgeSec}, `;
  }
  const match = formatMatch(spec.match, spec.priority, { portNamer: opts.namer });
  if (match !== '') s += `${match} `;
  s += `actions=${formatActions(spec.actions, { version, namer: opts.namer, match: spec.match })}`;
  return opts.normalized === true ? s : ` ${s}`;
}
