"""Crash-cycle durability (run.py discovers it): a daemon of its own with
--state; a client creates, updates and deletes HNS networks, v1 and v2
endpoints, port ACL and extended ACL rules, API NATs and their static
mappings while the daemon is killed with kill -9 at a random moment; it is
restarted on the same --state and compared with what the client was told:

  - every change acknowledged with a 2xx is there (objects, their names,
    addresses, MACs, rule sets, mappings);
  - no acknowledged delete comes back;
  - the one request in flight at the kill (no reply read) is all or
    nothing: an endpoint's update has its old or its new name, a POST of
    several ACL rules left all of them or none;
  - IPAM never hands out an address or MAC twice (all endpoints' IPAddress
    and MacAddress unique after each restart and after new creations), and
    no ACL rule id or NAT mapping id is handed out again after a restart.

HVS_CRASH_CYCLES sets the number of kill -9 cycles (default 8, about 40 s;
the full run is 30: HVS_CRASH_CYCLES=30 /usr/bin/python3 tests/api/run.py
--vswitchd build/vswitchd -k crash). HVS_CRASH_SEED fixes the random seed
(printed on failure)."""

import atexit
import os
import random
import threading
import time

from client import Api, Daemon, hns_ok

ORDER = 110  # a daemon of its own

CYCLES = int(os.environ.get("HVS_CRASH_CYCLES", "8"))
SEED = int(os.environ.get("HVS_CRASH_SEED", str(int(time.time()) & 0xffff)))
LAYERS = ("acls", "extendedacls")


def check(cond, why):
    if not cond:
        raise AssertionError(f"{why} (HVS_CRASH_SEED={SEED})")


def crash_config():
    return {"Switch": {"Name": "crashsw"},
            "Ports": [{"Name": "up", "Devargs": "net_null80,no-rx=1", "Uplink": True,
                       "IPAddresses": ["192.0.2.80/24"], "DefaultGateway": "192.0.2.1"},
                      {"Name": "c1", "Devargs": "net_null81,no-rx=1"}]}


class Crash:
    daemon = None
    runs = 0


def _stop():
    if Crash.daemon is not None:
        Crash.daemon.kill9()
        Crash.daemon = None


atexit.register(_stop)


class InFlight(Exception):
    """The daemon died before the reply of op was read."""


class Model:
    """What the client was told (acknowledged), and the one op in flight."""

    def __init__(self):
        self.nets = {}      # id -> {"name", "n"}
        self.eps = {}       # id -> {"name", "net", "ip", "mac"}
        self.acls = {l: {} for l in LAYERS}  # id -> RemoteIPAddress
        self.nats = {}      # name -> {mapping id -> ExternalPort}
        self.deleted = []   # (kind, key) acknowledged deletes
        self.acl_ids = {l: set() for l in LAYERS}  # every id ever handed out
        self.map_ids = {}   # nat name -> every mapping id handed out
        self.macs = set()   # every MAC handed out to a live endpoint
        self.seq = 0
        self.inflight = None


def _req(api, m, method, path, body, what, status=(200, 201)):
    m.inflight = (method, path, body, what)
    try:
        r = api.request(method, path, body)
    except OSError as e:
        raise InFlight(f"{what}: {e}")
    except Exception as e:  # http.client.HTTPException: the peer vanished
        raise InFlight(f"{what}: {type(e).__name__}")
    m.inflight = None
    if r.status not in status:
        raise AssertionError(f"{what}: HTTP {r.status}: {r.text[:300]} (HVS_CRASH_SEED={SEED})")
    doc = r.json()
    check(doc.get("Success") is True, f"{what}: {r.text[:300]}")
    return doc.get("Output")


def op_network_create(api, m, rnd):
    if len(m.nets) >= 4:  # each NAT network has a WinNAT: bound the memory
        return op_network_delete(api, m, rnd)
    m.seq += 1
    n = m.seq % 200
    name = f"cnet-{m.seq}"
    out = _req(api, m, "POST", "/networks/", {
        "Name": name, "Type": "NAT",
        "Subnets": [{"AddressPrefix": f"10.{100 + n // 50}.{n % 50 * 4}.0/22",
                     "GatewayAddress": f"10.{100 + n // 50}.{n % 50 * 4}.1"}]},
        f"POST /networks/ {name}")
    m.nets[out["ID"]] = {"name": name}


