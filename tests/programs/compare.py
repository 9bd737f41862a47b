#!/usr/bin/env python3
"""Runs AArch64 Linux test programs under libarmgpu (the `armgpu run` logic,
built as armgpu_linux_run) and under qemu-aarch64-static, and compares each
run's stdout, stderr and exit status byte for byte.

Every case runs on 1 lane (the runner's stdin is the program's) and on 64
lanes, each lane with its own stdin file (--stdin-per-lane), where lane i is
compared with a QEMU run fed the same bytes.

QEMU's own report of a fatal signal ("qemu: uncaught target signal ...") is
not the program's output and is dropped from its stderr; a kernel prints
nothing there either.
"""
import argparse
import concurrent.futures
import os
import shlex
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def stdin_for(lane):
    """Different bytes per lane: lengths from 0 to beyond one read's 64 KiB."""
    if lane == 0:
        return b""
    n = (lane * 2654435761) % 70000 if lane % 3 else lane * 17
    seed = lane * 7919
    return bytes(((seed + i * i * 31 + i) >> 3) & 0xFF for i in range(n)) + b"lane %d\n" % lane


def status_of(rc):
    return "signal %d" % -rc if rc < 0 else "exit %d" % rc


def clean_qemu_err(err):
    return b"".join(l for l in err.splitlines(True) if not l.startswith(b"qemu: uncaught target signal"))


def run_qemu(qemu, prog, args, stdin, env):
    r = subprocess.run([qemu, prog] + args, input=stdin, capture_output=True, env=env, timeout=120)
    return r.stdout, clean_qemu_err(r.stderr), status_of(r.returncode)


def env_args(env):
    out = []
    for k, v in env.items():
        out += ["--env", "%s=%s" % (k, v)]
    return out


def run_ours(runner, prog, args, stdins, env, maps, extra, backend=None):
    """Runs len(stdins) lanes; returns [(stdout, stderr, status)] per lane."""
    with tempfile.TemporaryDirectory(prefix="armgpu-prog-") as d:
        outd = os.path.join(d, "out")
        os.mkdir(outd)
        cmd = shlex.split(runner) + ["--backend", backend or os.environ.get("ARMGPU_TEST_BACKEND", "cpu"), "--out-dir", outd]
        cmd += env_args(env)
        for g in maps:
            cmd += ["--map", "%s=%s" % (g, g)]
        cmd += extra
        if len(stdins) == 1:
            inp = stdins[0]
        else:
            ind = os.path.join(d, "in")
            os.mkdir(ind)
            for i, b in enumerate(stdins):
                with open(os.path.join(ind, "%05d" % i), "wb") as f:
                    f.write(b)
            cmd += ["--stdin-per-lane", ind, "--lanes", str(len(stdins))]
            inp = b""
        r = subprocess.run(cmd + ["--", prog] + args, input=inp, capture_output=True, timeout=600)
        res = []
        for i in range(len(stdins)):
            def rd(ext):
                p = os.path.join(outd, "lane%d.%s" % (i, ext))
                if not os.path.exists(p):
                    raise AssertionError("runner wrote no %s for lane %d: rc %d, stderr:\n%s"
                                         % (ext, i, r.returncode, r.stderr.decode(errors="replace")))
                with open(p, "rb") as f:
                    return f.read()
            res.append((rd("out"), rd("err"), rd("status").decode().strip()))
        return res, r.stderr


# (name, program, args, env, files mapped at the same path, stdin used)
def freestanding_cases(bindir):
    data = os.path.join(HERE, "freestanding", "sys.h")
    return [
        ("hello", "hello", [], {}, []),
        ("hello-pie", "hello-pie", [], {}, []),
        ("exitcode", "exitcode", [], {}, []),
        ("exitcode-arg", "exitcode", ["7"], {}, []),
        ("exitcode-stdin", "exitcode", ["-"], {}, []),
        ("cat", "cat", [], {}, []),
        # one variable: QEMU reverses the environment's order, a kernel keeps it
        ("args", "args", ["one", "two words", ""], {"HOME": "/root"}, []),
        ("mem", "mem", [], {}, []),
        ("rand", "rand", [], {}, []),
        ("clock", "clock", [], {}, []),
        ("openat", "openat", [data], {}, [data]),
        ("abort", "abort", [], {}, []),
        ("abort-blocked", "abort", ["blocked"], {}, []),
        ("fault", "fault", [], {}, []),
    ]


