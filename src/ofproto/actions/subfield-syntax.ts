/**
 * Fields as action text names them: subfields (`NXM_NX_REG0[0..15]`, `reg6[]`, `eth_src`) for load, move, output:reg,
 * learn and ct zones, and whole-field values (`VALUE[/MASK]` in the field's own syntax) for set_field and learn
 * immediates. Both follow OVS's meta-flow helpers (mf_parse_subfield, mf_parse) and their error messages.
 */

import { FlowSyntaxError } from '../../base/errors.js';
import type { Subfield } from '../../flow/bits.js';
import { fieldByName, type FieldDef } from '../../flow/fields.js';
import { parseFieldValue as parseValueSyntax, type PortNamer } from '../../flow/value-syntax.js';

export interface FieldValue {
  readonly value: bigint;
  readonly mask: bigint;
  /** The value before it was cut to the field's width (for mf_is_value_valid). */
  readonly raw: bigint;
}

function fieldOnes(field: FieldDef): bigint {
  return (1n << BigInt(field.nbits)) - 1n;
}

/**
 * mf_parse plus mf_is_value_valid, for set_field and learn immediates: VALUE[/MASK] in the field's syntax, returned in
 * field units (bits above the field's width dropped once validity is checked).
 */
export function parseFieldValue(field: FieldDef, text: string, namer: PortNamer | undefined, column: number): FieldValue {
  const vm = parseValueSyntax(field, text, { portNamer: namer, column });
  const width = fieldOnes(field);
  return { value: vm.value & width, mask: vm.mask & width, raw: vm.value };
}

/**
 * mf_parse_subfield: `NAME[]`, `NAME[a..b]`, `NAME[a]` or a bare `NAME` (the whole field), where NAME is any name of
 * the field (ofctl name, NXM/OXM name, `_W` suffix ignored). Returns the subfield and the characters used.
 */
export function parseSubfieldPrefix(text: string, column: number): { sf: Subfield; length: number } {
  let nameLen = 0;
  while (nameLen < text.length && text[nameLen] !== '[' && text[nameLen] !== '-') nameLen++;
  let name = text.slice(0, nameLen);
  if (name.length > 2 && name.endsWith('_W') && /^(NXM|OXM)/i.test(name)) name = name.slice(0, -2);
  const field = fieldByName(name);
  if (field === undefined) {
    throw new FlowSyntaxError(`${text}: unknown field \`${text.slice(0, nameLen)}'`, { column });
  }
  let start = 0;
  let end = field.nbits - 1;
  let pos = nameLen;
  if (text[pos] === '[') {
    const rest = text.slice(pos);
    let m: RegExpExecArray | null;
    if (rest.startsWith('[]')) {
      pos += 2;
    } else if ((m = /^\[\s*(-?\d+)\s*\.\.\s*(-?\d+)\s*\]/.exec(rest))) {
      start = Number(m[1]);
      end = Number(m[2]);
      pos += m[0].length;
    } else if ((m = /^\[\s*(-?\d+)\s*\]/.exec(rest))) {
      start = end = Number(m[1]);
      pos += m[0].length;
    } else {
      throw new FlowSyntaxError(`${text}: syntax error expecting [] or [<bit>] or [<start>..<end>]`, { column });
    }
  }
  if (start > end) {
    throw new FlowSyntaxError(`${text}: starting bit ${start} is after ending bit ${end}`, { column });
  } else if (start >= field.nbits) {
    throw new FlowSyntaxError(
      `${text}: starting bit ${start} is not valid because field is only ${field.nbits} bits wide`,
      { column },
    );
  } else if (end >= field.nbits) {
    throw new FlowSyntaxError(
      `${text}: ending bit ${end} is not valid because field is only ${field.nbits} bits wide`,
      { column },
    );
  }
  return { sf: { field, ofs: start, nbits: end - start + 1 }, length: pos };
}

/** A subfield that must be the whole of `text`. */
export function parseSubfield(text: string, column: number): Subfield {
  const { sf, length } = parseSubfieldPrefix(text, column);
  if (length !== text.length) {
    throw new FlowSyntaxError(`${text}: trailing garbage in subfield`, { column: column + length });
  }
  return sf;
}

export function isWholeField(sf: Subfield): boolean {
  return sf.ofs === 0 && sf.nbits === sf.field.nbits;
}

export function requireWritable(sf: Subfield, column: number): void {
  if (!sf.field.writable) throw new FlowSyntaxError(`destination field ${sf.field.name} is not writable`, { column });
}
