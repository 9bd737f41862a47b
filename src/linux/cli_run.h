/* cli_run.h - `armgpu run` for ELF programs (cli_run.c). */
#ifndef ARMGPU_CLI_RUN_H
#define ARMGPU_CLI_RUN_H

/* argv[0] is the command's name ("run"); returns the process exit status. */
int agpu_linux_cli_run(int argc, char **argv);

/* Whether the file at path starts with the ELF magic. */
int agpu_linux_cli_is_elf(const char *path);

#endif
