/* start.S - process entry: the kernel's initial stack is argc, argv[],
 * NULL, envp[], NULL, auxv pairs.  Calls main(argc, argv, envp, auxv) and
 * exits with its value. */
    .text
    .globl _start
    .type _start, %function
_start:
    mov x29, #0
    mov x30, #0
    ldr x0, [sp]            /* argc */
    add x1, sp, #8          /* argv */
    add x2, x1, x0, lsl #3
    add x2, x2, #8          /* envp */
    mov x3, x2
1:  ldr x4, [x3], #8        /* skip envp to its NULL */
    cbnz x4, 1b             /* x3: auxv */
    bl main
    mov x8, #94             /* exit_group */
    svc #0
    .size _start, . - _start

    .globl memcpy
    .type memcpy, %function
memcpy:
    mov x3, x0
    cbz x2, 2f
1:  ldrb w4, [x1], #1
    strb w4, [x3], #1
    subs x2, x2, #1
    b.ne 1b
2:  ret
    .size memcpy, . - memcpy

    .globl memset
    .type memset, %function
memset:
    mov x3, x0
    cbz x2, 2f
1:  strb w1, [x3], #1
    subs x2, x2, #1
    b.ne 1b
2:  ret
    .size memset, . - memset
