/*
 * API handlers, by domain. Only api.c's route table calls them.
 */

#ifndef __H_HANDLERS_H
#define __H_HANDLERS_H

#include "platform.h"

/* session.c */
int	session_authenticate(struct http_request *, struct api_req *, int);

/* health.c */
int	meta_get(struct http_request *, struct api_req *);

#endif
