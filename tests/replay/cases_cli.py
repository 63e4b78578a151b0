"""Command line and startup config cases, with the real binary: bad input
gives exit code 2 and one clear stderr line naming the problem (the option,
or the JSON path of the bad config value), and nothing is started."""

import json
import os

from harness import check, last_line


def _base_config(ctx):
    rx = ctx.pcap("in.pcap", [])
    return {
        "Switch": {"Name": "cli", "MacAgingSeconds": 300},
        "Ports": [
            {"Name": "p0", "Devargs": f"net_pcap0,rx_pcap={rx},"
                                      f"tx_pcap={ctx.path('p0-out.pcap')}",
             "Vlan": {"OperationMode": "Trunk", "AllowedVlanIdList": "10,20"}},
            {"Name": "p1", "Devargs": f"net_pcap1,rx_pcap={rx},"
                                      f"tx_pcap={ctx.path('p1-out.pcap')}",
             "Vlan": {"OperationMode": "Access", "AccessVlanId": 10}},
        ],
    }


def _expect_usage_error(proc, must_contain, what):
    """Exit 2 and exactly one stderr line past the progress lines
    ("vswitchd: starting: STEP"), containing every must_contain."""
    lines = [ln for ln in proc.stderr_lines() if not ln.startswith("vswitchd: starting: ")]
    check(proc.rc == 2, f"{what}: exit code {proc.rc}, expected 2 "
          f"(stderr: {last_line(proc.stderr)})")
    check(len(lines) == 1, f"{what}: {len(lines)} stderr lines, expected one: "
          + " | ".join(lines[:4]))
    check(lines[0].startswith("vswitchd: "),
          f"{what}: stderr line does not start with 'vswitchd: ': {lines[0]}")
    for text in must_contain:
        check(text in lines[0], f"{what}: stderr does not name {text!r}: {lines[0]}")


def _run_config(ctx, cfg_text, name="config.json"):
    path = ctx.write(name, cfg_text)
    return path, ctx.run_vswitchd(["--config", path, "--exit-on-idle", "300"])


def _expect_config_rejected(ctx, mutate, json_path, what):
    cfg = _base_config(ctx)
    mutate(cfg)
    path, proc = _run_config(ctx, json.dumps(cfg))
    _expect_usage_error(proc, [f"config {path}: ", f": {json_path}: "], what)
    for port in ("p0", "p1"):  # nothing started: no port opened its tx pcap
        check(not os.path.exists(ctx.path(f"{port}-out.pcap")),
              f"{what}: port {port} was started (its tx pcap exists)")


# --- command line ---------------------------------------------------------

def test_unknown_option_exits_2_naming_it(ctx):
    cfg = ctx.write("ok.json", json.dumps(_base_config(ctx)))
    proc = ctx.run_vswitchd(["--config", cfg, "--frobnicate-ports"])
    _expect_usage_error(proc, ["--frobnicate-ports"], "unknown option")


def test_option_missing_or_bad_value_exits_2_naming_it(ctx):
    cfg = ctx.write("ok.json", json.dumps(_base_config(ctx)))
    for args in (["--config", cfg, "--exit-on-idle"],
                 ["--config", cfg, "--exit-on-idle", "soon"],
                 ["--config", cfg, "--stats-interval", "-1"]):
        proc = ctx.run_vswitchd(args)
        opt = next(a for a in args[2:] if a.startswith("--"))
        _expect_usage_error(proc, [opt], " ".join(args[2:]))


def test_missing_config_option_exits_2(ctx):
    proc = ctx.run_vswitchd(["--exit-on-idle", "300"])
    _expect_usage_error(proc, ["--config"], "no --config")


def test_bad_eal_option_exits_2(ctx):
    cfg = ctx.write("ok.json", json.dumps(_base_config(ctx)))
    proc = ctx.run_vswitchd(["--config", cfg],
                            eal_args=ctx.eal_args() + ["--no-such-eal-option"])
    check(proc.rc == 2, f"exit code {proc.rc}, expected 2")


# --- startup config -------------------------------------------------------

def test_config_unknown_field_is_rejected_with_its_path(ctx):
    def mutate(cfg):
        cfg["Ports"][0]["Nmae"] = "typo"
    _expect_config_rejected(ctx, mutate, "Ports[0].Nmae", "unknown field")


def test_config_wrong_type_is_rejected_with_its_path(ctx):
    cases = [
        ("Ports[1].Uplink", lambda c: c["Ports"][1].update(Uplink="yes")),
        ("Switch.MacAgingSeconds",
         lambda c: c["Switch"].update(MacAgingSeconds="300")),
        ("Ports[1].Vlan.AccessVlanId",
         lambda c: c["Ports"][1]["Vlan"].update(AccessVlanId=10.5)),
        ("Ports", lambda c: c.update(Ports={"Name": "p0"})),
    ]
    for json_path, mutate in cases:
        _expect_config_rejected(ctx, mutate, json_path, f"wrong type at {json_path}")


def test_config_access_vlan_id_out_of_range_is_rejected(ctx):
    def mutate(cfg):
        cfg["Ports"][1]["Vlan"]["AccessVlanId"] = 5000
    _expect_config_rejected(ctx, mutate, "Ports[1].Vlan.AccessVlanId",
                            "AccessVlanId 5000")


def test_config_reversed_vlan_range_is_rejected(ctx):
    def mutate(cfg):
        cfg["Ports"][0]["Vlan"]["AllowedVlanIdList"] = "20-10"
    _expect_config_rejected(ctx, mutate, "Ports[0].Vlan.AllowedVlanIdList",
                            "AllowedVlanIdList 20-10")


def test_config_duplicate_port_names_are_rejected(ctx):
    def mutate(cfg):
        cfg["Ports"][1]["Name"] = cfg["Ports"][0]["Name"]
    _expect_config_rejected(ctx, mutate, "Ports[1].Name", "duplicate names")


def test_config_invalid_json_is_rejected_with_its_line(ctx):
    text = json.dumps(_base_config(ctx), indent=2)
    text = text.replace('"Name": "p1",', '"Name": "p1"', 1)  # missing comma
    path, proc = _run_config(ctx, text)
    _expect_usage_error(proc, [f"config {path}: ", "line "], "invalid JSON")


def test_config_file_missing_exits_2_naming_it(ctx):
    path = ctx.path("no-such-config.json")
    proc = ctx.run_vswitchd(["--config", path])
    _expect_usage_error(proc, [path], "missing config file")


def test_unprobeable_device_exits_2_naming_the_port(ctx):
    cfg = _base_config(ctx)
    bad = cfg["Ports"][1]
    bad["Devargs"] = ("net_pcap9,rx_pcap=/nonexistent.pcap,"
                      f"tx_pcap={ctx.path('p1-out.pcap')}")
    path, proc = _run_config(ctx, json.dumps(cfg))
    check(proc.rc == 2, f"exit code {proc.rc}, expected 2 "
          f"(stderr: {last_line(proc.stderr)})")
    ours = [ln for ln in proc.stderr_lines() if ln.startswith("vswitchd:") and
            not ln.startswith("vswitchd: starting: ")]  # past the progress lines
    check(len(ours) == 1, f"{len(ours)} 'vswitchd:' stderr lines, expected one: "
          + " | ".join(ours[:4]))
    for text in ("'p1'", "net_pcap9"):
        check(text in ours[0], f"stderr does not name {text}: {ours[0]}")
