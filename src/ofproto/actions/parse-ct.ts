/**
 * Parsing ct(...) (OVS parse_CT and parse_NAT): commit, force, zone (immediate or subfield), table, alg, exec(...)
 * and nat(...) with its address/port range and flags, with OVS's messages for what it refuses.
 */

import { FlowSyntaxError } from '../../base/errors.js';
import type { Subfield } from '../../flow/bits.js';
import { parseIpv6 } from '../../flow/value-syntax.js';
import { parseCInteger, parseIpv4 } from './numbers.js';
import { parseSubfield } from './subfield-syntax.js';
import { splitKeyValues } from './tokens.js';
import type { Action, CtAction, CtNat } from './types.js';

/**
 * ct(...). `parseExec` parses the text of exec(...) as a nested action list; it is the caller's so that the nesting
 * rules (only ct_mark/ct_label writes inside ct) stay with the list parser.
 */
export function parseCt(value: string, column: number, parseExec: (text: string, column: number) => Action[]): CtAction {
  let commit = false;
  let force = false;
  let zone: number | Subfield = 0;
  let table: number | undefined;
  let alg: 'ftp' | 'tftp' | undefined;
  let nat: CtNat | undefined;
  let exec: Action[] = [];
  for (const kv of splitKeyValues(value, column)) {
    switch (kv.key) {
      case 'commit':
        commit = true;
        break;
      case 'force':
        force = true;
        break;
      case 'table': {
        const t = parseCInteger(kv.value);
        if (t === undefined || t > 255n) throw new FlowSyntaxError(`unknown table ${kv.value}`, { column: kv.valueColumn });
        if (t === 255n) throw new FlowSyntaxError('invalid table 0xff', { column: kv.valueColumn });
        table = Number(t);
        break;
      }
      case 'zone': {
        const z = parseCInteger(kv.value);
        if (z !== undefined && z < 0x10000n) {
          zone = Number(z);
        } else {
          zone = parseSubfield(kv.value, kv.valueColumn);
        }
        break;
      }
      case 'alg':
        if (kv.value === 'ftp') alg = 'ftp';
        else if (kv.value === 'tftp') alg = 'tftp';
        else throw new FlowSyntaxError(`invalid connection helper "${kv.value}"`, { column: kv.valueColumn });
        break;
      case 'nat':
        nat = parseNat(kv.value, kv.valueColumn);
        break;
      case 'exec':
        exec = [...exec, ...parseExec(kv.value, kv.valueColumn)];
        break;
      default:
        throw new FlowSyntaxError(`invalid argument to "ct" action: \`${kv.key}'`, { column: kv.keyColumn });
    }
  }
  if (force && !commit) throw new FlowSyntaxError('"force" flag requires "commit" flag.', { column });
  return { kind: 'ct', commit, force, zone, table, alg, nat, exec };
}

function parseNat(value: string, column: number): CtNat {
  let type: 'none' | 'src' | 'dst' = 'none';
  let both = false;
  let range: Pick<CtNat, 'addrMin' | 'addrMax' | 'portMin' | 'portMax'> = {};
  const flags = new Set<'random' | 'hash' | 'persistent'>();
  for (const kv of splitKeyValues(value, column)) {
    switch (kv.key) {
      case 'src':
      case 'dst':
        if (type !== 'none' && type !== kv.key) both = true;
        type = kv.key;
        if (kv.value !== '') range = parseNatRange(kv.value, kv.valueColumn);
        break;
      case 'persistent':
      case 'hash':
      case 'random':
        flags.add(kv.key);
        break;
      default:
        throw new FlowSyntaxError(`invalid key "${kv.key}" in "nat" argument`, { column: kv.keyColumn });
    }
  }
  if (both) throw new FlowSyntaxError('May only specify one of "src" or "dst".', { column });
  if (type === 'none') {
    if (flags.size > 0) throw new FlowSyntaxError('Flags allowed only with "src" or "dst".', { column });
  }
  if (flags.has('hash') && flags.has('random')) {
    throw new FlowSyntaxError('Both "hash" and "random" are not allowed.', { column });
  }
  const order: ('persistent' | 'hash' | 'random')[] = ['persistent', 'hash', 'random'];
  return { type, ...range, flags: order.filter((f) => flags.has(f)) };
}

function ipv4Bytes(v: number): Uint8Array {
  return Uint8Array.of(v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255);
}

function ipv6Bytes(v: bigint): Uint8Array {
  const out = new Uint8Array(16);
  for (let i = 15; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

/** str_to_nat_range: ADDR[-ADDR][:PORT[-PORT]], IPv6 addresses in brackets when a port follows. */
function parseNatRange(text: string, column: number): Pick<CtNat, 'addrMin' | 'addrMax' | 'portMin' | 'portMax'> {
  const bad = (): never => {
    throw new FlowSyntaxError(`invalid nat range "${text}"`, { column });
  };
  let addrPart = text;
  let portPart: string | undefined;
  let addrMin: Uint8Array;
  let addrMax: Uint8Array | undefined;
  const v4 = /^([0-9.]+)(?:-([0-9.]+))?(?::(.*))?$/.exec(text);
  if (v4 !== null) {
    const a = parseIpv4(v4[1]) ?? bad();
    addrMin = ipv4Bytes(a);
    if (v4[2] !== undefined) {
      const b = parseIpv4(v4[2]) ?? bad();
      if (b < a) bad();
      addrMax = ipv4Bytes(b);
    }
    portPart = v4[3];
  } else {
    // IPv6: [a]-[b]:p-q, [a]:p, a-b, a
    const br = /^\[([^\]]+)\](?:-\[([^\]]+)\])?(?::(.*))?$/.exec(text);
    let minText: string;
    let maxText: string | undefined;
    if (br !== null) {
      minText = br[1];
      maxText = br[2];
      portPart = br[3];
    } else {
      addrPart = text;
      const dash = addrPart.indexOf('-');
      minText = dash < 0 ? addrPart : addrPart.slice(0, dash);
      maxText = dash < 0 ? undefined : addrPart.slice(dash + 1);
    }
    const a = parseIpv6(minText) ?? bad();
    addrMin = ipv6Bytes(a);
    if (maxText !== undefined) {
      const b = parseIpv6(maxText) ?? bad();
      if (b < a) bad();
      addrMax = ipv6Bytes(b);
    }
  }
  let portMin: number | undefined;
  let portMax: number | undefined;
  if (portPart !== undefined) {
    const pm = /^(\d+)(?:-(\d+))?$/.exec(portPart) ?? bad();
    portMin = Number(pm[1]);
    portMax = pm[2] === undefined ? undefined : Number(pm[2]);
    if (portMin > 0xffff || (portMax !== undefined && (portMax > 0xffff || portMax < portMin))) bad();
  }
  return { addrMin, addrMax, portMin, portMax };
}
