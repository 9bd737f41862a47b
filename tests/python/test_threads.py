"""The GIL is released while lanes run; interrupt() and Ctrl-C (SIGINT) stop
a run cleanly, with exact state that resumes."""
import os
import signal
import subprocess
import sys
import threading
import time

import pytest

import armgpu
from armgpu import StopReason

from conftest import assemble, parallel, BACKEND

SPIN = "1: add x0, x0, #1\nb 1b"


def test_gil_released_and_interrupt_from_another_thread():
    with parallel(4) as cpu:
        cpu.load_program(assemble(SPIN), 0)
        cpu.set_pc_all(0)
        out = {}
        t = threading.Thread(target=lambda: out.setdefault("r", cpu.execute(None)))
        t.start()
        # This thread keeps running Python code while the lanes spin.
        ticks = 0
        deadline = time.monotonic() + 0.3
        while time.monotonic() < deadline:
            ticks += 1
        assert t.is_alive() and ticks > 1000
        with pytest.raises(armgpu.MachineBusyError):
            cpu.get_lane_registers(0)
        with pytest.raises(armgpu.MachineBusyError):
            cpu.close()
        with pytest.raises(armgpu.MachineBusyError):
            memoryview(cpu.registers)
        cpu.interrupt()
        t.join(10)
        assert not t.is_alive()
        r = out["r"]
        assert r.interrupted
        assert r.stop_reasons == [StopReason.INTERRUPTED] * 4
        x0 = [cpu.get_lane_register(i, 0) for i in range(4)]
        assert all(v > 0 for v in x0)
        assert list(r.cycles_per_lane) == list(cpu.instruction_counts)
        # Resuming continues exactly where each lane was.
        r2 = cpu.execute(100)
        assert r2.stop_reasons == [StopReason.MAX_CYCLES] * 4 and not r2.interrupted
        assert [cpu.get_lane_register(i, 0) for i in range(4)] == [v + 50 for v in x0]


def test_two_machines_run_in_parallel_threads():
    code = assemble("movz x0, #0\nmovz x1, #20000\n1: add x0, x0, #1\nsubs x1, x1, #1\nb.ne 1b\nhlt #0")
    results = []

    def work():
        with armgpu.MetalCPU(memory_size=1 << 16, backend=BACKEND) as m:
            m.load_program(code)
            results.append((m.execute(None).stop_reason, m.get_register(0)))

    ts = [threading.Thread(target=work) for _ in range(4)]
    [t.start() for t in ts]
    [t.join() for t in ts]
    assert results == [(StopReason.HALT, 20000)] * 4


@pytest.mark.skipif(threading.current_thread() is not threading.main_thread(), reason="needs the main thread")
def test_ctrl_c_stops_execute_cleanly():
    with parallel(8) as cpu:
        cpu.load_program(assemble(SPIN), 0)
        cpu.set_pc_all(0)
        timer = threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGINT))
        timer.start()
        t0 = time.monotonic()
        with pytest.raises(KeyboardInterrupt):
            cpu.execute(None)                     # no budget: only Ctrl-C ends it
        assert time.monotonic() - t0 < 10
        timer.join()
        # Python's handler is back in place, and the lanes stopped exactly.
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
        stops = [cpu.get_stop(i) for i in range(8)]
        assert all(s.reason == StopReason.INTERRUPTED for s in stops)
        before = [cpu.get_lane_register(i, 0) for i in range(8)]
        r = cpu.execute(1000)
        assert r.stop_reasons == [StopReason.MAX_CYCLES] * 8
        assert [cpu.get_lane_register(i, 0) for i in range(8)] == [v + 500 for v in before]


def test_ctrl_c_in_a_script_exits_with_keyboardinterrupt(tmp_path):
    code = assemble(SPIN)
    script = tmp_path / "spin.py"
    script.write_text(
        "import sys, armgpu\n"
        "cpu = armgpu.MetalCPU(backend=%r)\n"
        "cpu.load_program(%r)\n"
        "print('running', flush=True)\n"
        "try:\n"
        "    cpu.execute(None)\n"
        "except KeyboardInterrupt:\n"
        "    print('interrupted', cpu.get_stop().name, cpu.get_register(0) > 0, flush=True)\n"
        "    sys.exit(3)\n" % (BACKEND, code))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    p = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True, env=env)
    assert p.stdout.readline().strip() == "running"
    time.sleep(0.3)
    p.send_signal(signal.SIGINT)
    out, _ = p.communicate(timeout=20)
    assert p.returncode == 3
    assert out.strip() == "interrupted INTERRUPTED True"
