/*
 * The times of an access token. A token carries any integer a JSON number
 * can hold, 2^63-1 and -2^63 included: each time is first bounded by the
 * clock, so that the one difference taken (iat + lifetime) is between
 * numbers near now and cannot overflow.
 */

#include "token_time.h"

/*
 * True when the token was issued no later than skew seconds from now and
 * no earlier than one lifetime (plus skew) ago, is valid now (nbf, with
 * skew), has not expired, and lives no longer than lifetime from iat.
 * now must be a real clock reading (a positive time_t).
 */
int
token_times_valid(const struct token_times *t, long long now,
    long long lifetime, long long skew)
{
	long long	oldest;

	oldest = now - lifetime - skew;
	if (t->iat < oldest || t->iat > now + skew)
		return (0);
	if (t->nbf < oldest || t->nbf > now + skew)
		return (0);
	if (t->exp <= now || t->exp > t->iat + lifetime)
		return (0);
	return (1);
}
