/**
 * The actions that write fields: set_field (a value in the field's own syntax, optionally masked), load (an integer
 * into a subfield) and move (subfield to subfield of equal width). Range checks are OVS's: a value must fit its
 * subfield, set_field values must be valid for the field (mf_is_value_valid), destinations must be writable.
 */

import { FlowSyntaxError } from '../../base/errors.js';
import { fieldByName, type FieldDef } from '../../flow/fields.js';
import type { PortNamer } from '../../flow/value-syntax.js';
import { hexOf, parseIntPrefix } from './numbers.js';
import { parseFieldValue, parseSubfield, parseSubfieldPrefix, requireWritable } from './subfield-syntax.js';
import type { Action, MoveAction } from './types.js';

/** set_field:VALUE[/MASK]->FIELD */
export function parseSetField(value: string, column: number, namer: PortNamer | undefined): Action {
  const arrow = value.indexOf('->');
  if (arrow < 0) throw new FlowSyntaxError(`${value}: missing \`->'`, { column });
  const name = value.slice(arrow + 2);
  if (name === '') throw new FlowSyntaxError(`${value}: missing field name following \`->'`, { column });
  const field = fieldByName(name);
  if (field === undefined) {
    throw new FlowSyntaxError(`${name} is not a valid OXM field name`, { column: column + arrow + 2 });
  }
  if (!field.writable) throw new FlowSyntaxError(`${name} is read-only`, { column: column + arrow + 2 });
  const { value: v, mask, raw } = parseFieldValue(field, value.slice(0, arrow), namer, column);
  if (!isValidValue(field, raw)) {
    throw new FlowSyntaxError(`${value.slice(0, arrow)} is not a valid value for field ${name}`, { column });
  }
  return { kind: 'set_field', field, value: v, mask };
}

/** mf_is_value_valid for the writable fields we have: VIDs and PCPs in range, DSCP/ECN bits only. */
function isValidValue(field: FieldDef, v: bigint): boolean {
  switch (field.name) {
    case 'vlan_vid':
      return (v & ~0x1fffn) === 0n;
    case 'dl_vlan':
      return (v & ~0xfffn) === 0n;
    case 'nw_tos':
      return (v & 3n) === 0n;
    case 'ip_dscp':
      return v < 64n;
    case 'nw_ecn':
      return v < 4n;
    case 'ipv6_label':
      return v < 1n << 20n;
    case 'vlan_pcp':
    case 'dl_vlan_pcp':
      return v < 8n;
    default:
      return true;
  }
}

/** load:VALUE->DST[a..b] */
export function parseLoad(value: string, column: number): Action {
  const arrow = value.indexOf('->');
  if (arrow < 0) throw new FlowSyntaxError(`${value}: missing \`->'`, { column });
  if (arrow + 2 >= value.length) throw new FlowSyntaxError(`${value}: missing field name following \`->'`, { column });
  const dst = parseSubfield(value.slice(arrow + 2), column + arrow + 2);
  requireWritable(dst, column + arrow + 2);
  const valueText = value.slice(0, arrow);
  const r = parseIntPrefix(valueText);
  if (r === undefined || r.length !== valueText.length || r.value >= 1n << BigInt(roundBytes(dst.field.nbits) * 8)) {
    throw new FlowSyntaxError(`${value}: cannot parse integer value`, { column });
  }
  if (r.value >> BigInt(dst.nbits) !== 0n) {
    throw new FlowSyntaxError(`${value}: value ${hexOf(r.value)} does not fit into ${dst.nbits} bits`, { column });
  }
  return { kind: 'load', dst, value: r.value };
}

function roundBytes(nbits: number): number {
  return Math.ceil(nbits / 8);
}

/** move:SRC[a..b]->DST[c..d] (also learn's load:SRC->DST). */
export function parseMove(value: string, column: number): MoveAction {
  const { sf: src, length } = parseSubfieldPrefix(value, column);
  if (!value.startsWith('->', length)) {
    throw new FlowSyntaxError(`${value}: missing \`->' following source`, { column: column + length });
  }
  const dst = parseSubfield(value.slice(length + 2), column + length + 2);
  if (src.nbits !== dst.nbits) {
    throw new FlowSyntaxError(
      `${value}: source field is ${src.nbits} bits wide but destination is ${dst.nbits} bits wide`,
      { column },
    );
  }
  requireWritable(dst, column + length + 2);
  return { kind: 'move', src, dst };
}
