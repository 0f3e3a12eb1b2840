/*
 * The certificate of completion as a PDF (A4 landscape), drawn with Cairo,
 * its text laid out by Pango: HarfBuzz shapes every script (Arabic joins,
 * Devanagari conjuncts, Thai marks), fribidi orders right-to-left runs and
 * fontconfig falls back from Noto Sans to the Noto font of each script.
 * Text stays text (cairo embeds font subsets with their ToUnicode maps),
 * so pdftotext and a reader's search find the name. The QR code to the
 * verification page is vector squares (libqrencode), its URL printed
 * under it and linked.
 *
 * Threads: one font map for the process and a mutex around each render.
 * Pango's font maps, contexts and fonts are not safe to share between
 * threads, so the choice was this or a font map per thread. Kore pins a
 * worker to its CPU before it starts its task threads, which inherit the
 * pinning: renders on two task threads of one worker could never run at
 * once anyway, and the workers (processes) each have their own font map.
 * One map is loaded and warmed once (cert_pdf_init), where a map per
 * thread would load every font again, cold, on each new task thread and
 * keep a copy of the font caches per thread.
 *
 * Pure: no Kore, no libpq. Unit-tested in tests/unit/cert_pdf_test.c,
 * checked end to end (pdftotext, pdffonts, zbarimg) through build/certpdf
 * in tests/api/test_cert_pdf.py.
 */

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cairo.h>
#include <cairo-pdf.h>
#include <fontconfig/fontconfig.h>
#include <pango/pangocairo.h>
#include <qrencode.h>

#include "cert_pdf.h"

/* A4 landscape in PDF points (1/72 in). */
#define PAGE_W			841.89
#define PAGE_H			595.28
#define MARGIN			64.0
#define BODY_W			600.0
#define BODY_X			((PAGE_W - BODY_W) / 2)

#define QR_SIDE			96.0
#define URL_W			300.0
#define QR_Y			(PAGE_H - MARGIN - QR_SIDE - 14.0)
#define FOOTER_Y		(QR_Y - 8.0)

/* The name shrinks to fit one line down to NAME_MIN, then wraps. */
#define NAME_SIZE		40.0
#define NAME_MIN		24.0

/* assets/app.css: --fg, --muted, --accent, --accent-dark. */
#define COLOUR_FG		0x1b1b1b
#define COLOUR_MUTED		0x4a4a4a
#define COLOUR_ACCENT		0x0b4f8a
#define COLOUR_ACCENT_DARK	0x083a66

#define FONT_SANS		"Noto Sans, Noto Sans Arabic, Noto Sans Hebrew, " \
			    "Noto Sans Devanagari, Noto Sans Thai, DejaVu Sans"
#define FONT_MONO		"DejaVu Sans Mono"

struct cert_strings {
	const char	*lang;		/* primary subtag of BCP 47 */
	const char	*title;
	const char	*certifies;
	const char	*completed;
	const char	*hour;		/* %s is the number of hours */
	const char	*hours;
	const char	*issued;	/* %s is the date */
	const char	*expires;
	const char	*code;
	const char	*verify;
};

/* Every word the certificate prints; the first entry is the fallback. */
static const struct cert_strings cert_strings[] = {
	{ "en", "Certificate of completion", "This certifies that",
	    "has completed the course", "%s hour", "%s hours",
	    "Issued on %s", "Valid until %s", "Certificate code",
	    "To verify it, scan the QR code or open the address under it." },
	{ "es", "Certificado de finalización", "Se certifica que",
	    "ha completado el curso", "%s hora", "%s horas",
	    "Emitido el %s", "Válido hasta el %s", "Código del certificado",
	    "Para verificarlo, escanee el código QR o abra la dirección "
	    "que figura debajo." },
	{ "fr", "Certificat de réussite", "Ce certificat atteste que",
	    "a suivi avec succès la formation", "%s heure", "%s heures",
	    "Délivré le %s", "Valable jusqu’au %s", "Code du certificat",
	    "Pour le vérifier, scannez le code QR ou ouvrez l’adresse "
	    "indiquée dessous." },
	{ "pt", "Certificado de conclusão", "Certificamos que",
	    "concluiu o curso", "%s hora", "%s horas",
	    "Emitido em %s", "Válido até %s", "Código do certificado",
	    "Para verificá-lo, leia o código QR ou abra o endereço "
	    "indicado abaixo dele." },
};

