/* gainkit/stack.h — planar multilayer stacks described in YAML.
 *
 *   wavelength_nm: 540          # optional default wavelength
 *   layers:                     # top to bottom; the first (cover) and the
 *     - {name: air, n: 1.0}     # last (substrate) are semi-infinite
 *     - {name: CsPbBr3, n: 2.4, k: 0, thickness_nm: 100, active: true}
 *     - {name: ITO, material: ITO-Konig.yml, thickness_nm: 20}
 *     - {name: glass, material: SiO2}
 *
 * A layer has `n` (optional `k`, default 0) or `material:` — a
 * refractiveindex.info YAML file (path relative to the stack file's folder;
 * recognised by a '/' or a .yml/.yaml ending) or a built-in material name
 * (gainkit/material.h). Interior layers need thickness_nm > 0; cover and
 * substrate have none. At most one layer is `active: true`. Unknown keys are
 * errors (they are usually typos). Every error names the stack file and the
 * line of the offending entry.
 *
 * A distributed Bragg reflector is written compactly as a repeat group, an
 * entry that stands for its layers written N times (groups may nest):
 *     - repeat: 10
 *       layers:
 *         - {name: Nb2O5, n: 2.3, thickness_nm: 70}
 *         - {name: SiO2, n: 1.46, thickness_nm: 110}
 */
#ifndef GAINKIT_STACK_H
#define GAINKIT_STACK_H

#include <stddef.h>
#include "gainkit/error.h"
#include "gainkit/material.h"

#include "gainkit/export.h"

#ifdef __cplusplus
extern "C" {
#endif
GK_API_BEGIN

typedef struct gk_layer {
  char name[64];
  double n, k;            /* constant index (when mat == NULL) */
  gk_material *mat;       /* owned; NULL for a constant index */
  double thickness_nm;    /* NAN for the cover and the substrate */
  int active;
  long line;              /* line of the entry in the stack file */
} gk_layer;

typedef struct gk_stack {
  size_t nlayers;
  gk_layer *layers;
  double wavelength_nm;   /* NAN if the file gives none */
  int active;             /* index of the active layer, -1 if none */
  char file[512];
} gk_stack;

int gk_stack_load(const char *path, gk_stack *s, gk_error *err);
void gk_stack_free(gk_stack *s);

/* Complex index n + ik of every layer at wavelength_nm into re[], im[]
 * (nlayers each). Out-of-range material data -> GK_EUSAGE naming the stack
 * file, the layer's line and the material's range. */
int gk_stack_index(const gk_stack *s, double wavelength_nm, double *re, double *im,
                   gk_error *err);

/* Layer by name or 1-based position ("2"); -1 if none matches. */
int gk_stack_find(const gk_stack *s, const char *name_or_index);

GK_API_END
#ifdef __cplusplus
}
#endif
#endif