def op_network_delete(api, m, rnd):
    free = [nid for nid in m.nets if not any(e["net"] == nid for e in m.eps.values())]
    if not free and len(m.nets) < 4:
        return op_network_create(api, m, rnd)
    if not free:
        return op_endpoint_delete(api, m, rnd)
    nid = rnd.choice(free)
    _req(api, m, "DELETE", f"/networks/{nid}", None, f"DELETE network {nid}")
    del m.nets[nid]
    m.deleted.append(("network", nid))


def _record_ep(m, ep_id, name, net, listing):
    ep = listing
    check(ep.get("IPAddress") and ep.get("MacAddress"), f"endpoint {ep_id} without IP/MAC: {ep}")
    check(ep["MacAddress"] not in m.macs, f"MAC {ep['MacAddress']} handed out twice")
    for other in m.eps.values():
        check(other["ip"] != ep["IPAddress"] or other["net"] != net,
              f"IP {ep['IPAddress']} handed out twice in network {net}")
    m.macs.add(ep["MacAddress"])
    m.eps[ep_id] = {"name": name, "net": net, "ip": ep["IPAddress"], "mac": ep["MacAddress"]}


def op_endpoint_create(api, m, rnd):
    if not m.nets:
        return op_network_create(api, m, rnd)
    net = rnd.choice(sorted(m.nets))
    m.seq += 1
    name = f"cep-{m.seq}"
    if rnd.random() < 0.5:
        out = _req(api, m, "POST", "/endpoints/", {"Name": name, "VirtualNetwork": net},
                   f"POST /endpoints/ {name}")
        _record_ep(m, out["ID"], name, net, out)
    else:
        out = _req(api, m, "POST", "/v2/endpoints",
                   {"Name": name, "HostComputeNetwork": net,
                    "SchemaVersion": {"Major": 2, "Minor": 0}},
                   f"POST /v2/endpoints {name}")
        ipc = out.get("IpConfigurations") or [{}]
        _record_ep(m, out["ID"], name, net, {"IPAddress": ipc[0].get("IpAddress"),
                                             "MacAddress": out.get("MacAddress")})


def op_endpoint_update(api, m, rnd):
    if not m.eps:
        return op_endpoint_create(api, m, rnd)
    eid = rnd.choice(sorted(m.eps))
    m.seq += 1
    name = f"cep-{m.seq}"
    m.pending_name = (eid, m.eps[eid]["name"], name)
    _req(api, m, "POST", f"/endpoints/{eid}", {"Name": name}, f"update endpoint {eid}")
    m.eps[eid]["name"] = name


def op_endpoint_delete(api, m, rnd):
    if not m.eps:
        return op_endpoint_create(api, m, rnd)
    eid = rnd.choice(sorted(m.eps))
    path = f"/v2/endpoints/{eid}" if rnd.random() < 0.5 else f"/endpoints/{eid}"
    _req(api, m, "DELETE", path, None, f"DELETE {path}")
    m.macs.discard(m.eps[eid]["mac"])
    del m.eps[eid]
    m.deleted.append(("endpoint", eid))


def _rule(layer, addr):
    if layer == "acls":
        return {"Action": "Deny", "Direction": "Both", "RemoteIPAddress": addr}
    return {"Action": "Deny", "Direction": "Inbound", "Protocol": "TCP",
            "RemoteIPAddress": addr, "RemotePort": "443", "Weight": 10}


def op_acl_add(api, m, rnd):
    layer = rnd.choice(LAYERS)
    rules = []
    for _ in range(rnd.randint(1, 3)):
        m.seq += 1
        rules.append(_rule(layer, f"198.{18 + m.seq // 65536 % 2}.{m.seq // 256 % 256}.{m.seq % 256}/32"))
    m.pending_rules = (layer, [r["RemoteIPAddress"] for r in rules])
    out = _req(api, m, "POST", f"/ports/c1/{layer}", rules, f"POST /ports/c1/{layer}")
    check(len(out) == len(rules), f"POST {layer}: {len(out)} rules answered")
    for r in out:
        rid = int(r["Id"])
        check(rid not in m.acl_ids[layer], f"{layer} id {rid} handed out again")
        m.acl_ids[layer].add(rid)
        m.acls[layer][rid] = r["RemoteIPAddress"]


