"""REST API cases for the startup config's Networks, Endpoints and
Ports[].Endpoint (run.py discovers them), each on a daemon of its own:
applied, not duplicated across a restart with --state, and refused
whole (exit 2 naming the entry) when wrong."""

import json
import os

from client import Api, Daemon, hns_ok, run_once
from common import PORTS_CONFIG, check

ORDER = 70

STARTUP = dict(PORTS_CONFIG,
               Networks=[{"Name": "cfg-net", "Type": "NAT",
                          "Subnets": [{"AddressPrefix": "172.29.0.0/24",
                                       "GatewayAddress": "172.29.0.1"}]}],
               Endpoints=[{"Name": "cfg-ep", "VirtualNetworkName": "cfg-net",
                           "IPAddress": "172.29.0.10"}])


def test_startup_config_networks_and_endpoints_are_applied(s):
    sock = s.path("cfg.sock")
    d = Daemon(s.vswitchd, s.w, "startup").start(STARTUP, ["--api", f"unix:{sock}"],
                                                  wait_unix=sock)
    api = Api(unix_path=sock)
    try:
        nets = hns_ok(api.get("/networks/"), "GET /networks/")
        net = [n for n in nets if n.get("Name") == "cfg-net"]
        check(len(net) == 1, f"cfg-net not listed once: {[n.get('Name') for n in nets]}")
        eps = hns_ok(api.get("/endpoints/"), "GET /endpoints/")
        ep = [e for e in eps if e.get("Name") == "cfg-ep"]
        check(len(ep) == 1, f"cfg-ep not listed once: {[e.get('Name') for e in eps]}")
        check(ep[0].get("IPAddress") == "172.29.0.10", f"cfg-ep IP {ep[0].get('IPAddress')!r}")
        check(str(ep[0].get("VirtualNetwork", "")).upper() == net[0]["ID"].upper(),
              f"cfg-ep VirtualNetwork {ep[0].get('VirtualNetwork')!r}")
    finally:
        api.close()
        rc = d.stop()
    check(rc == 0, f"exit code {rc} on SIGTERM")


def test_startup_config_with_state_restarts_without_duplicates(s):
    sock = s.path("cfgstate.sock")
    state = s.path("cfgstate.db")
    seen = []
    for run in range(2):
        d = Daemon(s.vswitchd, s.w, f"cfgstate{run}").start(
            STARTUP, ["--api", f"unix:{sock}", "--state", state], wait_unix=sock)
        api = Api(unix_path=sock)
        try:
            nets = [n for n in hns_ok(api.get("/networks/"), "GET /networks/")
                    if n.get("Name") == "cfg-net"]
            eps = [e for e in hns_ok(api.get("/endpoints/"), "GET /endpoints/")
                   if e.get("Name") == "cfg-ep"]
            check(len(nets) == 1 and len(eps) == 1,
                  f"run {run + 1}: {len(nets)} cfg-net, {len(eps)} cfg-ep")
            seen.append((nets[0]["ID"], eps[0]["ID"]))
        finally:
            api.close()
            d.stop()
    check(seen[0] == seen[1], f"IDs changed across the restart: {seen}")


def test_bad_startup_network_exits_2_naming_it(s):
    cfg = dict(PORTS_CONFIG, Networks=[{"Name": "ok", "Type": "NAT"},
                                       {"Name": "bad", "Type": "NAT",
                                        "Subnets": [{"AddressPrefix": "10.0.0.0/33"}]}])
    rc, err = run_once(s.vswitchd, s.w, "badnet", cfg,
                       ["--api", f"unix:{s.path('badnet.sock')}"], timeout=10)
    lines = [ln for ln in err.splitlines()  # the problem, past the progress lines
             if ln.strip() and not ln.startswith("vswitchd: starting: ")]
    check(rc == 2, f"exit code {rc}: {lines[-1:]}")
    check(len(lines) == 1 and "Networks[1]" in lines[0], f"stderr {lines!r}")
    check(not os.path.exists(s.path("badnet.sock")), "the socket was left behind")


def with_port_endpoint(cfg, port, ref):
    """cfg with "Endpoint": ref on the named port."""
    cfg = json.loads(json.dumps(cfg))
    for p in cfg["Ports"]:
        if p["Name"] == port:
            p["Endpoint"] = ref
    return cfg


def test_port_endpoint_in_config_attaches_it_and_survives_restart(s):
    sock = s.path("cfgatt.sock")
    state = s.path("cfgatt.db")
    cfg = with_port_endpoint(STARTUP, "p2", "cfg-ep")
    for run in range(2):  # the second start finds it attached already
        d = Daemon(s.vswitchd, s.w, f"cfgatt{run}").start(
            cfg, ["--api", f"unix:{sock}", "--state", state], wait_unix=sock)
        api = Api(unix_path=sock)
        try:
            ep = [e for e in hns_ok(api.get("/endpoints/"), "GET /endpoints/")
                  if e.get("Name") == "cfg-ep"]
            check(len(ep) == 1, f"run {run + 1}: cfg-ep listed {len(ep)} times")
            check(ep[0].get("VirtualNicName") == "p2" and ep[0].get("State") == 2,
                  f"run {run + 1}: cfg-ep not attached to p2: "
                  f"{ep[0].get('VirtualNicName')!r} state {ep[0].get('State')!r}")
        finally:
            api.close()
            rc = d.stop()
        check(rc == 0, f"run {run + 1}: exit code {rc} on SIGTERM")


def test_port_endpoint_naming_no_endpoint_exits_2_and_applies_nothing(s):
    state = s.path("cfgbadatt.db")
    cfg = with_port_endpoint(STARTUP, "p2", "no-such-ep")
    rc, err = run_once(s.vswitchd, s.w, "cfgbadatt", cfg,
                       ["--api", f"unix:{s.path('cfgbadatt.sock')}", "--state", state],
                       timeout=10)
    lines = [ln for ln in err.splitlines()  # the problem, past the progress lines
             if ln.strip() and not ln.startswith("vswitchd: starting: ")]
    check(rc == 2, f"exit code {rc}: {lines[-1:]}")
    check(len(lines) == 1 and "Ports[1].Endpoint" in lines[0] and "no-such-ep" in lines[0],
          f"stderr {lines!r}")
    # nothing half-applied: the config's network never reached the store
    d = Daemon(s.vswitchd, s.w, "cfgbadatt2").start(
        PORTS_CONFIG, ["--api", f"unix:{s.path('cfgbadatt.sock')}", "--state", state],
        wait_unix=s.path('cfgbadatt.sock'))
    api = Api(unix_path=s.path('cfgbadatt.sock'))
    try:
        nets = hns_ok(api.get("/networks/"), "GET /networks/")
        check(nets == [], f"networks were stored: {[n.get('Name') for n in nets]}")
    finally:
        api.close()
        d.stop()
