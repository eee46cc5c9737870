/* Plain labels to PLplot text escapes (gk_plot_text in gainkit/plot.h).
 *
 * Why: callers write labels the way people type them in data-file headers
 * ("fluence (uJ/cm2)", "g (cm^-1)") and PLplot wants "#u...#d" for
 * superscripts and treats '#' as its escape character. Doing the conversion
 * here keeps PLplot syntax out of every command.
 *
 * Unit powers without a caret are recognised only on length and time units
 * (m, s with an SI prefix) at a word boundary, so chemical formulas such as
 * CsPbBr3 or MAPbI3 are left alone.
 */
#include "gainkit/plot.h"

#include <string.h>

typedef struct {
  char *s;
  size_t len, size;
  int full;
} tbuf;

/* Appends all of [p, p+n) or nothing, so an escape or a UTF-8 sequence is
 * never cut in half when the output is truncated. */
static void put(tbuf *b, const char *p, size_t n)
{
  if (b->full || b->len + n + 1 > b->size) {
    b->full = 1;
    return;
  }
  memcpy(b->s + b->len, p, n);
  b->len += n;
  b->s[b->len] = '\0';
}

static int is_alpha(int c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static int is_digit(int c) { return c >= '0' && c <= '9'; }
static int is_alnum(int c) { return is_alpha(c) || is_digit(c); }

/* Byte length of the UTF-8 sequence starting with c (1 for stray bytes). */
static size_t utf8_len(unsigned char c)
{
  if (c >= 0xF0 && c < 0xF8) return 4;
  if (c >= 0xE0) return 3;
  if (c >= 0xC0) return 2;
  return 1;
}

/* Copies one character, escaping PLplot's '#'. Returns bytes consumed. */
static size_t put_char(tbuf *b, const char *s)
{
  if (*s == '#') {
    put(b, "##", 2);
    return 1;
  }
  size_t n = utf8_len((unsigned char)*s);
  for (size_t k = 1; k < n; k++)
    if (!s[k]) n = k;
  put(b, s, n);
  return n;
}

/* Copies the text between braces (s points after '{'); returns the length
 * consumed including the closing brace, or 0 if it is not closed. */
static size_t put_braced(tbuf *b, const char *s)
{
  const char *close = strchr(s, '}');
  if (!close) return 0;
  for (const char *p = s; p < close;) p += put_char(b, p);
  return (size_t)(close - s) + 1;
}

/* Superscript digits and signs as Unicode characters: the font draws them
 * at the right height, where PLplot's "#u" raises text so far that a unit
 * power collides with whatever is above the label. Anything else (letters,
 * "gL") still goes through "#u...#d". */
static void put_power(tbuf *b, const char *p, size_t n)
{
  static const char *const sup[10] = {"\u2070", "\u00B9", "\u00B2", "\u00B3", "\u2074",
                                      "\u2075", "\u2076", "\u2077", "\u2078", "\u2079"};
  size_t k;
  for (k = 0; k < n; k++)
    if (!is_digit(p[k]) && p[k] != '-' && p[k] != '+') break;
  if (k < n || n == 0) {
    put(b, "#u", 2);
    for (const char *q = p; q < p + n;) q += put_char(b, q);
    put(b, "#d", 2);
    return;
  }
  for (k = 0; k < n; k++) {
    const char *u = p[k] == '-' ? "\u207B" : p[k] == '+' ? "\u207A" : sup[p[k] - '0'];
    put(b, u, strlen(u));
  }
}

static const char *const unit_bases[] = {"eV", "Hz", "m", "s", "J", "W", "A", "g", "L", "V"};

/* Length of a unit base at s that ends a word (or is followed by a power),
 * 0 if none. */
static size_t match_base(const char *s, int *powerable)
{
  for (size_t k = 0; k < sizeof unit_bases / sizeof *unit_bases; k++) {
    size_t n = strlen(unit_bases[k]);
    if (strncmp(s, unit_bases[k], n) != 0) continue;
    *powerable = (s[0] == 'm' || s[0] == 's') && n == 1;
    return n;
  }
  return 0;
}

/* Length of a power suffix at s ("2", "-1", "-3"), 0 if none. */
static size_t match_power(const char *s)
{
  size_t n = (*s == '-') ? 1 : 0;
  size_t d = 0;
  while (is_digit(s[n + d])) d++;
  return d ? n + d : 0;
}

/* A unit token starting at a word boundary: [prefix]base[power] followed
 * by a non-alphanumeric character. Emits it and returns the bytes consumed,
 * or returns 0 (nothing emitted) when s does not start a unit. */
static size_t put_unit(tbuf *b, const char *s)
{
  size_t pre = 0;
  int micro = 0;
  if (s[0] == 'u') { pre = 1; micro = 1; }
  else if ((unsigned char)s[0] == 0xC2 && (unsigned char)s[1] == 0xB5) { pre = 2; micro = 1; }
  else if (s[0] && strchr("cmnkpf", s[0])) pre = 1;

  for (int with_prefix = 1; with_prefix >= 0; with_prefix--) {
    size_t p = with_prefix ? pre : 0;
    if (with_prefix && !pre) continue;
    int powerable = 0;
    size_t nb = match_base(s + p, &powerable);
    if (!nb) continue;
    size_t np = powerable ? match_power(s + p + nb) : 0;
    size_t end = p + nb + np;
    if (is_alnum((unsigned char)s[end]) || s[end] == '_') continue;
    if (!(with_prefix && micro) && np == 0) return 0; /* nothing to change */
    if (with_prefix && micro) put(b, "\xC2\xB5", 2);
    else put(b, s, p);
    put(b, s + p, nb);
    if (np) put_power(b, s + p + nb, np);
    return end;
  }
  return 0;
}

char *gk_plot_text(const char *in, char *out, size_t size)
{
  if (!out || size == 0) return out;
  tbuf b = {out, 0, size, 0};
  out[0] = '\0';
  if (!in) return out;
  const char *s = in;
  int prev = 0; /* previous byte, for word boundaries */
  while (*s && !b.full) {
    if (*s == '^' && s[1] == '{' && strchr(s + 2, '}')) {
      size_t n = (size_t)(strchr(s + 2, '}') - (s + 2));
      put_power(&b, s + 2, n);
      s += 3 + n;
    } else if (*s == '^' && (match_power(s + 1) || (s[1] == '+' && is_digit((unsigned char)s[2])) ||
                             is_alpha((unsigned char)s[1]))) {
      size_t n = match_power(s + 1);
      if (!n) n = (s[1] == '+') ? 1 + match_power(s + 2) : 1;
      put_power(&b, s + 1, n);
      s += 1 + n;
    } else if (*s == '_' && s[1] == '{' && strchr(s + 2, '}')) {
      put(&b, "#d", 2);
      s += 2 + put_braced(&b, s + 2);
      put(&b, "#u", 2);
    } else if (!is_alpha(prev) && !((unsigned char)prev >= 0x80) && (is_alpha((unsigned char)*s) || (unsigned char)*s == 0xC2)) {
      size_t n = put_unit(&b, s);
      s += n ? n : put_char(&b, s);
    } else {
      s += put_char(&b, s);
    }
    prev = (unsigned char)s[-1];
  }
  return out;
}