def op_acl_delete(api, m, rnd):
    layer = rnd.choice(LAYERS)
    if not m.acls[layer]:
        return op_acl_add(api, m, rnd)
    rid = rnd.choice(sorted(m.acls[layer]))
    _req(api, m, "DELETE", f"/ports/c1/{layer}/{rid}", None, f"DELETE {layer}/{rid}")
    del m.acls[layer][rid]
    m.deleted.append((layer, rid))


def op_nat_create(api, m, rnd):
    if len(m.nats) >= 3:
        return op_nat_delete(api, m, rnd)
    m.seq += 1
    name = f"cnat-{m.seq}"
    k = m.seq % 250
    _req(api, m, "POST", "/nats", {"Name": name,
                                   "InternalIPInterfaceAddressPrefix": f"10.60.{k}.0/24",
                                   "ExternalIPAddress": f"192.0.2.{k % 100 + 100}"},
         f"POST /nats {name}")
    m.nats[name] = {}
    m.map_ids[name] = set()


def op_nat_delete(api, m, rnd):
    if len(m.nats) < 2:
        return op_nat_create(api, m, rnd)
    name = rnd.choice(sorted(m.nats))
    _req(api, m, "DELETE", f"/nats/{name}", None, f"DELETE /nats/{name}")
    del m.nats[name]
    m.deleted.append(("nat", name))


def op_mapping_add(api, m, rnd):
    if not m.nats:
        return op_nat_create(api, m, rnd)
    name = rnd.choice(sorted(m.nats))
    m.seq += 1
    port = 2000 + m.seq % 60000
    m.pending_map = (name, port)
    out = _req(api, m, "POST", f"/nats/{name}/staticmappings",
               {"Protocol": "TCP", "ExternalPort": port,
                "InternalIPAddress": f"10.60.{int(name.split('-')[1]) % 250}.5",
                "InternalPort": port}, f"POST {name} mapping")
    mid = out["StaticMappingID"]
    check(mid not in m.map_ids[name], f"NAT {name} mapping id {mid} handed out again")
    m.map_ids[name].add(mid)
    m.nats[name][mid] = port


def op_mapping_delete(api, m, rnd):
    withmaps = [n for n in sorted(m.nats) if m.nats[n]]
    if not withmaps:
        return op_mapping_add(api, m, rnd)
    name = rnd.choice(withmaps)
    mid = rnd.choice(sorted(m.nats[name]))
    _req(api, m, "DELETE", f"/nats/{name}/staticmappings/{mid}", None,
         f"DELETE {name} mapping {mid}")
    del m.nats[name][mid]
    m.deleted.append(("mapping", (name, mid)))


OPS = [(op_network_create, 2), (op_network_delete, 1), (op_endpoint_create, 6),
       (op_endpoint_update, 2), (op_endpoint_delete, 3), (op_acl_add, 4),
       (op_acl_delete, 2), (op_nat_create, 1), (op_nat_delete, 1),
       (op_mapping_add, 2), (op_mapping_delete, 1)]


# ---------------------------------------------------------------- compare

def _list(api, path):
    return hns_ok(api.get(path), f"GET {path}")


def _host(addr):
    """A rule address as the API shows it: a host prefix without its /32
    (the request said "/32", the reply and a restored rule do not)."""
    return addr[:-3] if addr.endswith("/32") else addr


