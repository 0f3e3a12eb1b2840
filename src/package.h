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
#define PKG_MAX_MANIFEST	(1024 * 1024)
#define PKG_MAX_LESSONS		100
#define PKG_MAX_QUESTIONS	500
#define PKG_MAX_CHOICES		20
#define PKG_MAX_PROBLEMS	100	/* listed; the rest are counted */
#define PKG_MEDIA_URL		"/api/v1/media/"

/*
 * Returns the module document, or NULL with every problem appended to
 * problems as {"file", "code", "message", "path"?, "line"?, "column"?}:
 * path (such as "lessons[2].key") for problems in module.json.
 */
json_t	*package_parse(const void *, size_t, json_t *);

#endif
