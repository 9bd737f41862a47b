"""Many lanes: per-lane PCs and registers, shared and private memory, the
ParallelResult, and the issue's example run verbatim through kvrm_metal."""
import pytest

import armgpu
from armgpu import StopReason

from conftest import assemble, parallel, BACKEND


def test_issue_example_verbatim(capsys):
    program_bytes = assemble("movz x0, #1000\n1: subs x0, x0, #1\nb.ne 1b\nhlt #0")
    # --- the issue's example, verbatim ---
    import kvrm_metal
    cpu = kvrm_metal.ParallelMetalCPU(num_lanes=32)          # memory_size=4*1024*1024 by default
    cpu.load_program(program_bytes, address=0)               # list[int] of bytes, bytes, bytearray, memoryview
    cpu.set_pc_all(0)
    result = cpu.execute(10_000_000)                         # per-lane instruction budget
    print(f"Total cycles: {result.total_cycles}")
    print(f"Avg IPS: {result.avg_ips():,.0f}")
    print(f"Lane efficiency: {result.lane_efficiency():.1%}")
    # ---
    out = capsys.readouterr().out
    assert f"Total cycles: {32 * 2001}" in out
    assert "Lane efficiency: 100.0%" in out
    assert cpu.memory_size == 4 * 1024 * 1024 and cpu.get_num_lanes() == 32
    assert kvrm_metal.ParallelMetalCPU is armgpu.ParallelMetalCPU


def test_kvrm_metal_alias_imports():
    from kvrm_metal import MetalCPU, ParallelMetalCPU, ParallelResult  # noqa: F401
    import kvrm_metal
    assert MetalCPU is armgpu.MetalCPU and kvrm_metal.Error is armgpu.Error
    cpu = MetalCPU()                    # prototype default: 4 MiB, backend auto
    assert cpu.memory_size == 4 * 1024 * 1024 and cpu.num_lanes == 1


def test_per_lane_pcs_and_registers():
    # Lane i starts at entry i (each "movz x0, #(i+1)*10; hlt") with X1 = i.
    src = "\n".join(f"movz x0, #{(i + 1) * 10}\nadd x2, x1, x0\nhlt #{i}" for i in range(4))
    with parallel(4) as cpu:
        cpu.load_program(assemble(src), 0)
        for lane in range(4):
            cpu.set_pc_lane(lane, 12 * lane)
            regs = [0] * 32
            regs[1] = lane
            regs[31] = 0x1000 * (lane + 1)      # SP
            cpu.set_registers_lane(lane, regs)
        assert [cpu.get_pc_lane(i) for i in range(4)] == [0, 12, 24, 36]
        assert list(cpu.pcs) == [0, 12, 24, 36]
        r = cpu.execute(100)
        assert isinstance(r, armgpu.ParallelResult)
        assert r.num_lanes == 4
        assert r.stop_reasons == [StopReason.HALT] * 4
        assert list(r.pcs_per_lane) == [8, 20, 32, 44]
        assert list(r.cycles_per_lane) == [2] * 4 and r.total_cycles == 8
        assert [s.imm for s in r.stops] == [0, 1, 2, 3]
        for lane in range(4):
            regs = cpu.get_lane_registers(lane)
            assert len(regs) == 32
            assert regs[0] == (lane + 1) * 10 and regs[2] == lane + (lane + 1) * 10
            assert regs[31] == 0x1000 * (lane + 1)
            assert cpu.get_lane_register(lane, "x2") == regs[2]
            assert cpu.get_stop(lane).reason == StopReason.HALT


def test_result_statistics_and_uneven_lanes():
    # Lane i loops X0 = 10*(i+1) times: counts differ, efficiency = min/max.
    with parallel(3) as cpu:
        cpu.load_program(assemble("1: subs x0, x0, #1\nb.ne 1b\nhlt #0"), 0)
        cpu.set_pc_all(0)
        cpu.set_register_all("x0", [10, 20, 30])
        r = cpu.execute(1_000_000)
        assert list(r.cycles_per_lane) == [20, 40, 60]
        assert (r.min_cycles(), r.max_cycles()) == (20, 60)
        assert abs(r.lane_efficiency() - 20 / 60) < 1e-12
        assert r.total_cycles == 120 and r.avg_ips() >= 0
        assert "total_cycles=120" in repr(r) and "Min/Max cycles per lane: 20/60" in str(r)
        assert list(cpu.instruction_counts) == [20, 40, 60]
        r = cpu.execute(0)
        assert r.stop_reasons == [StopReason.MAX_CYCLES] * 3 and r.lane_efficiency() == 1.0


def test_lanes_communicate_through_shared_memory():
    # Lane 0 waits for a flag lane 1 sets, then reads the value lane 1 wrote.
    src = """
        cbnz x5, writer
        movz x1, #0x2000
    wait:
        ldar x2, [x1]
        cbz x2, wait
        ldr x3, [x1, #8]
        hlt #0
    writer:
        movz x1, #0x2000
        movz x3, #1234
        str x3, [x1, #8]
        movz x2, #1
        stlr x2, [x1]
        hlt #1
    """
    with parallel(2) as cpu:
        cpu.load_program(assemble(src), 0)
        cpu.set_pc_all(0)
        cpu.set_lane_register(1, "x5", 1)
        r = cpu.execute(10_000_000)
        assert r.stop_reasons == [StopReason.HALT, StopReason.HALT]
        assert cpu.get_lane_register(0, 3) == 1234
        assert cpu.read_memory_64(0x2008) == 1234


