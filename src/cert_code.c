/*
 * Certificate codes: 80 random bits from libsodium written as sixteen
 * symbols of Crockford's base32 in four groups, XXXX-XXXX-XXXX-XXXX.
 *
 * The alphabet has no I, L, O or U, so nothing read off paper is
 * ambiguous; reading one back (cert_code_normalise) takes lower case,
 * spaces and missing dashes, and the look-alikes people type for the
 * digits (O for 0, I and L for 1), as Crockford's decoding does. At 80
 * bits, guessing is out of reach even without the verification budget.
 */

#include <string.h>

#include <sodium.h>

#include "cert_code.h"

#define CERT_CODE_SYMBOLS	16
#define CERT_CODE_GROUP		4

static const char	cert_alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

static int	cert_symbol(int);

/* Writes the code of raw (CERT_CODE_BYTES) into out, at least 20 bytes. */
void
cert_code_format(const uint8_t *raw, char *out, size_t len)
{
	unsigned int	acc, bits;
	size_t		i, n, o;

	if (len < CERT_CODE_LEN + 1) {
		if (len > 0)
			out[0] = '\0';
		return;
	}
	acc = bits = 0;
	n = o = 0;
	for (i = 0; i < CERT_CODE_BYTES; i++) {
		acc = (acc << 8) | raw[i];
		bits += 8;
		while (bits >= 5) {
			bits -= 5;
			if (n > 0 && n % CERT_CODE_GROUP == 0)
				out[o++] = '-';
			out[o++] = cert_alphabet[(acc >> bits) & 0x1f];
			n++;
		}
		acc &= (1u << bits) - 1;
	}
	out[o] = '\0';
}

/* A new code from the system's random source; 0 when out is too short. */
int
cert_code_new(char *out, size_t len)
{
	uint8_t		raw[CERT_CODE_BYTES];

	if (len < CERT_CODE_LEN + 1)
		return (0);
	randombytes_buf(raw, sizeof(raw));
	cert_code_format(raw, out, len);
	sodium_memzero(raw, sizeof(raw));
	return (1);
}

/*
 * Reads a code as a person may type it into its one canonical form;
 * returns 0 (out empty) when it is not sixteen symbols of the alphabet.
 */
int
cert_code_normalise(const char *in, char *out, size_t len)
{
	size_t		n, o;
	int		c;

	if (len < CERT_CODE_LEN + 1) {
		if (len > 0)
			out[0] = '\0';
		return (0);
	}
	n = o = 0;
	for (; *in != '\0'; in++) {
		if (*in == '-' || *in == ' ')
			continue;
		if ((c = cert_symbol((unsigned char)*in)) == -1 ||
		    n == CERT_CODE_SYMBOLS) {
			out[0] = '\0';
			return (0);
		}
		if (n > 0 && n % CERT_CODE_GROUP == 0)
			out[o++] = '-';
		out[o++] = (char)c;
		n++;
	}
	out[o] = '\0';
	if (n != CERT_CODE_SYMBOLS) {
		out[0] = '\0';
		return (0);
	}
	return (1);
}

/* The alphabet's symbol a typed character stands for, or -1. */
static int
cert_symbol(int c)
{
	if (c >= 'a' && c <= 'z')
		c -= 'a' - 'A';
	if (c == 'O')
		return ('0');
	if (c == 'I' || c == 'L')
		return ('1');
	if (c == '\0' || strchr(cert_alphabet, c) == NULL)
		return (-1);
	return (c);
}
