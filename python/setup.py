"""Builds the armgpu extension with setuptools, offline.

By default the extension is compiled together with libarmgpu's own sources
(../src/*.c, ../src/linux/*.c and the decoder generated from ../shaders/a64.decode), cpu backend
only: the CUDA backend needs nvcc and is built by CMake.  Set ARMGPU_PREFIX to
an installed libarmgpu (cmake --install build --prefix PREFIX) to link against
it instead, CUDA backend included when that build has one.

    /usr/bin/python3 -m pip install --no-build-isolation --no-index ./python
"""
import glob
import os
import subprocess
import sys

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext
from setuptools.command.build_py import build_py

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
PREFIX = os.environ.get("ARMGPU_PREFIX")


class BuildExt(build_ext):
    """Generates a64_decode_gen.h before compiling from the sources."""

    def run(self):
        if not PREFIX:
            gen = os.path.join(os.path.abspath(self.build_temp), "gen")
            os.makedirs(gen, exist_ok=True)
            subprocess.check_call([sys.executable, os.path.join(ROOT, "shaders", "gen_decode.py"),
                                   os.path.join(ROOT, "shaders", "a64.decode"),
                                   os.path.join(gen, "a64_decode_gen.h")])
            for ext in self.extensions:
                ext.include_dirs.append(gen)
        super().run()


class BuildPy(build_py):
    """Installs the type stubs (armgpu.pyi) beside the extension."""

    def run(self):
        super().run()
        self.copy_file(os.path.join(HERE, "armgpu.pyi"), os.path.join(self.build_lib, "armgpu.pyi"))


if PREFIX:
    libdir = next((d for d in (os.path.join(PREFIX, "lib"), os.path.join(PREFIX, "lib64"))
                   if glob.glob(os.path.join(d, "libarmgpu.*"))), os.path.join(PREFIX, "lib"))
    ext = Extension("armgpu", sources=["armgpu_module.c"],
                    include_dirs=[os.path.join(PREFIX, "include")],
                    library_dirs=[libdir], libraries=["armgpu"], runtime_library_dirs=[libdir])
else:
    # the cuda backend and its translated code are CMake's (cuda_stub.c stands in)
    lib_sources = sorted(p for p in glob.glob(os.path.join(ROOT, "src", "*.c"))
                         if not os.path.basename(p).startswith(("backend_cuda", "cuda_jit")))
    # the Linux program layer (src/linux/), less the armgpu command's part
    lib_sources += sorted(p for p in glob.glob(os.path.join(ROOT, "src", "linux", "*.c"))
                          if os.path.basename(p) != "cli_run.c")
    if not lib_sources:
        sys.exit(f"libarmgpu sources not found in {ROOT}/src: build from a checkout, or set ARMGPU_PREFIX")
    ext = Extension("armgpu", sources=["armgpu_module.c"] + [os.path.relpath(p, HERE) for p in lib_sources],
                    include_dirs=[os.path.join(ROOT, d) for d in ("include", "src", "shaders")],
                    define_macros=[("ARMGPU_BUILT_WITH_CUDA", "0")],
                    extra_compile_args=["-std=c11", "-O2", "-fvisibility=hidden"],
                    libraries=["pthread", "dl", "atomic"])

setup(
    name="armgpu",
    version="0.1.0",
    description="Run AArch64 user-mode code on many emulated CPUs at once (libarmgpu bindings)",
    python_requires=">=3.11",
    ext_modules=[ext],
    py_modules=["kvrm_metal"],
    cmdclass={"build_ext": BuildExt, "build_py": BuildPy},
    zip_safe=False,
)