struct cert_style {
	const char	*family;
	double		 size;
	PangoWeight	 weight;
	uint32_t	 colour;
	double		 spacing;	/* letter spacing, points */
	PangoAlignment	 align;
	int		 lines;		/* at most, ellipsised beyond */
};

struct cert_sink {
	unsigned char	*buf;
	size_t		 len;
	size_t		 cap;
};

static int		cert_fonts_present(void);
static const struct cert_strings	*cert_strings_for(const char *);
static int		cert_input_valid(const struct cert_pdf_input *);
static int		cert_field_valid(const char *, int);
static int		cert_render_locked(const struct cert_pdf_input *,
			    unsigned char **, size_t *);
static void		cert_metadata(cairo_surface_t *,
			    const struct cert_pdf_input *,
			    const struct cert_strings *);
static void		cert_draw(cairo_t *, PangoContext *,
			    const struct cert_pdf_input *,
			    const struct cert_strings *);
static double		cert_body(cairo_t *, PangoContext *,
			    const struct cert_pdf_input *,
			    const struct cert_strings *, double);
static void		cert_frame(cairo_t *);
static double		cert_name(cairo_t *, PangoContext *, const char *,
			    double);
static void		cert_footer(cairo_t *, PangoContext *,
			    const struct cert_pdf_input *,
			    const struct cert_strings *);
static char		*cert_details(const struct cert_pdf_input *,
			    const struct cert_strings *);
static PangoLayout	*cert_layout(PangoContext *, const char *,
			    const struct cert_style *, double);
static double		cert_text(cairo_t *, PangoContext *, const char *,
			    const struct cert_style *, double, double, double);
static void		cert_show(cairo_t *, PangoLayout *, uint32_t, double,
			    double);
static int		cert_qr(cairo_t *, const char *, double, double,
			    double);
static void		cert_link_begin(cairo_t *, const char *);
static void		cert_colour(cairo_t *, uint32_t);
static cairo_status_t	cert_sink_write(void *, const unsigned char *,
			    unsigned int);

static pthread_mutex_t	cert_lock = PTHREAD_MUTEX_INITIALIZER;
static PangoFontMap	*cert_fontmap;
static int		 cert_warm;	/* the warm-up render was made */

/* Names in the scripts the issue lists: loading their fonts warms up. */
static const struct cert_pdf_input cert_warmup = {
	"Łukasz Ñúñez-Nguyễn Ольга Ελένη محمد عبد الله שרה प्रिया สมชาย",
	"Warm-up", "en", "1", "2026-01-01", "2027-01-01",
	"AAAA-AAAA-AAAA-AAAA", "https://example.org/verify/AAAA-AAAA-AAAA-AAAA",
	"Safeguard Learn"
};

/*
 * Whether the renderer could start: fontconfig loads and the fonts are
 * installed. Starts no thread (Pango's font map starts some): a server
 * checks this in each worker at start and leaves cert_pdf_init to its
 * first render.
 */
int
cert_pdf_check(void)
{
	int	ok;

	pthread_mutex_lock(&cert_lock);
	ok = FcInit() && cert_fonts_present();
	pthread_mutex_unlock(&cert_lock);
	return (ok);
}

