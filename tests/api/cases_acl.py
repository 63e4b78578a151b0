"""REST API cases for port ACLs and extended ACLs (run.py discovers them).

/ports/{name}/acls and /ports/{name}/extendedacls against a daemon of
their own whose port "vm" replays a two-frame pcap forever (net_pcap
infinite_rx) into a net_null port: one frame to 10.1.2.3, which the
config's Allow 10.0.0.0/8 admits, one to 8.8.8.8, which its Deny ANY
drops. So hit counters and "Failed Security Policy" drops grow while the
cases run, and a rule added or deleted through the API changes what the
workers do (hot update while traffic flows). Also: validation errors that
name the field with nothing applied, ids, DELETE, ports hot-plugged with
ACLs, HNS ACL endpoint policies installed as extended ACLs while the
endpoint is attached, and a bad rule in the startup config (exit 2).
Last, on a daemon of their own with --state: ports added with POST /ports
and API-made rules (on them and on a config port) come back after kill -9
with their ids, DELETE /ports is stored, the config wins over a stored
port of the same name, an unprobeable stored port is skipped, a store
error answers 500 with nothing applied, and without --state nothing is
kept.
"""

import atexit
import json
import os
import struct
import time

from client import Api, Daemon, hns_error, hns_ok, run_once
from common import poll_until, unchanged_for, wait_stable

ORDER = 90  # a daemon of its own

VM_MAC = "02:00:00:00:a1:01"
NET_MAC = "02:00:00:00:a1:b0"
FRAME_LEN = 60
POLICY_ID_BASE = 0x80000000

CONFIG_ACLS = [{"Action": "Deny", "Direction": "Both", "RemoteIPAddress": "ANY"},
               {"Action": "Allow", "Direction": "Both", "RemoteIPAddress": "10.0.0.0/8"}]
CONFIG_EXT = [{"Action": "Allow", "Direction": "Outbound", "Protocol": "TCP",
               "RemotePort": "443", "Weight": 10, "Stateful": True}]


def check(cond, why):
    if not cond:
        raise AssertionError(why)


# ---------------------------------------------------------------- traffic

def _mac(text):
    return bytes(int(x, 16) for x in text.split(":"))


def _ip(text):
    return bytes(int(x) for x in text.split("."))


def _csum(data):
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    s = (s & 0xFFFF) + (s >> 16)
    s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def udp_frame(src_ip, dst_ip):
    """VM_MAC -> NET_MAC, IPv4/UDP, FRAME_LEN bytes (no FCS)."""
    payload = b"\0" * (FRAME_LEN - 14 - 20 - 8)
    udp = struct.pack("!HHHH", 40000, 5001, 8 + len(payload), 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 1, 0, 64, 17, 0,
                     _ip(src_ip), _ip(dst_ip))
    ip = ip[:10] + struct.pack("!H", _csum(ip)) + ip[12:]
    return _mac(NET_MAC) + _mac(VM_MAC) + b"\x08\x00" + ip + udp


def write_pcap(path, frames):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for i, fr in enumerate(frames):
            f.write(struct.pack("<IIII", 1_700_000_000, i, len(fr), len(fr)))
            f.write(fr)


# ---------------------------------------------------------------- the daemon

class AclDaemon:
    daemon = None
    api = None
    sock = None


def _stop():
    if AclDaemon.api is not None:
        AclDaemon.api.close()
        AclDaemon.api = None
    rc = None
    if AclDaemon.daemon is not None:
        rc = AclDaemon.daemon.stop()
        AclDaemon.daemon = None
    return rc


atexit.register(_stop)


def acl_config(s):
    pcap = s.path("acl-vm.pcap")
    write_pcap(pcap, [udp_frame("192.168.0.10", "10.1.2.3"),
                      udp_frame("192.168.0.10", "8.8.8.8")])
    return {"Switch": {"Name": "aclsw"},
            "Ports": [{"Name": "vm", "Devargs": f"net_pcap20,rx_pcap={pcap},infinite_rx=1",
                       "MacAddresses": [VM_MAC], "Acls": CONFIG_ACLS,
                       "ExtendedAcls": CONFIG_EXT},
                      {"Name": "net", "Devargs": "net_null20,no-rx=1",
                       "MacAddresses": [NET_MAC]},
                      {"Name": "p2", "Devargs": "net_null21,no-rx=1"}]}


def acl_api(s):
    """The ACL daemon's client, started on first use."""
    d = AclDaemon.daemon
    if d is not None and d.proc is not None and d.proc.poll() is None:
        return AclDaemon.api
    if d is not None:
        raise AssertionError("the ACL daemon died: " + d.log_tail())
    AclDaemon.sock = s.path("acl.sock")
    AclDaemon.daemon = Daemon(s.vswitchd, s.w, "acl").start(
        acl_config(s), ["--api", f"unix:{AclDaemon.sock}"], wait_unix=AclDaemon.sock)
    AclDaemon.api = Api(unix_path=AclDaemon.sock)
    return AclDaemon.api


