import { describe, expect, it } from 'vitest';
import { formatTunnelAddr, NEIGH_AGING_MS, parseTunnelAddr, Underlay, type TunnelAddr } from '../../src/tunnel/index.js';

const a = (s: string): TunnelAddr => {
  const r = parseTunnelAddr(s);
  if (r === null) throw new Error(s);
  return r;
};
const mac = (s: string): Uint8Array => Uint8Array.from(s.split(':').map((h) => parseInt(h, 16)));

function underlay(): Underlay {
  const u = new Underlay();
  u.addAddress('br-phy', a('172.16.0.31'), 96 + 24);
  u.addAddress('br-phy', a('fd00::31'), 64);
  expect(u.addRoute(a('172.16.0.0'), 96 + 24, 'br-phy')).toBeNull();
  expect(u.addRoute(a('10.99.0.0'), 96 + 16, 'br-phy', a('172.16.0.1'))).toBeNull();
  expect(u.addRoute(a('fd00::'), 64, 'br-phy')).toBeNull();
  return u;
}

describe('underlay routes (ovs-router.c)', () => {
  it('routes an on-link destination to itself with the device address as source', () => {
    const r = underlay().route(a('172.16.0.11'), 0, 0);
    expect(r?.dev).toBe('br-phy');
    expect(formatTunnelAddr(r!.nextHop)).toBe('172.16.0.11');
    expect(formatTunnelAddr(r!.src)).toBe('172.16.0.31');
  });

  it('sends to the gateway for a routed destination, source from the gateway subnet', () => {
    const r = underlay().route(a('10.99.1.1'), 0, 0);
    expect(formatTunnelAddr(r!.nextHop)).toBe('172.16.0.1');
    expect(formatTunnelAddr(r!.src)).toBe('172.16.0.31');
  });

  it('picks the longest prefix', () => {
    const u = underlay();
    u.addAddress('br-two', a('10.99.7.1'), 96 + 24);
    expect(u.addRoute(a('10.99.7.0'), 96 + 24, 'br-two')).toBeNull();
    expect(u.route(a('10.99.7.5'), 0, 0)?.dev).toBe('br-two');
    expect(u.route(a('10.99.8.5'), 0, 0)?.dev).toBe('br-phy');
  });

  it('routes IPv6 with the IPv6 device address as source', () => {
    const r = underlay().route(a('fd00::11'), 0, 0);
    expect(formatTunnelAddr(r!.src)).toBe('fd00::31');
  });

  it('finds no route for an unknown destination or another pkt_mark', () => {
    const u = underlay();
    expect(u.route(a('192.0.2.1'), 0, 0)).toBeNull();
    expect(u.route(a('172.16.0.11'), 0, 5)).toBeNull();
  });

  it('accepts a local_ip source only if it is one of our addresses', () => {
    const u = underlay();
    expect(formatTunnelAddr(u.route(a('172.16.0.11'), 0, 0, a('172.16.0.31'))!.src)).toBe('172.16.0.31');
    expect(u.route(a('172.16.0.11'), 0, 0, a('172.16.0.32'))).toBeNull();
  });

  it('refuses a route for which the device has no source address', () => {
    expect(underlay().addRoute(a('192.0.2.0'), 96 + 24, 'br-phy')).toMatch(/^Error while inserting route/);
  });

  it('prints ovs/route/show lines as OVS 3.1 does', () => {
    expect(underlay().showRoutes()).toBe(
      'Route Table:\nUser: 172.16.0.0/24 dev br-phy SRC 172.16.0.31\nUser: 10.99.0.0/16 dev br-phy GW 172.16.0.1 SRC 172.16.0.31\nUser: fd00::/64 dev br-phy SRC fd00::31\n',
    );
  });
});

describe('tunnel neighbour table (tnl-neigh-cache.c)', () => {
  it('returns a set MAC until it ages out 15 minutes after its last use', () => {
    const u = underlay();
    u.setNeighbour('br-phy', a('172.16.0.11'), 0, mac('00:15:5d:bf:ba:4f'), 0, 0);
    expect(u.lookupNeighbour('br-phy', a('172.16.0.11'), 0, 1000)).toEqual(mac('00:15:5d:bf:ba:4f'));
    // the lookup at 1000 refreshed it
    expect(u.lookupNeighbour('br-phy', a('172.16.0.11'), 0, 1000 + NEIGH_AGING_MS - 1)).not.toBeNull();
    expect(u.lookupNeighbour('br-phy', a('172.16.0.11'), 0, 1000 + 2 * NEIGH_AGING_MS)).toBeNull();
  });

  it('keeps entries per bridge', () => {
    const u = underlay();
    u.setNeighbour('br-phy', a('172.16.0.11'), 0, mac('00:15:5d:bf:ba:4f'), 0, 0);
    expect(u.lookupNeighbour('br-other', a('172.16.0.11'), 0, 0)).toBeNull();
  });

  it('bumps seq when a MAC changes, not when it is refreshed', () => {
    const u = underlay();
    u.setNeighbour('br-phy', a('172.16.0.11'), 0, mac('00:15:5d:bf:ba:4f'), 0, 0);
    const s = u.seq;
    u.setNeighbour('br-phy', a('172.16.0.11'), 0, mac('00:15:5d:bf:ba:4f'), 0, 10);
    expect(u.seq).toBe(s);
    u.setNeighbour('br-phy', a('172.16.0.11'), 0, mac('00:15:5d:bf:ba:77'), 0, 20);
    expect(u.seq).toBe(s + 1);
    expect(u.lookupNeighbour('br-phy', a('172.16.0.11'), 0, 30)).toEqual(mac('00:15:5d:bf:ba:77'));
  });

  it('prints tnl/neigh/show as OVS does, marking expired entries STALE', () => {
    const u = underlay();
    u.setNeighbour('br-phy', a('172.16.0.11'), 0, mac('00:15:5d:bf:ba:4f'), 0, 0);
    u.setNeighbour('br-phy', a('fd00::11'), 0, mac('00:15:5d:bf:ba:4b'), 0, NEIGH_AGING_MS);
    expect(u.showNeighbours(NEIGH_AGING_MS).split('\n')).toEqual([
      'IP                                            MAC                 Bridge',
      '==========================================================================',
      '172.16.0.11                                   00:15:5d:bf:ba:4f   br-phy STALE',
      'fd00::11                                      00:15:5d:bf:ba:4b   br-phy',
      '',
    ]);
  });
});
