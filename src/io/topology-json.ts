/**
 * JSON with positions: a small JSON parser that remembers where every value starts.
 *
 * Why not JSON.parse? A topology mistake ("ofport must be an integer") is only useful with its place in the file, and
 * JSON.parse keeps no positions (its own syntax errors even differ between Node versions). This parser builds a tree
 * of `JsonNode`s, each carrying the line and column (1-based) where the value begins, so the topology loader can say
 * `topology.json:12:40: bridges[0].ports[2].ofport: ...`. It accepts exactly RFC 8259 JSON; topology files are small,
 * so clarity wins over speed.
 */

import { TopologyError } from '../base/index.js';

export type JsonNode =
  | JsonLeaf<'null', null>
  | JsonLeaf<'boolean', boolean>
  | JsonLeaf<'number', number>
  | JsonLeaf<'string', string>
  | JsonArrayNode
  | JsonObjectNode;

interface Located {
  readonly line: number;
  readonly column: number;
}

export interface JsonLeaf<K extends string, V> extends Located {
  readonly kind: K;
  readonly value: V;
}

export interface JsonArrayNode extends Located {
  readonly kind: 'array';
  readonly items: readonly JsonNode[];
}

export interface JsonObjectNode extends Located {
  readonly kind: 'object';
  /** Members in file order; a repeated key is an error at parse time. */
  readonly members: ReadonlyMap<string, JsonNode>;
}

/** Parses `text`; syntax errors are TopologyErrors located in `file`. */
export function parseLocatedJson(text: string, file: string): JsonNode {
  const p = new Parser(text, file);
  p.skipSpace();
  const root = p.value();
  p.skipSpace();
  if (!p.atEnd()) p.fail('unexpected text after the JSON value');
  return root;
}

class Parser {
  private pos = 0;
  private line = 1;
  private lineStart = 0;

  constructor(
    private readonly text: string,
    private readonly file: string,
  ) {}

  atEnd(): boolean {
    return this.pos >= this.text.length;
  }

  fail(message: string): never {
    throw new TopologyError(`invalid JSON: ${message}`, {
      file: this.file,
      line: this.line,
      column: this.pos - this.lineStart + 1,
    });
  }

  skipSpace(): void {
    const t = this.text;
    while (this.pos < t.length) {
      const c = t.charCodeAt(this.pos);
      if (c === 0x0a) {
        this.pos++;
        this.line++;
        this.lineStart = this.pos;
      } else if (c === 0x20 || c === 0x09 || c === 0x0d) {
        this.pos++;
      } else {
        break;
      }
    }
  }

  value(): JsonNode {
    const here = { line: this.line, column: this.pos - this.lineStart + 1 };
    const c = this.text[this.pos];
    if (c === '{') return this.object(here);
    if (c === '[') return this.array(here);
    if (c === '"') return { kind: 'string', value: this.string(), ...here };
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return { kind: 'number', value: this.number(), ...here };
    if (this.text.startsWith('true', this.pos)) {
      this.pos += 4;
      return { kind: 'boolean', value: true, ...here };
    }
    if (this.text.startsWith('false', this.pos)) {
      this.pos += 5;
      return { kind: 'boolean', value: false, ...here };
    }
    if (this.text.startsWith('null', this.pos)) {
      this.pos += 4;
      return { kind: 'null', value: null, ...here };
    }
    if (c === undefined) this.fail('unexpected end of file');
    this.fail(`unexpected character ${JSON.stringify(c)}`);
  }

  private object(here: Located): JsonObjectNode {
    this.pos++;
    const members = new Map<string, JsonNode>();
    this.skipSpace();
    if (this.text[this.pos] === '}') {
      this.pos++;
      return { kind: 'object', members, ...here };
    }
    for (;;) {
      this.skipSpace();
      if (this.text[this.pos] !== '"') this.fail('expected a member name in double quotes');
      const keyCol = this.pos - this.lineStart + 1;
      const keyLine = this.line;
      const key = this.string();
      if (members.has(key)) {
        throw new TopologyError(`invalid JSON: duplicate member "${key}"`, { file: this.file, line: keyLine, column: keyCol });
      }
      this.skipSpace();
      if (this.text[this.pos] !== ':') this.fail('expected ":"');
      this.pos++;
      this.skipSpace();
      members.set(key, this.value());
      this.skipSpace();
      const c = this.text[this.pos];
      this.pos++;
      if (c === '}') return { kind: 'object', members, ...here };
      if (c !== ',') {
        this.pos--;
        this.fail('expected "," or "}"');
      }
    }
  }

  private array(here: Located): JsonArrayNode {
    this.pos++;
    const items: JsonNode[] = [];
    this.skipSpace();
    if (this.text[this.pos] === ']') {
      this.pos++;
      return { kind: 'array', items, ...here };
    }
    for (;;) {
      this.skipSpace();
      items.push(this.value());
      this.skipSpace();
      const c = this.text[this.pos];
      this.pos++;
      if (c === ']') return { kind: 'array', items, ...here };
      if (c !== ',') {
        this.pos--;
        this.fail('expected "," or "]"');
      }
    }
  }

  private string(): string {
    this.pos++; // opening quote
    let out = '';
    for (;;) {
      const c = this.text[this.pos];
      if (c === undefined) this.fail('unterminated string');
      if (c === '"') {
        this.pos++;
        return out;
      }
      if (c === '\n' || c.charCodeAt(0) < 0x20) this.fail('control character in string');
      if (c !== '\\') {
        out += c;
        this.pos++;
        continue;
      }
      const e = this.text[this.pos + 1];
      this.pos += 2;
      switch (e) {
        case '"':
        case '\\':
        case '/':
          out += e;
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u': {
          const hex = this.text.slice(this.pos, this.pos + 4);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail('bad \\u escape');
          out += String.fromCharCode(parseInt(hex, 16));
          this.pos += 4;
          break;
        }
        default:
          this.pos -= 2;
          this.fail('bad escape in string');
      }
    }
  }

  private number(): number {
    const m = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(this.text.slice(this.pos, this.pos + 64));
    if (m === null) this.fail('bad number');
    this.pos += m[0].length;
    return Number(m[0]);
  }
}
