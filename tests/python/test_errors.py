"""Every bad input raises a precise exception with the library's message;
nothing a script passes crashes the interpreter."""
import pytest

import armgpu
from armgpu import (Error, InvalidArgumentError, LaneIndexError, GuestMemoryError,
                    MachineClosedError, BackendUnavailableError)

from conftest import parallel, BACKEND


def test_exception_hierarchy():
    assert issubclass(InvalidArgumentError, Error) and issubclass(InvalidArgumentError, ValueError)
    assert issubclass(LaneIndexError, Error) and issubclass(LaneIndexError, IndexError)
    assert issubclass(GuestMemoryError, Error) and issubclass(GuestMemoryError, IndexError)
    assert issubclass(BackendUnavailableError, Error)
    assert issubclass(armgpu.OutOfMemoryError, MemoryError)
    assert issubclass(MachineClosedError, ValueError)
    assert issubclass(armgpu.MachineBusyError, RuntimeError)


@pytest.mark.parametrize("kwargs, exc, text", [
    (dict(num_lanes=0), ValueError, "num_lanes 0 out of range"),
    (dict(num_lanes=-1), ValueError, "num_lanes -1 out of range"),
    (dict(num_lanes=1 << 40), ValueError, "out of range"),
    (dict(num_lanes=armgpu.MAX_LANES + 1), ValueError, "num_lanes 16777217 out of range (1 to 16777216)"),
    (dict(memory_size=1000), ValueError, "shared_size 1000 must be a multiple of 4096"),
    (dict(memory_size=-4096), ValueError, "memory_size -4096 out of range"),
    (dict(memory_size=1 << 64), ValueError, "out of range"),
    (dict(memory_size=1 << 41), ValueError, "at most"),
    (dict(memory_size=0), ValueError, "needs memory"),
    (dict(private_size=4096), ValueError, "overlaps the shared region"),
    (dict(private_size=4096, private_base=0x400001), ValueError, "multiple of 4096"),
    (dict(backend="metal"), ValueError, "backend 'metal' is not"),
    (dict(backend=3), TypeError, "str"),
    (dict(num_lanes="4"), TypeError, "num_lanes must be an int, not str"),
    (dict(memory_size=4096.0), TypeError, "memory_size must be an int, not float"),
    (dict(num_threads=5000), ValueError, "num_threads 5000 out of range"),
])
def test_bad_constructor_arguments(kwargs, exc, text):
    kwargs.setdefault("backend", BACKEND) if "backend" not in kwargs else None
    with pytest.raises(exc) as ei:
        armgpu.ParallelMetalCPU(**kwargs)
    assert text in str(ei.value)


def test_create_errors_are_armgpu_errors():
    with pytest.raises(Error) as ei:
        armgpu.MetalCPU(memory_size=123)
    assert ei.value.code == -1 and isinstance(ei.value, InvalidArgumentError)


def test_bad_lane_ids():
    with parallel(4) as cpu:
        with pytest.raises(IndexError, match=r"lane 4 out of range \(machine has 4 lanes\)"):
            cpu.set_pc_lane(4, 0)
        with pytest.raises(LaneIndexError, match=r"lane -1 out of range"):
            cpu.get_lane_registers(-1)
        with pytest.raises(LaneIndexError, match=r"lane 4294967295 out of range"):
            cpu.set_registers_lane(2**32 - 1, [0] * 32)
        with pytest.raises(LaneIndexError, match=r"out of range"):
            cpu.get_lane_register(1 << 70, 0)
        with pytest.raises(TypeError, match="lane must be an int, not str"):
            cpu.set_pc_lane("0", 0)
        with pytest.raises(TypeError):
            cpu.get_stop(1.5)
        with pytest.raises(IndexError):
            cpu.get_stop(99)


def test_bad_addresses_and_sizes():
    with parallel(1, memory_size=0x10000) as cpu:
        with pytest.raises(GuestMemoryError, match=r"not inside shared memory \[0, 0x10000\)"):
            cpu.load_program(b"\0" * 8, 0xFFFC)
        with pytest.raises(IndexError, match="outside the guest address space"):
            cpu.load_program(b"\0", -4)
        with pytest.raises(GuestMemoryError):
            cpu.write_memory(1 << 64, b"x")
        with pytest.raises(GuestMemoryError):
            cpu.read_memory_64(0x10000 - 4)
        with pytest.raises(GuestMemoryError):
            cpu.read_memory(0, 0x10001)
        with pytest.raises(GuestMemoryError):
            cpu.read_memory(0xFFFF_FFFF_FFFF_FFF0, 0x20)        # wraps past 2**64
        with pytest.raises(ValueError, match="size -1 out of range"):
            cpu.read_memory(0, -1)
        with pytest.raises(GuestMemoryError):
            cpu.read_memory(0, 1 << 62)                          # huge: refused before allocating
        assert cpu.read_memory(0x10000, 0) == b""               # empty reads are fine
        with pytest.raises(ValueError, match="whole number of 4096-byte pages"):
            cpu.protect(0x100, 4096, armgpu.Prot.READ)
        with pytest.raises(ValueError, match="bits other than read, write, exec"):
            cpu.protect(0, 4096, 8)
        with pytest.raises(GuestMemoryError):
            cpu.get_protection(0x10000)
        with pytest.raises(ValueError, match="does not fit in 32 bits"):
            cpu.write_memory_32(0, 1 << 32)
        with pytest.raises(ValueError, match="does not fit in 64 bits"):
            cpu.write_memory_64(0, 1 << 64)
        with pytest.raises(ValueError, match="max_cycles -1 out of range"):
            cpu.execute(-1)
        with pytest.raises(TypeError):
            cpu.execute("10")
        with pytest.raises(TypeError):
            cpu.execute()                                        # the budget is required here


