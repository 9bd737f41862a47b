"""ParallelMetalCPU.run_program: static AArch64 Linux programs on every lane.

The programs are the freestanding ones tests/programs/ builds (raw system
calls, no C library); they are looked up in the build tree next to the
module (<build>/tests/programs) or in ARMGPU_PROGRAMS_DIR.
"""
import os

import pytest

import armgpu
from conftest import parallel

_build = os.path.dirname(os.path.dirname(os.path.abspath(armgpu.__file__)))
PROGRAMS = os.environ.get("ARMGPU_PROGRAMS_DIR") or os.path.join(_build, "tests", "programs")


def prog(name):
    path = os.path.join(PROGRAMS, name)
    if not os.path.exists(path):
        pytest.skip("%s not built (tests/programs needs aarch64-linux-gnu-gcc)" % path)
    return path


def test_hello_every_lane():
    with parallel(8) as cpu:
        results = cpu.run_program(prog("hello"))
    assert len(results) == 8
    for r in results:
        assert isinstance(r, armgpu.ProgramResult)
        assert r.stdout == b"hello, world\n"
        assert r.stderr == b""
        assert r.exit_code == 0
        assert r.status == "exited"
        assert r.instructions > 0 and r.syscalls == 2


def test_stdin_per_lane_and_exit_codes():
    stdin = [bytes([i, 1]) for i in range(16)]
    with parallel(16) as cpu:
        results = cpu.run_program(prog("exitcode"), argv=["exitcode", "-"], stdin=stdin)
    for i, r in enumerate(results):
        assert r.exit_code == i + 1
        assert r.stderr == b"exiting with %d\n" % (i + 1)
        assert r.stdout == b"stdout before exit\n"


def test_cat_reads_all_of_stdin():
    data = [os.urandom(n) for n in (0, 1, 4095, 70000)]
    with parallel(4) as cpu:
        results = cpu.run_program(prog("cat"), stdin=data)
    for d, r in zip(data, results):
        assert r.stdout.startswith(d)
        assert b"bytes=%d\n" % len(d) in r.stdout


def test_argv_env_per_lane():
    argv = [["args", "lane%d" % i] for i in range(3)]
    with parallel(3) as cpu:
        results = cpu.run_program(prog("args"), argv=argv, env={"HOME": "/root"})
    for i, r in enumerate(results):
        assert b"argv: lane%d\n" % i in r.stdout
        assert b"env: HOME=/root\n" in r.stdout


def test_mapped_file():
    here = os.path.abspath(__file__)
    with parallel(2) as cpu:
        results = cpu.run_program(prog("openat"), argv=["openat", "/data/me.py"], files={"/data/me.py": here})
    with open(here, "rb") as f:
        body = f.read()
    for r in results:
        assert b"size=%d\n" % len(body) in r.stdout
        assert body in r.stdout


def test_signals():
    with parallel(2) as cpu:
        assert [r.exit_code for r in cpu.run_program(prog("abort"))] == [-6, -6]
        r = cpu.run_program(prog("fault"))[0]
    assert r.signal == 11 and r.status == "signaled"
    assert r.stop.startswith("FAULT")


def test_budget():
    with parallel(1) as cpu:
        r = cpu.run_program(prog("cat"), stdin=b"x" * 100000, max_instructions=1000)[0]
    assert r.status == "running"


def test_refusals():
    with parallel(1) as cpu:
        with pytest.raises(armgpu.InvalidArgumentError, match="PT_INTERP"):
            cpu.run_program(prog("hello-dynamic"))
        with pytest.raises(armgpu.InvalidArgumentError, match="not an ELF"):
            cpu.run_program(os.path.abspath(__file__))
        with pytest.raises(armgpu.InvalidArgumentError, match="per-lane"):
            cpu.run_program(prog("hello"), argv=[["a"], ["b"]])
