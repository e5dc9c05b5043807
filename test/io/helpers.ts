/**
 * Test helpers for capture I/O: capture files built byte by byte from the format specs (independent of our writer,
 * so a shared misreading of the spec cannot make reader and writer agree with each other), and tshark as the
 * external judge.
 */

import { execFile, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

// ---------------------------------------------------------------------------------------------------------------
// Where things are
// ---------------------------------------------------------------------------------------------------------------

/** The public sample captures (see MANIFEST.md there). */
export const CAPTURES_DIR = process.env.FLOWLAB_CAPTURES ?? '/work/shared/captures';
export const PCAPIO_DIR = process.env.FLOWLAB_OVS_REFERENCE ?? '/work/shared/tools/ovs-reference';

export function captureFiles(): string[] {
  if (!fs.existsSync(CAPTURES_DIR)) return [];
  return fs
    .readdirSync(CAPTURES_DIR)
    .filter((f) => f.endsWith('.pcap') || f.endsWith('.pcapng'))
    .sort();
}

export function capturePath(name: string): string {
  return path.join(CAPTURES_DIR, name);
}

export function tmpFile(name: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flowlab-io-'));
  return path.join(dir, name);
}

// ---------------------------------------------------------------------------------------------------------------
// External tools: in CI a missing tool fails the test; locally it skips with a message.
// ---------------------------------------------------------------------------------------------------------------

export const IN_CI = process.env.CI === 'true';

function toolWorks(cmd: string, args: string[]): boolean {
  try {
    execFileSync(cmd, args, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export const TSHARK = process.env.TSHARK ?? 'tshark';
export const HAVE_TSHARK = toolWorks(TSHARK, ['--version']);
/** Skip tshark cross-checks only outside CI; in CI they run and fail if tshark is missing. */
export const SKIP_TSHARK = !HAVE_TSHARK && !IN_CI;
if (SKIP_TSHARK) console.warn('tshark not found: skipping tshark cross-checks (they fail instead when CI=true)');

export const HAVE_PYTHON = toolWorks('python3', ['--version']) && fs.existsSync(path.join(PCAPIO_DIR, 'pcapio.py'));
export const SKIP_PYTHON = !HAVE_PYTHON && !IN_CI;
if (SKIP_PYTHON) console.warn('python3 or pcapio.py not found: skipping pcapio byte comparisons');

export interface TsharkFrame {
  len: number;
  caplen: number;
  sec: number;
  nsec: number;
  interfaceId: number | undefined;
}

/** tshark's view of each frame: lengths, exact epoch time, interface. */
export async function tsharkFrames(file: string): Promise<TsharkFrame[]> {
  const { stdout } = await run(
    TSHARK,
    ['-n', '-r', file, '-T', 'fields', '-E', 'separator=,', '-e', 'frame.len', '-e', 'frame.cap_len', '-e',
      'frame.time_epoch', '-e', 'frame.interface_id'],
    { maxBuffer: 64 * 1024 * 1024 },
  );
  return stdout
    .split('\n')
    .filter((l) => l.length > 0)
    .map((line) => {
      const [len, caplen, epoch, iface] = line.split(',');
      const [sec, frac = ''] = epoch.split('.');
      return {
        len: Number(len),
        caplen: Number(caplen),
        sec: Number(sec),
        nsec: Number(frac.padEnd(9, '0').slice(0, 9)),
        interfaceId: iface === '' || iface === undefined ? undefined : Number(iface),
      };
    });
}

/** tshark's -T fields output for arbitrary fields, one array per frame. */
export async function tsharkFields(file: string, fields: string[]): Promise<string[][]> {
  const args = ['-n', '-r', file, '-T', 'fields', '-E', 'separator=|'];
  for (const f of fields) args.push('-e', f);
  const { stdout } = await run(TSHARK, args, { maxBuffer: 64 * 1024 * 1024 });
  return stdout
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => l.split('|'));
}

/** Runs `fn` over items with at most `limit` in flight (tshark is a heavy process). */
export async function mapLimit<T, R>(items: T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  });
  await Promise.all(workers);
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Byte builders
// ---------------------------------------------------------------------------------------------------------------

export interface PcapFileSpec {
  littleEndian?: boolean;
  nanosecond?: boolean;
  snaplen?: number;
  linktype?: number;
  thiszone?: number;
}

export interface PcapRecordSpec {
  sec: number;
  frac: number;
  data: Uint8Array;
  /** Defaults to data.length. */
  origLen?: number;
  /** Written into the header instead of data.length, to fake corrupt lengths. */
  caplenField?: number;
}

/** A classic pcap file, laid out by hand from the libpcap file format. */
export function pcapFile(spec: PcapFileSpec, records: PcapRecordSpec[]): Uint8Array {
  const le = spec.littleEndian ?? true;
  const size = 24 + records.reduce((n, r) => n + 16 + r.data.length, 0);
  const out = new Uint8Array(size);
  const v = new DataView(out.buffer);
  v.setUint32(0, spec.nanosecond ? 0xa1b23c4d : 0xa1b2c3d4, le);
  v.setUint16(4, 2, le);
  v.setUint16(6, 4, le);
  v.setInt32(8, spec.thiszone ?? 0, le);
  v.setUint32(12, 0, le);
  v.setUint32(16, spec.snaplen ?? 65535, le);
  v.setUint32(20, spec.linktype ?? 1, le);
  let o = 24;
  for (const r of records) {
    v.setUint32(o, r.sec, le);
    v.setUint32(o + 4, r.frac, le);
    v.setUint32(o + 8, r.caplenField ?? r.data.length, le);
    v.setUint32(o + 12, r.origLen ?? r.data.length, le);
    out.set(r.data, o + 16);
    o += 16 + r.data.length;
  }
  return out;
}

/** Bytes 0, 1, 2, ... of the given length, tagged with `seed` in the first byte so packets differ. */
export function packet(length: number, seed = 0): Uint8Array {
  const b = new Uint8Array(length);
  for (let i = 0; i < length; i++) b[i] = (i + seed * 7) & 0xff;
  if (length > 0) b[0] = seed & 0xff;
  return b;
}

export interface IdbOptions {
  snaplen?: number;
  tsresol?: number;
  tsoffset?: bigint;
  name?: string;
}

/** A pcapng file, block by block, laid out by hand from draft-ietf-opsawg-pcapng. */
export class PcapngBuilder {
  private parts: Uint8Array[] = [];
  private le = true;

  /** Starts a section; its byte order holds for the blocks that follow. */
  shb(littleEndian = true, options: Uint8Array = new Uint8Array(0)): this {
    this.le = littleEndian;
    const body = new Uint8Array(16 + options.length);
    const v = new DataView(body.buffer);
    v.setUint32(0, 0x1a2b3c4d, this.le);
    v.setUint16(4, 1, this.le);
    v.setUint16(6, 0, this.le);
    v.setBigInt64(8, -1n, this.le);
    body.set(options, 16);
    return this.block(0x0a0d0d0a, body);
  }

  idb(linktype: number, o: IdbOptions = {}): this {
    const opts: Uint8Array[] = [];
    if (o.name !== undefined) opts.push(this.option(2, new TextEncoder().encode(o.name)));
    if (o.tsresol !== undefined) opts.push(this.option(9, Uint8Array.of(o.tsresol)));
    if (o.tsoffset !== undefined) {
      const b = new Uint8Array(8);
      new DataView(b.buffer).setBigInt64(0, o.tsoffset, this.le);
      opts.push(this.option(14, b));
    }
    if (opts.length > 0) opts.push(this.option(0, new Uint8Array(0)));
    const head = new Uint8Array(8);
    const v = new DataView(head.buffer);
    v.setUint16(0, linktype, this.le);
    v.setUint32(4, o.snaplen ?? 0, this.le);
    return this.block(1, concat([head, ...opts]));
  }

  epb(ifid: number, ts: bigint, data: Uint8Array, origLen = data.length, caplenField = data.length): this {
    const head = new Uint8Array(20);
    const v = new DataView(head.buffer);
    v.setUint32(0, ifid, this.le);
    v.setUint32(4, Number(ts >> 32n), this.le);
    v.setUint32(8, Number(ts & 0xffffffffn), this.le);
    v.setUint32(12, caplenField, this.le);
    v.setUint32(16, origLen, this.le);
    return this.block(6, concat([head, pad4(data)]));
  }

  opb(ifid: number, ts: bigint, data: Uint8Array, origLen = data.length): this {
    const head = new Uint8Array(20);
    const v = new DataView(head.buffer);
    v.setUint16(0, ifid, this.le);
    v.setUint16(2, 0, this.le);
    v.setUint32(4, Number(ts >> 32n), this.le);
    v.setUint32(8, Number(ts & 0xffffffffn), this.le);
    v.setUint32(12, data.length, this.le);
    v.setUint32(16, origLen, this.le);
    return this.block(2, concat([head, pad4(data)]));
  }

  spb(origLen: number, data: Uint8Array): this {
    const head = new Uint8Array(4);
    new DataView(head.buffer).setUint32(0, origLen, this.le);
    return this.block(3, concat([head, pad4(data)]));
  }

  /** Any block, for unknown types and hand-made damage. */
  block(type: number, body: Uint8Array, lengthField?: number, trailerField?: number): this {
    const len = 12 + body.length;
    const out = new Uint8Array(len);
    const v = new DataView(out.buffer);
    v.setUint32(0, type, this.le);
    v.setUint32(4, lengthField ?? len, this.le);
    out.set(body, 8);
    v.setUint32(len - 4, trailerField ?? lengthField ?? len, this.le);
    this.parts.push(out);
    return this;
  }

  bytes(): Uint8Array {
    return concat(this.parts);
  }

  private option(code: number, value: Uint8Array): Uint8Array {
    const out = new Uint8Array(4 + ((value.length + 3) & ~3));
    const v = new DataView(out.buffer);
    v.setUint16(0, code, this.le);
    v.setUint16(2, value.length, this.le);
    out.set(value, 4);
    return out;
  }
}

export function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function pad4(data: Uint8Array): Uint8Array {
  const out = new Uint8Array((data.length + 3) & ~3);
  out.set(data);
  return out;
}
