/*
 * The module package importer (src/package.c and package_manifest.c).
 * The first byte chooses what the rest is: even, a zip archive as an
 * upload brings it; odd, the module.json of an otherwise sound package
 * (its lessons and a picture), built in memory, so that the manifest's
 * checks are reached without the fuzzer having to forge zip checksums.
 */

#include <jansson.h>
#include <zip.h>

#include "fuzz.h"
#include "package.h"

static const char	lesson[] = "# One\n\nSee ![a figure](../media/a.png).\n";
static const char	png[] = "\x89PNG\r\n\x1a\n\0\0\0\rIHDR";

static int
add(zip_t *za, const char *name, const void *data, size_t len)
{
	zip_source_t	*s;

	if ((s = zip_source_buffer(za, data, len, 0)) == NULL)
		return (0);
	if (zip_file_add(za, name, s, ZIP_FL_ENC_UTF_8) < 0) {
		zip_source_free(s);
		return (0);
	}
	return (1);
}

/* A zip of module.json (the input) and fixed files, in memory. */
static uint8_t *
build(const uint8_t *manifest, size_t mlen, size_t *zlen)
{
	zip_source_t	*src;
	zip_error_t	err;
	zip_t		*za;
	zip_int64_t	n;
	uint8_t		*out;

	out = NULL;
	zip_error_init(&err);
	if ((src = zip_source_buffer_create(NULL, 0, 0, &err)) == NULL)
		return (NULL);
	zip_source_keep(src);
	if ((za = zip_open_from_source(src, ZIP_TRUNCATE, &err)) == NULL)
		goto done;
	if (!add(za, "module.json", manifest, mlen) ||
	    !add(za, "lessons/1.md", lesson, sizeof(lesson) - 1) ||
	    !add(za, "lessons/2.md", "Two.\n", 5) ||
	    !add(za, "media/a.png", png, sizeof(png) - 1) ||
	    zip_close(za) != 0) {
		zip_discard(za);
		goto done;
	}
	if (zip_source_open(src) != 0)
		goto done;
	(void)zip_source_seek(src, 0, SEEK_END);
	n = zip_source_tell(src);
	(void)zip_source_seek(src, 0, SEEK_SET);
	if (n > 0 && (out = malloc(n)) != NULL &&
	    zip_source_read(src, out, n) != n) {
		free(out);
		out = NULL;
	}
	*zlen = n;
	zip_source_close(src);
done:
	zip_source_free(src);
	zip_error_fini(&err);
	return (out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	json_t		*problems, *doc;
	uint8_t		*zip;
	size_t		zlen;

	if (len == 0)
		return (0);
	zip = NULL;
	zlen = 0;
	if (data[0] & 1) {
		if ((zip = build(data + 1, len - 1, &zlen)) == NULL)
			return (0);
	}

	problems = json_array();
	doc = package_parse(zip != NULL ? zip : data + 1,
	    zip != NULL ? zlen : len - 1, problems);
	/* A module, or problems saying why not; never both. */
	FUZZ_CHECK((doc != NULL) != (json_array_size(problems) > 0));
	FUZZ_CHECK(json_array_size(problems) <= PKG_MAX_PROBLEMS + 1);
	json_decref(doc);
	json_decref(problems);
	free(zip);
	return (0);
}
