"""psutil against a memcgfs mount: psutil.PROCFS_PATH = ROOT/proc, then virtual_memory() and
swap_memory() must agree with ROOT/proc/meminfo (and vmstat) read at the same moment.

Run with Debian's interpreter (/usr/bin/python3, package python3-psutil); scripts/clients/psutil.sh
does. Prints KTAP; exit 0 pass, 1 fail, 4 skip (psutil missing or no mount).
"""
import os
import sys


def main() -> int:
    print("TAP version 13")
    root = (sys.argv[1] if len(sys.argv) > 1 else os.environ.get("MEMCGFS_ROOT", "")).rstrip("/")
    proc = os.path.join(root, "proc")
    if not root or not os.path.isfile(os.path.join(root, "memcgfs", "info")):
        print("1..0 # SKIP no memcgfs mount (pass the mount root or set MEMCGFS_ROOT)")
        return 4
    try:
        import psutil
    except ImportError:
        print("1..0 # SKIP psutil is not installed (Debian package python3-psutil)")
        return 4

    psutil.PROCFS_PATH = proc
    files = [os.path.join(proc, "meminfo"), os.path.join(proc, "vmstat")]

    def snap() -> bytes:
        out = b""
        for f in files:
            with open(f, "rb") as fh:
                out += fh.read()
        return out

    for _ in range(5):
        before = snap()
        vm = psutil.virtual_memory()
        sw = psutil.swap_memory()
        if snap() == before:
            break
    else:
        print("not ok 1 - proc/meminfo held still for one virtual_memory() call")
        print("1..1")
        return 1

    mi = {}
    for line in before.decode().split("\n"):
        parts = line.split()
        if len(parts) >= 2 and parts[0].endswith(":"):
            mi[parts[0][:-1]] = int(parts[1]) * (1024 if parts[-1] == "kB" else 1)

    results = []

    def check(what: str, expected: int, actual: int) -> None:
        good = expected == actual
        results.append(good)
        detail = f"{actual}" if good else f"expected {expected}, got {actual}"
        print(f"{'ok' if good else 'not ok'} {len(results)} - {what if what.startswith('swap_memory') else 'virtual_memory().' + what} = {detail}")

    check("total (MemTotal)", mi["MemTotal"], vm.total)
    check("available (MemAvailable)", mi["MemAvailable"], vm.available)
    check("free (MemFree)", mi["MemFree"], vm.free)
    check("buffers (Buffers)", mi["Buffers"], vm.buffers)
    # psutil's cached is Cached + SReclaimable, like procps
    check("cached (Cached + SReclaimable)", mi["Cached"] + mi["SReclaimable"], vm.cached)
    check("shared (Shmem)", mi["Shmem"], vm.shared)
    check("slab (Slab)", mi["Slab"], vm.slab)
    check("active (Active)", mi["Active"], vm.active)
    check("inactive (Inactive)", mi["Inactive"], vm.inactive)
    # psutil 5.x: used = total - free - cached - buffers, falling back to total - free if negative
    used = mi["MemTotal"] - mi["MemFree"] - (mi["Cached"] + mi["SReclaimable"]) - mi["Buffers"]
    if used < 0:
        used = mi["MemTotal"] - mi["MemFree"]
    check("used (total - free - cached - buffers)", used, vm.used)
    results.append(vm.used >= 0 and vm.available <= vm.total)
    print(f"{'ok' if results[-1] else 'not ok'} {len(results)} - used >= 0 and available <= total without psutil's clamps")
    # percent = (total - available) / total * 100, rounded to 1 decimal
    check("percent*10", round((mi["MemTotal"] - mi["MemAvailable"]) / mi["MemTotal"] * 1000), round(vm.percent * 10))
    results_before = len(results)
    check("swap_memory total (SwapTotal)", mi["SwapTotal"], sw.total)
    check("swap_memory free (SwapFree)", mi["SwapFree"], sw.free)
    assert len(results) == results_before + 2
    print(f"# psutil {psutil.__version__}: {vm}")
    print(f"1..{len(results)}")
    failed = results.count(False)
    print(f"# Totals: pass:{len(results) - failed} fail:{failed} xfail:0 xpass:0 skip:0 error:0")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
