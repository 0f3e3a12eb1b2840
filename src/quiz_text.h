/*
 * Learners' typed answers: short answers compared with the accepted ones
 * (Unicode case folding and accent stripping through libunistring,
 * wildcards) and numbers read as people write them. Pure.
 */

#ifndef __H_QUIZ_TEXT_H
#define __H_QUIZ_TEXT_H

#include <stddef.h>

#define QUIZ_TEXT_CASE		0x01	/* case matters */
#define QUIZ_TEXT_NO_ACCENTS	0x02	/* accents do not matter */
#define QUIZ_TEXT_NO_SPACES	0x04	/* spaces do not matter at all */

#define QUIZ_RESPONSE_MAX	2000	/* bytes of a typed answer */

char	*quiz_text_fold(const char *, int);
int	quiz_text_match(const char *, const char *, int);
int	quiz_number_parse(const char *, double *);

#endif
