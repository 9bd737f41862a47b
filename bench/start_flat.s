// Entry of every flat bench image, at guest address 0.  The host sets
// X0-X3 (the arguments of bench_entry) and SP; the lane halts at address 4
// with bench_entry's result in X0.  Unicorn runs until address 4.
        .section .text.start, "ax"
        .global _start
_start:
        bl      bench_entry
        hlt     #0
