import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { replay } from '../../src/control/replay.js';
import { PassSource } from '../../src/dpif/caches.js';
import { formatMegaflow } from '../../src/dpif/megaflow-format.js';
import { W } from '../../src/flow/key-layout.js';
import { loadTopologyJson } from '../../src/io/topology.js';
import { rig, udpFrame } from './cache-helpers.js';

describe('megaflows: install on upcall, serve later packets', () => {
  it('serves the second packet of a flow from the megaflow cache, not from xlate', () => {
    const r = rig(['priority=10,ip actions=output:p2'], { emcInsertInvProb: 0 });
    const f = udpFrame('10.0.0.1', '10.0.0.2');
    r.send('p1', f);
    expect(r.dp.caches.lastSource).toBe(PassSource.UPCALL);
    expect(r.send('p1', f)).toEqual(['p2']);
    expect(r.dp.caches.lastSource).toBe(PassSource.MEGAFLOW);
    expect(r.dp.lastXlate).toBeNull();
  });

  it('serves a repeated exact key from the EMC once inserted', () => {
    const r = rig(['priority=10,ip actions=output:p2'], { emcInsertInvProb: 1 });
    const f = udpFrame('10.0.0.1', '10.0.0.2');
    r.send('p1', f);
    r.send('p1', f);
    expect(r.dp.caches.lastSource).toBe(PassSource.EMC);
    expect(r.dp.caches.stats).toMatchObject({ emcHits: 1, upcalls: 1 });
  });

  it('serves from the SMC when enabled and the EMC is off', () => {
    const r = rig(['priority=10,ip actions=output:p2'], { emcInsertInvProb: 0, smcEnabled: true, smcEntries: 1024 });
    const f = udpFrame('10.0.0.1', '10.0.0.2');
    r.send('p1', f);
    r.send('p1', f);
    expect(r.dp.caches.lastSource).toBe(PassSource.SMC);
  });

  it('installs the translation wildcards as the mask: packets differing only in unconsulted fields share a megaflow', () => {
    const r = rig(['priority=10,ip,nw_dst=10.0.0.2 actions=output:p2']);
    r.send('p1', udpFrame('10.0.0.1', '10.0.0.2', 53));
    r.send('p1', udpFrame('10.9.9.9', '10.0.0.2', 999));
    expect(r.dp.caches.table.count).toBe(1);
    const [mf] = r.dp.caches.table.all();
    expect(mf.mask[W.NW_DST]).toBe(0xffffffff);
    expect(mf.mask[W.NW_SRC]).toBe(0);
    expect(mf.mask[W.TP]).toBe(0);
  });

  it('keeps OpenFlow counters identical to translating every packet (side effects replayed on hits)', () => {
    const flows = ['priority=10,ip actions=resubmit(,1)', 'table=1,priority=5,udp actions=output:p2'];
    const cached = rig(flows);
    const uncached = rig(flows, { enabled: false });
    for (let i = 0; i < 50; i++) {
      const f = udpFrame(`10.0.0.${i % 5}`, '10.0.0.2');
      cached.send('p1', f);
      uncached.send('p1', f);
    }
    const stats = (x: typeof cached) => x.sw.bridge('br0')!.flows.allRules().map((r) => [r.nPackets, r.nBytes]);
    expect(stats(cached)).toEqual(stats(uncached));
    expect(cached.dp.caches.stats.hits).toBe(49);
    expect(uncached.dp.caches.stats.upcalls).toBe(50);
  });

  it('counts megaflow packets and bytes for hits only (the upcalled packet is not counted, as in OVS)', () => {
    const r = rig(['priority=10,ip actions=output:p2']);
    const f = udpFrame('10.0.0.1', '10.0.0.2');
    for (let i = 0; i < 3; i++) r.send('p1', f);
    const [mf] = r.dp.caches.table.all();
    expect([mf.packets, mf.bytes]).toEqual([2, 2 * f.length]);
  });

  it('prints a megaflow in dpctl/dump-flows syntax', () => {
    const r = rig(['priority=10,ip,nw_dst=10.0.0.0/24 actions=output:p2']);
    const f = udpFrame('10.0.0.1', '10.0.0.2');
    r.send('p1', f);
    r.send('p1', f);
    const [mf] = r.dp.caches.table.all();
    const line = formatMegaflow(mf, { portName: (dp) => r.sw.dpPortName(dp), nowMs: r.clock.nowMs() });
    expect(line).toBe(
      `recirc_id(0),in_port(p1),packet_type(ns=0,id=0),eth_type(0x0800),ipv4(dst=10.0.0.2/255.255.255.0,frag=no), packets:1, bytes:${f.length}, used:0.000s, actions:p2`,
    );
  });
});

const SCEN = path.resolve(__dirname, '..', 'conformance', 'scenarios');

describe('megaflows agree with OVS 3.1 (reference runs in test/conformance/scenarios/*/expected)', () => {
  for (const name of ['timeouts', 'learn', 'malformed']) {
    const expected = path.join(SCEN, name, 'expected', 'dpctl-flows.txt');
    it.skipIf(!fs.existsSync(expected))(`${name}: dpctl-flows.txt (keys, masks, counters, actions) equals OVS's`, () => {
      const out = fs.mkdtempSync(path.join(os.tmpdir(), `flowlab-mf-${name}-`));
      try {
        replay(loadTopologyJson(path.join(SCEN, name)), { outDir: out, settleMs: 100, caches: { maxIdleMs: 600_000 } });
        expect(fs.readFileSync(path.join(out, 'dpctl-flows.txt'), 'utf8')).toBe(fs.readFileSync(expected, 'utf8'));
      } finally {
        fs.rmSync(out, { recursive: true, force: true });
      }
    });
  }
});
