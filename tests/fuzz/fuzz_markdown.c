/*
 * Markdown rendering of lessons (pkg_render in src/package.c, over cmark):
 * links into media/ become media URLs, one missing is a problem, headings
 * go down a level. The package holds one accepted media file.
 */

#include <cmark.h>
#include <jansson.h>

#include "fuzz.h"
#include "package.h"
#include "package_int.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct pkg_entry	entry;
	struct pkg		p;
	char			*html, name[] = "media/figure.png";

	memset(&entry, 0, sizeof(entry));
	entry.name = name;
	entry.ctype = "image/png";
	memset(entry.sha256, 'a', 64);

	memset(&p, 0, sizeof(p));
	p.problems = json_array();
	p.entries = &entry;
	p.nentries = 1;

	html = pkg_render(&p, "lessons/fuzz.md", (const char *)data, len);
	/*
	 * HTML only when the lesson had no problem; never raw HTML, a
	 * javascript: link or an <h1> (the page's title is its one).
	 */
	FUZZ_CHECK((html == NULL) == (p.nproblems > 0));
	if (html != NULL) {
		FUZZ_CHECK(strstr(html, "<h1") == NULL);
		FUZZ_CHECK(strstr(html, "<script") == NULL);
		FUZZ_CHECK(strcasestr(html, "href=\"javascript:") == NULL);
		FUZZ_CHECK(strcasestr(html, "src=\"javascript:") == NULL);
		free(html);
	}
	FUZZ_CHECK(json_array_size(p.problems) <= PKG_MAX_PROBLEMS);
	json_decref(p.problems);
	return (0);
}
