import { describe, expect, it } from 'vitest';
import { formatTunnelAddr, parseTunnelConfig, type TunnelConfig } from '../../src/tunnel/index.js';

function ok(options: Record<string, string>): TunnelConfig {
  const r = parseTunnelConfig('vx', 'vxlan', options);
  if (!r.ok) throw new Error(r.error);
  return r.config;
}

function err(options: Record<string, string>): string {
  const r = parseTunnelConfig('vx', 'vxlan', options);
  if (r.ok) throw new Error('expected an error');
  return r.error;
}

describe('VXLAN port options (netdev-vport.c set_tunnel_config)', () => {
  it('applies OVS defaults: UDP 4789, TTL 64, DF, no checksum, no key, tos 0', () => {
    const c = ok({ remote_ip: '172.16.0.11' });
    expect(c.dstPort).toBe(4789);
    expect(c.ttl).toBe(64);
    expect(c.dontFragment).toBe(true);
    expect(c.csum).toBe(false);
    expect(c.inKey).toEqual({ kind: 'none' });
    expect(c.outKey).toEqual({ kind: 'none' });
    expect(c.tos).toBe(0);
    expect(c.remote.kind === 'addr' && formatTunnelAddr(c.remote.addr)).toBe('172.16.0.11');
  });

  it('reads the seed port as written by ovs-vsctl show (in_key/out_key flow, df_default, egress_pkt_mark, local_ip)', () => {
    const c = ok({ df_default: 'true', egress_pkt_mark: '0', in_key: 'flow', local_ip: '172.16.0.31', out_key: 'flow', remote_ip: '172.16.0.11' });
    expect(c.inKey.kind).toBe('flow');
    expect(c.outKey.kind).toBe('flow');
    expect(c.egressPktMark).toBe(0);
    expect(c.local?.kind === 'addr' && formatTunnelAddr(c.local.addr)).toBe('172.16.0.31');
  });

  it('lets key stand for in_key and out_key, each overriding it', () => {
    const c = ok({ remote_ip: '10.0.0.1', key: '0x64', out_key: '300' });
    expect(c.inKey).toEqual({ kind: 'fixed', value: 0x64n });
    expect(c.outKey).toEqual({ kind: 'fixed', value: 300n });
  });

  it('reads keys like strtoull base 0 (octal with a leading 0)', () => {
    expect(ok({ remote_ip: '10.0.0.1', key: '010' }).inKey).toEqual({ kind: 'fixed', value: 8n });
  });

  it('takes ttl 0 as the default 64, and ttl/tos inherit', () => {
    expect(ok({ remote_ip: '10.0.0.1', ttl: '0' }).ttl).toBe(64);
    const c = ok({ remote_ip: '10.0.0.1', ttl: 'inherit', tos: 'inherit' });
    expect(c.ttl).toBe('inherit');
    expect(c.tos).toBe('inherit');
  });

  it('accepts remote_ip=flow and IPv6 remotes, dst_port and csum', () => {
    const c = ok({ remote_ip: 'flow', key: 'flow', dst_port: '4790', csum: 'true' });
    expect(c.remote.kind).toBe('flow');
    expect(c.dstPort).toBe(4790);
    expect(c.csum).toBe(true);
    const v6 = ok({ remote_ip: 'fd00::11' });
    expect(v6.remote.kind === 'addr' && formatTunnelAddr(v6.remote.addr)).toBe('fd00::11');
  });

  it('refuses a port without remote_ip', () => {
    expect(err({ key: 'flow' })).toBe("vx: vxlan type requires valid 'remote_ip' argument");
  });

  it('refuses a multicast remote, local_ip=flow without remote_ip=flow, and mixed families', () => {
    expect(err({ remote_ip: '239.1.1.1' })).toContain('multicast remote_ip=239.1.1.1 not allowed');
    expect(err({ remote_ip: '10.0.0.1', local_ip: 'flow' })).toContain("requires 'remote_ip=flow' with 'local_ip=flow'");
    expect(err({ remote_ip: '10.0.0.1', local_ip: 'fd00::1' })).toContain('same address family');
  });

  it('refuses a TOS with ECN bits', () => {
    expect(err({ remote_ip: '10.0.0.1', tos: '0x21' })).toBe('vx: invalid TOS 0x21');
  });

  it('warns about unknown options but keeps the port', () => {
    const r = parseTunnelConfig('vx', 'vxlan', { remote_ip: '10.0.0.1', colour: 'blue' });
    expect(r.ok && r.warnings).toEqual(["vx: unknown vxlan argument 'colour'"]);
  });

  it('refuses tunnel types other than VXLAN', () => {
    expect(parseTunnelConfig('g', 'geneve', { remote_ip: '10.0.0.1' }).ok).toBe(false);
  });
});