GLIBC_STDIN = {"stdin_all"}


def glibc_cases(bindir):
    d = os.path.join(bindir, "glibc")
    cases = []
    for p in sorted(os.listdir(d)) if os.path.isdir(d) else []:
        args = ["7"] if p == "exit_status" else []
        cases.append((p, os.path.join("glibc", p), args, {}, []))
    return cases


def debian_cases(bindir):
    """Debian's busybox-static (fetch_debian.sh puts it in BIN_DIR/debian)."""
    bb = os.path.join("debian", "bin", "busybox")
    if not os.path.exists(os.path.join(bindir, bb)):
        return None
    applets = [
        ["echo", "hello", "from", "busybox"],
        ["cat"],
        ["wc"],
        ["sort"],
        ["md5sum"],
        ["sha256sum"],
        ["seq", "1", "3", "20"],
        ["expr", "3", "+", "4"],
        ["printf", "%05d|%s|%x\\n", "42", "str", "255"],
        ["tr", "a-z", "A-Z"],
        ["head", "-n", "3"],
        ["od", "-c"],
        ["base64"],
        ["false"],
        ["basename", "/usr/lib/x.so", ".so"],
        ["sed", "s/a/A/g"],
        ["grep", "-c", "a"],
        ["awk", "BEGIN { x = 1.5 * 3; printf \"%g %d\\n\", x, 7 / 2 }"],
    ]
    return [("busybox-" + a[0], bb, a, {}, []) for a in applets]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runner", required=True)
    ap.add_argument("--qemu", default=None)
    ap.add_argument("--reference", choices=["qemu", "cpu"], default="qemu",
                    help="compare with QEMU, or with the cpu backend (to check another backend "
                         "where QEMU is not installed, once the cpu backend matches QEMU)")
    ap.add_argument("--bin-dir", required=True)
    ap.add_argument("--suite", choices=["freestanding", "glibc", "debian"], default="freestanding")
    ap.add_argument("--lanes", type=int, default=64)
    ap.add_argument("--only", default=None, help="run only this case")
    a = ap.parse_args()
    if a.reference == "qemu" and not a.qemu:
        ap.error("--qemu is needed to compare with QEMU")
    if a.suite == "debian":
        cases = debian_cases(a.bin_dir)
        if cases is None:
            print("SKIP: no %s/debian/bin/busybox (tests/programs/fetch_debian.sh fetches it)" % a.bin_dir)
            return 77
    else:
        cases = freestanding_cases(a.bin_dir) if a.suite == "freestanding" else glibc_cases(a.bin_dir)
    failures = []
    for name, prog, args, env, maps in cases:
        if a.only and name != a.only:
            continue
        path = os.path.join(a.bin_dir, prog)
        for lanes in (1, a.lanes):
            stdins = [stdin_for(i if lanes > 1 else 5) for i in range(lanes)]
            try:
                ours, runner_err = run_ours(a.runner, path, args, stdins, env, maps, [])
            except AssertionError as e:
                failures.append("%s (%d lanes): %s" % (name, lanes, e))
                print("FAIL %-16s %2d lanes: runner failed" % (name, lanes), flush=True)
                break
            bad = []
            if a.reference == "cpu":
                wants, _ = run_ours(a.runner, path, args, stdins, env, maps, [], backend="cpu")
            else:
                with concurrent.futures.ThreadPoolExecutor(max_workers=min(8, os.cpu_count() or 1)) as pool:
                    wants = list(pool.map(lambda b: run_qemu(a.qemu, path, args, b, env), stdins))
            for i in range(lanes):
                want = wants[i]
                if ours[i] != want:
                    what = [k for k, x, y in zip(("stdout", "stderr", "status"), ours[i], want) if x != y]
                    bad.append((i, what, ours[i], want))
            if bad:
                i, what, got, want = bad[0]
                msg = "%s (%d lanes): %d lanes differ; lane %d %s\n  ours: %r\n  qemu: %r" % (
                    name, lanes, len(bad), i, "/".join(what),
                    tuple(x[:300] for x in got), tuple(x[:300] for x in want))
                if runner_err:
                    msg += "\n  runner: %s" % runner_err.decode(errors="replace")[:600]
                failures.append(msg)
                print("FAIL %-16s %2d lanes" % (name, lanes), flush=True)
            else:
                print("ok   %-16s %2d lanes" % (name, lanes), flush=True)
    if failures:
        print("\n".join(failures))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