int
cert_pdf_init(void)
{
	unsigned char	*pdf;
	size_t		 len;
	int		 ok;

	pthread_mutex_lock(&cert_lock);
	if (cert_warm) {
		/* Called again (before each render, by a server): ready. */
		pthread_mutex_unlock(&cert_lock);
		return (1);
	}
	if (cert_fontmap == NULL) {
		/* Loads fontconfig's configuration and its font cache once. */
		if (!FcInit()) {
			pthread_mutex_unlock(&cert_lock);
			return (0);
		}
		if (!cert_fonts_present()) {
			pthread_mutex_unlock(&cert_lock);
			return (0);
		}
		cert_fontmap = pango_cairo_font_map_new();
		/* PDF user space is in points: 1 pt of text is 1 unit. */
		pango_cairo_font_map_set_resolution(
		    PANGO_CAIRO_FONT_MAP(cert_fontmap), 72.0);
	}
	pthread_mutex_unlock(&cert_lock);

	/* One whole render: every font and code path is loaded after it. */
	if ((ok = cert_pdf_render(&cert_warmup, &pdf, &len)))
		free(pdf);
	pthread_mutex_lock(&cert_lock);
	if (ok)
		cert_warm = 1;
	pthread_mutex_unlock(&cert_lock);
	return (ok);
}

/*
 * The fonts FONT_SANS and FONT_MONO name, installed (fonts-noto-core,
 * fonts-dejavu-core): without them fontconfig would quietly substitute
 * others, or boxes, and the certificates would go out that way.
 */
static int
cert_fonts_present(void)
{
	static const char *const	families[] = {
		"Noto Sans", "Noto Sans Arabic", "Noto Sans Hebrew",
		"Noto Sans Devanagari", "Noto Sans Thai", "DejaVu Sans",
		"DejaVu Sans Mono"
	};
	FcPattern			*pat, *match;
	FcResult			 res;
	FcChar8				*got;
	size_t				 i;
	int				 ok;

	for (i = 0; i < sizeof(families) / sizeof(families[0]); i++) {
		if ((pat = FcPatternCreate()) == NULL)
			return (0);
		FcPatternAddString(pat, FC_FAMILY,
		    (const FcChar8 *)families[i]);
		FcConfigSubstitute(NULL, pat, FcMatchPattern);
		FcDefaultSubstitute(pat);
		match = FcFontMatch(NULL, pat, &res);
		FcPatternDestroy(pat);
		ok = match != NULL &&
		    FcPatternGetString(match, FC_FAMILY, 0, &got) ==
		    FcResultMatch &&
		    strcasecmp((const char *)got, families[i]) == 0;
		if (match != NULL)
			FcPatternDestroy(match);
		if (!ok)
			return (0);
	}
	return (1);
}

int
cert_pdf_render(const struct cert_pdf_input *in, unsigned char **pdf,
    size_t *len)
{
	int		ok;

	if (pdf == NULL || len == NULL)
		return (0);
	*pdf = NULL;
	*len = 0;
	if (in == NULL || !cert_input_valid(in))
		return (0);

	pthread_mutex_lock(&cert_lock);
	ok = cert_fontmap != NULL && cert_render_locked(in, pdf, len);
	pthread_mutex_unlock(&cert_lock);
	return (ok);
}