def test_bad_program_data():
    with parallel(1) as cpu:
        with pytest.raises(ValueError, match=r"program\[1\] = 256 is not a byte"):
            cpu.load_program([1, 256, 3], 0)
        with pytest.raises(ValueError, match=r"program\[0\] = -1 is not a byte"):
            cpu.load_program([-1], 0)
        with pytest.raises(TypeError, match=r"program\[2\] must be an int, not float"):
            cpu.load_program([1, 2, 3.0], 0)
        with pytest.raises(TypeError, match="not str"):
            cpu.load_program("\x01\x02", 0)
        with pytest.raises(TypeError, match="not int"):
            cpu.load_program(5, 0)
        with pytest.raises(TypeError):
            cpu.load_program(None, 0)
        with pytest.raises(TypeError):
            cpu.write_memory(0, object())
        cpu.load_program(iter([1, 2]), 0)                       # any iterable of ints is fine
        assert cpu.read_memory(0, 2) == b"\x01\x02"


def test_bad_registers():
    with parallel(2) as cpu:
        with pytest.raises(ValueError, match=r"register 38 out of range \(0 to 37\)"):
            cpu.get_lane_register(0, 38)
        with pytest.raises(ValueError, match=r"register -1 out of range"):
            cpu.get_lane_register(0, -1)
        with pytest.raises(ValueError, match=r"register .* out of range"):
            cpu.get_lane_register(0, 1 << 40)
        with pytest.raises(ValueError, match="unknown register name 'x31'"):
            cpu.set_lane_register(0, "x31", 0)
        with pytest.raises(TypeError, match="register must be an int or a name"):
            cpu.get_register_all(1.0)
        with pytest.raises(ValueError, match="does not fit in 64 bits"):
            cpu.set_lane_register(0, "x0", 1 << 64)
        with pytest.raises(ValueError, match="does not fit in 64 bits"):
            cpu.set_lane_register(0, "x0", -(1 << 63) - 1)
        with pytest.raises(ValueError, match="expected 32"):
            cpu.set_registers_lane(0, [0] * 33)
        with pytest.raises(TypeError, match=r"registers\[1\] must be an int"):
            cpu.set_registers_lane(0, [0, "1"] + [0] * 30)
        with pytest.raises(TypeError):
            cpu.set_registers_lane(0, b"\0" * 256)
        with pytest.raises(TypeError):
            cpu.set_registers_lane(0, 7)
        cpu.set_lane_register(0, "X0", -1)                       # two's complement
        assert cpu.get_lane_register(0, "x0") == (1 << 64) - 1
        cpu.set_lane_register(0, "lr", 5)
        assert cpu.get_lane_register(0, armgpu.Reg.X30) == 5


def test_use_after_close():
    cpu = parallel(2)
    cpu.close()
    cpu.close()                                                  # idempotent
    for call in (lambda: cpu.execute(1), lambda: cpu.load_program(b"\0\0\0\0", 0),
                 lambda: cpu.get_lane_registers(0), lambda: cpu.set_pc_all(0), lambda: cpu.registers,
                 lambda: cpu.pcs, lambda: cpu.backend, lambda: cpu.read_memory(0, 4), cpu.__enter__):
        with pytest.raises(MachineClosedError, match="closed machine"):
            call()
    assert "closed" in repr(cpu)
    with armgpu.MetalCPU(backend=BACKEND) as m:
        pass
    with pytest.raises(ValueError, match="closed"):
        m.set_pc(0)


def test_internal_types_cannot_be_instantiated():
    for t in (armgpu.Stop, armgpu.ParallelResult, armgpu.ExecutionResult, armgpu.RegisterView):
        with pytest.raises(TypeError):
            t()


def test_uninitialized_and_reinit():
    m = armgpu.Machine.__new__(armgpu.Machine)
    with pytest.raises(MachineClosedError, match="not initialized"):
        m.execute(1)
    with armgpu.Machine(2, backend=BACKEND) as m:
        with pytest.raises(RuntimeError, match="only once"):
            m.__init__(4)
