/* yamldoc.h — internal: a libyaml document with gainkit error reporting.
 * Shared by the material and stack readers so that both report
 * "FILE:LINE: ..." the same way (lines are 1-based, from libyaml's marks). */
#ifndef GK_YAMLDOC_H
#define GK_YAMLDOC_H

#include <yaml.h>
#include "gainkit/error.h"

typedef struct gk_ydoc {
  yaml_document_t doc;
  int loaded;
  char file[512];
} gk_ydoc;

/* Limits every YAML input (stack, material, simulation config) is checked
 * against before libyaml builds a document (yamldoc.c, prescan). */
#define GK_YAML_MAX_BYTES (16L << 20)   /* 16 MiB */
#define GK_YAML_MAX_DEPTH 64
#define GK_YAML_MAX_NODES 200000

/* Load path into doc under the limits above and GAINKIT_MAX_INPUT_BYTES.
 * GK_EIO (cannot open/read), GK_ELIMIT (size, depth, node count; with the
 * line for depth and nodes), GK_EINPUT (syntax, at libyaml's line). On
 * success doc must be freed with yaml_document_delete. */
int gk_yaml_load(const char *path, yaml_document_t *doc, gk_error *err);

/* Parse path into d. Unreadable file -> GK_EIO; YAML syntax error ->
 * GK_EINPUT at the line libyaml reports; empty document -> GK_EINPUT. */
int gk_ydoc_load(gk_ydoc *d, const char *path, gk_error *err);
void gk_ydoc_free(gk_ydoc *d);
yaml_node_t *gk_ydoc_root(gk_ydoc *d);
/* Value of key in a mapping node (NULL if absent or map is not a mapping). */
yaml_node_t *gk_ymap_get(gk_ydoc *d, yaml_node_t *map, const char *key);
/* Scalar text (NULL if the node is not a scalar). */
const char *gk_yscalar(const yaml_node_t *n);
/* 1-based line of a node. */
long gk_yline(const yaml_node_t *n);
/* Error at a node's line. */
int gk_yerr(gk_ydoc *d, const yaml_node_t *n, gk_error *err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Scalar as a finite number; error naming `what` otherwise. */
int gk_ynumber(gk_ydoc *d, const yaml_node_t *n, const char *what, double *out, gk_error *err);

#endif