static int
cert_render_locked(const struct cert_pdf_input *in, unsigned char **pdf,
    size_t *len)
{
	const struct cert_strings	*str;
	struct cert_sink		 sink = { NULL, 0, 0 };
	cairo_surface_t			*surface;
	cairo_font_options_t		*fo;
	PangoContext			*ctx;
	cairo_t				*cr;
	cairo_status_t			 status;
	int				 qr_ok;

	str = cert_strings_for(in->language);
	surface = cairo_pdf_surface_create_for_stream(cert_sink_write, &sink,
	    PAGE_W, PAGE_H);
	cert_metadata(surface, in, str);
	cr = cairo_create(surface);

	ctx = pango_font_map_create_context(cert_fontmap);
	/* Vector output: no hinting, glyphs where the font puts them. */
	fo = cairo_font_options_create();
	cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_NONE);
	cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
	pango_cairo_context_set_font_options(ctx, fo);
	cairo_font_options_destroy(fo);
	pango_context_set_round_glyph_positions(ctx, FALSE);
	/* Each paragraph takes the direction of its first strong letter. */
	pango_context_set_base_dir(ctx, PANGO_DIRECTION_WEAK_LTR);
	pango_context_set_language(ctx, pango_language_from_string(
	    in->language));
	pango_cairo_update_context(cr, ctx);

	/* A URL too long for any QR code fails the render. */
	qr_ok = cert_qr(cr, in->verify_url, PAGE_W - MARGIN - QR_SIDE, QR_Y,
	    QR_SIDE);
	if (qr_ok)
		cert_draw(cr, ctx, in, str);

	g_object_unref(ctx);
	status = cairo_status(cr);
	cairo_destroy(cr);
	cairo_surface_finish(surface);
	if (status == CAIRO_STATUS_SUCCESS)
		status = cairo_surface_status(surface);
	cairo_surface_destroy(surface);

	if (!qr_ok || status != CAIRO_STATUS_SUCCESS || sink.buf == NULL) {
		free(sink.buf);
		return (0);
	}
	*pdf = sink.buf;
	*len = sink.len;
	return (1);
}

static const struct cert_strings *
cert_strings_for(const char *lang)
{
	size_t		i, n;

	for (i = 0; i < sizeof(cert_strings) / sizeof(cert_strings[0]); i++) {
		n = strlen(cert_strings[i].lang);
		if (strncasecmp(lang, cert_strings[i].lang, n) == 0 &&
		    (lang[n] == '\0' || lang[n] == '-' || lang[n] == '_'))
			return (&cert_strings[i]);
	}
	return (&cert_strings[0]);
}

static int
cert_input_valid(const struct cert_pdf_input *in)
{
	if (!cert_field_valid(in->name, 1) ||
	    !cert_field_valid(in->course_title, 1) ||
	    !cert_field_valid(in->language, 1) ||
	    !cert_field_valid(in->hours, 1) ||
	    !cert_field_valid(in->issued_on, 1) ||
	    !cert_field_valid(in->expires_on, 0) ||
	    !cert_field_valid(in->code, 1) ||
	    !cert_field_valid(in->verify_url, 1) ||
	    !cert_field_valid(in->issuer, 1))
		return (0);
	return (1);
}

/*
 * Strict UTF-8 (Pango would otherwise print replacement boxes), bounded,
 * one line: a control character (a newline) is an error, not a layout.
 */
static int
cert_field_valid(const char *s, int required)
{
	size_t		len, i;

	if (s == NULL)
		return (!required);
	len = strlen(s);
	if (len == 0 || len > CERT_PDF_FIELD_MAX)
		return (0);
	for (i = 0; i < len; i++) {
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return (0);
	}
	return (g_utf8_validate(s, len, NULL));
}

/* Title and creator only: no personal data in the document's metadata. */
static void
cert_metadata(cairo_surface_t *surface, const struct cert_pdf_input *in,
    const struct cert_strings *str)
{
	char		*title, date[32];
	const char	*d = in->issued_on;

	title = g_strdup_printf("%s: %s", str->title, in->course_title);
	cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_TITLE,
	    title);
	g_free(title);
	cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATOR,
	    in->issuer);
	cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_AUTHOR,
	    in->issuer);
	/* The issue date, when it is one: the same input, the same file. */
	if (strlen(d) == 10 && d[4] == '-' && d[7] == '-' &&
	    strspn(d, "0123456789-") == 10) {
		(void)snprintf(date, sizeof(date), "%sT00:00:00Z", d);
		cairo_pdf_surface_set_metadata(surface,
		    CAIRO_PDF_METADATA_CREATE_DATE, date);
	}
}

