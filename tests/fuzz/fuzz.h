/*
 * fuzz.h — what every fuzz target defines: libFuzzer's entry point.  Built
 * with clang and -fsanitize=fuzzer by `make fuzz`; built with gcc and
 * files-main.c by `make test`, which runs each target's corpus once.
 */
#ifndef FUZZ_H
#define FUZZ_H

#include <stddef.h>
#include <stdint.h>

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
/* Optional set-up before the first input (files-main.c calls it too). */
int	LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

#endif /* FUZZ_H */
