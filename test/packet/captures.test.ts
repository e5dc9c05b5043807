/**
 * The packet layer against real traffic: the public captures in shared/captures (MANIFEST.md there). They are not
 * committed, so this suite skips itself when they are absent. Expected values are tshark's reading of the same files.
 */

import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  EthLayout,
  ethWalk,
  EthType,
  icmpv6ChecksumOk,
  ipv4ChecksumOk,
  ipv4HeaderLen,
  ipv4PayloadEnd,
  Ipv6Walk,
  ipv6Walk,
  ipv6PayloadEnd,
  IpProto,
  sctpChecksumOk,
  Status,
  tcpChecksumOk,
  udpChecksumOk,
  vlanVid,
  vxlanVni,
} from '../../src/packet/index.js';
import { dissect, type Layer } from './dissect.js';
import { capturesDir, LINKTYPE_ETHERNET, readPcap } from './pcap.js';

const dir = capturesDir();

function frames(name: string): Uint8Array[] {
  return readPcap(join(dir!, name)).records.map((r) => r.data);
}

function summary(layers: Layer[]): string {
  return layers.map((l) => (l.status === Status.OK ? l.name : `${l.name}:${l.status}`)).join('/');
}

/** The IP header offset and datagram end of a plain (optionally tagged) Ethernet frame. */
function ip(f: Uint8Array): { l3: number; end: number; type: number } {
  const l = new EthLayout();
  ethWalk(f, 0, f.length, l);
  const end = l.ethertype === EthType.IPV4 ? ipv4PayloadEnd(f, l.l3Offset, f.length) : ipv6PayloadEnd(f, l.l3Offset, f.length);
  return { l3: l.l3Offset, end, type: l.ethertype };
}

