/**
 * The tokenizer of ovs-ofctl action text (OVS's ofputil_parse_key_value).
 *
 * A key ends at one of `:=(, \t\r\n`. After `:` or `=` the value runs to the next comma or blank outside
 * parentheses; after `(` it runs to the matching `)`. Move's `(x)->y` form is the one special case: a parenthesised
 * source followed by `->` keeps its destination in the same value. Every token keeps the columns of its key and value
 * so errors can point into the line.
 */

export interface KeyValue {
  readonly key: string;
  readonly value: string;
  /** 1-based columns of the key and of the value's first character. */
  readonly keyColumn: number;
  readonly valueColumn: number;
  /** What ended the key: ':' or '=' (value to the next comma), '(' (value to the matching paren), '' (no value). */
  readonly delimiter: ':' | '=' | '(' | '';
}

const KEY_END = ':=(, \t\r\n';
const SKIP = ', \t\r\n';

/** Length of a value up to one of `delims`, skipping over parenthesised groups (OVS's parse_value). */
function valueLength(s: string, from: number, delims: string): number {
  let n = from;
  while (n < s.length && !delims.includes(s[n])) {
    if (s[n] === '(') {
      let level = 0;
      do {
        if (n >= s.length) return n - from;
        if (s[n] === '(') level++;
        else if (s[n] === ')') level--;
        n++;
      } while (level > 0);
    } else {
      n++;
    }
  }
  return n - from;
}

/** Splits `s` into key/value pairs exactly as ofputil_parse_key_value does; `column` is the column of `s[0]`. */
export function splitKeyValues(s: string, column = 1): KeyValue[] {
  const out: KeyValue[] = [];
  let pos = 0;
  for (;;) {
    while (pos < s.length && SKIP.includes(s[pos])) pos++;
    if (pos >= s.length) return out;
    const keyStart = pos;
    while (pos < s.length && !KEY_END.includes(s[pos])) pos++;
    const key = s.slice(keyStart, pos);
    const d = pos < s.length ? s[pos] : '';
    if (d !== '') pos++;
    if (d !== ':' && d !== '=' && d !== '(') {
      out.push({ key, value: '', keyColumn: column + keyStart, valueColumn: column + pos, delimiter: '' });
      continue;
    }
    const valueStart = pos;
    let len = valueLength(s, valueStart, d === '(' ? ')' : SKIP);
    // "(x)->y": move's source in parentheses is followed by its destination.
    if (d === '(' && s[valueStart + len] === ')' && s.startsWith('->', valueStart + len + 1)) {
      len += valueLength(s, valueStart + len, SKIP);
    }
    const value = s.slice(valueStart, valueStart + len);
    pos = valueStart + len + (valueStart + len < s.length ? 1 : 0);
    out.push({ key, value, keyColumn: column + keyStart, valueColumn: column + valueStart, delimiter: d });
  }
}