def rules(api, port="vm", layer="acls"):
    return hns_ok(api.get(f"/ports/{port}/{layer}"), f"GET /ports/{port}/{layer}")


def by_id(rule_list):
    return {r["Id"]: r for r in rule_list}


def wait_for(what, cond, timeout=5.0):
    deadline = time.monotonic() + timeout
    while True:
        got = cond()
        if got:
            return got
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout} s")
        time.sleep(0.05)


def packets(api, rule_id, port="vm", layer="acls"):
    r = by_id(rules(api, port, layer)).get(rule_id)
    check(r is not None, f"rule {rule_id} is gone from {port}/{layer}")
    return r["Packets"]


def security_drops(api, port="vm"):
    for p in api.get("/stats").json()["Ports"]:
        if p["Name"] == port:
            return p["Drops"]["Failed Security Policy"]
    raise AssertionError(f"no port {port} in /stats")


# ---------------------------------------------------------------- cases

def test_acl_config_rules_are_listed_with_ids_and_counters(s):
    api = acl_api(s)
    got = rules(api)
    check([r.get("Id") for r in got] == ["1", "2"], f"ids {[r.get('Id') for r in got]}")
    for r, want in zip(got, CONFIG_ACLS):
        for key, value in want.items():
            check(r.get(key) == value, f"rule {r['Id']}: {key} = {r.get(key)!r}, want {value!r}")
        check(isinstance(r.get("Packets"), int) and isinstance(r.get("Bytes"), int),
              f"rule {r['Id']}: counters {r.get('Packets')!r} {r.get('Bytes')!r}")
    ext = rules(api, layer="extendedacls")
    check(len(ext) == 1 and ext[0]["Id"] == "1" and ext[0].get("Weight") == 10 and
          ext[0].get("Stateful") is True and ext[0].get("RemotePort") == "443" and
          ext[0].get("Action") == "Allow" and ext[0].get("Direction") == "Outbound",
          f"extended ACLs {ext!r}")
    port = api.get("/ports/vm").json()
    check([r.get("Id") for r in port.get("Acls", [])] == ["1", "2"] and
          [r.get("Id") for r in port.get("ExtendedAcls", [])] == ["1"],
          f"GET /ports/vm Acls/ExtendedAcls: {port.get('Acls')!r} {port.get('ExtendedAcls')!r}")


def test_acl_hit_counters_and_security_drops_grow_with_traffic(s):
    api = acl_api(s)
    wait_for("rules 1 and 2 counting", lambda: packets(api, "1") > 0 and packets(api, "2") > 0)
    first = by_id(rules(api))
    second = poll_until(lambda: by_id(rules(api)),
                        lambda r: all(r[rid]["Packets"] > first[rid]["Packets"]
                                      for rid in ("1", "2")))
    for rid in ("1", "2"):
        check(second[rid]["Packets"] > first[rid]["Packets"],
              f"rule {rid} stopped counting: {first[rid]['Packets']} -> {second[rid]['Packets']}")
        per = second[rid]["Bytes"] / second[rid]["Packets"]
        check(abs(per - FRAME_LEN) < 1, f"rule {rid}: {per:.2f} bytes a packet, frames are {FRAME_LEN}")
    d1 = security_drops(api)
    check(poll_until(lambda: security_drops(api), lambda d: d > d1) > d1 > 0,
          "vm's 'Failed Security Policy' drops do not grow")


def test_acl_bad_rules_are_400_naming_the_field_and_apply_nothing(s):
    api = acl_api(s)
    before = [r["Id"] for r in rules(api)]
    ext_before = [r["Id"] for r in rules(api, layer="extendedacls")]
    good = {"Action": "Deny", "Direction": "Inbound", "RemoteIPAddress": "10.9.0.0/16"}
    cases = [
        ("acls", dict(good, RemoteIPAddress="10.0.0.0/33"), "RemoteIPAddress"),
        ("acls", dict(good, RemoteIPAddress="10.0.0.300"), "RemoteIPAddress"),
        ("acls", dict(good, LocalMacAddress="02:00:00:00:00:01"), "Address"),
        ("acls", dict(good, Action="Permit"), "Action"),
        ("acls", dict(good, Direction="Up"), "Direction"),
        ("acls", dict(good, Priority=1), "Priority"),
        ("acls", [good, dict(good, Direction="Up")], "[1].Direction"),
        ("acls", [good, "deny"], "[1]"),
        ("acls", "nonsense", "line 1"),
        ("acls", 5, "expected"),
        ("extendedacls", {"Action": "Allow", "Direction": "Inbound", "LocalPort": "2000-1000"},
         "LocalPort"),
        ("extendedacls", {"Action": "Allow", "Direction": "Both"}, "Direction"),
        ("extendedacls", {"Action": "Allow", "Direction": "Inbound", "Protocol": "XTP"}, "Protocol"),
        ("extendedacls", [{"Action": "Allow", "Direction": "Inbound"},
                          {"Action": "Allow", "Direction": "Inbound", "Weight": "ten"}],
         "[1].Weight"),
    ]
    for layer, body, needle in cases:
        raw = body if isinstance(body, str) else None
        r = (api.request("POST", f"/ports/vm/{layer}", raw.encode(),
                         {"Content-Type": "application/json"}) if raw is not None
             else api.post(f"/ports/vm/{layer}", body))
        err = hns_error(r, f"POST /ports/vm/{layer} {body!r}", 400)
        check(needle in err, f"POST {layer} {body!r}: Error {err!r} lacks {needle!r}")
    check([r["Id"] for r in rules(api)] == before, "a rejected POST changed the port ACLs")
    check([r["Id"] for r in rules(api, layer="extendedacls")] == ext_before,
          "a rejected POST changed the extended ACLs")


