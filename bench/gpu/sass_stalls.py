#!/usr/bin/env python3
"""Static cost of a path through a kernel's SASS (docs/cuda.md).

Reads `cuobjdump -sass` text and, for the address ranges given (the blocks
of one path, in order, as the branches take them), prints each instruction
with its scheduling control bits and sums the stall counts ptxas set: the
cycles a lone warp waits after each instruction before it may issue the
next, not counting waits on loads (the `wait` barrier mask).  That makes
two builds of the same path comparable without a GPU.

    cuobjdump -sass -fun agpu_run_slice_int build/gen/a64_kernel.fatbin > k.sass
    python3 bench/gpu/sass_stalls.py k.sass 0a60-0ab0 1310-1420 30000-30110

The control bits are the high 64-bit word's bits 41-44 (stall), 45 (yield),
46-48 (write barrier), 49-51 (read barrier) and 52-57 (wait mask), the
layout of sm_70 through sm_90.
"""
import re
import sys

LINE = re.compile(r'\s*/\*([0-9a-f]{4,})\*/\s+(.*?);\s*/\* (0x[0-9a-f]+) \*/')
HIGH = re.compile(r'/\* (0x[0-9a-f]+) \*/')


def parse(path):
    lines = open(path).read().split('\n')
    insns = {}
    for i, line in enumerate(lines[:-1]):
        m = LINE.match(line)
        if not m:
            continue
        hi = int(HIGH.search(lines[i + 1]).group(1), 16)
        insns[int(m.group(1), 16)] = (m.group(2).strip(), (hi >> 41) & 0xf, (hi >> 46) & 7,
                                      (hi >> 49) & 7, (hi >> 52) & 0x3f)
    return insns


def main(argv):
    if len(argv) < 3:
        sys.exit(__doc__)
    insns = parse(argv[1])
    total = count = 0
    for r in argv[2:]:
        lo, hi = (int(x, 16) for x in r.split('-'))
        for addr in sorted(a for a in insns if lo <= a <= hi):
            text, stall, wbar, rbar, wait = insns[addr]
            total += stall
            count += 1
            print('%05x  %-58s stall %2d  wbar %d rbar %d wait %s' % (addr, text[:58], stall, wbar, rbar,
                                                                      format(wait, '06b')))
    print('%d instructions, stall sum %d cycles' % (count, total))


if __name__ == '__main__':
    main(sys.argv)
