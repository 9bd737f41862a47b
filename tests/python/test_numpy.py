"""Buffer-protocol views: registers without copies, counts and PCs as arrays,
bulk setters from any buffer, and the exporter kept alive by its views."""
import gc

import numpy as np
import pytest

import armgpu
from armgpu import StopReason

from conftest import assemble, parallel, BACKEND

host_state = pytest.mark.skipif(BACKEND not in ("cpu", "auto") or
                                (BACKEND == "auto" and armgpu.backends()["cuda"].available),
                                reason="register views share memory only on the cpu backend")


@host_state
def test_registers_view_is_zero_copy():
    with parallel(16) as cpu:
        regs = np.asarray(cpu.registers)
        assert regs.shape == (16, 32) and regs.dtype == np.uint64
        assert not regs.flags.owndata
        # Writing through the view changes what the machine sees...
        regs[:, 0] = np.arange(16, dtype=np.uint64) * 3
        regs[5, 31] = 0x7000
        assert cpu.get_lane_registers(5)[0] == 15 and cpu.get_lane_register(5, "sp") == 0x7000
        cpu.load_program(assemble("add x1, x0, #1\nhlt #0"), 0)
        cpu.set_pc_all(0)
        cpu.execute(10)
        # ...and the view sees what the lanes did, without being fetched again.
        assert list(regs[:, 1]) == [3 * i + 1 for i in range(16)]
        cpu.set_lane_register(2, 7, 77)
        assert regs[2, 7] == 77


@host_state
def test_signed_view_and_memoryview():
    with parallel(2) as cpu:
        cpu.set_lane_register(1, 3, -5)
        s = np.asarray(cpu.register_view(signed=True))
        assert s.dtype == np.int64 and s[1, 3] == -5
        assert np.asarray(cpu.registers)[1, 3] == (1 << 64) - 5
        m = memoryview(cpu.registers)
        assert m.shape == (2, 32) and m.format == "Q" and not m.readonly
        assert m.tolist()[1][3] == (1 << 64) - 5
        m.release()
        assert len(cpu.registers) == 2 and cpu.registers[1][3] == (1 << 64) - 5


def test_view_keeps_machine_alive():
    cpu = parallel(4)
    cpu.set_lane_register(3, 0, 99)
    regs = np.asarray(cpu.registers)
    import weakref
    ref = weakref.ref(cpu)
    del cpu
    gc.collect()
    assert ref() is not None          # the numpy array's base holds the machine
    assert regs[3, 0] == 99
    del regs
    gc.collect()
    assert ref() is None


def test_close_with_live_view_defers_free():
    cpu = parallel(4)
    cpu.set_lane_register(1, 2, 42)
    regs = np.asarray(cpu.registers)
    cpu.close()
    assert cpu.closed
    assert regs[1, 2] == 42            # memory still valid while the view lives
    with pytest.raises(armgpu.MachineClosedError):
        cpu.get_lane_registers(1)
    with pytest.raises(armgpu.MachineClosedError):
        np.asarray(cpu.registers)
    del regs


def test_counts_and_pcs_are_buffers():
    with parallel(8) as cpu:
        cpu.load_program(assemble("1: subs x0, x0, #1\nb.ne 1b\nhlt #0"), 0)
        cpu.pcs = np.zeros(8, dtype=np.uint64)
        cpu.set_register_all(armgpu.Reg.X0, np.arange(1, 9, dtype=np.int64))
        r = cpu.execute(1000)
        cycles = np.asarray(r.cycles_per_lane)
        assert cycles.dtype == np.uint64 and list(cycles) == [2 * i for i in range(1, 9)]
        assert list(np.asarray(r.pcs_per_lane)) == [8] * 8
        assert list(np.asarray(cpu.pcs)) == [8] * 8
        assert np.asarray(cpu.instruction_counts).sum() == r.total_cycles
        assert list(cpu.get_register_all("x0")) == [0] * 8
        cpu.fill_register("x9", 5)
        assert set(cpu.get_register_all(9)) == {5}
        cpu.nzcvs = [0x80000000] * 8
        assert set(cpu.nzcvs) == {0x80000000}


def test_bulk_memory_with_numpy():
    with parallel(1) as cpu:
        words = np.arange(1024, dtype=np.uint32)
        cpu.write_memory(0x1000, words)                     # any contiguous buffer
        out = np.empty(1024, dtype=np.uint32)
        assert cpu.read_memory_into(0x1000, out) == 4096
        assert np.array_equal(out, words)
        assert np.frombuffer(cpu.read_memory(0x1000, 16), dtype=np.uint32).tolist() == [0, 1, 2, 3]
        regs = np.arange(32, dtype=np.uint64)
        cpu.set_registers_lane(0, regs)
        assert cpu.get_lane_registers(0) == list(range(32))


def test_bulk_setters_reject_wrong_buffers():
    with parallel(4) as cpu:
        with pytest.raises(TypeError, match="64-bit"):
            cpu.set_register_all("pc", np.zeros(4, dtype=np.float64))
        with pytest.raises(TypeError, match="64-bit"):
            cpu.set_register_all("pc", np.zeros(4, dtype=np.uint32))
        with pytest.raises(ValueError, match="has 3 values, expected 4"):
            cpu.set_register_all("pc", np.zeros(3, dtype=np.uint64))
        with pytest.raises(ValueError, match="has 31 values, expected 32"):
            cpu.set_registers_lane(0, [0] * 31)
        with pytest.raises((BufferError, ValueError), match="contiguous"):
            cpu.write_memory(0, np.zeros((4, 4), dtype=np.uint8)[:, ::2])   # not contiguous