def test_acl_post_appends_and_hot_updates_the_workers(s):
    api = acl_api(s)
    out = hns_ok(api.post("/ports/vm/acls", {"Action": "Deny", "Direction": "Both",
                                             "RemoteIPAddress": "10.1.2.3"}),
                 "POST a /32 deny")
    check(isinstance(out, list) and len(out) == 1 and out[0].get("Id") == "3" and
          out[0].get("RemoteIPAddress") in ("10.1.2.3/32", "10.1.2.3") and
          isinstance(out[0].get("Packets"), int),
          f"POST answered {out!r}")
    # the /32 deny now decides what the /8 allow used to
    wait_for("the new rule counting", lambda: packets(api, "3") > 0)
    a = wait_stable("rule 2", lambda: packets(api, "2"), raises=False)
    check(unchanged_for(lambda: packets(api, "2"), a, 0.3) == a,
          "the /8 allow still counts the frames the /32 denies")
    gone = hns_ok(api.delete("/ports/vm/acls/3"), "DELETE /ports/vm/acls/3")
    check(isinstance(gone, dict) and gone.get("Id") == "3" and gone.get("Packets", 0) > 0,
          f"DELETE answered {gone!r}")
    b = packets(api, "2")
    wait_for("the /8 allow counting again", lambda: packets(api, "2") > b)
    out = hns_ok(api.post("/ports/vm/acls", [
        {"Action": "Meter", "Direction": "Outbound", "RemoteIPAddress": "10.1.0.0/16"},
        {"Action": "Allow", "Direction": "Inbound", "LocalMacAddress": "02:00:00:00:00:09"}]),
        "POST two rules")
    check([r.get("Id") for r in out] == ["4", "5"], f"ids {[r.get('Id') for r in out]} "
          "(deleted ids are not handed out again)")
    check([r["Id"] for r in rules(api)] == ["1", "2", "4", "5"], "GET after the POSTs")
    wait_for("the meter counting", lambda: packets(api, "4") > 0)


def test_acl_delete_unknown_id_404_and_delete_all(s):
    api = acl_api(s)
    for path in ("/ports/vm/acls/99", "/ports/vm/acls/abc", "/ports/vm/acls/0"):
        hns_error(api.delete(path), f"DELETE {path}", 404)
    hns_error(api.get("/ports/vm/acls/99"), "GET /ports/vm/acls/99", 404)
    one = hns_ok(api.get("/ports/vm/acls/2"), "GET /ports/vm/acls/2")
    check(one.get("Id") == "2" and one.get("RemoteIPAddress") == "10.0.0.0/8", f"rule 2: {one!r}")
    gone = hns_ok(api.delete("/ports/vm/acls"), "DELETE /ports/vm/acls")
    check(sorted(r.get("Id") for r in gone) == ["1", "2", "4", "5"], f"deleted {gone!r}")
    check(rules(api) == [], "rules left after DELETE all")
    # nothing denies now: the drop counter stops
    d = wait_stable("the drop counter", lambda: security_drops(api), raises=False)
    check(unchanged_for(lambda: security_drops(api), d, 0.3) == d,
          "frames still dropped with no port ACLs")
    out = hns_ok(api.post("/ports/vm/acls", CONFIG_ACLS), "POST the config's rules again")
    check([r["Id"] for r in out] == ["6", "7"], f"ids {[r['Id'] for r in out]}")


def test_extacl_post_get_delete(s):
    api = acl_api(s)
    out = hns_ok(api.post("/ports/vm/extendedacls",
                          {"Action": "Deny", "Direction": "Inbound", "Protocol": "UDP",
                           "LocalPort": "1000-2000", "RemoteIPAddress": "192.0.2.0/24",
                           "Weight": 5}), "POST an extended rule")
    check(len(out) == 1 and out[0]["Id"] == "2" and out[0].get("LocalPort") == "1000-2000" and
          out[0].get("Protocol") == "UDP" and out[0].get("Weight") == 5 and
          isinstance(out[0].get("Bytes"), int), f"POST answered {out!r}")
    one = hns_ok(api.get("/ports/vm/extendedacls/1"), "GET /ports/vm/extendedacls/1")
    check(one.get("Id") == "1" and one.get("Stateful") is True, f"rule 1: {one!r}")
    gone = hns_ok(api.delete("/ports/vm/extendedacls/2"), "DELETE extended rule 2")
    check(gone.get("Id") == "2", f"DELETE answered {gone!r}")
    hns_error(api.delete("/ports/vm/extendedacls/2"), "DELETE it again", 404)
    check([r["Id"] for r in rules(api, layer="extendedacls")] == ["1"], "GET after DELETE")