def test_atomic_counter_across_lanes():
    src = """
        movz x1, #0x3000
        movz x2, #1
        movz x4, #100
    1:  ldxr x3, [x1]         // exclusive increment: atomic across lanes
        add x3, x3, x2
        stxr w5, x3, [x1]
        cbnz w5, 1b
        subs x4, x4, #1
        b.ne 1b
        hlt #0
    """
    with parallel(64) as cpu:
        cpu.load_program(assemble(src), 0)
        cpu.set_pc_all(0)
        r = cpu.execute(1_000_000)
        assert r.stop_reasons == [StopReason.HALT] * 64
        assert cpu.read_memory_64(0x3000) == 64 * 100


def test_private_memory_isolation():
    base, size = 0x100000, 0x10000
    src = f"""
        movz x1, #{base >> 16}, lsl #16
        str x0, [x1]          // each lane stores its own X0 at the same address
        ldr x2, [x1]
        hlt #0
    """
    with parallel(8, memory_size=0x10000, private_base=base, private_size=size) as cpu:
        assert (cpu.private_base, cpu.private_size) == (base, size)
        cpu.load_program(assemble(src), 0)
        cpu.set_pc_all(0)
        cpu.set_register_all("x0", [100 + i for i in range(8)])
        r = cpu.execute(100)
        assert r.stop_reasons == [StopReason.HALT] * 8
        for lane in range(8):
            assert cpu.get_lane_register(lane, "x2") == 100 + lane
            assert cpu.read_memory_64(base, lane=lane) == 100 + lane
        # A host write to one lane's copy leaves the others alone...
        cpu.write_memory(base + 8, b"\x07" * 8, lane=3)
        assert cpu.read_memory(base + 8, 8, lane=3) == b"\x07" * 8
        assert cpu.read_memory(base + 8, 8, lane=4) == bytes(8)
        # ...and lane=None writes every lane's copy.
        cpu.write_memory(base + 16, b"\x09", lane=None)
        assert all(cpu.read_memory(base + 16, 1, lane=i) == b"\x09" for i in range(8))
        # Reading private memory needs a lane.
        try:
            cpu.read_memory(base, 8)
        except armgpu.LaneIndexError as e:
            assert "needs one lane" in str(e)
        else:
            raise AssertionError("reading private memory without a lane did not raise")


def test_protect_makes_lanes_fault_alone():
    with parallel(2) as cpu:
        cpu.load_program(assemble("movz x1, #0x8000\ncbz x5, 1f\nstr x1, [x1]\n1: hlt #0"), 0)
        cpu.protect(0x8000, armgpu.PAGE_SIZE, armgpu.Prot.READ)
        assert cpu.get_protection(0x8000) == armgpu.Prot.READ
        assert cpu.get_protection(0) == armgpu.Prot.ALL
        cpu.set_pc_all(0)
        cpu.set_lane_register(1, "x5", 1)
        r = cpu.execute(100)
        assert r.stop_reasons == [StopReason.HALT, StopReason.FAULT]
        s = r.stops[1]
        assert (s.access, s.cause, s.address, s.pc) == (armgpu.Access.WRITE, armgpu.FaultCause.PERMISSION,
                                                        0x8000, 8)
        assert "FAULT" in str(s) and "permission" in str(s)


def test_protect_one_lane_of_private_memory():
    base, size = 0x100000, 0x10000
    src = f"""
        movz x1, #{base >> 16}, lsl #16
        str x0, [x1]          // the same private address in every lane
        hlt #0
    """
    with parallel(4, memory_size=0x10000, private_base=base, private_size=size) as cpu:
        cpu.load_program(assemble(src), 0)
        cpu.protect(base, armgpu.PAGE_SIZE, armgpu.Prot.READ, lane=2)
        assert cpu.get_protection(base, lane=2) == armgpu.Prot.READ
        assert cpu.get_protection(base, lane=1) == armgpu.Prot.ALL
        with pytest.raises(armgpu.StateError, match="per-lane permissions"):
            cpu.get_protection(base)                  # the lanes differ: no one answer
        cpu.set_pc_all(0)
        r = cpu.execute(100)
        assert r.stop_reasons == [StopReason.HALT, StopReason.HALT, StopReason.FAULT, StopReason.HALT]
        s = r.stops[2]
        assert (s.access, s.cause, s.address) == (armgpu.Access.WRITE, armgpu.FaultCause.PERMISSION, base)
        # lane=None is every lane again.
        cpu.protect(base, armgpu.PAGE_SIZE, armgpu.Prot.ALL, lane=None)
        assert cpu.get_protection(base) == armgpu.Prot.ALL
        # The shared region has one set of permissions for all lanes.
        with pytest.raises(ValueError, match="shared region"):
            cpu.protect(0, armgpu.PAGE_SIZE, armgpu.Prot.READ, lane=0)
        with pytest.raises(armgpu.LaneIndexError):
            cpu.protect(base, armgpu.PAGE_SIZE, armgpu.Prot.READ, lane=4)
        with pytest.raises(armgpu.LaneIndexError):
            cpu.protect(base, armgpu.PAGE_SIZE, armgpu.Prot.READ, lane=-1)


def test_backend_property_and_backends():
    b = armgpu.backends()
    assert set(b) == {"cpu", "cuda", "auto"}
    assert b["cpu"].available and b["cpu"].built
    assert isinstance(b["cuda"].reason, str) and b["cuda"].reason
    assert b["auto"].available and b["auto"].reason.startswith("auto picks")
    with parallel(2) as cpu:
        assert cpu.backend == BACKEND if BACKEND != "auto" else cpu.backend in ("cpu", "cuda")
    if not b["cuda"].available:
        import pytest
        with pytest.raises(armgpu.BackendUnavailableError) as ei:
            armgpu.Machine(1, backend="cuda")
        assert b["cuda"].reason in str(ei.value)
        assert ei.value.code == -3
