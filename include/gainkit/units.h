/* gainkit/units.h — quantities with units.
 *
 * Internal units (physics.md): length cm, wavelength nm, time s, energy eV
 * (photon energies), fluence J/cm^2, intensity W/cm^2, current density A/cm^2,
 * gain/loss cm^-1, density cm^-3, cross-section cm^2.
 *
 * A unit expression is a product of factors separated by '/', '*', '.' or
 * spaces, each an SI-prefixed symbol with an optional power: "uJ/cm2",
 * "cm^-1", "cm-3", "cm3/s", "cm^6 s^-1", "W/K", "MW/cm2", "mJ cm^-2".
 * Recognised symbols: m, g, s, A, K, J, W, eV, V, C, Hz, plus the common
 * non-prefixed spellings um/µm/μm and the prefixes f p n u µ m c k M G.
 */
#ifndef GAINKIT_UNITS_H
#define GAINKIT_UNITS_H

#include "gainkit/error.h"

#include "gainkit/export.h"

#ifdef __cplusplus
extern "C" {
#endif
GK_API_BEGIN

/* Parse unit expression `unit` and return its scale relative to the
 * (dimensionally identical) unit expression `base`: value_in_base =
 * value_in_unit * factor. Fails with GK_EUSAGE when either does not parse or
 * the dimensions differ (message names both). */
int gk_unit_factor(const char *unit, const char *base, double *factor, gk_error *err);

/* Parse a quantity: a number with an optional unit suffix ("20ns", "65 ps",
 * "2.5nm", "3eV", "1.3mJ/cm2", "1e-3"). Without a unit the number is taken
 * in `base`. The result is in `base`. Rejects NaN, Inf, empty strings and
 * trailing garbage. Errors are GK_EUSAGE with a message suitable after
 * "--option: ". */
int gk_parse_quantity(const char *text, const char *base, double *out, gk_error *err);

/* Parse a plain finite number (no unit); same error conventions. */
int gk_parse_number(const char *text, double *out, gk_error *err);

/* Split a column header into name and unit: "L (mm)" -> "L","mm";
 * "L_um" -> "L","um"; "length [cm]" -> "length","cm";
 * "fluence (uJ/cm2)" -> "fluence","uJ/cm2"; "intensity" -> "intensity","".
 * The "_unit" suffix form is recognised only when the suffix parses as a
 * unit. Buffers are always NUL-terminated. */
void gk_header_split(const char *header, char *name, size_t name_size,
                     char *unit, size_t unit_size);

/* What a unit expression measures and gainkit's internal unit for it:
 * "uJ/cm2" -> dimension "fluence", internal "J/cm2", factor 1e-6. For
 * dimensions without a listed internal unit, internal is the SI expression
 * and dimension reads "m^a kg^b s^c ...". Fails (GK_EUSAGE) when `unit` does
 * not parse. */
typedef struct gk_unit_info {
  char dimension[64];   /* "length", "fluence", "time", "dimensionless", ... */
  char internal[32];    /* "cm", "J/cm2", "s", "" for dimensionless */
  double factor;        /* value_internal = value_in_unit * factor */
} gk_unit_info;
int gk_unit_describe(const char *unit, gk_unit_info *info, gk_error *err);

/* 1 when `unit` parses as a unit expression (no error report). */
int gk_unit_valid(const char *unit);

GK_API_END
#ifdef __cplusplus
}
#endif
#endif