def make_acl_endpoint(api, net_id, name, policies, v2=False):
    if v2:
        body = {"Name": name, "HostComputeNetwork": net_id, "Policies": policies,
                "SchemaVersion": {"Major": 2, "Minor": 0}}
        return hns_ok(api.post("/v2/endpoints", body), f"POST /v2/endpoints {name}")
    return hns_ok(api.post("/endpoints/", {"Name": name, "VirtualNetwork": net_id,
                                           "Policies": policies}), f"POST /endpoints/ {name}")


def test_endpoint_acl_policies_are_extended_acls_while_attached(s):
    api = acl_api(s)
    net = hns_ok(api.post("/networks/", {"Name": "aclnet", "Type": "NAT", "Subnets": [
        {"AddressPrefix": "172.28.0.0/24", "GatewayAddress": "172.28.0.1"}]}), "POST network")
    policy = {"Type": "ACL", "Action": "Block", "Direction": "In", "Protocols": "6",
              "RemoteAddresses": "192.0.2.0/24,198.51.100.7", "LocalPorts": "80",
              "Priority": 100}
    ep = make_acl_endpoint(api, net["ID"], "acl-ep", [policy])
    check(rules(api, "p2", "extendedacls") == [], "rules on p2 before the attach")
    hns_ok(api.post(f"/endpoints/{ep['ID']}/attach", {"VirtualNicName": "p2"}), "attach")
    got = rules(api, "p2", "extendedacls")
    check(len(got) == 2, f"want one rule per remote address, got {got!r}")
    for r in got:
        check(int(r["Id"]) > POLICY_ID_BASE and str(r.get("Endpoint", "")).upper() ==
              ep["ID"].upper(), f"policy rule id/endpoint: {r!r}")
        check(r.get("Action") == "Deny" and r.get("Direction") == "Inbound" and
              r.get("Protocol") == "TCP" and r.get("LocalPort") == "80" and
              r.get("Weight") == 65535 - 100, f"mapped rule {r!r}")
    check(sorted(str(r.get("RemoteIPAddress")).replace("/32", "") for r in got) ==
          ["192.0.2.0/24", "198.51.100.7"], f"remote addresses {got!r}")
    # the port's own rules live beside them
    own = hns_ok(api.post("/ports/p2/extendedacls", {"Action": "Allow", "Direction": "Outbound"}),
                 "POST an own rule on p2")
    check(own[0]["Id"] == "1", f"own rule id {own[0]['Id']!r}")
    err = hns_error(api.delete(f"/ports/p2/extendedacls/{got[0]['Id']}"),
                    "DELETE a policy rule", 409)
    check("endpoint" in err, f"409 Error {err!r}")
    deleted = hns_ok(api.delete("/ports/p2/extendedacls"), "DELETE p2's extended ACLs")
    check([r["Id"] for r in deleted] == ["1"], f"DELETE all removed {deleted!r}")
    check(len(rules(api, "p2", "extendedacls")) == 2, "policy rules gone with DELETE all")
    hns_ok(api.post(f"/endpoints/{ep['ID']}/detach", {}), "detach")
    check(rules(api, "p2", "extendedacls") == [], "policy rules left after the detach")
    hns_ok(api.delete(f"/endpoints/{ep['ID']}"), "DELETE the endpoint")
    # v2 form: Settings
    ep2 = make_acl_endpoint(api, net["ID"], "acl-ep2", [
        {"Type": "ACL", "Settings": {"Action": "Allow", "Direction": "Out", "Protocols": "17",
                                     "RemoteAddresses": "203.0.113.0/24",
                                     "RemotePorts": "53", "Priority": 200}}], v2=True)
    hns_ok(api.post(f"/endpoints/{ep2['ID']}/attach", {"VirtualNicName": "p2"}), "attach v2")
    got = rules(api, "p2", "extendedacls")
    check(len(got) == 1 and got[0].get("Action") == "Allow" and
          got[0].get("Direction") == "Outbound" and got[0].get("Protocol") == "UDP" and
          got[0].get("RemotePort") == "53" and got[0].get("Weight") == 65535 - 200,
          f"v2 policy mapped to {got!r}")
    # deleting an attached endpoint detaches it: its rules go
    hns_ok(api.delete(f"/endpoints/{ep2['ID']}"), "DELETE the attached v2 endpoint")
    check(rules(api, "p2", "extendedacls") == [], "rules left after deleting the endpoint")
    hns_ok(api.delete(f"/networks/{net['ID']}"), "DELETE the network")


