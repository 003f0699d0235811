#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
#
# check-info.py --info EXE [--mock-run EXE] SCENARIO
#
# Runs iommufd-info (under iommufd-mock-run for the mock scenarios) and checks
# its output against what the mock machine's configuration implies
# (doc/mock-devices.md). JSON output goes through `python3 -m json.tool`
# first, so it must be valid JSON, then its keys and values are checked.
# Exit 0 pass, 1 fail.
import argparse
import json
import subprocess
import sys

EDU_VTD_RANGES = [{"start": "0x0", "last": "0xfedfffff"},
                  {"start": "0xfef00000", "last": "0x7fffffffff"}]
DEVICE_KEYS = {"path", "error", "id", "pci", "vfio", "hw_info", "hwpt_alloc", "attach"}
HW_KEYS = {"error", "data_type", "data_type_name", "data_len", "data", "capabilities",
           "capability_names", "max_pasid_log2"}
TOP_KEYS = {"tool_version", "library_version", "iommufd", "commands", "features", "devices",
            "ioas"}

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL: " + what)


def run(cmd, want_rc=0):
    print("$ " + " ".join(cmd))
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                       timeout=60)
    sys.stdout.write(p.stdout)
    sys.stdout.write(p.stderr)
    check(p.returncode == want_rc, "%s: exit status %d, expected %d"
          % (" ".join(cmd), p.returncode, want_rc))
    return p.stdout


# iommufd-info's feature names; the newest kernel (the mock's default) has them all.
ALL_FEATURES = ("vfio_compat", "selftest", "hwpt_data", "hwpt_fault_id", "hw_info_capabilities",
                "hw_info_input_type", "viommu_data")


