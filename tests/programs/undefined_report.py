#!/usr/bin/env python3
"""For each glibc test program: does it match QEMU, and if it stops on an
instruction the library does not execute yet, which one (the encoding, its
disassembly by aarch64-linux-gnu-objdump, and the function it is in).

    python3 tests/programs/undefined_report.py --runner BUILD/tests/programs/armgpu_linux_run \\
        --bin-dir BUILD/tests/programs [--qemu qemu-aarch64-static]

The table it prints is the one docs/linux.md keeps.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import compare  # noqa: E402


def disassemble(objdump, prog, pc):
    out = subprocess.run([objdump, "-d", prog], capture_output=True, text=True).stdout
    func = "?"
    for line in out.splitlines():
        m = re.match(r"^[0-9a-f]+ <(.*)>:$", line)
        if m:
            func = m.group(1)
            continue
        m = re.match(r"^\s*([0-9a-f]+):\s+([0-9a-f]{8})\s+(.*)$", line)
        if m and int(m.group(1), 16) == pc:
            return m.group(3).split("//")[0].strip().replace("\t", " "), func
    return "?", func


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runner", required=True)
    ap.add_argument("--bin-dir", required=True)
    ap.add_argument("--qemu", default=shutil.which("qemu-aarch64-static"))
    ap.add_argument("--objdump", default=shutil.which("aarch64-linux-gnu-objdump") or "objdump")
    a = ap.parse_args()
    print("| program | result | first unsupported instruction |")
    print("|---|---|---|")
    for name, prog, args, env, maps in compare.glibc_cases(a.bin_dir):
        path = os.path.join(a.bin_dir, prog)
        stdin = compare.stdin_for(5)
        r = subprocess.run([a.runner, "--backend", "cpu", "--", path] + args, input=stdin,
                           capture_output=True, timeout=600)
        err = r.stderr.decode(errors="replace")
        m = re.search(r"UNDEFINED instruction 0x([0-9a-f]{8}) at pc 0x([0-9a-f]+)", err)
        if m:
            text, func = disassemble(a.objdump, path, int(m.group(2), 16))
            print("| %s | SIGILL | `%s` (0x%s) in `%s` |" % (name, text, m.group(1), func))
            continue
        if a.qemu:
            ours, _ = compare.run_ours(a.runner, path, args, [stdin], env, maps, [])
            want = compare.run_qemu(a.qemu, path, args, stdin, env)
            same = ours[0] == want
            print("| %s | %s | |" % (name, "matches QEMU" if same else "differs from QEMU: " + err.strip()[:80]))
        else:
            print("| %s | ran (%s) | |" % (name, "exit %d" % r.returncode))
    return 0


if __name__ == "__main__":
    sys.exit(main())