static void
cert_draw(cairo_t *cr, PangoContext *ctx, const struct cert_pdf_input *in,
    const struct cert_strings *str)
{
	static const struct cert_style	issuer = { FONT_SANS, 14,
	    PANGO_WEIGHT_BOLD, COLOUR_ACCENT, 0, PANGO_ALIGN_CENTER, 1 };
	static const struct cert_style	title = { FONT_SANS, 32,
	    PANGO_WEIGHT_NORMAL, COLOUR_ACCENT_DARK, 0, PANGO_ALIGN_CENTER, 1 };
	double				y, h, room;

	cert_frame(cr);
	y = 56;
	y += cert_text(cr, ctx, in->issuer, &issuer, BODY_X, y, BODY_W) + 8;
	y += cert_text(cr, ctx, str->title, &title, BODY_X, y, BODY_W) + 12;
	cert_colour(cr, COLOUR_ACCENT);
	cairo_rectangle(cr, PAGE_W / 2 - 40, y, 80, 1.5);
	cairo_fill(cr);
	y += 1.5;

	/* The body in the middle of the room between the rule and the QR. */
	room = FOOTER_Y - y;
	h = cert_body(NULL, ctx, in, str, 0);
	cert_body(cr, ctx, in, str, y + (h < room ? (room - h) / 2 : 0));
	cert_footer(cr, ctx, in, str);
}

/*
 * Who completed what, and the details line. With cr NULL it only
 * measures. Returns the height it takes.
 */
static double
cert_body(cairo_t *cr, PangoContext *ctx, const struct cert_pdf_input *in,
    const struct cert_strings *str, double y)
{
	static const struct cert_style	lead = { FONT_SANS, 14,
	    PANGO_WEIGHT_NORMAL, COLOUR_MUTED, 0, PANGO_ALIGN_CENTER, 1 };
	static const struct cert_style	course = { FONT_SANS, 21,
	    PANGO_WEIGHT_BOLD, COLOUR_FG, 0, PANGO_ALIGN_CENTER, 2 };
	static const struct cert_style	details = { FONT_SANS, 13,
	    PANGO_WEIGHT_NORMAL, COLOUR_MUTED, 0, PANGO_ALIGN_CENTER, 2 };
	double				top = y;
	char				*line;

	y += cert_text(cr, ctx, str->certifies, &lead, BODY_X, y, BODY_W) + 6;
	y += cert_name(cr, ctx, in->name, y) + 8;
	y += cert_text(cr, ctx, str->completed, &lead, BODY_X, y, BODY_W) + 4;
	y += cert_text(cr, ctx, in->course_title, &course, BODY_X, y,
	    BODY_W) + 14;
	if ((line = cert_details(in, str)) != NULL) {
		y += cert_text(cr, ctx, line, &details, BODY_X, y, BODY_W);
		g_free(line);
	}
	return (y - top);
}

/* Two rules in the accent colour, as the site's header and buttons. */
static void
cert_frame(cairo_t *cr)
{
	cert_colour(cr, COLOUR_ACCENT);
	cairo_set_line_width(cr, 2.5);
	cairo_rectangle(cr, 20, 20, PAGE_W - 40, PAGE_H - 40);
	cairo_stroke(cr);
	cairo_set_line_width(cr, 0.75);
	cairo_rectangle(cr, 26, 26, PAGE_W - 52, PAGE_H - 52);
	cairo_stroke(cr);
}

/*
 * The name on one line, smaller if it must be (down to NAME_MIN), then on
 * two; never cut while two lines hold it. With cr NULL it only measures.
 * Returns the height it takes.
 */
static double
cert_name(cairo_t *cr, PangoContext *ctx, const char *name, double y)
{
	struct cert_style	 st = { FONT_SANS, NAME_SIZE, PANGO_WEIGHT_BOLD,
				    COLOUR_FG, 0, PANGO_ALIGN_CENTER, 2 };
	PangoLayout		*layout;
	int			 w, h;

	layout = cert_layout(ctx, name, &st, 0);
	pango_layout_get_size(layout, &w, NULL);
	g_object_unref(layout);
	if (w > BODY_W * PANGO_SCALE) {
		st.size = NAME_SIZE * BODY_W * PANGO_SCALE / w;
		if (st.size < NAME_MIN)
			st.size = NAME_MIN;
	}

	layout = cert_layout(ctx, name, &st, BODY_W);
	if (cr != NULL)
		cert_show(cr, layout, st.colour, BODY_X, y);
	pango_layout_get_size(layout, NULL, &h);
	g_object_unref(layout);
	return ((double)h / PANGO_SCALE);
}

