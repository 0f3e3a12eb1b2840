/*
 * The times an access token claims (exp, nbf, iat): whether they are in
 * range. Pure, no Kore: unit-tested in tests/unit/token_time_test.c.
 */

#ifndef __H_TOKEN_TIME_H
#define __H_TOKEN_TIME_H

struct token_times {
	long long	exp;
	long long	nbf;
	long long	iat;
};

int	token_times_valid(const struct token_times *, long long, long long,
	    long long);

#endif
