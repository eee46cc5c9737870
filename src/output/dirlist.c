/* gk_dir_list (gainkit/output.h): the entries of a directory, sorted. */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "gainkit/output.h"

static int cmp_str(const void *a, const void *b)
{
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int gk_dir_list(const char *dir, char ***names, size_t *count, gk_error *err)
{
  *names = NULL;
  *count = 0;
  DIR *d = opendir(dir);
  if (!d) return gk_error_set(err, GK_EIO, dir, 0, "cannot read the directory: %s", strerror(errno));
  size_t n = 0, cap = 64;
  char **v = malloc(cap * sizeof *v);
  struct dirent *de;
  while (v && (de = readdir(d))) {
    if (de->d_name[0] == '.') continue;
    if (n == cap) {
      char **nv = realloc(v, 2 * cap * sizeof *v);
      if (!nv) break;
      v = nv;
      cap *= 2;
    }
    v[n] = strdup(de->d_name);
    if (v[n]) n++;
  }
  closedir(d);
  if (!v) return gk_error_set(err, GK_ENOMEM, NULL, 0, "out of memory");
  qsort(v, n, sizeof *v, cmp_str);
  *names = v;
  *count = n;
  return GK_OK;
}

void gk_dir_list_free(char **names, size_t count)
{
  for (size_t i = 0; names && i < count; i++) free(names[i]);
  free(names);
}
