"""Shared fixtures of the Python tests.

Test programs are assembled at test time with the GNU cross assembler
(aarch64-linux-gnu-as, then objcopy to flat bytes), as the C tests do:
encodings are never typed by hand.  The backend is ARMGPU_TEST_BACKEND
(default cpu), as for the C tests.
"""
import os
import shutil
import subprocess
import tempfile

import pytest

import armgpu

AS = os.environ.get("AARCH64_AS") or shutil.which("aarch64-linux-gnu-as")
OBJCOPY = os.environ.get("AARCH64_OBJCOPY") or shutil.which("aarch64-linux-gnu-objcopy")
BACKEND = os.environ.get("ARMGPU_TEST_BACKEND", "cpu")

_cache = {}


def assemble(source: str) -> bytes:
    """Flat bytes of the .text of `source` (GNU syntax), starting at address 0."""
    if source in _cache:
        return _cache[source]
    if not AS or not OBJCOPY:
        pytest.skip("aarch64-linux-gnu-as/objcopy not found (install binutils-aarch64-linux-gnu)")
    with tempfile.TemporaryDirectory(prefix="armgpu-pyasm-") as d:
        src, obj, out = (os.path.join(d, n) for n in ("t.s", "t.o", "t.bin"))
        with open(src, "w") as f:
            # A leading .text and a trailing .ltorg keep literal pools in the image.
            f.write(".text\n" + source + "\n.ltorg\n")
        r = subprocess.run([AS, "-o", obj, src], capture_output=True, text=True)
        if r.returncode:
            raise AssertionError(f"assembling failed:\n{source}\n{r.stderr}")
        subprocess.run([OBJCOPY, "-O", "binary", "-j", ".text", obj, out], check=True)
        with open(out, "rb") as f:
            code = f.read()
    _cache[source] = code
    return code


@pytest.fixture
def asm():
    return assemble


@pytest.fixture
def backend():
    return BACKEND


@pytest.fixture
def cpu():
    """A one-lane MetalCPU with 1 MiB of memory, closed after the test."""
    with armgpu.MetalCPU(memory_size=1 << 20, backend=BACKEND) as c:
        yield c


@pytest.fixture
def run(cpu):
    """run(source, max_cycles=100000) loads source at 0 on the cpu fixture,
    sets SP to 0x80000 and PC to 0, executes, and returns the result."""
    def _run(source, max_cycles=100000):
        cpu.load_program(assemble(source), 0)
        cpu.set_register("sp", 0x80000)
        cpu.set_pc(0)
        return cpu.execute(max_cycles=max_cycles)
    return _run


def parallel(num_lanes, **kw):
    kw.setdefault("backend", BACKEND)
    return armgpu.ParallelMetalCPU(num_lanes=num_lanes, **kw)
