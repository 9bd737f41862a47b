"""`pip install ./python` works offline with Debian's setuptools, and the
installed module runs; help() and the stubs are there."""
import os
import pydoc
import subprocess
import sys

import pytest

import armgpu

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_help_and_docstrings():
    text = pydoc.render_doc(armgpu, renderer=pydoc.plaintext)
    for name in ("ParallelMetalCPU", "MetalCPU", "load_program", "set_pc_all", "execute", "backends",
                 "StopReason", "GuestMemoryError", "kvrm_metal"):
        assert name in text
    for obj in (armgpu.Machine, armgpu.MetalCPU, armgpu.ParallelMetalCPU, armgpu.ParallelResult,
                armgpu.ExecutionResult, armgpu.Stop, armgpu.RegisterView, armgpu.backends, armgpu.Error):
        assert obj.__doc__ and len(obj.__doc__) > 20, obj
    for name in dir(armgpu.MetalCPU):
        if not name.startswith("_"):
            assert getattr(armgpu.MetalCPU, name).__doc__, name
    import inspect
    assert str(inspect.signature(armgpu.Machine.load_program)) == "(self, /, program, address=0)"
    assert "num_lanes=32" in str(inspect.signature(armgpu.ParallelMetalCPU))


def test_stub_names_match_module():
    with open(os.path.join(ROOT, "python", "armgpu.pyi")) as f:
        stub = f.read()
    for name in dir(armgpu):
        if not name.startswith("_"):
            assert name in stub, f"armgpu.{name} missing from armgpu.pyi"
    for name in dir(armgpu.MetalCPU):
        if not name.startswith("_"):
            assert f" {name}" in stub, f"MetalCPU.{name} missing from armgpu.pyi"


@pytest.mark.skipif(subprocess.run([sys.executable, "-m", "pip", "--version"], capture_output=True).returncode,
                    reason="pip is not installed for this interpreter")
def test_pip_install_offline(tmp_path):
    src = tmp_path / "src"
    # Build from a copy, so the checkout stays clean (pip builds in the tree).
    import shutil
    for d in ("include", "src", "shaders", "python"):
        shutil.copytree(os.path.join(ROOT, d), src / d,
                        ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__", "cli"))
    target = tmp_path / "site"
    r = subprocess.run([sys.executable, "-m", "pip", "install", "--no-build-isolation", "--no-index",
                        "--no-deps", "--target", str(target), str(src / "python")],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    assert (target / "armgpu.pyi").exists() and (target / "kvrm_metal.py").exists()
    code = ("import armgpu, kvrm_metal; c = kvrm_metal.ParallelMetalCPU(num_lanes=4, backend='cpu');"
            "c.write_memory(0, b'\\1' * 8); print(armgpu.__file__, c.read_memory_64(0), c.execute(0).stop_reasons[0].name)")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       env=dict(os.environ, PYTHONPATH=str(target)), cwd=str(tmp_path))
    assert r.returncode == 0, r.stderr
    path, value, reason = r.stdout.split()
    assert path.startswith(str(target)) and int(value) == 0x0101010101010101 and reason == "MAX_CYCLES"
