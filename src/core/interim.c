/* INTERIM — placeholder so the skeleton links while the real module is
 * written: src/plot/ replaces gk_plot_ext_ok; whoever lands it deletes the
 * function here. (The unit and number parsers live in src/units/.) */
#include "gainkit/gainkit.h"
#include <string.h>

int gk_plot_ext_ok(const char *path)
{
  char ext[16];
  gk_path_ext(path, ext, sizeof ext);
  return !strcmp(ext, "svg") || !strcmp(ext, "png") || !strcmp(ext, "pdf");
}
