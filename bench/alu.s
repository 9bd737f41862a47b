// The prototype's ALU loop: add x1,#1; add x2,#3; subs x0,#1; b.ne.  With
// STORE=1 a 64-bit STR of x1 to the lane's own address (X3) is added to
// every iteration.
// bench_entry(x0 = seed, unused; x1 = iterations; x2 = reps, unused;
//             x3 = store address) returns x2 = 3 * iterations.
// Retired instructions, with the BL and HLT stub: 4 * iterations + 6 (5 *
// iterations + 6 with STR); the HLT does not retire.
        .text
        .global bench_entry
bench_entry:
        mov     x0, x1
        mov     x1, #0
        mov     x2, #0
1:      add     x1, x1, #1
        add     x2, x2, #3
.if STORE
        str     x1, [x3]
.endif
        subs    x0, x0, #1
        b.ne    1b
        mov     x0, x2
        ret
