/*
 * Sessions: placeholder until the accounts issue lands.
 */

#include "platform.h"
#include "handlers.h"

int	session_keys_load(void);

int
session_keys_load(void)
{
	return (KORE_RESULT_OK);
}

int
session_authenticate(struct http_request *req, struct api_req *ar, int auth)
{
	if (auth == AUTH_PUBLIC || auth == AUTH_OPTIONAL)
		return (1);
	reply_error(req, 401, "unauthenticated", "Sign in first.", NULL);
	return (0);
}