def run_json(cmd, want_rc=0, newest=True):
    out = run(cmd + ["--json"], want_rc)
    # json.tool exits non-zero on anything that is not exactly one JSON document.
    p = subprocess.run([sys.executable, "-m", "json.tool"], input=out, text=True,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    check(p.returncode == 0, "python3 -m json.tool rejects the output: " + p.stderr.strip())
    if p.returncode:
        return None
    doc = json.loads(out)
    check(set(doc) == TOP_KEYS, "top-level keys %s" % sorted(doc))
    check(doc["iommufd"]["available"] is True, "iommufd available")
    check(all(isinstance(v, bool) for v in doc["commands"].values()), "commands are booleans")
    if newest:
        check(all(doc["commands"].values()), "every command reported: %s" % doc["commands"])
        check(doc["features"] == {f: True for f in ALL_FEATURES},
              "features %s" % doc["features"])
    for d in doc["devices"]:
        if d["error"] is None:
            check(set(d) == DEVICE_KEYS, "device keys %s" % sorted(d))
            check(HW_KEYS <= set(d["hw_info"]), "hw_info keys %s" % sorted(d["hw_info"]))
    check(doc["ioas"]["error"] is None, "IOAS created")
    return doc


def vtd_device(d, path, caps="0x8"):
    # 7.3 reports PCI_ATS_NOT_SUPPORTED (0x8) for edu, which has no ATS; 6.12 has no such bit
    check(d["path"] == path, "path %s" % d["path"])
    check(d["error"] is None, "bound")
    # the sysfs the shim presents (doc/mock-devices.md): vfioN is 00ed:00:0(N+1).0
    n = int(path.rsplit("vfio", 1)[1])
    check(d["pci"] == {"address": "00ed:00:%02x.0" % (n + 1), "vendor": "0x1234",
                       "device": "0x11e8"}, "sysfs identity %s" % d["pci"])
    check(d["vfio"] == {"error": None, "flags": ["pci"], "num_regions": 9, "num_irqs": 5},
          "vfio info %s" % d["vfio"])
    hw = d["hw_info"]
    check(hw["data_type"] == 1 and hw["data_type_name"] == "intel_vtd", "VT-d type")
    check(hw["data_len"] == 24, "VT-d data_len 24")
    names = ["pci_ats_not_supported"] if caps == "0x8" else []
    check(hw["capabilities"] == caps and hw["capability_names"] == names,
          "capabilities %s %s" % (hw["capabilities"], hw["capability_names"]))
    check(hw["max_pasid_log2"] == 0, "max_pasid_log2 0")
    check(hw.get("intel_vtd") == {"flags": "0x1", "cap_reg": "0xd2008c22260206",
                                  "ecap_reg": "0xf00f4a"}, "VT-d registers %s" % hw.get("intel_vtd"))
    check(d["hwpt_alloc"]["paging"] is True, "paging HWPT")
    check(d["hwpt_alloc"]["nest_parent"] is False, "no NEST_PARENT by default")
    check(d["hwpt_alloc"]["dirty_tracking"] is False, "no dirty tracking by default")
    check(d["attach"]["error"] is None and d["attach"]["hwpt_id"] > 0, "attached")


def scenario_default(a):
    doc = run_json([a.mock_run, a.info])
    if doc:
        check(len(doc["devices"]) == 1, "one device")
        if doc["devices"]:
            vtd_device(doc["devices"][0], "/dev/vfio/devices/vfio0")
        io = doc["ioas"]
        check(io["attached_devices"] == 1, "one device attached")
        check(io["alignment"] == "0x1000", "alignment %s" % io["alignment"])
        check(io["ranges"] == EDU_VTD_RANGES, "ranges %s" % io["ranges"])
    out = run([a.mock_run, a.info])
    for text in ("/dev/iommu: iommufd available", "IOMMU_HWPT_ALLOC", "intel_vtd",
                 "cap_reg 0xd2008c22260206", "ecap_reg 0xf00f4a", "alignment 0x1000",
                 "[0x00000000fef00000, 0x0000007fffffffff]"):
        check(text in out, "human output shows '%s'" % text)


def scenario_selftest(a):
    doc = run_json([a.mock_run, "--device", "selftest,dirty,nesting", a.info])
    if not doc:
        return
    check(len(doc["devices"]) == 1, "one device")
    d = doc["devices"][0]
    hw = d["hw_info"]
    check(hw["data_type"] == 0xfeedbeef and hw["data_type_name"] == "selftest",
          "selftest type %s" % hw["data_type"])
    check(hw["capability_names"] == ["dirty_tracking", "pci_ats_not_supported"],
          "dirty tracking capability, no ATS: %s" % hw["capability_names"])
    check(hw["capabilities"] == "0x9", "capabilities 0x9")
    # struct iommu_test_hw_info: flags 0, test_reg 0xdeadbeef (little endian)
    check(hw["data"] == "00000000efbeadde", "selftest data %s" % hw["data"])
    check(d["hwpt_alloc"] == {"paging": True, "nest_parent": True, "dirty_tracking": True,
                              "pasid": True}, "HWPT flags %s" % d["hwpt_alloc"])
    io = doc["ioas"]
    check(io["attached_devices"] == 1, "attached")
    # the selftest IOMMU's aperture is [16 MiB, 2 GiB)
    check(io["ranges"] == [{"start": "0x1000000", "last": "0x7fffffff"}],
          "ranges %s" % io["ranges"])


def scenario_mixed(a):
    doc = run_json([a.mock_run, "--device", "edu", "--device", "plain,hwinfo=smmuv3",
                    "--device", "edu,hwinfo=amd,nesting", a.info])
    if not doc:
        return
    check([d["path"] for d in doc["devices"]] ==
          ["/dev/vfio/devices/vfio%d" % i for i in range(3)], "three devices in order")
    if len(doc["devices"]) != 3:
        return
    vtd_device(doc["devices"][0], "/dev/vfio/devices/vfio0")
    smmu = doc["devices"][1]["hw_info"]
    check(smmu["data_type_name"] == "arm_smmuv3" and smmu["data_len"] == 40, "SMMUv3 info")
    check(set(smmu.get("arm_smmuv3", {})) == {"flags", "idr", "iidr", "aidr"}
          and len(smmu["arm_smmuv3"]["idr"]) == 6, "SMMUv3 decoded")
    amd = doc["devices"][2]
    check(amd["hw_info"]["data_type_name"] == "amd" and "amd" in amd["hw_info"], "AMD info")
    check(amd["hwpt_alloc"]["nest_parent"] is True, "AMD with nesting takes NEST_PARENT")
    io = doc["ioas"]
    check(io["attached_devices"] == 3, "three attached")
    # VT-d's 39-bit aperture, minus the x86 MSI window and SMMUv3's SW MSI window
    check(io["ranges"] == [{"start": "0x0", "last": "0x7ffffff"},
                           {"start": "0x8100000", "last": "0xfedfffff"},
                           {"start": "0xfef00000", "last": "0x7fffffffff"}],
          "ranges %s" % io["ranges"])


def scenario_no_device(a):
    doc = run_json([a.mock_run, "--no-device", a.info])
    if doc:
        check(doc["devices"] == [], "no devices")
        check(doc["ioas"]["attached_devices"] == 0, "nothing attached")
        check(doc["ioas"]["ranges"] == [{"start": "0x0", "last": "0xffffffffffffffff"}],
              "an empty IOAS spans everything: %s" % doc["ioas"]["ranges"])
    out = run([a.mock_run, "--no-device", a.info])
    check("Devices (0):" in out, "human output shows no devices")


def scenario_named(a):
    doc = run_json([a.mock_run, a.info, "--device", "/dev/vfio/devices/vfio0"])
    if doc:
        check(len(doc["devices"]) == 1, "the named device only")
    doc = run_json([a.mock_run, a.info, "--device", "/dev/vfio/devices/vfio7",
                    "--device", "/dev/vfio/devices/vfio0"], want_rc=3)
    if doc:
        check(len(doc["devices"]) == 2, "both named devices")
        bad = doc["devices"][0]
        check(bad["path"].endswith("vfio7") and bad["error"] is not None
              and bad["error"]["name"] == "ENOENT", "vfio7 does not exist: %s" % bad)
        check(doc["devices"][1]["error"] is None, "vfio0 still reported")


def scenario_kernel_612(a):
    # The mock presenting Linux 6.12: commands up to IOMMU_FAULT_QUEUE_ALLOC.
    doc = run_json([a.mock_run, "--kernel", "6.12", a.info], newest=False)
    if doc:
        have = [c for c, v in doc["commands"].items() if v]
        check(have[-1] == "IOMMU_FAULT_QUEUE_ALLOC" and len(have) == 15,
              "6.12 commands: %s" % have)
        want = {f: f not in ("hw_info_input_type", "viommu_data") for f in ALL_FEATURES}
        check(doc["features"] == want, "6.12 features %s" % doc["features"])
        check(len(doc["devices"]) == 1, "one device")
        if doc["devices"]:
            vtd_device(doc["devices"][0], "/dev/vfio/devices/vfio0", caps="0x0")
    out = run([a.mock_run, "--kernel", "6.12", a.info])
    check("IOMMU_VIOMMU_ALLOC" in out and "IOMMU_FAULT_QUEUE_ALLOC" in out,
          "human output lists the commands")


def scenario_cli(a):
    out = run([a.info, "--help"])
    check("Usage: iommufd-info" in out and "--json" in out and "Exit status" in out, "--help")
    out = run([a.info, "--version"])
    check(out.startswith("iommufd-info ") and "libiommufd" in out, "--version")
    run([a.info, "--bogus"], want_rc=2)
    run([a.info, "extra"], want_rc=2)


def scenario_no_iommufd(a):
    # Without the mock (and on a host without /dev/iommu) there is no iommufd.
    out = run([a.info, "--json"], want_rc=1)
    doc = json.loads(out)
    check(doc["iommufd"]["available"] is False and doc["iommufd"]["error"]["name"],
          "iommufd unavailable reported")


SCENARIOS = {
    "default": scenario_default,
    "selftest": scenario_selftest,
    "mixed": scenario_mixed,
    "no-device": scenario_no_device,
    "named": scenario_named,
    "kernel-6.12": scenario_kernel_612,
    "cli": scenario_cli,
    "no-iommufd": scenario_no_iommufd,
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--info", required=True)
    ap.add_argument("--mock-run")
    ap.add_argument("scenario", choices=sorted(SCENARIOS))
    a = ap.parse_args()
    if a.scenario == "no-iommufd":
        import os
        if os.path.exists("/dev/iommu"):
            print("SKIP: this machine has /dev/iommu")
            return 77
    SCENARIOS[a.scenario](a)
    if failures:
        print("%d check(s) failed" % len(failures))
        return 1
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
