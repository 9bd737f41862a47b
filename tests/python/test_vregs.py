"""SIMD&FP registers from Python: V0-V31, FPCR and FPSR of each lane."""
import struct

import pytest

import armgpu


def test_vreg_round_trip_and_instruction_sees_it(cpu, run):
    # The machine's view must be exactly what was written, and an instruction
    # must read it: fadd d2, d0, d1 on 1.5 + 2.25 gives 3.75 (exact in binary).
    cpu.set_vreg(0, 0, struct.pack("<dd", 1.5, -0.0))
    cpu.set_vreg(0, 1, struct.pack("<d", 2.25) + bytes(8))
    assert cpu.get_vreg(0, 0) == struct.pack("<dd", 1.5, -0.0)
    run("fadd d2, d0, d1\nhlt #0")
    v2 = cpu.get_vreg(0, 2)
    assert struct.unpack("<d", v2[:8])[0] == 3.75
    assert v2[8:] == bytes(8)  # a scalar write zeroes bits 127..64


def test_vreg_from_int_and_vector_add(cpu, run):
    cpu.set_vreg(0, 3, (1 << 127) | 0x01)
    assert cpu.get_vreg(0, 3) == bytes([1]) + bytes(14) + bytes([0x80])
    cpu.set_vreg(0, 4, list(range(16)))
    run("add v5.16b, v4.16b, v4.16b\nhlt #0")
    assert cpu.get_vreg(0, 5) == bytes(2 * i for i in range(16))


def test_fpcr_fpsr_through_registers(cpu, run):
    cpu.set_lane_register(0, "fpcr", 0xFFFFFFFF)
    assert cpu.get_lane_register(0, "fpcr") == 0x07C80000  # only the writable bits
    cpu.set_lane_register(0, "fpcr", 0)
    # 1.0 / 3.0 is inexact: FPSR.IXC (bit 4) is set.
    cpu.set_vreg(0, 0, struct.pack("<d", 1.0) + bytes(8))
    cpu.set_vreg(0, 1, struct.pack("<d", 3.0) + bytes(8))
    run("fdiv d2, d0, d1\nhlt #0")
    assert cpu.get_lane_register(0, "fpsr") & 0x10


def test_vreg_bad_arguments(cpu):
    with pytest.raises(IndexError):
        cpu.get_vreg(0, 32)
    with pytest.raises(IndexError):
        cpu.get_vreg(0, -1)
    with pytest.raises(IndexError):
        cpu.get_vreg(5, 0)
    with pytest.raises(TypeError):
        cpu.get_vreg(0, "v0")
    with pytest.raises(ValueError):
        cpu.set_vreg(0, 0, b"short")
    with pytest.raises(ValueError):
        cpu.set_vreg(0, 0, 1 << 128)
    with pytest.raises(ValueError):
        cpu.set_vreg(0, 0, -1)
    with pytest.raises(TypeError):
        cpu.set_vreg(0, 0, "sixteen chars!!!")
    # The machine still works after every refusal.
    cpu.set_vreg(0, 31, bytes(range(16)))
    assert cpu.get_vreg(0, 31) == bytes(range(16))