def verify(api, m):
    """Compares the restarted daemon with the model; folds the in-flight op
    in (all or nothing) and clears it."""
    inflight = m.inflight
    what = inflight[3] if inflight else None
    method, path = (inflight[0], inflight[1]) if inflight else (None, None)

    # networks
    nets = {n["ID"].upper(): n for n in _list(api, "/networks/")
            if n.get("Name", "").startswith("cnet-")}
    for nid, n in list(m.nets.items()):
        if nid.upper() not in nets:
            check(method == "DELETE" and path == f"/networks/{nid}",
                  f"acknowledged network {n['name']} {nid} is gone")
            del m.nets[nid]
            continue
        check(nets[nid.upper()]["Name"] == n["name"], f"network {nid} name")
    known = {nid.upper() for nid in m.nets}
    for nid, n in nets.items():
        if nid not in known:
            check(method == "POST" and path == "/networks/" and
                  inflight[2]["Name"] == n["Name"],
                  f"network {n['Name']} {nid} is there but was never acknowledged "
                  f"(or its delete was)")
            m.nets[n["ID"]] = {"name": n["Name"]}

    # endpoints
    eps = {e["ID"].upper(): e for e in _list(api, "/endpoints/")
           if e.get("Name", "").startswith("cep-")}
    for eid, e in list(m.eps.items()):
        got = eps.get(eid.upper())
        if got is None:
            check(method == "DELETE" and path.endswith(f"/endpoints/{eid}"),
                  f"acknowledged endpoint {e['name']} {eid} is gone")
            m.macs.discard(e["mac"])
            del m.eps[eid]
            continue
        check(got.get("IPAddress") == e["ip"] and got.get("MacAddress") == e["mac"],
              f"endpoint {eid}: {got.get('IPAddress')}/{got.get('MacAddress')}, "
              f"acknowledged {e['ip']}/{e['mac']}")
        if got.get("Name") != e["name"]:
            pend = getattr(m, "pending_name", None)
            check(method == "POST" and path == f"/endpoints/{eid}" and pend and
                  pend[0] == eid and got.get("Name") == pend[2],
                  f"endpoint {eid} name {got.get('Name')!r}, acknowledged {e['name']!r}")
            e["name"] = got["Name"]
    known = {eid.upper() for eid in m.eps}
    for eid, e in eps.items():
        if eid not in known:
            check(method == "POST" and path in ("/endpoints/", "/v2/endpoints") and
                  inflight[2]["Name"] == e.get("Name"),
                  f"endpoint {e.get('Name')} {eid} is there but was never acknowledged "
                  f"(or its delete was)")
            net = next((nid for nid in m.nets
                        if nid.upper() == e.get("VirtualNetwork", "").upper()), None)
            _record_ep(m, e["ID"], e["Name"], net, e)
    ips, macs = {}, {}
    for eid, e in eps.items():
        key = (e.get("VirtualNetwork", "").upper(), e.get("IPAddress"))
        check(key not in ips, f"IP {key[1]} on endpoints {ips.get(key)} and {eid}")
        check(e.get("MacAddress") not in macs,
              f"MAC {e.get('MacAddress')} on endpoints {macs.get(e.get('MacAddress'))} and {eid}")
        ips[key] = eid
        macs[e.get("MacAddress")] = eid

    # ACL rules
    for layer in LAYERS:
        got = {int(r["Id"]): r["RemoteIPAddress"] for r in _list(api, f"/ports/c1/{layer}")}
        want = m.acls[layer]
        extra = {i: a for i, a in got.items() if i not in want}
        missing = {i: a for i, a in want.items() if i not in got}
        changed = {i for i in got if i in want and got[i] != want[i]}
        check(not changed, f"{layer}: rules {sorted(changed)} changed")
        if missing:
            check(len(missing) == 1 and method == "DELETE" and
                  path == f"/ports/c1/{layer}/{next(iter(missing))}",
                  f"{layer}: acknowledged rules {missing} are gone")
            for i in missing:
                del want[i]
        if extra:
            pend = getattr(m, "pending_rules", None)
            check(method == "POST" and path == f"/ports/c1/{layer}" and pend and
                  pend[0] == layer and sorted(_host(a) for a in extra.values()) ==
                  sorted(_host(a) for a in pend[1]),
                  f"{layer}: rules {extra} there but never acknowledged "
                  f"(in flight: {what}, {pend})")
            for i, a in extra.items():
                check(i not in m.acl_ids[layer], f"{layer} id {i} handed out again")
                m.acl_ids[layer].add(i)
                want[i] = a
        for kind, key in m.deleted:
            if kind == layer:
                check(key not in got or key in want, f"deleted {layer} rule {key} is back")

    # NATs and mappings
    nats = {n["Name"]: n for n in _list(api, "/nats") if n["Name"].startswith("cnat-")}
    for name in list(m.nats):
        if name not in nats:
            check(method == "DELETE" and path == f"/nats/{name}",
                  f"acknowledged NAT {name} is gone")
            del m.nats[name]
    for name, n in nats.items():
        if name not in m.nats:
            check(method == "POST" and path == "/nats" and inflight[2]["Name"] == name,
                  f"NAT {name} is there but was never acknowledged (or its delete was)")
            m.nats[name] = {}
            m.map_ids[name] = set()
        got = {mp["StaticMappingID"]: mp["ExternalPort"] for mp in n.get("StaticMappings", [])}
        want = m.nats[name]
        for mid in [i for i in want if i not in got]:
            check(method == "DELETE" and path == f"/nats/{name}/staticmappings/{mid}",
                  f"NAT {name}: acknowledged mapping {mid} is gone")
            del want[mid]
        for mid, port in got.items():
            if mid in want:
                check(want[mid] == port, f"NAT {name} mapping {mid} port {port}")
                continue
            pend = getattr(m, "pending_map", None)
            check(method == "POST" and path == f"/nats/{name}/staticmappings" and pend and
                  pend == (name, port), f"NAT {name}: mapping {mid} there but never acknowledged")
            check(mid not in m.map_ids[name], f"NAT {name} mapping id {mid} handed out again")
            m.map_ids[name].add(mid)
            want[mid] = port
    for kind, key in m.deleted:
        if kind == "network":
            check(key.upper() not in nets, f"deleted network {key} is back")
        elif kind == "endpoint":
            check(key.upper() not in eps, f"deleted endpoint {key} is back")
        elif kind == "nat":
            check(key not in nats, f"deleted NAT {key} is back")
        elif kind == "mapping" and key[0] in nats:
            ids = [mp["StaticMappingID"] for mp in nats[key[0]].get("StaticMappings", [])]
            check(key[1] not in ids, f"deleted mapping {key} is back")
    m.inflight = None


