import { describe, expect, it } from 'vitest';
import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';
import { ConnTable, Conntrack } from '../../src/conntrack/index.js';
import { A, B, ct, udp } from './helpers.js';

describe('shared connection table', () => {
  it('states its memory per connection: 1M connections fit in 256 MiB', () => {
    expect(ConnTable.bytesPerConnection()).toBe(224);
    const t = ConnTable.create(1 << 20);
    expect(t.sab.byteLength).toBeLessThanOrEqual(256 * 1024 * 1024);
  });

  it('a second Conntrack attached to the same memory sees the first one\'s connections', () => {
    const a = new Conntrack({ capacity: 64 });
    const b = new Conntrack({ table: ConnTable.attach(a.table.sab) });
    ct(a, udp(A, B, 1, 2), { commit: true });
    expect(ct(b, udp(B, A, 2, 1))).toBe('+est+rpl+trk');
  });

  it('a full table refuses new connections without failing', () => {
    const c = new Conntrack({ capacity: 2 });
    for (let p = 1; p <= 3; p++) ct(c, udp(A, B, p, 9), { commit: true });
    expect(c.nConns()).toBe(2);
  });

  it('freed slots are reused', () => {
    const c = new Conntrack({ capacity: 2 });
    ct(c, udp(A, B, 1, 9), { commit: true });
    ct(c, udp(A, B, 2, 9), { commit: true });
    c.flush();
    ct(c, udp(A, B, 3, 9), { commit: true });
    expect(c.dump(0)).toHaveLength(1);
  });

  it('four worker threads committing into one table lose and duplicate nothing', async () => {
    const bundle = buildSync({ entryPoints: [fileURLToPath(new URL('./fixtures/commit-worker.ts', import.meta.url))], bundle: true, platform: 'node', format: 'cjs', write: false });
    const code = bundle.outputFiles[0].text;
    const c = new Conntrack({ capacity: 1 << 14 });
    const n = 1000;
    const workers = [0, 1, 2, 3].map((w) => new Worker(code, { eval: true, workerData: { sab: c.table.sab, worker: w, n } }));
    await Promise.all(workers.map((w) => new Promise((res, rej) => { w.once('message', res); w.once('error', rej); })));
    await Promise.all(workers.map((w) => w.terminate()));
    expect(c.nConns()).toBe(4 * n + n);
    const lines = c.dump(0);
    expect(new Set(lines).size).toBe(lines.length);
  }, 30_000);
});
