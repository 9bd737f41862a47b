/* run_main.c - the `armgpu run` logic for ELF programs as its own
 * executable, for the tests (and until src/cli wires it in). */
#include "cli_run.h"

int main(int argc, char **argv) { return agpu_linux_cli_run(argc, argv); }
