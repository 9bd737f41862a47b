"""Deterministic lifetime and reference counting: creating and dropping
machines, views and results in a loop does not grow memory."""
import gc
import sys
import weakref

import numpy as np

import armgpu

from conftest import assemble, parallel, BACKEND


def rss_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096


def churn(code):
    with parallel(16, memory_size=1 << 20) as cpu:
        cpu.load_program(code, 0)
        cpu.set_pc_all(0)
        r = cpu.execute(1000)
        r.stops, r.stop_reasons, r.cycles_per_lane, r.pcs_per_lane, str(r.stops[0])
        regs = np.asarray(cpu.registers)
        if regs.flags.writeable:  # a read-only snapshot where state lives on a device
            regs[:, 0] += 1
        mv = memoryview(cpu.registers)
        mv.release()
        cpu.get_lane_registers(3), cpu.pcs, cpu.get_register_all("x0"), cpu.read_memory(0, 64)
        cpu.set_registers_lane(1, list(range(32)))
        cpu.get_stop(0)
    del regs
    m = armgpu.MetalCPU(memory_size=1 << 16, backend=BACKEND)
    m.load_program(code)
    m.execute(100).stop
    try:
        m.read_memory_64(1 << 20)
    except armgpu.GuestMemoryError:
        pass
    # dropped without close(): freed by reference counting


def test_create_and_drop_does_not_leak():
    code = assemble("movz x0, #3\n1: subs x0, x0, #1\nb.ne 1b\nhlt #0")
    for _ in range(50):
        churn(code)
    gc.collect()
    before = rss_bytes()
    for _ in range(600):
        churn(code)
    gc.collect()
    grown = rss_bytes() - before
    # 600 rounds of 1 MiB machines: a leak of the machine alone would be
    # hundreds of MiB; allow a few MiB of allocator noise.
    assert grown < 8 << 20, f"RSS grew by {grown} bytes"


def test_refcounts_of_results_and_views():
    code = assemble("hlt #0")
    with parallel(4) as cpu:
        cpu.load_program(code, 0)
        before = sys.getrefcount(cpu)
        views = [cpu.registers for _ in range(10)]
        assert sys.getrefcount(cpu) == before + 10
        del views
        assert sys.getrefcount(cpu) == before
        r = cpu.execute(1)
        reasons = r.stop_reasons
        assert reasons is r.stop_reasons          # cached, not rebuilt
        member = armgpu.StopReason.HALT
        n = sys.getrefcount(member)
        del r, reasons
        assert sys.getrefcount(member) == n - 4   # the list's four references are gone


def test_weakref_and_gc_cycles():
    cpu = parallel(2)
    ref = weakref.ref(cpu)
    view = cpu.registers
    del cpu, view
    assert ref() is None

    class Sub(armgpu.ParallelMetalCPU):
        pass

    s = Sub(num_lanes=2, backend=BACKEND)
    s.self_view = s.registers                    # machine -> view -> machine
    ref = weakref.ref(s)
    del s
    gc.collect()
    assert ref() is None


def test_context_manager_closes():
    with parallel(2) as cpu:
        assert not cpu.closed
    assert cpu.closed
    try:
        with parallel(2) as cpu2:
            raise KeyError("boom")
    except KeyError:
        pass
    assert cpu2.closed


def test_subclass_with_own_init():
    class Lab(armgpu.MetalCPU):
        def __init__(self, code):
            super().__init__(memory_size=1 << 16, backend=BACKEND)
            self.load_program(code)

    lab = Lab(assemble("movz x0, #9\nhlt #0"))
    assert lab.execute().stop_reason_name == "HALT" and lab.get_register(0) == 9
    lab.close()
