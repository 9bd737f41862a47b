"""The prototype's tests, ported: one lane (MetalCPU), its API and results."""
import armgpu
from armgpu import StopReason


def test_movz_basic(cpu, run):
    r = run("movz x0, #42\nhlt #0")
    assert r.stop_reason == StopReason.HALT
    assert r.stop_reason_name == "HALT"
    assert cpu.get_register(0) == 42
    assert r.cycles == 1          # HLT is not counted
    assert r.final_pc == 4        # PC stays on the HLT


def test_add_immediate(cpu, run):
    run("movz x0, #100\nadd x1, x0, #23\nadd x2, x1, #0xfff\nhlt #0")
    assert cpu.get_register(1) == 123
    assert cpu.get_register(2) == 123 + 0xFFF


def test_sub_immediate(cpu, run):
    run("movz x0, #100\nsub x1, x0, #58\nsub x2, x1, #43\nhlt #0")
    assert cpu.get_register(1) == 42
    assert cpu.get_register(2) == -1                 # signed, as the prototype returned it
    assert cpu.get_registers()[2] == (1 << 64) - 1  # unsigned


def test_b_unconditional(cpu, run):
    r = run("b 1f\nmovz x0, #1\nmovz x0, #2\n1: movz x1, #7\nhlt #0")
    assert cpu.get_register(0) == 0
    assert cpu.get_register(1) == 7
    assert r.cycles == 2


def test_loop_with_cbnz(cpu, run):
    r = run("movz x0, #10\nmovz x1, #0\n1: add x1, x1, #3\nsub x0, x0, #1\ncbnz x0, 1b\nhlt #0")
    assert r.stop_reason == StopReason.HALT
    assert cpu.get_register(0) == 0
    assert cpu.get_register(1) == 30
    assert r.cycles == 2 + 3 * 10


def test_str_64bit(cpu, run):
    run("movz x0, #0x1234\nmovk x0, #0xabcd, lsl #48\nmovz x1, #0x1000\nstr x0, [x1]\nhlt #0")
    assert cpu.read_memory_64(0x1000) == 0xABCD000000001234


def test_str_32bit(cpu, run):
    run("movz x0, #0x5678\nmovk x0, #0x1234, lsl #16\nmovk x0, #0xffff, lsl #32\n"
        "movz x1, #0x1000\nstr w0, [x1, #4]\nhlt #0")
    assert cpu.read_memory_64(0x1000) == 0x12345678 << 32
    assert cpu.read_memory_32(0x1004) == 0x12345678


def test_str_byte(cpu, run):
    run("movz x0, #0x1ab\nmovz x1, #0x1000\nstrb w0, [x1, #3]\nhlt #0")
    assert cpu.read_memory(0x1000, 8) == bytes([0, 0, 0, 0xAB, 0, 0, 0, 0])


def test_str_then_ldr_64bit(cpu, run):
    run("movz x0, #0xbeef\nmovk x0, #0xdead, lsl #16\nmovz x1, #0x2000\n"
        "str x0, [x1, #8]\nldr x2, [x1, #8]\nhlt #0")
    assert cpu.get_register(2) == 0xDEADBEEF
    assert cpu.read_memory_64(0x2008) == 0xDEADBEEF


def test_multiple_str_different_addresses(cpu, run):
    run("movz x1, #0x3000\nmovz x0, #11\nstr x0, [x1]\nmovz x0, #22\nstr x0, [x1, #8]\n"
        "movz x0, #33\nstr x0, [x1, #64]\nmovz x0, #44\nstr x0, [x1, #4088]\nhlt #0")
    assert [cpu.read_memory_64(0x3000 + o) for o in (0, 8, 64, 4088)] == [11, 22, 33, 44]
    assert cpu.read_memory_64(0x3010) == 0


def test_str_in_loop(cpu, run):
    r = run("movz x0, #0\nmovz x1, #0x4000\n1: add x0, x0, #1\nstr x0, [x1], #8\n"
            "cmp x0, #16\nb.ne 1b\nhlt #0")
    assert r.stop_reason == StopReason.HALT
    assert [cpu.read_memory_64(0x4000 + 8 * i) for i in range(17)] == list(range(1, 17)) + [0]
    assert r.cycles == 2 + 4 * 16


