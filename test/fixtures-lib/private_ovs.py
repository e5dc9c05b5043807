"""A private Open vSwitch for the project's fixture scripts: run_ovs.py's Ovs class, found and started for you.

The fixture scripts (test/flow/fixtures/ovs-match-oracle.py, test/ofproto/fixtures/make-ovs-fixtures.py,
test/ofproto/fixtures/make-trace-fixtures.py) all need the same thing: an ovsdb-server + ovs-vswitchd of their own,
userspace datapath with dummy ports, in a fresh temp dir (OVS_RUNDIR etc. point there, so no other OVS is touched),
stopped afterwards by the pids in its own pidfiles.  The ovs-reference runner (run_ovs.py) already does exactly that,
so this module imports it rather than keeping copies: OVS_REFERENCE_DIR names its folder (default
<repo>/../shared/tools/ovs-reference).

    with private_ovs() as ovs:          # run_ovs.Ovs, started
        add_dummy_bridge(ovs, "br0", {"p1": 1, "p2": 2})
        ovs.ofctl("add-flow", ovs.mgmt("br0"), "actions=drop")

stdlib only.
"""

import contextlib
import os
import shutil
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OVS_REFERENCE_DIR = os.path.abspath(
    os.environ.get("OVS_REFERENCE_DIR") or os.path.join(REPO, "..", "shared", "tools", "ovs-reference"))

if not os.path.exists(os.path.join(OVS_REFERENCE_DIR, "run_ovs.py")):
    raise SystemExit("no run_ovs.py in %s (set OVS_REFERENCE_DIR)" % OVS_REFERENCE_DIR)
sys.path.insert(0, OVS_REFERENCE_DIR)
import run_ovs  # noqa: E402  (the ovs-reference runner; its Ovs class starts and stops a private OVS)

OvsError = run_ovs.OvsError


def mgmt(ovs, bridge):
    """The bridge's OpenFlow management socket, for ovs-ofctl (bypasses the bridge's `protocols` negotiation)."""
    return "unix:" + ovs.path(bridge + ".mgmt")


def wait_for_bridge(ovs, bridge, timeout=20.0):
    deadline = time.time() + timeout
    while not os.path.exists(ovs.path(bridge + ".mgmt")):
        if time.time() > deadline:
            raise OvsError("bridge %s did not come up" % bridge)
        time.sleep(0.05)


def add_dummy_bridge(ovs, name, ports, protocols="OpenFlow10,OpenFlow13"):
    """A fail-mode secure bridge on the dummy datapath with dummy ports {name: ofport}."""
    args = ["add-br", name, "--", "set", "bridge", name, "datapath_type=dummy", "fail_mode=secure",
            "protocols=" + protocols]
    for port, ofport in ports.items():
        args += ["--", "add-port", name, port, "--", "set", "interface", port, "type=dummy",
                 "ofport_request=%d" % ofport]
    ovs.vsctl(*args, log=False)
    wait_for_bridge(ovs, name)


@contextlib.contextmanager
def private_ovs(prefix="flowlab-ovs-", verbose=False):
    """A started private OVS (run_ovs.Ovs) in a temp dir; its daemons are stopped and the dir removed on exit."""
    rundir = tempfile.mkdtemp(prefix=prefix)
    ovs = run_ovs.Ovs(rundir, verbose)
    try:
        ovs.start()
        yield ovs
    finally:
        ovs.stop()
        shutil.rmtree(rundir, ignore_errors=True)