/* The code and how to verify on the left, the QR code's URL on the right. */
static void
cert_footer(cairo_t *cr, PangoContext *ctx, const struct cert_pdf_input *in,
    const struct cert_strings *str)
{
	static const struct cert_style	label = { FONT_SANS, 10,
	    PANGO_WEIGHT_NORMAL, COLOUR_MUTED, 0, PANGO_ALIGN_LEFT, 1 };
	static const struct cert_style	code = { FONT_MONO, 18,
	    PANGO_WEIGHT_BOLD, COLOUR_FG, 1.5, PANGO_ALIGN_LEFT, 1 };
	static const struct cert_style	hint = { FONT_SANS, 9.5,
	    PANGO_WEIGHT_NORMAL, COLOUR_MUTED, 0, PANGO_ALIGN_LEFT, 2 };
	static const struct cert_style	url = { FONT_SANS, 7.5,
	    PANGO_WEIGHT_NORMAL, COLOUR_MUTED, 0, PANGO_ALIGN_RIGHT, 2 };
	double				y;

	y = QR_Y + 22;
	y += cert_text(cr, ctx, str->code, &label, MARGIN, y, 360) + 2;
	y += cert_text(cr, ctx, in->code, &code, MARGIN, y, 360) + 8;
	(void)cert_text(cr, ctx, str->verify, &hint, MARGIN, y, 360);

	cert_link_begin(cr, in->verify_url);
	(void)cert_text(cr, ctx, in->verify_url, &url, PAGE_W - MARGIN - URL_W,
	    QR_Y + QR_SIDE + 4, URL_W);
	cairo_tag_end(cr, CAIRO_TAG_LINK);
}

/* "4 hours · Issued on 2026-12-01 · Valid until 2027-12-01" */
static char *
cert_details(const struct cert_pdf_input *in, const struct cert_strings *str)
{
	char		*hours, *issued, *expires, *line;

	hours = g_strdup_printf(strcmp(in->hours, "1") == 0 ?
	    str->hour : str->hours, in->hours);
	issued = g_strdup_printf(str->issued, in->issued_on);
	expires = NULL;
	if (in->expires_on != NULL)
		expires = g_strdup_printf(str->expires, in->expires_on);
	line = g_strjoin("  ·  ", hours, issued, expires, NULL);
	g_free(hours);
	g_free(issued);
	g_free(expires);
	return (line);
}

/* A layout of text in a style; width 0 leaves it unbounded (measuring). */
static PangoLayout *
cert_layout(PangoContext *ctx, const char *text, const struct cert_style *st,
    double width)
{
	PangoLayout		*layout;
	PangoFontDescription	*fd;
	PangoAttrList		*attrs;

	layout = pango_layout_new(ctx);
	fd = pango_font_description_new();
	pango_font_description_set_family_static(fd, st->family);
	pango_font_description_set_weight(fd, st->weight);
	pango_font_description_set_size(fd, (gint)(st->size * PANGO_SCALE));
	pango_layout_set_font_description(layout, fd);
	pango_font_description_free(fd);
	if (st->spacing > 0) {
		attrs = pango_attr_list_new();
		pango_attr_list_insert(attrs, pango_attr_letter_spacing_new(
		    (int)(st->spacing * PANGO_SCALE)));
		pango_layout_set_attributes(layout, attrs);
		pango_attr_list_unref(attrs);
	}
	pango_layout_set_text(layout, text, -1);
	if (width > 0) {
		pango_layout_set_width(layout, (int)(width * PANGO_SCALE));
		pango_layout_set_wrap(layout, PANGO_WRAP_WORD_CHAR);
		pango_layout_set_ellipsize(layout, PANGO_ELLIPSIZE_END);
		pango_layout_set_height(layout, -st->lines);
		pango_layout_set_alignment(layout, st->align);
	}
	return (layout);
}

