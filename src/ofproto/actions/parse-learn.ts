/**
 * Parsing learn(...) (OVS lib/learn.c learn_parse): the new rule's table, priority, timeouts, cookie, flags, limit
 * and result_dst, then its specs. A spec is a match (`FIELD[a..b]`, `FIELD[a..b]=SRC[c..d]`, `FIELD=VALUE`), a load
 * into the new rule's actions (`load:VALUE->DST`, `load:SRC->DST`) or an output (`output:SRC`). Numbers that OVS
 * reads with atoi() are read the same forgiving way here.
 */

import { FlowSyntaxError } from '../../base/errors.js';
import type { Subfield } from '../../flow/bits.js';
import type { FieldDef } from '../../flow/fields.js';
import type { PortNamer } from '../../flow/value-syntax.js';
import { hexOf, parseCInteger, parseIntPrefix } from './numbers.js';
import { parseMove } from './parse-field-actions.js';
import { isWholeField, parseFieldValue, parseSubfield } from './subfield-syntax.js';
import { splitKeyValues, type KeyValue } from './tokens.js';
import type { LearnAction, LearnSpec } from './types.js';

/** learn(...): the arguments, then one spec per remaining key (match, load or output in the new rule). */
export function parseLearn(value: string, column: number, namer: PortNamer | undefined): LearnAction {
  let table = 1;
  let priority = 0x8000;
  let idleTimeout = 0;
  let hardTimeout = 0;
  let finIdleTimeout = 0;
  let finHardTimeout = 0;
  let cookie = 0n;
  let limit = 0;
  let resultDst: Subfield | undefined;
  const flagSet = new Set<string>();
  const specs: LearnSpec[] = [];
  const atoi = (t: string): number => {
    const m = /^\s*[+-]?\d+/.exec(t);
    return m === null ? 0 : Number(m[0]);
  };
  for (const kv of splitKeyValues(value, column)) {
    const v = kv.value;
    switch (kv.key) {
      case 'table': {
        const t = parseCInteger(v);
        if (t === undefined || t > 255n) throw new FlowSyntaxError(`unknown table "${v}"`, { column: kv.valueColumn });
        if (t === 255n) {
          throw new FlowSyntaxError(`${value}: table id 255 not valid for \`learn' action`, { column: kv.valueColumn });
        }
        table = Number(t);
        break;
      }
      case 'priority':
        priority = atoi(v) & 0xffff;
        break;
      case 'idle_timeout':
        idleTimeout = atoi(v) & 0xffff;
        break;
      case 'hard_timeout':
        hardTimeout = atoi(v) & 0xffff;
        break;
      case 'fin_idle_timeout':
        finIdleTimeout = atoi(v) & 0xffff;
        break;
      case 'fin_hard_timeout':
        finHardTimeout = atoi(v) & 0xffff;
        break;
      case 'cookie': {
        const r = parseIntPrefix(v);
        cookie = r === undefined ? 0n : BigInt.asUintN(64, r.value);
        break;
      }
      case 'send_flow_rem':
      case 'delete_learned':
        flagSet.add(kv.key);
        break;
      case 'limit':
        limit = atoi(v) >>> 0;
        break;
      case 'result_dst': {
        const sf = parseSubfield(v, kv.valueColumn);
        if (!sf.field.writable) throw new FlowSyntaxError(`${v} is read-only`, { column: kv.valueColumn });
        if (sf.nbits !== 1) {
          throw new FlowSyntaxError("result_dst in 'learn' action must be a single bit", { column: kv.valueColumn });
        }
        flagSet.add('write_result');
        resultDst = sf;
        break;
      }
      default:
        specs.push(parseLearnSpec(kv, value, namer));
    }
  }
  // OVS prints flags in this order.
  const flags = ['send_flow_rem', 'delete_learned', 'write_result'].filter((f) => flagSet.has(f));
  return {
    kind: 'learn',
    table,
    priority,
    idleTimeout,
    hardTimeout,
    finIdleTimeout,
    finHardTimeout,
    cookie,
    flags,
    limit,
    resultDst,
    specs,
  };
}