describe.skipIf(dir === undefined)('public captures', () => {
  it('every frame of every Ethernet pcap dissects without throwing', () => {
    let n = 0;
    for (const name of readdirSync(dir!).filter((f) => f.endsWith('.pcap'))) {
      const p = readPcap(join(dir!, name));
      if (p.linktype !== LINKTYPE_ETHERNET) continue;
      for (const r of p.records) {
        expect(() => dissect(r.data, 0, r.data.length)).not.toThrow();
        n++;
      }
    }
    expect(n).toBeGreaterThan(1000);
  });

  it('malformed_ipv4_ihl16: IHL 4 is BAD_HEADER_LEN', () => {
    expect(summary(dissect(frames('malformed_ipv4_ihl16.pcap')[0], 0, Infinity))).toBe(`eth/ipv4:${Status.BAD_HEADER_LEN}`);
  });

  it('trunc_ipv4_hdr_caplen20: a header cut after 6 bytes is TRUNCATED', () => {
    const f = frames('trunc_ipv4_hdr_caplen20.pcap')[0];
    expect(f.length).toBe(20);
    expect(summary(dissect(f, 0, f.length))).toBe(`eth/ipv4:${Status.TRUNCATED}`);
  });

  it('malformed_ipv4_lsrr_opts_trunc: options cut by the 60-byte caplen make the header TRUNCATED', () => {
    const f = frames('malformed_ipv4_lsrr_opts_trunc.pcap')[0];
    expect(summary(dissect(f, 0, f.length))).toBe(`eth/ipv4:${Status.TRUNCATED}`);
  });

  it('malformed_ipv6_hbh_trunc: payload length 20 with nothing after the fixed header', () => {
    const f = frames('malformed_ipv6_hbh_trunc.pcap')[0];
    expect(summary(dissect(f, 0, f.length))).toBe(`eth/ipv6:${Status.PAYLOAD_TRUNCATED}/ipv6-ext:${Status.TRUNCATED}`);
  });

  it('tcp_smtp_snaplen68: the SYN cut inside its options is TRUNCATED TCP', () => {
    const f = frames('tcp_smtp_snaplen68.pcap')[0];
    expect(summary(dissect(f, 0, f.length))).toBe(`eth/ipv4:${Status.PAYLOAD_TRUNCATED}/tcp:${Status.TRUNCATED}`);
  });

  it('tcp_fast_retx_snap54: headers-only frames keep a usable TCP header', () => {
    for (const f of frames('tcp_fast_retx_snap54.pcap')) {
      const layers = dissect(f, 0, f.length);
      expect(layers.map((l) => l.name)).toEqual(['eth', 'ipv4', 'tcp']);
      expect(layers[2].status).toBe(Status.OK);
    }
  });

  it('ipv4_frag_overlap_tcp: a first fragment reaches TCP, later ones (offsets 48, 72, 24) stop at IPv4', () => {
    const s = frames('ipv4_frag_overlap_tcp.pcap').map((f) => summary(dissect(f, 0, f.length)));
    expect(s).toEqual(['eth/ipv4/tcp', 'eth/ipv4/tcp', 'eth/ipv4', 'eth/ipv4', 'eth/ipv4', 'eth/ipv4/tcp']);
  });

  it('ipv6_frag_dns: first fragments reach UDP, later fragments stop at the fragment header', () => {
    const w = new Ipv6Walk();
    const facts = frames('ipv6_frag_dns.pcap').map((f) => {
      const { l3, end } = ip(f);
      ipv6Walk(f, l3, end, w);
      return w.hasFragment ? `${w.fragOffset}${w.moreFrags ? '+' : ''}:${w.proto}` : `-:${w.proto}`;
    });
    // tshark: frame 4 off=2896 more=n, 6 off=0 more=y, 7 off=1432 more=y; all nxt=17.
    expect(facts[3]).toBe('2896:17');
    expect(facts[5]).toBe('0+:17');
    expect(facts[6]).toBe('1432+:17');
    expect(facts[0]).toBe('-:17');
  });

  it('ipv6_exthdrs_atomic_frag_http: dstopts, atomic fragment, hop-by-hop and routing all lead to TCP', () => {
    const w = new Ipv6Walk();
    const fs = frames('ipv6_exthdrs_atomic_frag_http.pcap');
    for (const n of [4, 13, 23, 33]) {
      const f = fs[n - 1];
      const { l3, end } = ip(f);
      expect(ipv6Walk(f, l3, end, w)).toBe(Status.OK);
      expect(w.proto).toBe(IpProto.TCP);
      expect(w.extCount).toBe(1);
    }
  });

  it('vlan_triple_tag_http: three tags are walked to IPv4', () => {
    const l = new EthLayout();
    for (const f of frames('vlan_triple_tag_http.pcap')) {
      expect(ethWalk(f, 0, f.length, l)).toBe(Status.OK);
      expect(l.tags).toBe(3);
      expect(l.ethertype).toBe(EthType.IPV4);
    }
  });

  it('vlan_dot1q_icmp_arp: every frame carries VID 123', () => {
    for (const f of frames('vlan_dot1q_icmp_arp.pcap')) expect(vlanVid(f, 12)).toBe(123);
  });

  it('vxlan_icmp_arp and vxlan_http: VXLAN decodes to the inner frame (tshark: VNI 123 and 1)', () => {
    for (const [name, vni] of [['vxlan_icmp_arp.pcap', 123], ['vxlan_http.pcap', 1]] as const) {
      for (const f of frames(name)) {
        const layers = dissect(f, 0, f.length);
        const vx = layers.findIndex((l) => l.name === 'vxlan');
        expect(vx).toBeGreaterThan(0);
        expect(layers.every((l) => l.status === Status.OK)).toBe(true);
        expect(layers[vx + 1].name).toBe('eth');
        expect(vxlanVni(f, 42)).toBe(vni);
      }
    }
  });

  it('sctp_assoc_data: every packet CRC32c verifies', () => {
    for (const f of frames('sctp_assoc_data.pcap')) {
      const { l3, end } = ip(f);
      expect(sctpChecksumOk(f, l3 + ipv4HeaderLen(f, l3), end)).toBe(true);
    }
  });

  it('IPv4 header checksums verify across real captures', () => {
    let n = 0;
    for (const name of ['dns_tcp.pcap', 'dns_udp_edns.pcap', 'dhcp_discover_nak_ack.pcap', 'ftp_ipv4_port_pasv.pcap', 'sctp_assoc_data.pcap']) {
      for (const f of frames(name)) {
        const { l3 } = ip(f);
        expect(ipv4ChecksumOk(f, l3)).toBe(true);
        n++;
      }
    }
    expect(n).toBeGreaterThan(150);
  });

  it('TCP and UDP checksums verify with the IPv4 and IPv6 pseudo-headers', () => {
    // Captures taken where checksum offload did not blank them (tshark reports them all good).
    for (const name of ['dns_tcp.pcap', 'dns_udp_edns.pcap', 'ftp_ipv6_epsv.pcap']) {
      for (const f of frames(name)) {
        const { l3, end, type } = ip(f);
        const w = new Ipv6Walk();
        let l4: number;
        let proto: number;
        if (type === EthType.IPV4) {
          l4 = l3 + ipv4HeaderLen(f, l3);
          proto = f[l3 + 9];
        } else {
          ipv6Walk(f, l3, end, w);
          l4 = w.l4Offset;
          proto = w.proto;
        }
        const ok = proto === IpProto.TCP ? tcpChecksumOk(f, l3, l4, end) : udpChecksumOk(f, l3, l4, end);
        expect(ok, `${name}`).toBe(true);
      }
    }
  });

  it('icmpv6_errors_echo_nd and icmpv6_nd_options_mld: every ICMPv6 checksum verifies', () => {
    const w = new Ipv6Walk();
    for (const name of ['icmpv6_errors_echo_nd.pcap', 'icmpv6_nd_options_mld.pcap']) {
      for (const f of frames(name)) {
        const { l3, end } = ip(f);
        ipv6Walk(f, l3, end, w);
        expect(w.proto).toBe(IpProto.ICMPV6);
        expect(icmpv6ChecksumOk(f, l3, w.l4Offset, end)).toBe(true);
      }
    }
  });
});
