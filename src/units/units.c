/* Units: a small unit-expression parser over SI base dimensions.
 *
 * A unit is held as mant * 10^e10 (in SI base units) and a dimension vector
 * over (m, kg, s, A, K). Keeping the decimal exponent apart from the
 * mantissa is why "4.5mm" comes out as exactly the double nearest 0.45 cm:
 * prefixes never pass through an inexact product like 1e-3 * 1e1, the value
 * is divided once by an exact power of ten.
 */
#include "gainkit/units.h"
#include "gainkit/constants.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum { NDIM = 5 };  /* m, kg, s, A, K */

typedef struct unitv {
  double mant;
  int e10;
  int d[NDIM];
} unitv;

typedef struct symbol {
  const char *sym;
  double mant;
  int e10;
  int d[NDIM];
  int prefixable;
} symbol;

/* Exact spellings are tried before prefix+symbol, which settles the one
 * real ambiguity: "m" alone is the metre, "ms"/"mm" are milli-second/metre. */
static const symbol symbols[] = {
  {"m", 1, 0, {1, 0, 0, 0, 0}, 1},
  {"g", 1, -3, {0, 1, 0, 0, 0}, 1},
  {"s", 1, 0, {0, 0, 1, 0, 0}, 1},
  {"A", 1, 0, {0, 0, 0, 1, 0}, 1},
  {"K", 1, 0, {0, 0, 0, 0, 1}, 1},
  {"J", 1, 0, {2, 1, -2, 0, 0}, 1},
  {"W", 1, 0, {2, 1, -3, 0, 0}, 1},
  {"eV", GK_Q_E, 0, {2, 1, -2, 0, 0}, 1},
  {"V", 1, 0, {2, 1, -3, -1, 0}, 1},
  {"C", 1, 0, {0, 0, 1, 1, 0}, 1},
  {"Hz", 1, 0, {0, 0, -1, 0, 0}, 1},
  {"micron", 1, -6, {1, 0, 0, 0, 0}, 0},
  {"microns", 1, -6, {1, 0, 0, 0, 0}, 0},
  {"\xc3\x85", 1, -10, {1, 0, 0, 0, 0}, 0},     /* Å (U+00C5) */
  {"\xe2\x84\xab", 1, -10, {1, 0, 0, 0, 0}, 0}, /* Å (U+212B ANGSTROM SIGN) */
};