function hasNxmHeader(f: FieldDef): boolean {
  return f.nxm !== undefined || f.oxm?.startsWith('OXM_OF_') === true;
}

function parseLearnSpec(kv: KeyValue, whole: string, namer: PortNamer | undefined): LearnSpec {
  const { key, value } = kv;
  if (key === 'load') {
    const arrow = value.indexOf('->');
    if (arrow === 0) throw new FlowSyntaxError(`load: missing source before \`->' in \`${value}'`, { column: kv.valueColumn });
    if (arrow < 0) throw new FlowSyntaxError(`load: missing \`->' in \`${value}'`, { column: kv.valueColumn });
    const imm = parseIntPrefix(value);
    if (imm !== undefined && imm.length > 0) {
      if (imm.length !== arrow) {
        throw new FlowSyntaxError(`load: garbage before \`->' in \`${value}'`, { column: kv.valueColumn });
      }
      const dst = parseSubfield(value.slice(arrow + 2), kv.valueColumn + arrow + 2);
      if (!hasNxmHeader(dst.field)) {
        throw new FlowSyntaxError(`${whole}: experimenter OXM field '${value.slice(arrow + 2)}' not supported`, {
          column: kv.valueColumn,
        });
      }
      if (imm.value >> BigInt(dst.nbits) !== 0n) {
        throw new FlowSyntaxError(`${value}: value does not fit into ${dst.nbits} bits`, { column: kv.valueColumn });
      }
      return { kind: 'load_value', dst, value: imm.value };
    }
    const mv = parseMove(value, kv.valueColumn);
    return { kind: 'load_field', dst: mv.dst, src: mv.src };
  }
  if (key === 'output') {
    return { kind: 'output', src: parseSubfield(value, kv.valueColumn) };
  }
  let dst: Subfield;
  try {
    dst = parseSubfield(key, kv.keyColumn);
  } catch {
    throw new FlowSyntaxError(`${whole}: unknown keyword ${key}`, { column: kv.keyColumn });
  }
  if (!hasNxmHeader(dst.field)) {
    throw new FlowSyntaxError(`${whole}: experimenter OXM field '${key}' not supported`, { column: kv.keyColumn });
  }
  if (value === '') return { kind: 'match_field', dst, src: dst, shorthand: true };
  let src: Subfield | undefined;
  let subfieldError = '';
  try {
    src = parseSubfield(value, kv.valueColumn);
  } catch (e) {
    subfieldError = (e as FlowSyntaxError).detail;
  }
  if (src !== undefined) {
    if (src.nbits !== dst.nbits) {
      throw new FlowSyntaxError(
        `${whole}: bit widths of ${key} (${src.nbits}) and ${value} (${dst.nbits}) differ`,
        { column: kv.keyColumn },
      );
    }
    return { kind: 'match_field', dst, src, shorthand: false };
  }
  // An immediate: the whole field in its own syntax, or an integer for part of it.
  try {
    if (isWholeField(dst)) {
      const fv = parseFieldValue(dst.field, value, namer, kv.valueColumn);
      if (fv.mask !== (1n << BigInt(dst.field.nbits)) - 1n) throw new FlowSyntaxError('masks are not allowed here');
      return { kind: 'match_value', dst, value: fv.value };
    }
    const r = parseIntPrefix(value);
    if (r === undefined || r.length !== value.length) throw new FlowSyntaxError(`${whole}: cannot parse integer value`);
    if (r.value >> BigInt(dst.nbits) !== 0n) {
      throw new FlowSyntaxError(`${whole}: value ${hexOf(r.value)} does not fit into ${dst.nbits} bits`);
    }
    return { kind: 'match_value', dst, value: r.value };
  } catch (e) {
    const immError = (e as FlowSyntaxError).detail;
    throw new FlowSyntaxError(
      `${whole}: ${key} value ${value} cannot be parsed as a subfield (${subfieldError}) or an immediate value (${immError})`,
      { column: kv.valueColumn },
    );
  }
}
