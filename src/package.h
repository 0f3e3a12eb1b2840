/*
 * Module packages: a zip of module.json, lessons/ (Markdown) and media/,
 * completely and turned into the document content.module_import() writes.
 * No Kore, no database: the server (in a task thread), sgctl and the unit
 * tests call it alike. See docs/module-package.md.
 */

#ifndef __H_PACKAGE_H
#define __H_PACKAGE_H

#include <stddef.h>

#include <jansson.h>

#define PKG_MAX_ENTRIES		200
#define PKG_MAX_TOTAL		(50 * 1024 * 1024)
#define PKG_MAX_FILE		(10 * 1024 * 1024)
#define PKG_MAX_RATIO		100
#define PKG_RATIO_MIN_BYTES	(64 * 1024)
#define PKG_MEDIA_URL		"/api/v1/media/"

/*
 * Returns the module document, or NULL with every problem appended to
 * problems as {"file", "line"?, "column"?, "message"}.
 */
json_t	*package_parse(const void *, size_t, json_t *);

#endif