# ---------------------------------------------------------------- the case

def _start(s):
    Crash.runs += 1
    sock = s.path("crash.sock")
    d = Daemon(s.vswitchd, s.w, f"crash{Crash.runs}")
    Crash.daemon = d.start(crash_config(), ["--api", f"unix:{sock}", "--state",
                                            s.path("crash.db")], wait_unix=sock,
                           mem_mb=512)  # a port ACL recompile holds two 64 MiB LPMs
    return Api(unix_path=sock, timeout=30)


def _run_until_killed(api, m, rnd, delay):
    """Runs random ops until the daemon is killed (after delay seconds, by
    a timer thread) or a step budget runs out; returns the ops done."""
    proc = Crash.daemon.proc
    timer = threading.Timer(delay, proc.kill)
    timer.start()
    done = 0
    ops, weights = zip(*OPS)
    try:
        while True:
            rnd.choices(ops, weights)[0](api, m, rnd)
            done += 1
    except InFlight:
        pass
    finally:
        timer.cancel()
    proc.wait(10)
    return done


def test_crash_cycles_kill_9_keep_every_acknowledged_change(s):
    rnd = random.Random(SEED)
    m = Model()
    api = _start(s)
    total = 0
    t0 = time.monotonic()
    try:
        for cycle in range(CYCLES):
            total += _run_until_killed(api, m, rnd, rnd.uniform(0.3, 1.5))
            api.close()
            Crash.daemon.kill9()
            Crash.daemon = None
            api = _start(s)
            try:
                verify(api, m)
            except AssertionError as e:
                raise AssertionError(f"after kill -9 number {cycle + 1} "
                                     f"({total} ops): {e}")
            # new creations after the restart: IPAM and ids never repeat
            for _ in range(3):
                op_endpoint_create(api, m, rnd)
            op_acl_add(api, m, rnd)
            op_mapping_add(api, m, rnd)
    finally:
        api.close()
        _stop()
    print(f"    crash-cycle: {CYCLES} kill -9 cycles, {total} acknowledged ops, "
          f"{len(m.eps)} endpoints, {sum(len(v) for v in m.acls.values())} rules, "
          f"{len(m.nats)} NATs at the end, {time.monotonic() - t0:.1f} s, seed {SEED}")
