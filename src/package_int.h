/*
 * Module packages, inside: what package.c (the archive, media, Markdown)
 * and package_manifest.c (module.json) share. Only those two include it.
 */

#ifndef __H_PACKAGE_INT_H
#define __H_PACKAGE_INT_H

#include <stddef.h>

#include <jansson.h>
#include <zip.h>

struct pkg_entry {
	char		*name;
	zip_uint64_t	index;
	zip_uint64_t	size;
	char		sha256[65];
	const char	*ctype;		/* set for accepted files in media/ */
	unsigned char	*data;
	size_t		len;
};

struct pkg {
	zip_t			*za;
	json_t			*problems;
	size_t			nproblems;	/* found, listed or not */
	struct pkg_entry	*entries;
	size_t			nentries;
	json_t			*media;
	const char		*manifest;	/* module.json's text */
	size_t			manifest_len;
};

/* package.c */
void		pkg_problem(struct pkg *, const char *, size_t, size_t,
		    const char *, const char *, ...)
		    __attribute__((format(printf, 6, 7)));
void		pkg_mproblem(struct pkg *, const char *, const char *,
		    const char *, ...) __attribute__((format(printf, 4, 5)));
struct pkg_entry *pkg_find(struct pkg *, const char *);
int		pkg_read(struct pkg *, struct pkg_entry *);
char		*pkg_render(struct pkg *, const char *, const char *, size_t);

/* package_manifest.c: the module document, or NULL. */
json_t		*pkg_module(struct pkg *, json_t *);

#endif
