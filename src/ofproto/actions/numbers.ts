/**
 * Numbers and byte strings the way OVS's C helpers read them in action text.
 *
 * str_to_u16 and friends are strtol with base 0 (so `0x10` is hex and `010` is octal); load values are
 * parse_int_string (hex after `0x`, else base 0, any width); MACs and IPv4 addresses are the plain dotted forms
 * the legacy setters (mod_dl_src, mod_nw_src) take; hex byte strings (note, controller userdata) are
 * ofpbuf_put_hex.
 */

import { FlowSyntaxError } from '../../base/errors.js';

/** strtoull/strtol with base 0 over the whole string: 0x hex, leading-0 octal, else decimal. */
export function parseCInteger(text: string): bigint | undefined {
  const t = text.trim();
  let m: RegExpMatchArray | null;
  if ((m = /^\+?0[xX]([0-9a-fA-F]+)$/.exec(t))) return BigInt('0x' + m[1]);
  if ((m = /^\+?0([0-7]*)$/.exec(t))) return m[1] === '' ? 0n : BigInt('0o' + m[1]);
  if ((m = /^\+?([1-9][0-9]*)$/.exec(t))) return BigInt(m[1]);
  return undefined;
}

/** str_to_u8/u16/u32: "invalid WHAT "TEXT"" when not a number in range. */
export function parseUnsigned(text: string, bits: 8 | 16 | 32, what: string, column: number): number {
  const v = parseCInteger(text);
  if (v === undefined || v >= 1n << BigInt(bits)) {
    throw new FlowSyntaxError(bits === 32 ? `invalid numeric format ${text}` : `invalid ${what} "${text}"`, { column });
  }
  return Number(v);
}

/** str_to_u64 / str_to_be64. */
export function parseU64(text: string, column: number): bigint {
  const v = parseCInteger(text);
  if (v === undefined || v >= 1n << 64n) throw new FlowSyntaxError(`invalid numeric format ${text}`, { column });
  return v;
}

/**
 * parse_int_string: an integer of any width, hex after 0x (blanks between hex digits are skipped, as OVS does),
 * otherwise base 0. Returns the value and how many characters it used.
 */
export function parseIntPrefix(text: string): { value: bigint; length: number } | undefined {
  if (/^0[xX]/.test(text)) {
    let i = 2;
    let digits = '';
    while (i < text.length) {
      if (' \t\r\n'.includes(text[i])) {
        i++;
        continue;
      }
      if (!/[0-9a-fA-F]/.test(text[i])) break;
      digits += text[i];
      i++;
    }
    return { value: digits === '' ? 0n : BigInt('0x' + digits), length: i };
  }
  const m = /^[+]?(0[0-7]*|[1-9][0-9]*)/.exec(text);
  if (m === null) return undefined;
  const s = m[1];
  const value = s.length > 1 && s.startsWith('0') ? BigInt('0o' + s.slice(1)) : BigInt(s);
  return { value, length: m[0].length };
}

/** OVS's hex dump style `0x1f` (and `0` for zero), the %#x of printf. */
export function hexOf(v: bigint | number): string {
  const b = BigInt(v);
  return b === 0n ? '0' : '0x' + b.toString(16);
}

export function parseMac(text: string): bigint | undefined {
  const m = /^([0-9a-fA-F]{1,2}):([0-9a-fA-F]{1,2}):([0-9a-fA-F]{1,2}):([0-9a-fA-F]{1,2}):([0-9a-fA-F]{1,2}):([0-9a-fA-F]{1,2})$/.exec(text);
  if (m === null) return undefined;
  let v = 0n;
  for (let i = 1; i <= 6; i++) v = (v << 8n) | BigInt(parseInt(m[i], 16));
  return v;
}

export function parseIpv4(text: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (m === null) return undefined;
  let v = 0;
  for (let i = 1; i <= 4; i++) {
    const b = Number(m[i]);
    if (b > 255) return undefined;
    v = v * 256 + b;
  }
  return v;
}

/** ofpbuf_put_hex: pairs of hex digits, blanks and dots between bytes ignored. */
export function parseHexBytes(text: string, column: number, message: string): Uint8Array {
  const bytes: number[] = [];
  let i = 0;
  for (;;) {
    while (i < text.length && (text[i] === '.' || ' \t\r\n'.includes(text[i]))) i++;
    if (i >= text.length) break;
    const pair = text.slice(i, i + 2);
    if (!/^[0-9a-fA-F]{2}$/.test(pair)) throw new FlowSyntaxError(message, { column: column + i });
    bytes.push(parseInt(pair, 16));
    i += 2;
  }
  return Uint8Array.from(bytes);
}
