/**
 * Builds small scenario folders for tests: topology.json, flow files and input captures written from frame specs.
 */

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readAll } from '../../src/io/capture.js';
import { PcapWriter } from '../../src/io/pcap-writer.js';
import { buildFrame, type FrameSpec } from '../../src/packet/build.js';

export interface TimedFrame {
  /** Seconds since the epoch (may be fractional: milliseconds are kept exactly). */
  readonly t: number;
  readonly frame: FrameSpec | Uint8Array;
}

export function tmpDir(prefix = 'flowlab-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function writePcap(file: string, frames: readonly TimedFrame[]): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const w = PcapWriter.toFile(file);
  for (const f of frames) {
    const ms = Math.round(f.t * 1000);
    w.write(Math.floor(ms / 1000), (ms % 1000) * 1_000_000, f.frame instanceof Uint8Array ? f.frame : buildFrame(f.frame));
  }
  w.close();
}

export interface ScenarioSpec {
  readonly topology: Record<string, unknown>;
  readonly flows?: Record<string, string>;
  readonly inputs?: Record<string, readonly TimedFrame[]>;
}

/** Writes a scenario folder; inputs go to input/<port>.pcap and are listed in topology.inputs in the given order. */
export function writeScenario(s: ScenarioSpec): string {
  const dir = tmpDir('flowlab-scen-');
  for (const [name, text] of Object.entries(s.flows ?? {})) fs.writeFileSync(path.join(dir, name), text);
  const inputs: { port: string; pcap: string }[] = [];
  for (const [port, frames] of Object.entries(s.inputs ?? {})) {
    writePcap(path.join(dir, 'input', `${port}.pcap`), frames);
    inputs.push({ port, pcap: `input/${port}.pcap` });
  }
  fs.writeFileSync(path.join(dir, 'topology.json'), JSON.stringify({ ...s.topology, inputs }, null, 2));
  return dir;
}

/** The frames of an output capture (empty if the file does not exist). */
export function framesOf(file: string): Uint8Array[] {
  if (!fs.existsSync(file)) return [];
  return readAll(file).map((r) => r.data);
}

export function readJsonLines(file: string): Record<string, unknown>[] {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

export const MAC = {
  h1: '02:00:00:00:00:01',
  h2: '02:00:00:00:00:02',
  h3: '02:00:00:00:00:03',
  bcast: 'ff:ff:ff:ff:ff:ff',
} as const;

/** A UDP frame from one host MAC to another. */
export function udp(src: string, dst: string, payload = 'x', srcIp = '10.0.0.1', dstIp = '10.0.0.2'): FrameSpec {
  return { eth: { src, dst }, ipv4: { src: srcIp, dst: dstIp }, udp: { srcPort: 1000, dstPort: 2000 }, payload };
}

/** A NORMAL switch br0 with access-free ports p1..p3. */
export function normalSwitch(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    bridges: [
      {
        name: 'br0',
        hwaddr: '02:00:00:00:00:fe',
        flows: 'br0.flows',
        ports: [
          { name: 'p1', ofport: 1 },
          { name: 'p2', ofport: 2 },
          { name: 'p3', ofport: 3 },
        ],
        ...extra,
      },
    ],
  };
}