/*
 * Draws text in a box width wide at (x, y), or only measures it with cr
 * NULL; returns the height it takes.
 */
static double
cert_text(cairo_t *cr, PangoContext *ctx, const char *text,
    const struct cert_style *st, double x, double y, double width)
{
	PangoLayout	*layout;
	int		 h;

	layout = cert_layout(ctx, text, st, width);
	if (cr != NULL)
		cert_show(cr, layout, st->colour, x, y);
	pango_layout_get_size(layout, NULL, &h);
	g_object_unref(layout);
	return ((double)h / PANGO_SCALE);
}

static void
cert_show(cairo_t *cr, PangoLayout *layout, uint32_t colour, double x,
    double y)
{
	cert_colour(cr, colour);
	cairo_move_to(cr, x, y);
	pango_cairo_show_layout(cr, layout);
}

/*
 * The QR code as filled squares (each row's dark runs as one rectangle,
 * one path for all), black on white, error correction M: what a phone
 * reads from paper with a fold or a stain. The white around it (4 modules
 * at least) is the page's.
 */
static int
cert_qr(cairo_t *cr, const char *url, double x, double y, double side)
{
	QRcode		*qr;
	double		 m;
	int		 w, row, col, run;

	if ((qr = QRcode_encodeString(url, 0, QR_ECLEVEL_M, QR_MODE_8, 1)) ==
	    NULL)
		return (0);
	w = qr->width;
	m = side / w;
	cert_link_begin(cr, url);
	for (row = 0; row < w; row++) {
		for (col = 0; col < w; col += run) {
			run = 0;
			while (col + run < w &&
			    (qr->data[row * w + col + run] & 1))
				run++;
			if (run == 0) {
				run = 1;
				continue;
			}
			cairo_rectangle(cr, x + col * m, y + row * m, run * m, m);
		}
	}
	cairo_set_source_rgb(cr, 0, 0, 0);
	cairo_fill(cr);
	cairo_tag_end(cr, CAIRO_TAG_LINK);
	QRcode_free(qr);
	return (1);
}

/* A link annotation to url over what is drawn until cairo_tag_end. */
static void
cert_link_begin(cairo_t *cr, const char *url)
{
	GString		*attr;
	const char	*p;

	attr = g_string_new("uri='");
	for (p = url; *p != '\0'; p++) {
		if (*p == '\'' || *p == '\\')
			g_string_append_c(attr, '\\');
		g_string_append_c(attr, *p);
	}
	g_string_append_c(attr, '\'');
	cairo_tag_begin(cr, CAIRO_TAG_LINK, attr->str);
	g_string_free(attr, TRUE);
}

static void
cert_colour(cairo_t *cr, uint32_t rgb)
{
	cairo_set_source_rgb(cr, ((rgb >> 16) & 0xff) / 255.0,
	    ((rgb >> 8) & 0xff) / 255.0, (rgb & 0xff) / 255.0);
}

static cairo_status_t
cert_sink_write(void *arg, const unsigned char *data, unsigned int len)
{
	struct cert_sink	*sink = arg;
	unsigned char		*p;
	size_t			 cap;

	if (len > sink->cap - sink->len) {
		cap = sink->cap != 0 ? sink->cap : 64 * 1024;
		while (cap - sink->len < len) {
			if (cap > SIZE_MAX / 2)
				return (CAIRO_STATUS_NO_MEMORY);
			cap *= 2;
		}
		if ((p = realloc(sink->buf, cap)) == NULL)
			return (CAIRO_STATUS_NO_MEMORY);
		sink->buf = p;
		sink->cap = cap;
	}
	memcpy(sink->buf + sink->len, data, len);
	sink->len += len;
	return (CAIRO_STATUS_SUCCESS);
}
