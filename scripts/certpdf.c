/*
 * certpdf: renders a certificate with src/cert_pdf.c, as the
 * certificate_issue job does, for tests and for a look at the design.
 *
 *   certpdf [--name S] [--course S] [--lang TAG] [--hours S] [--issued S]
 *           [--expires S] [--code S] [--url S] [--issuer S] [-o FILE]
 *   certpdf --bench N [--threads T] [the same fields]
 *
 * Every field has a default (an English certificate for a made-up
 * person); -o - writes the PDF to standard output. --bench renders N
 * certificates (split over T threads, default 1), keeps none and prints
 * the rate; cert_pdf_init's warm-up is not counted.
 *
 * Built by the Makefile (build/certpdf) from this file and src/cert_pdf.c.
 */

#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../src/cert_pdf.h"

#define BENCH_THREADS_MAX	64

struct bench {
	const struct cert_pdf_input	*in;
	long				 count;
	int				 failed;
	size_t				 bytes;
	pthread_t			 tid;
};

static void	usage(void) __attribute__((noreturn));
static int	write_pdf(const char *, const unsigned char *, size_t);
static int	bench(const struct cert_pdf_input *, long, int);
static void	*bench_thread(void *);
static long	number(const char *, long);

static void
usage(void)
{
	fprintf(stderr, "usage: certpdf [--name S] [--course S] [--lang TAG] "
	    "[--hours S] [--issued S]\n"
	    "               [--expires S] [--code S] [--url S] [--issuer S] "
	    "[-o FILE]\n"
	    "       certpdf --bench N [--threads T] [fields]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	static const struct option	opts[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "course", required_argument, NULL, 'c' },
		{ "lang", required_argument, NULL, 'l' },
		{ "hours", required_argument, NULL, 'h' },
		{ "issued", required_argument, NULL, 'i' },
		{ "expires", required_argument, NULL, 'e' },
		{ "code", required_argument, NULL, 'k' },
		{ "url", required_argument, NULL, 'u' },
		{ "issuer", required_argument, NULL, 'I' },
		{ "bench", required_argument, NULL, 'b' },
		{ "threads", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 }
	};
	struct cert_pdf_input		in = {
		"Ada Example", "Recognising and responding to abuse", "en",
		"4", "2026-12-01", NULL, "7KQ4-MZ2P-9XHD-T3WC",
		"https://learn.example.org/verify/7KQ4-MZ2P-9XHD-T3WC",
		"Safeguard Learn"
	};
	const char			*out = NULL;
	unsigned char			*pdf;
	size_t				 len;
	long				 n = 0, threads = 1;
	int				 ch;

	while ((ch = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
		switch (ch) {
		case 'n': in.name = optarg; break;
		case 'c': in.course_title = optarg; break;
		case 'l': in.language = optarg; break;
		case 'h': in.hours = optarg; break;
		case 'i': in.issued_on = optarg; break;
		case 'e': in.expires_on = optarg; break;
		case 'k': in.code = optarg; break;
		case 'u': in.verify_url = optarg; break;
		case 'I': in.issuer = optarg; break;
		case 'o': out = optarg; break;
		case 'b': n = number(optarg, 10000000); break;
		case 't': threads = number(optarg, BENCH_THREADS_MAX); break;
		default: usage();
		}
	}
	if (optind != argc || (n == 0 && out == NULL))
		usage();

	if (!cert_pdf_init()) {
		fprintf(stderr, "certpdf: cert_pdf_init failed (fonts?)\n");
		return (1);
	}
	if (n > 0)
		return (bench(&in, n, (int)threads));

	if (!cert_pdf_render(&in, &pdf, &len)) {
		fprintf(stderr, "certpdf: the render failed\n");
		return (1);
	}
	ch = write_pdf(out, pdf, len);
	free(pdf);
	return (ch);
}

static long
number(const char *s, long max)
{
	char		*end;
	long		 v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < 1 || v > max)
		usage();
	return (v);
}

static int
write_pdf(const char *path, const unsigned char *pdf, size_t len)
{
	FILE		*f;

	if (strcmp(path, "-") == 0)
		f = stdout;
	else if ((f = fopen(path, "wb")) == NULL) {
		fprintf(stderr, "certpdf: %s: %s\n", path, strerror(errno));
		return (1);
	}
	if (fwrite(pdf, 1, len, f) != len || fflush(f) != 0) {
		fprintf(stderr, "certpdf: %s: %s\n", path, strerror(errno));
		if (f != stdout)
			fclose(f);
		return (1);
	}
	if (f != stdout && fclose(f) != 0) {
		fprintf(stderr, "certpdf: %s: %s\n", path, strerror(errno));
		return (1);
	}
	return (0);
}

static int
bench(const struct cert_pdf_input *in, long n, int threads)
{
	struct bench		b[BENCH_THREADS_MAX];
	struct timespec		t0, t1;
	double			secs;
	size_t			bytes = 0;
	int			i, failed = 0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < threads; i++) {
		b[i].in = in;
		b[i].count = n / threads + (i < n % threads);
		b[i].failed = 0;
		b[i].bytes = 0;
		if (pthread_create(&b[i].tid, NULL, bench_thread, &b[i]) != 0) {
			fprintf(stderr, "certpdf: pthread_create failed\n");
			exit(1);
		}
	}
	for (i = 0; i < threads; i++) {
		pthread_join(b[i].tid, NULL);
		failed += b[i].failed;
		bytes += b[i].bytes;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);

	secs = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("%ld renders in %.3f s on %d thread%s: %.1f renders/s, "
	    "%zu bytes each\n", n, secs, threads, threads == 1 ? "" : "s",
	    n / secs, bytes / (size_t)n);
	if (failed > 0) {
		fprintf(stderr, "certpdf: %d renders failed\n", failed);
		return (1);
	}
	return (0);
}

static void *
bench_thread(void *arg)
{
	struct bench	*b = arg;
	unsigned char	*pdf;
	size_t		 len;
	long		 i;

	for (i = 0; i < b->count; i++) {
		if (!cert_pdf_render(b->in, &pdf, &len)) {
			b->failed++;
			continue;
		}
		b->bytes += len;
		free(pdf);
	}
	return (NULL);
}