static const struct { const char *p; int e10; } prefixes[] = {
  {"f", -15}, {"p", -12}, {"n", -9}, {"u", -6}, {"\xc2\xb5", -6} /* µ */,
  {"\xce\xbc", -6} /* μ */, {"m", -3}, {"c", -2}, {"k", 3}, {"M", 6}, {"G", 9},
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const symbol *find_symbol(const char *s, size_t n, int need_prefixable)
{
  for (size_t i = 0; i < COUNT(symbols); i++)
    if (strlen(symbols[i].sym) == n && memcmp(symbols[i].sym, s, n) == 0 &&
        (!need_prefixable || symbols[i].prefixable))
      return &symbols[i];
  return NULL;
}

static int resolve(const char *s, size_t n, unitv *u)
{
  const symbol *sy = find_symbol(s, n, 0);
  int e10 = 0;
  if (!sy) {
    for (size_t i = 0; i < COUNT(prefixes) && !sy; i++) {
      size_t pl = strlen(prefixes[i].p);
      if (pl < n && memcmp(prefixes[i].p, s, pl) == 0) {
        sy = find_symbol(s + pl, n - pl, 1);
        e10 = prefixes[i].e10;
      }
    }
  }
  if (!sy) return -1;
  u->mant = sy->mant;
  u->e10 = sy->e10 + e10;
  memcpy(u->d, sy->d, sizeof u->d);
  return 0;
}

/* Symbol characters: ASCII letters and the three multi-byte symbols. */
static size_t symbol_char(const char *p)
{
  unsigned char c = (unsigned char)p[0];
  if (isalpha(c)) return 1;
  if (!strncmp(p, "\xc2\xb5", 2) || !strncmp(p, "\xce\xbc", 2) || !strncmp(p, "\xc3\x85", 2)) return 2;
  if (!strncmp(p, "\xe2\x84\xab", 3)) return 3;
  return 0;
}

/* Superscript digits and minus, so "cm⁻³" and "cm²" read like cm^-3, cm2. */
static int superscript(const char *p, int *digit, size_t *len)
{
  static const char *const sup[10] = {"\xe2\x81\xb0", "\xc2\xb9", "\xc2\xb2", "\xc2\xb3",
                                      "\xe2\x81\xb4", "\xe2\x81\xb5", "\xe2\x81\xb6",
                                      "\xe2\x81\xb7", "\xe2\x81\xb8", "\xe2\x81\xb9"};
  for (int i = 0; i < 10; i++) {
    size_t l = strlen(sup[i]);
    if (!strncmp(p, sup[i], l)) { *digit = i; *len = l; return 1; }
  }
  if (!strncmp(p, "\xe2\x81\xbb", 3)) { *digit = -1; *len = 3; return 1; } /* ⁻ */
  return 0;
}

/* Optional power after a symbol: "2", "^2", "-3", "^-3", "^+2", "²", "⁻³". */
static int parse_power(const char **pp, int *power)
{
  const char *p = *pp;
  int d;
  size_t l;
  if (superscript(p, &d, &l)) {
    int sign = 1, v = 0, nd = 0;
    if (d < 0) { sign = -1; p += l; }
    while (superscript(p, &d, &l) && d >= 0) { v = v * 10 + d; nd++; p += l; if (v > 99) return -1; }
    if (!nd) return -1;
    *power = sign * v;
    *pp = p;
    return 0;
  }
  int caret = 0;
  if (*p == '^') { caret = 1; p++; }
  int sign = 1, has_sign = 0;
  if (*p == '-' || *p == '+') { sign = *p == '-' ? -1 : 1; has_sign = 1; p++; }
  if (!isdigit((unsigned char)*p)) {
    if (caret || has_sign) return -1;
    *power = 1;
    return 0;
  }
  int v = 0;
  while (isdigit((unsigned char)*p)) {
    v = v * 10 + (*p++ - '0');
    if (v > 99) return -1;
  }
  *power = sign * v;
  *pp = p;
  return 0;
}

static int is_sep(char c) { return c == '/' || c == '*' || c == '.' || c == ' ' || c == '\t'; }

/* Parse a unit expression; "" (or only spaces) is dimensionless. On failure
 * *bad points at the offending factor. */
static int parse_unit(const char *s, unitv *out, const char **bad)
{
  unitv acc = {1, 0, {0}};
  const char *p = s;
  while (*p == ' ' || *p == '\t') p++;
  int expect_factor = 0; /* after an operator a factor must follow */
  int divide = 0;
  while (*p) {
    const char *start = p;
    int power = 1;
    unitv f;
    if (*p == '1' && (p[1] == '\0' || is_sep(p[1]))) {
      /* "1/cm": the literal 1 is a dimensionless factor */
      f = (unitv){1, 0, {0}};
      p++;
    } else {
      size_t l, n = 0;
      while ((l = symbol_char(p + n)) > 0) n += l;
      if (n == 0 || resolve(p, n, &f) < 0) { *bad = start; return -1; }
      p += n;
      if (parse_power(&p, &power) < 0) { *bad = start; return -1; }
    }
    if (divide) power = -power;
    /* prefixes scale with the power: (cm)^2 = 1e-4 m^2 */
    for (int k = 0; k < abs(power); k++) {
      if (power > 0) acc.mant *= f.mant; else acc.mant /= f.mant;
    }
    acc.e10 += f.e10 * power;
    for (int k = 0; k < NDIM; k++) acc.d[k] += f.d[k] * power;
    /* separators: runs of spaces, at most one operator among them */
    int op = 0;
    divide = 0;
    expect_factor = 0;
    while (is_sep(*p)) {
      if (*p != ' ' && *p != '\t') {
        if (op) { *bad = p; return -1; }
        op = 1;
        divide = *p == '/';
      }
      expect_factor = 1;
      p++;
    }
    if (*p && !expect_factor) { *bad = p; return -1; }
    if (!*p && op) { *bad = p; return -1; }
  }
  *out = acc;
  return 0;
}

/* value * mant * 10^e10, dividing by exact powers of ten when e10 < 0. */
static double apply_scale(double v, double mant, int e10)
{
  v *= mant;
  while (e10 > 22) { v *= 1e22; e10 -= 22; }
  while (e10 < -22) { v /= 1e22; e10 += 22; }
  static const double p10[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
                               1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
  return e10 >= 0 ? v * p10[e10] : v / p10[-e10];
}

typedef struct dimname {
  int d[NDIM];
  const char *name, *article, *internal;
} dimname;

static const dimname dimnames[] = {
  {{0, 0, 0, 0, 0}, "dimensionless", "a", ""},
  {{1, 0, 0, 0, 0}, "length", "a", "cm"},
  {{2, 0, 0, 0, 0}, "area", "an", "cm2"},
  {{3, 0, 0, 0, 0}, "volume", "a", "cm3"},
  {{-1, 0, 0, 0, 0}, "inverse length", "an", "cm^-1"},
  {{-3, 0, 0, 0, 0}, "density", "a", "cm^-3"},
  {{0, 0, 1, 0, 0}, "time", "a", "s"},
  {{0, 0, -1, 0, 0}, "rate", "a", "s^-1"},
  {{0, 1, 0, 0, 0}, "mass", "a", "g"},
  {{0, 0, 0, 1, 0}, "current", "a", "A"},
  {{0, 0, 0, 0, 1}, "temperature", "a", "K"},
  {{2, 1, -2, 0, 0}, "energy", "an", "eV"},
  {{2, 1, -3, 0, 0}, "power", "a", "W"},
  {{0, 1, -2, 0, 0}, "fluence", "a", "J/cm2"},
  {{0, 1, -3, 0, 0}, "intensity", "an", "W/cm2"},
  {{-2, 0, 0, 1, 0}, "current density", "a", "A/cm2"},
  {{2, 1, -3, -1, 0}, "voltage", "a", "V"},
  {{0, 0, 1, 1, 0}, "charge", "a", "C"},
  {{1, 0, -1, 0, 0}, "velocity", "a", "cm/s"},
  {{3, 0, -1, 0, 0}, "bimolecular rate constant", "a", "cm3/s"},
  {{6, 0, -1, 0, 0}, "Auger coefficient", "an", "cm6/s"},
  {{-3, 0, -1, 0, 0}, "generation rate", "a", "cm^-3 s^-1"},
  {{2, 1, -3, 0, -1}, "thermal conductance", "a", "W/K"},
};

static const dimname *find_dim(const int d[NDIM])
{
  for (size_t i = 0; i < COUNT(dimnames); i++)
    if (!memcmp(dimnames[i].d, d, sizeof dimnames[i].d)) return &dimnames[i];
  return NULL;
}

static void describe_dim(const int d[NDIM], char *buf, size_t size, int with_article)
{
  const dimname *dn = find_dim(d);
  if (dn) {
    if (!d[0] && !d[1] && !d[2] && !d[3] && !d[4])
      snprintf(buf, size, "%s", with_article ? "a plain number" : "dimensionless");
    else if (with_article)
      snprintf(buf, size, "%s %s", dn->article, dn->name);
    else
      snprintf(buf, size, "%s", dn->name);
    return;
  }
  static const char *const base[NDIM] = {"m", "kg", "s", "A", "K"};
  size_t len = (size_t)snprintf(buf, size, "%s", with_article ? "a quantity of dimension" : "");
  for (int k = 0; k < NDIM && len < size; k++)
    if (d[k]) len += (size_t)snprintf(buf + len, size - len, "%s%s^%d", len ? " " : "", base[k], d[k]);
}

/* Quote a user string for a message: at most 40 characters, controls as '?'. */
static void quote(const char *s, char *buf, size_t size)
{
  size_t j = 0;
  for (size_t i = 0; s[i] && j + 4 < size && i < 40; i++)
    buf[j++] = (unsigned char)s[i] < 0x20 ? '?' : s[i];
  if (strlen(s) > 40 && j + 4 < size) { memcpy(buf + j, "...", 3); j += 3; }
  buf[j] = '\0';
}

static int unit_error(const char *unit, const char *bad, gk_error *err)
{
  char q[64], qb[64];
  quote(unit, q, sizeof q);
  quote(bad && *bad ? bad : "", qb, sizeof qb);
  if (bad && *bad && bad != unit)
    return gk_error_set(err, GK_EUSAGE, NULL, 0, "'%s' is not a unit (cannot read '%s')", q, qb);
  return gk_error_set(err, GK_EUSAGE, NULL, 0, "'%s' is not a unit", q);
}

static int parse_unit_err(const char *unit, unitv *u, gk_error *err)
{
  const char *bad = NULL;
  if (parse_unit(unit ? unit : "", u, &bad) < 0) return unit_error(unit, bad, err);
  return GK_OK;
}

/* Powers up to 99 reach 10^±1000 and beyond ("Å40" is 1e-400 m^40): a
 * factor that underflows to 0 or overflows to Inf would turn every value
 * into 0 or Inf downstream, so such a unit is refused (found by fuzzing). */
static int scale_factor(const char *unit, double mant, int e10, double *factor, gk_error *err)
{
  double f = apply_scale(1.0, mant, e10);
  if (!(isfinite(f) && f > 0)) {
    char q[64];
    quote(unit ? unit : "", q, sizeof q);
    return gk_error_set(err, GK_EUSAGE, NULL, 0, "'%s' is out of range (scale 1e%d)", q, e10);
  }
  *factor = f;
  return GK_OK;
}

/* Compare dimensions and compute the factor; the message names both units. */
static int convert(const char *unit, const unitv *u, const char *base, const unitv *b,
                   double *factor, gk_error *err)
{
  if (memcmp(u->d, b->d, sizeof u->d) != 0) {
    char du[128], db[128], qu[64], qb[64];
    describe_dim(u->d, du, sizeof du, 1);
    describe_dim(b->d, db, sizeof db, 1);
    quote(unit, qu, sizeof qu);
    quote(base && *base ? base : "", qb, sizeof qb);
    if (*qb)
      return gk_error_set(err, GK_EUSAGE, NULL, 0, "'%s' is %s, expected %s (%s)", qu, du, db, qb);
    return gk_error_set(err, GK_EUSAGE, NULL, 0, "'%s' is %s, expected a plain number", qu, du);
  }
  return scale_factor(unit, u->mant / b->mant, u->e10 - b->e10, factor, err);
}

int gk_unit_factor(const char *unit, const char *base, double *factor, gk_error *err)
{
  unitv u, b;
  int rc;
  if ((rc = parse_unit_err(unit, &u, err)) != GK_OK) return rc;
  if ((rc = parse_unit_err(base, &b, err)) != GK_OK) return rc;
  return convert(unit ? unit : "", &u, base, &b, factor, err);
}

int gk_unit_valid(const char *unit)
{
  unitv u;
  const char *bad;
  return unit && parse_unit(unit, &u, &bad) == 0;
}

int gk_unit_describe(const char *unit, gk_unit_info *info, gk_error *err)
{
  unitv u;
  int rc = parse_unit_err(unit, &u, err);
  if (rc != GK_OK) return rc;
  describe_dim(u.d, info->dimension, sizeof info->dimension, 0);
  const dimname *dn = find_dim(u.d);
  if (dn) {
    snprintf(info->internal, sizeof info->internal, "%s", dn->internal);
    unitv b;
    const char *bad;
    if (parse_unit(dn->internal, &b, &bad) < 0) return gk_error_set(err, GK_EINTERNAL, NULL, 0, "bad internal unit");
    return convert(unit, &u, dn->internal, &b, &info->factor, err);
  }
  /* no named internal unit: report SI base units */
  static const char *const base[NDIM] = {"m", "kg", "s", "A", "K"};
  size_t len = 0;
  info->internal[0] = '\0';
  for (int k = 0; k < NDIM; k++)
    if (u.d[k] && len < sizeof info->internal)
      len += (size_t)snprintf(info->internal + len, sizeof info->internal - len, "%s%s^%d",
                              len ? " " : "", base[k], u.d[k]);
  return scale_factor(unit, u.mant, u.e10, &info->factor, err);
}

/* ---- numbers -------------------------------------------------------------- */

/* Scan a decimal number: [sign] digits [. digits] [e [sign] digits]. The
 * exponent is taken only when digits follow, so "3eV" is 3 and "eV". Returns
 * the end or NULL when there is no number. */
static const char *scan_number(const char *s)
{
  const char *p = s;
  if (*p == '+' || *p == '-') p++;
  int nd = 0;
  while (isdigit((unsigned char)*p)) { p++; nd++; }
  if (*p == '.') {
    p++;
    while (isdigit((unsigned char)*p)) { p++; nd++; }
  }
  if (!nd) return NULL;
  if (*p == 'e' || *p == 'E') {
    const char *q = p + 1;
    if (*q == '+' || *q == '-') q++;
    if (isdigit((unsigned char)*q)) {
      while (isdigit((unsigned char)*q)) q++;
      p = q;
    }
  }
  return p;
}

static int not_a_number(const char *text, gk_error *err)
{
  char q[64];
  quote(text, q, sizeof q);
  const char *t = text;
  while (*t == ' ' || *t == '\t') t++;
  if (*t == '+' || *t == '-') t++;
  if (!strncasecmp(t, "nan", 3))
    return gk_error_set(err, GK_EUSAGE, NULL, 0, "'%s' is not a number (NaN is not allowed)", q);
  if (!strncasecmp(t, "inf", 3))
    return gk_error_set(err, GK_EUSAGE, NULL, 0, "'%s' is not a finite number (Inf is not allowed)", q);
  if (!*t)
    return gk_error_set(err, GK_EUSAGE, NULL, 0, "empty value where a number is expected");
  if (t[0] == '0' && (t[1] == 'x' || t[1] == 'X'))
    return gk_error_set(err, GK_EUSAGE, NULL, 0, "'%s' is not a number (hexadecimal is not accepted)", q);
  const char *e = scan_number(t);
  if (e && *e == ',' && isdigit((unsigned char)e[1]))
    return gk_error_set(err, GK_EUSAGE, NULL, 0,
                        "'%s' is not a number (use '.' as the decimal separator)", q);
  return gk_error_set(err, GK_EUSAGE, NULL, 0, "'%s' is not a number", q);
}

/* Parse the number at the start of text; *end is the first byte after it. */
static int leading_number(const char *text, double *out, const char **end, gk_error *err)
{
  const char *s = text;
  while (*s == ' ' || *s == '\t') s++;
  const char *e = scan_number(s);
  const char *h = s + (*s == '+' || *s == '-');
  if (!e || (h[0] == '0' && (h[1] == 'x' || h[1] == 'X'))) return not_a_number(text, err);
  char buf[128];
  size_t n = (size_t)(e - s);
  if (n >= sizeof buf) return not_a_number(text, err);
  memcpy(buf, s, n);
  buf[n] = '\0';
  errno = 0;
  double v = strtod(buf, NULL);
  if (!isfinite(v)) {
    char q[64];
    quote(text, q, sizeof q);
    return gk_error_set(err, GK_EUSAGE, NULL, 0, "'%s' is out of range", q);
  }
  *out = v;
  *end = e;
  return GK_OK;
}

int gk_parse_number(const char *text, double *out, gk_error *err)
{
  if (!text) return not_a_number("", err);
  const char *e;
  double v;
  int rc = leading_number(text, &v, &e, err);
  if (rc != GK_OK) return rc;
  while (*e == ' ' || *e == '\t') e++;
  if (*e) return not_a_number(text, err);
  *out = v;
  return GK_OK;
}

int gk_parse_quantity(const char *text, const char *base, double *out, gk_error *err)
{
  if (!text) return not_a_number("", err);
  const char *e;
  double v;
  int rc = leading_number(text, &v, &e, err);
  if (rc != GK_OK) return rc;
  while (*e == ' ' || *e == '\t') e++;
  /* trailing blanks are not part of the unit */
  char unit[128];
  size_t n = strlen(e);
  while (n && (e[n - 1] == ' ' || e[n - 1] == '\t')) n--;
  if (n >= sizeof unit) return not_a_number(text, err);
  memcpy(unit, e, n);
  unit[n] = '\0';
  unitv b;
  if ((rc = parse_unit_err(base, &b, err)) != GK_OK) return rc;
  if (!*unit) { *out = v; return GK_OK; }
  unitv u;
  const char *bad = NULL;
  if (parse_unit(unit, &u, &bad) < 0) {
    /* "0x10" and "1,5" fail here; say what they look like */
    if (!symbol_char(unit)) return not_a_number(text, err);
    char q[64], qu[64];
    quote(text, q, sizeof q);
    quote(unit, qu, sizeof qu);
    return gk_error_set(err, GK_EUSAGE, NULL, 0, "'%s': '%s' is not a unit%s%s%s", q, qu,
                        base && *base ? " (expected a number in " : "", base && *base ? base : "",
                        base && *base ? " or with a unit suffix)" : "");
  }
  double f;
  if ((rc = convert(unit, &u, base, &b, &f, err)) != GK_OK) return rc;
  (void)f;
  /* scale the value directly (not v*f) to divide by an exact power of ten */
  double r = apply_scale(v, u.mant / b.mant, u.e10 - b.e10);
  if (!isfinite(r)) {
    char q[64];
    quote(text, q, sizeof q);
    return gk_error_set(err, GK_EUSAGE, NULL, 0, "'%s' is out of range", q);
  }
  *out = r;
  return GK_OK;
}

/* ---- headers -------------------------------------------------------------- */

static void copy_trim(char *dst, size_t size, const char *s, size_t n)
{
  while (n && isspace((unsigned char)*s)) { s++; n--; }
  while (n && isspace((unsigned char)s[n - 1])) n--;
  if (size == 0) return;
  if (n >= size) n = size - 1;
  memcpy(dst, s, n);
  dst[n] = '\0';
}

void gk_header_split(const char *header, char *name, size_t name_size, char *unit, size_t unit_size)
{
  if (name_size) name[0] = '\0';
  if (unit_size) unit[0] = '\0';
  if (!header) return;
  const char *s = header;
  size_t n = strlen(s);
  while (n && isspace((unsigned char)*s)) { s++; n--; }
  while (n && isspace((unsigned char)s[n - 1])) n--;
  if (n >= 2 && s[0] == '"' && s[n - 1] == '"') { s++; n -= 2; }
  /* "name (unit)" or "name [unit]": the bracket that closes at the end */
  if (n >= 2 && (s[n - 1] == ')' || s[n - 1] == ']')) {
    char close = s[n - 1], open = close == ')' ? '(' : '[';
    int depth = 0;
    for (size_t i = n; i-- > 0;) {
      if (s[i] == close) depth++;
      else if (s[i] == open && --depth == 0) {
        copy_trim(name, name_size, s, i);
        copy_trim(unit, unit_size, s + i + 1, n - i - 2);
        return;
      }
    }
  }
  /* "name / unit" (the ISO 80000 quantity/unit form), only with spaces
   * around the slash so that "uJ/cm2" inside a name is never split */
  char tmp[256];
  for (size_t i = n; i-- > 2;) {
    if (s[i - 1] == '/' && s[i - 2] == ' ' && s[i] == ' ') {
      copy_trim(tmp, sizeof tmp, s + i, n - i);
      if (*tmp && gk_unit_valid(tmp)) {
        copy_trim(name, name_size, s, i - 2);
        copy_trim(unit, unit_size, tmp, strlen(tmp));
        return;
      }
      break;
    }
  }
  /* "name_unit", only when the suffix is a unit ("stripe_length" stays) */
  for (size_t i = n; i-- > 1;) {
    if (s[i] == '_') {
      copy_trim(tmp, sizeof tmp, s + i + 1, n - i - 1);
      if (*tmp && gk_unit_valid(tmp)) {
        copy_trim(name, name_size, s, i);
        copy_trim(unit, unit_size, tmp, strlen(tmp));
        return;
      }
      break;
    }
  }
  copy_trim(name, name_size, s, n);
}
