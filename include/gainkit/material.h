/* gainkit/material.h — optical constants n + ik versus wavelength.
 *
 * Two sources:
 *  - refractiveindex.info database files (YAML, CC0; M. N. Polyanskiy,
 *    Sci. Data 11, 94 (2024)): a DATA list of `tabulated nk`, `tabulated n`,
 *    `tabulated k` (linear interpolation in wavelength) and `formula 1` ...
 *    `formula 9` items (wavelength_range and coefficients, wavelengths in µm).
 *    A formula or table for n may be combined with a table for k.
 *  - a small built-in library of common dielectrics with cited dispersion
 *    formulas (gk_material_builtin; list with gk_material_builtin_name).
 *
 * Wavelengths in the API are in nm. Evaluating outside the data range is an
 * error (GK_EUSAGE naming the range), never an extrapolation.
 * A gk_material is immutable after loading, so one may be evaluated from
 * several threads at once.
 */
#ifndef GAINKIT_MATERIAL_H
#define GAINKIT_MATERIAL_H

#include <stddef.h>
#include "gainkit/error.h"

#include "gainkit/export.h"

#ifdef __cplusplus
extern "C" {
#endif
GK_API_BEGIN

typedef struct gk_material gk_material;

/* Load a refractiveindex.info YAML file. Malformed YAML or data give
 * GK_EINPUT with file and line. */
int gk_material_load(const char *path, gk_material **out, gk_error *err);

/* A built-in material by (case-insensitive) name, e.g. "SiO2", "quartz",
 * "air". GK_EUSAGE listing the names if unknown. */
int gk_material_builtin(const char *name, gk_material **out, gk_error *err);
/* Name of the i-th built-in (NULL past the end), and its reference. */
const char *gk_material_builtin_name(size_t i);
const char *gk_material_builtin_reference(size_t i);

/* n and k at wavelength_nm (k >= 0 is absorption; 0 where the source has
 * no k data). */
int gk_material_nk(const gk_material *m, double wavelength_nm, double *n, double *k,
                   gk_error *err);
/* Wavelength range (nm) in which both n and k are defined. */
void gk_material_range(const gk_material *m, double *lo_nm, double *hi_nm);
/* File name or built-in name, for messages. */
const char *gk_material_name(const gk_material *m);
void gk_material_free(gk_material *m);

/* Evaluate refractiveindex.info dispersion formula 1..9 with coefficients
 * c[0..nc-1] (the file's order: C1, C2, ...) at lambda_um (µm). Fails with
 * GK_EDOM when the formula gives no real index there (e.g. n^2 < 0). */
int gk_material_formula(int formula, const double *c, size_t nc, double lambda_um,
                        double *n, gk_error *err);

GK_API_END
#ifdef __cplusplus
}
#endif
#endif