def test_endpoint_acl_policies_are_in_force_when_the_reply_comes(s):
    """An endpoint's ACL policies are compiled off the main lcore; the
    attach (and detach) reply waits until they are in force: the GET right
    after it shows every rule (3,000 policies, a compile of tens of
    milliseconds), and none after the detach."""
    api = acl_api(s)
    net = hns_ok(api.post("/networks/", {"Name": "bignet", "Type": "NAT", "Subnets": [
        {"AddressPrefix": "172.29.0.0/24", "GatewayAddress": "172.29.0.1"}]}), "POST network")
    n = 3000
    policies = [{"Type": "ACL", "Action": "Block", "Direction": "In", "Protocols": "6",
                 "RemoteAddresses": f"10.{k // 256 % 256}.{k % 256}.1", "Priority": 100}
                for k in range(n)]
    ep = make_acl_endpoint(api, net["ID"], "big-acl-ep", policies)
    try:
        for round_ in range(2):
            hns_ok(api.post(f"/endpoints/{ep['ID']}/attach", {"VirtualNicName": "p2"}),
                   "attach")
            got = rules(api, "p2", "extendedacls")
            check(len(got) == n, f"round {round_}: {len(got)} rules in force right after "
                                 f"the attach reply, want {n}")
            hns_ok(api.post(f"/endpoints/{ep['ID']}/detach", {}), "detach")
            got = rules(api, "p2", "extendedacls")
            check(got == [], f"round {round_}: {len(got)} rules left right after the "
                             "detach reply")
    finally:
        api.delete(f"/endpoints/{ep['ID']}")
        api.delete(f"/networks/{net['ID']}")


def test_port_hot_plugged_with_acls(s):
    api = acl_api(s)
    body = {"Name": "p9", "Devargs": "net_null29,no-rx=1",
            "Acls": [{"Action": "Deny", "Direction": "Inbound", "RemoteIPAddress": "ANY"}],
            "ExtendedAcls": [{"Action": "Allow", "Direction": "Inbound", "Protocol": "ICMP"}]}
    r = api.post("/ports", body)
    check(r.status == 200, f"POST /ports with ACLs: {r}")
    port = r.json()
    check([x.get("Id") for x in port.get("Acls", [])] == ["1"] and
          [x.get("Protocol") for x in port.get("ExtendedAcls", [])] == ["ICMP"],
          f"the new port's ACLs: {port.get('Acls')!r} {port.get('ExtendedAcls')!r}")
    check([x["Id"] for x in rules(api, "p9")] == ["1"], "GET /ports/p9/acls")
    bad = dict(body, Name="p10", Devargs="net_null30,no-rx=1",
               Acls=[{"Action": "Deny", "Direction": "Inbound", "RemoteIPAddress": "1.2.3.4/40"}])
    err = hns_error(api.post("/ports", bad), "POST /ports with a bad ACL", 400)
    check("Acls[0].RemoteIPAddress" in err, f"Error {err!r}")
    hns_error(api.get("/ports/p10"), "the rejected port", 404)
    check(api.delete("/ports/p9").status == 204, "DELETE /ports/p9")
    hns_error(api.get("/ports/p9/acls"), "ACLs of a removed port", 404)
    # the slot is reused without the old rules
    check(api.post("/ports", {"Name": "p9", "Devargs": "net_null29,no-rx=1"}).status == 200,
          "re-plug p9")
    check(rules(api, "p9") == [] and rules(api, "p9", "extendedacls") == [],
          "a re-plugged port inherited rules")
    out = hns_ok(api.post("/ports/p9/acls", {"Action": "Allow", "Direction": "Both",
                                             "RemoteIPAddress": "ANY"}), "POST on p9")
    check(out[0]["Id"] == "1", f"first id on the re-plugged port: {out[0]['Id']!r}")
    check(api.delete("/ports/p9").status == 204, "DELETE /ports/p9 again")


def test_acl_paths_unknown_port_and_wrong_method(s):
    api = acl_api(s)
    err = hns_error(api.get("/ports/nope/acls"), "GET /ports/nope/acls", 404)
    check("nope" in err, f"Error {err!r}")
    hns_error(api.get("/ports/vm/bogus"), "GET /ports/vm/bogus", 404)
    for method, path in (("PUT", "/ports/vm/acls"), ("PATCH", "/ports/vm/acls/1"),
                         ("POST", "/ports/vm/extendedacls/1")):
        err = hns_error(api.request(method, path, b"{}"), f"{method} {path}", 405)
        check(method in err, f"{method} {path}: {err!r}")


