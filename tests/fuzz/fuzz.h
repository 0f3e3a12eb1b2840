/*
 * What the libFuzzer harnesses share: each tests/fuzz/fuzz_X.c defines
 * LLVMFuzzerTestOneInput over a pure module of src/ and checks the
 * invariants its callers rely on, aborting (a finding) when one fails.
 */

#ifndef __H_FUZZ_H
#define __H_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* A finding: says which invariant, then aborts for libFuzzer to keep it. */
#define FUZZ_CHECK(cond)	do {					\
	if (!(cond)) {							\
		fprintf(stderr, "%s:%d: invariant failed: %s\n",	\
		    __FILE__, __LINE__, #cond);				\
		abort();						\
	}								\
} while (0)

/* The input as a NUL-terminated string (the bytes up to a NUL, if any). */
static inline char *
fuzz_string(const uint8_t *data, size_t len)
{
	char	*s;

	if ((s = malloc(len + 1)) == NULL)
		abort();
	memcpy(s, data, len);
	s[len] = '\0';
	return (s);
}

#endif
