"""Shared helpers for the conformance scenario generators (scenarios/*/gen.py).

Finds the OVS reference tools (scenlib.py lives there) via $OVS_REFERENCE_DIR,
defaulting to <repo>/../shared/tools/ovs-reference, and adds TimedTrace: a
scenlib.Trace whose packets can be separated by explicit time gaps (run_ovs.py
reproduces gaps > 100 ms with `ovs-appctl time/warp`, so idle/hard timeouts
and learned-flow timeouts expire mid-capture).

Run the generators with Debian's /usr/bin/python3 (it has scapy).  Output is
deterministic: fixed timestamps, MACs and addresses, no randomness.
"""

import os
import sys
from decimal import Decimal

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
OVS_REF = os.environ.get("OVS_REFERENCE_DIR") or os.path.abspath(
    os.path.join(REPO, "..", "shared", "tools", "ovs-reference"))
if not os.path.isfile(os.path.join(OVS_REF, "scenlib.py")):
    raise SystemExit("scenlib.py not found in %s (set OVS_REFERENCE_DIR)"
                     % OVS_REF)
sys.path.insert(0, OVS_REF)

import logging  # noqa: E402
logging.getLogger("scapy.runtime").setLevel(logging.ERROR)   # linktype notes for raw frames
from scenlib import Trace, TcpConn, BASE_TS  # noqa: E402,F401
from scapy.all import wrpcap  # noqa: E402

SHARED_CAPTURES = os.environ.get("FLOWLAB_SHARED_CAPTURES") or os.path.abspath(
    os.path.join(REPO, "..", "shared", "captures"))


class TimedTrace(Trace):
    """Trace with explicit gaps: packets are 1 ms apart unless gap(seconds)
    was called before add(), which puts that much extra time before the
    next packet.  Timestamps are exact decimals (microsecond pcap)."""

    def __init__(self, base=BASE_TS, step=0.001):
        super().__init__(base, step)
        self.offsets = []           # seconds after base, per item
        self._t = Decimal(0)
        self._pending = Decimal(0)
        self._step = Decimal(str(step))

    def gap(self, seconds):
        self._pending += Decimal(str(seconds))

    def at(self, seconds):
        """Place the next packet exactly `seconds` after the first one (the
        first packet is at offset 0).  Must not go backwards."""
        target = Decimal(str(seconds)) + self._step
        now = self._t + self._step
        if target < now:
            raise ValueError("at(%s) is before the next free slot" % seconds)
        self._pending = target - now

    def add(self, port, pkt, expect, note):
        self._t += self._step + self._pending
        self._pending = Decimal(0)
        self.offsets.append(self._t)
        return super().add(port, pkt, expect, note)

    def write(self, scen_dir):
        indir = os.path.join(scen_dir, "input")
        os.makedirs(indir, exist_ok=True)
        for fn in os.listdir(indir):
            if fn.endswith(".pcap") or fn == "packets.tsv":
                os.unlink(os.path.join(indir, fn))
        per_port = {}
        rows = []
        base = Decimal(str(self.base))
        for i, ((port, pkt, expect, note), off) in enumerate(
                zip(self.items, self.offsets), 1):
            if isinstance(pkt, (bytes, bytearray)):
                from scapy.all import Raw
                pkt = Raw(bytes(pkt))
            else:
                pkt = pkt.__class__(bytes(pkt))   # freeze checksums/lengths
            pkt.time = base + off
            per_port.setdefault(port, []).append(pkt)
            rows.append("%d\t%s\t%d\t%s\t%s\n" % (
                i, port, len(pkt), ",".join(expect) if expect else "drop",
                note))
        for port, pkts in per_port.items():
            # linktype 1 (Ethernet) even for raw byte frames
            wrpcap(os.path.join(indir, port + ".pcap"), pkts, linktype=1)
        with open(os.path.join(indir, "packets.tsv"), "w") as f:
            f.write("# idx\tin_port\tlen\texpected_out_ports\tnote\n")
            f.writelines(rows)
        print("%s: wrote %d packets on ports %s" % (
            os.path.basename(os.path.abspath(scen_dir)), len(self.items),
            ", ".join("%s(%d)" % (p, len(v)) for p, v in
                      sorted(per_port.items()))))


def to_ipv6(pkt, src, dst, hlim=64):
    """The L4 part of an IPv4 packet (e.g. from TcpConn) re-wrapped in an
    IPv6 header, with the L4 checksum recomputed for the new pseudo-header
    (TcpConn only builds IPv4; its seq/ack bookkeeping works for both)."""
    from scapy.all import IP, IPv6
    l4 = pkt[IP].payload.copy()
    if hasattr(l4, "chksum"):
        l4.chksum = None
    return IPv6(src=src, dst=dst, hlim=hlim) / l4


def icmp_quote(orig, quote_len=None):
    """Bytes an ICMP error quotes of the IP packet `orig`: the whole packet,
    or its first quote_len bytes (IP header + 8 is the RFC 792 minimum)."""
    raw = bytes(orig)
    return raw if quote_len is None else raw[:quote_len]