def test_acl_rules_churn_under_traffic_keeps_enforcing(s):
    """30 cycles of adding and deleting port ACLs and extended ACLs while
    the replay runs (each change recompiles and swaps the port's policy,
    switching the ingress between burst and per-frame classification): the
    daemon stays up (on the ASan build: no errors, no leaks at exit), the
    rule set ends as it started and still decides."""
    api = acl_api(s)
    before = [r["Id"] for r in rules(api)]
    ext_before = [r["Id"] for r in rules(api, layer="extendedacls")]
    for i in range(30):
        batch = [{"Action": "Deny", "Direction": "Both",
                  "RemoteIPAddress": f"198.51.100.{k + 5 * (i % 40)}"} for k in range(5)]
        added = hns_ok(api.post("/ports/vm/acls", batch), f"cycle {i}: POST 5 rules")
        # SCTP: never the replayed frames, so the traffic's fate is unchanged
        ext = hns_ok(api.post("/ports/vm/extendedacls",
                              {"Action": "Deny", "Direction": "Outbound", "Protocol": 132,
                               "RemotePort": str(1000 + i)}), f"cycle {i}: POST an extended rule")
        for r in added:
            hns_ok(api.delete(f"/ports/vm/acls/{r['Id']}"), f"cycle {i}: DELETE rule {r['Id']}")
        hns_ok(api.delete(f"/ports/vm/extendedacls/{ext[0]['Id']}"),
               f"cycle {i}: DELETE extended rule {ext[0]['Id']}")
    check([r["Id"] for r in rules(api)] == before, "the port ACLs did not end as they began")
    check([r["Id"] for r in rules(api, layer="extendedacls")] == ext_before,
          "the extended ACLs did not end as they began")
    allow = [r["Id"] for r in rules(api) if r.get("RemoteIPAddress") == "10.0.0.0/8"]
    check(len(allow) == 1, f"no single Allow 10.0.0.0/8 left: {rules(api)!r}")
    a, d = packets(api, allow[0]), security_drops(api)
    wait_for("the Allow counting and the Deny dropping after the churn",
             lambda: packets(api, allow[0]) > a and security_drops(api) > d)


def test_acl_daemon_exits_0(s):
    acl_api(s)
    rc = _stop()
    check(rc == 0, f"exit code {rc} on SIGTERM")


def test_bad_acl_in_startup_config_exits_2_naming_the_field(s):
    cfg = {"Ports": [{"Name": "p1", "Devargs": "net_null0"},
                     {"Name": "p2", "Devargs": "net_null1", "ExtendedAcls": [
                         {"Action": "Allow", "Direction": "Inbound", "RemotePort": "9-1"}]}]}
    rc, err = run_once(s.vswitchd, s.w, "badacl", cfg,
                       ["--api", f"unix:{s.path('badacl.sock')}"], timeout=10)
    lines = [ln for ln in err.splitlines() if ln.strip()]
    check(rc == 2, f"exit code {rc}: {lines[-1:]}")
    check(len(lines) == 1 and "Ports[1].ExtendedAcls[0].RemotePort" in lines[0],
          f"stderr {lines!r}")
    check(not os.path.exists(s.path("badacl.sock")), "the socket was left behind")


# ---------------------------------------------------------------- persistence

# POST /ports and the API-made ACL rules with --state: a daemon of its own
# (config port "c1" with config rules), killed with -9 and restarted.
# (MAC rules: an IPv4 port ACL reserves 64 MiB per port, the daemon has 256)
PERSIST_RULE = {"Action": "Deny", "Direction": "Inbound", "RemoteMacAddress": "02:00:00:00:c0:02"}
PERSIST_ACLS = [{"Action": "Deny", "Direction": "Both", "RemoteMacAddress": "02:00:00:00:c0:01"},
                {"Action": "Allow", "Direction": "Both", "LocalMacAddress": "02:00:00:00:c0:03"}]
PERSIST_EXT = {"Action": "Deny", "Direction": "Inbound", "Protocol": "UDP",
               "LocalPort": "53"}


class PersistDaemon:
    daemon = None
    api = None
    runs = 0
    ep = None  # the endpoint attached to x1


def _persist_config(extra_ports=()):
    return {"Switch": {"Name": "persw"},
            "Ports": [{"Name": "c1", "Devargs": "net_null40,no-rx=1",
                       "Acls": PERSIST_ACLS, "ExtendedAcls": CONFIG_EXT}] + list(extra_ports)}


def _persist_stop(kill=False):
    if PersistDaemon.api is not None:
        PersistDaemon.api.close()
        PersistDaemon.api = None
    rc = None
    if PersistDaemon.daemon is not None:
        rc = PersistDaemon.daemon.kill9() if kill else PersistDaemon.daemon.stop()
        PersistDaemon.daemon = None
    return rc


atexit.register(_persist_stop)


def _persist_start(s, state=True, extra_ports=()):
    """(Re)starts the daemon; returns (api, its log path)."""
    PersistDaemon.runs += 1
    sock = s.path("persist.sock")
    args = ["--api", f"unix:{sock}"] + (["--state", s.path("persist.db")] if state else [])
    d = Daemon(s.vswitchd, s.w, f"persist{PersistDaemon.runs}")
    PersistDaemon.daemon = d.start(_persist_config(extra_ports), args, wait_unix=sock)
    PersistDaemon.api = Api(unix_path=sock)
    return PersistDaemon.api, d.log_path


