// Entry of the static ELF programs the QEMU peer runs: elf_main(argc, argv)
// then exit_group with its return value.
        .text
        .global _start
_start:
        ldr     x0, [sp]
        add     x1, sp, #8
        bl      elf_main
        mov     x8, #94         // exit_group
        svc     #0