def test_hlt_stops_execution(cpu, run):
    r = run("movz x0, #1\nhlt #0x2a\nmovz x0, #2\nhlt #0")
    assert r.stop_reason == StopReason.HALT
    assert r.stop.imm == 0x2A
    assert cpu.get_register(0) == 1
    assert r.final_pc == 4
    # The lane stays on the HLT: running again stops there at once.
    r2 = cpu.execute(1000)
    assert (r2.stop_reason, r2.cycles, r2.final_pc) == (StopReason.HALT, 0, 4)


def test_svc_syscall_stop_and_resume(cpu, run):
    r = run("movz x8, #64\nsvc #0\nmovz x0, #5\nsvc #7\nmovz x1, #6\nhlt #0")
    assert r.stop_reason == StopReason.SYSCALL
    assert r.stop_reason_name == "SYSCALL"
    assert r.cycles == 2            # the SVC is counted
    assert r.final_pc == 8          # and PC is past it
    assert cpu.get_register(8) == 64
    r = cpu.execute(1000)           # resumes after the SVC
    assert (r.stop_reason, r.stop.imm, r.final_pc, r.cycles) == (StopReason.SYSCALL, 7, 16, 2)
    assert cpu.get_register(0) == 5
    r = cpu.execute(1000)
    assert r.stop_reason == StopReason.HALT and cpu.get_register(1) == 6


def test_max_cycles_stops_execution(cpu, run):
    r = run("movz x0, #0\n1: add x0, x0, #1\nb 1b", max_cycles=1001)
    assert r.stop_reason == StopReason.MAX_CYCLES
    assert r.stop_reason_name == "MAX_CYCLES"
    assert r.cycles == 1001
    assert cpu.get_register(0) == 500
    r = cpu.execute(max_cycles=10)   # a lane keeps running from where it stopped
    assert r.cycles == 10 and cpu.get_register(0) == 505
    assert cpu.total_instructions == 1011


def test_result_fields_and_types(cpu, run):
    r = run("movz x0, #1\nhlt #0")
    assert isinstance(r, armgpu.ExecutionResult)
    assert r.elapsed_seconds >= 0 and r.ips >= 0
    assert r.stop_reason == 1 and isinstance(r.stop_reason, StopReason)   # IntEnum: compares with ints
    assert r.pc == r.final_pc == 4
    assert "HALT" in repr(r) and "HALT" in str(r.stop)


def test_default_execute_budget(cpu, asm):
    cpu.load_program(list(asm("1: b 1b")))     # list[int], address defaults to 0
    cpu.set_pc(0)
    r = cpu.execute()
    assert (r.stop_reason, r.cycles) == (StopReason.MAX_CYCLES, 100000)


def test_write_memory_and_read_back(cpu):
    cpu.write_memory(0x100, b"\x01\x02\x03\x04\x05\x06\x07\x08")
    assert cpu.read_memory_64(0x100) == 0x0807060504030201
    cpu.write_memory(0x200, [0xFF] * 4)
    cpu.write_memory(0x204, bytearray(b"\x10"))
    cpu.write_memory(0x205, memoryview(b"\x20"))
    assert cpu.read_memory(0x200, 6) == b"\xff\xff\xff\xff\x10\x20"
    cpu.write_memory_64(0x300, -2)
    assert cpu.read_memory_64(0x300) == (1 << 64) - 2


def test_pc_nzcv_reset(cpu, run):
    run("movz x0, #1\ncmp x0, #1\nhlt #0")
    assert cpu.nzcv == 0x60000000     # Z and C
    cpu.pc = 0x40
    assert cpu.get_pc() == 0x40 and cpu.get_register("pc") == 0x40
    cpu.reset()
    assert cpu.get_registers() == [0] * 32 and cpu.pc == 0 and cpu.nzcv == 0
    assert cpu.total_instructions == 0


def test_brk_and_undefined_and_fault(cpu, run, asm):
    r = run("movz x0, #1\nbrk #3")
    assert (r.stop_reason, r.stop.imm, r.final_pc, r.cycles) == (StopReason.BREAK, 3, 4, 1)
    r = run("movz x1, #0x10, lsl #16\nldr x0, [x1]\nhlt #0")   # 0x100000: just past 1 MiB
    assert r.stop_reason == StopReason.FAULT
    assert r.stop.address == 0x100000
    assert r.stop.access == armgpu.Access.READ and r.stop.cause == armgpu.FaultCause.UNMAPPED
    assert r.final_pc == 4
    word = int.from_bytes(asm("udf #0x17"), "little")
    r = run("udf #0x17")
    assert r.stop_reason == StopReason.UNDEFINED and r.stop.encoding == word