def _acl_view(api, port):
    """A port's rules of both layers, without counters."""
    def strip(rs):
        return [{k: v for k, v in r.items() if k not in ("Packets", "Bytes")} for r in rs]
    return {"acls": strip(rules(api, port)),
            "extendedacls": strip(rules(api, port, "extendedacls"))}


def _stored(s, kind):
    import sqlite3
    db = sqlite3.connect(s.path("persist.db"))
    try:
        return {i: json.loads(j) for i, j in
                db.execute("SELECT id, json FROM objects WHERE kind = ?", (kind,))}
    finally:
        db.close()


def test_persist_api_port_and_rules_survive_kill_9(s):
    _persist_stop()
    api, _ = _persist_start(s)
    x1 = {"Name": "x1", "Devargs": "net_null41,no-rx=1",
          "Vlan": {"OperationMode": "Access", "AccessVlanId": 7},
          "Acls": [PERSIST_ACLS[1]]}
    r = api.post("/ports", x1)
    check(r.status == 200, f"POST /ports x1: {r}")
    ids = [x["Id"] for x in hns_ok(api.post("/ports/x1/acls", [PERSIST_RULE, PERSIST_RULE]),
                                   "POST x1 acls")]
    check(ids == ["2", "3"], f"ids on x1: {ids}")
    hns_ok(api.delete("/ports/x1/acls/2"), "DELETE x1 acl 2")
    out = hns_ok(api.post("/ports/x1/extendedacls", PERSIST_EXT), "POST x1 extendedacls")
    check(out[0]["Id"] == "1", f"extended id on x1: {out[0]['Id']!r}")
    out = hns_ok(api.post("/ports/c1/acls", PERSIST_RULE), "POST c1 acls")
    check(out[0]["Id"] == "3", f"API id on c1: {out[0]['Id']!r}")
    out = hns_ok(api.post("/ports/c1/extendedacls", [PERSIST_EXT, PERSIST_EXT]),
                 "POST c1 extendedacls")
    check([x["Id"] for x in out] == ["2", "3"], f"extended ids on c1: {out!r}")
    # an endpoint attached to the API port (no Devargs: HNS did not plug
    # it), with an ACL policy: the restart must re-attach it, so x1 has to
    # be back before HNS restores its attachments
    net = hns_ok(api.post("/networks/", {"Name": "persistnet", "Type": "NAT", "Subnets": [
        {"AddressPrefix": "172.27.0.0/24", "GatewayAddress": "172.27.0.1"}]}), "POST network")
    ep = make_acl_endpoint(api, net["ID"], "persist-ep", [
        {"Type": "ACL", "Action": "Block", "Direction": "In", "Protocols": "17",
         "RemoteAddresses": "198.51.100.9", "Priority": 200}])
    PersistDaemon.ep = ep["ID"]
    hns_ok(api.post(f"/endpoints/{ep['ID']}/attach", {"VirtualNicName": "x1"}), "attach to x1")
    stored = _stored(s, "portextacls")
    check([x["Id"] for x in stored.get("x1", [])] == ["1"],
          f"stored extended API rules of x1 (policy rules must not be): {stored!r}")
    stored = _stored(s, "portacls")
    check(sorted(stored) == ["c1", "x1"] and [x["Id"] for x in stored["x1"]] == ["3"] and
          [x["Id"] for x in stored["c1"]] == ["3"],
          f"stored API rules (config rules must not be): {stored!r}")
    check("x1" in _stored(s, "port"), "POST /ports stored no row")
    before = {p: _acl_view(api, p) for p in ("x1", "c1")}
    port_before = api.get("/ports/x1").json()
    _persist_stop(kill=True)
    api, log = _persist_start(s)
    r = api.get("/ports/x1")
    check(r.status == 200, f"x1 after kill -9 and restart: {r}")
    port = r.json()
    for key in ("Vlan", "Devargs", "Uplink", "Endpoint"):
        check(port.get(key) == port_before.get(key), f"x1 {key}: {port.get(key)!r}")
    after = {p: _acl_view(api, p) for p in ("x1", "c1")}
    check(after == before, f"rules changed across kill -9: {before!r} -> {after!r}")
    # the counter continues above the stored ids
    out = hns_ok(api.post("/ports/x1/acls", PERSIST_RULE), "POST x1 acls after restart")
    check(out[0]["Id"] == "4", f"new id on x1 after restart: {out[0]['Id']!r}")
    out = hns_ok(api.post("/ports/c1/extendedacls", PERSIST_EXT), "POST c1 ext after restart")
    check(out[0]["Id"] == "4", f"new extended id on c1 after restart: {out[0]['Id']!r}")
    # a DELETE is stored too: the last API rule gone, its row goes
    hns_ok(api.delete("/ports/c1/acls/3"), "DELETE c1 acl 3")
    check("c1" not in _stored(s, "portacls"), "an emptied rule set left its row")


def test_persist_deleted_api_port_stays_gone(s):
    api = PersistDaemon.api
    check(api is not None, "no persistence daemon (the previous case failed)")
    hns_ok(api.post(f"/endpoints/{PersistDaemon.ep}/detach", {}), "detach from x1")
    check(api.delete("/ports/x1").status == 204, "DELETE /ports/x1")
    check(not {"x1"} & (set(_stored(s, "port")) | set(_stored(s, "portacls")) |
                       set(_stored(s, "portextacls"))), "x1 rows left in the store")
    _persist_stop(kill=True)
    api, _ = _persist_start(s)
    hns_error(api.get("/ports/x1"), "x1 after DELETE and restart", 404)
    check([x["Id"] for x in rules(api, "c1")] == ["1", "2"],
          f"c1 acls: {rules(api, 'c1')!r}")
    check([x["Id"] for x in rules(api, "c1", "extendedacls")] == ["1", "2", "3", "4"],
          f"c1 extendedacls: {rules(api, 'c1', 'extendedacls')!r}")
    # re-plugged under the same name: no stale rules
    check(api.post("/ports", {"Name": "x1", "Devargs": "net_null41,no-rx=1"}).status == 200,
          "re-plug x1")
    check(rules(api, "x1") == [], "a re-plugged x1 got old rules")


def test_persist_stored_port_vs_config_and_gone_device(s):
    import sqlite3
    api = PersistDaemon.api
    check(api is not None, "no persistence daemon (the previous case failed)")
    hns_ok(api.post("/ports/x1/acls", PERSIST_RULE), "POST x1 acls")
    check(api.post("/ports", {"Name": "x2", "Devargs": "net_null42,no-rx=1"}).status == 200,
          "POST /ports x2")
    _persist_stop()
    # a port whose device cannot be probed any more
    db = sqlite3.connect(s.path("persist.db"))
    with db:
        db.execute("INSERT INTO objects (kind, id, seq, json) VALUES ('port', 'gone', "
                   "(SELECT COALESCE(MAX(seq), 0) + 1 FROM objects), ?)",
                   (json.dumps({"Name": "gone", "Devargs": "net_nosuchdriver0"}),))
    db.close()
    # x1 is now in the config: the config wins
    api, log = _persist_start(s, extra_ports=[{"Name": "x1", "Devargs": "net_null43,no-rx=1"}])
    text = open(log).read()
    check("'gone'" in text and "warning" in text, f"no warning about 'gone': {text[-400:]}")
    hns_error(api.get("/ports/gone"), "the unprobeable port", 404)
    check(api.get("/ports/x1").json().get("Devargs") == "net_null43,no-rx=1",
          "the config's x1 did not win")
    check(rules(api, "x1") == [], f"the config's x1 got the stored port's rules: "
          f"{rules(api, 'x1')!r}")
    check(api.get("/ports/x2").status == 200, "x2 is not back")
    stored = _stored(s, "port")
    check("x1" not in stored and "x2" in stored and "gone" in stored,
          f"stored ports {sorted(stored)}")


def test_persist_store_error_is_500_with_nothing_applied(s):
    import sqlite3
    api = PersistDaemon.api
    check(api is not None, "no persistence daemon (the previous case failed)")
    before = _acl_view(api, "x2")
    db = sqlite3.connect(s.path("persist.db"), isolation_level=None, timeout=1)
    db.execute("BEGIN EXCLUSIVE")  # the daemon's transactions time out
    try:
        err = hns_error(api.post("/ports", {"Name": "x3", "Devargs": "net_null44,no-rx=1"}),
                        "POST /ports with the store locked", 500)
        check("store" in err, f"Error {err!r}")
        err = hns_error(api.post("/ports/x2/acls", PERSIST_RULE),
                        "POST acls with the store locked", 500)
        check("store" in err, f"Error {err!r}")
    finally:
        db.execute("ROLLBACK")
        db.close()
    hns_error(api.get("/ports/x3"), "the refused port", 404)
    check(_acl_view(api, "x2") == before, "the refused rule is in force")
    check(api.post("/ports", {"Name": "x3", "Devargs": "net_null44,no-rx=1"}).status == 200,
          "POST /ports x3 once the store is free")
    out = hns_ok(api.post("/ports/x2/acls", PERSIST_RULE), "POST x2 acls once free")
    check(out[0]["Id"] == "1", f"id after a refused POST: {out[0]['Id']!r}")


def test_persist_without_state_nothing_is_kept(s):
    _persist_stop()
    api, _ = _persist_start(s, state=False)
    check(api.post("/ports", {"Name": "x5", "Devargs": "net_null45,no-rx=1"}).status == 200,
          "POST /ports x5")
    hns_ok(api.post("/ports/c1/acls", PERSIST_RULE), "POST c1 acls")
    _persist_stop(kill=True)
    api, _ = _persist_start(s, state=False)
    hns_error(api.get("/ports/x5"), "x5 without --state after restart", 404)
    check([x["Id"] for x in rules(api, "c1")] == ["1", "2"], "c1 kept an API rule")
    rc = _persist_stop()
    check(rc == 0, f"exit code {rc} on SIGTERM")


# run.py takes these, in this order
__all__ = [n for n in list(globals()) if n.startswith("test_")]
