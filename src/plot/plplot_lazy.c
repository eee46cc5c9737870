/* PLplot loaded on first use (plplot_lazy.h). */
#include "plot/plplot_lazy.h"

#include <stdio.h>

#ifdef GK_PLPLOT_SONAME
#include <dlfcn.h>
#include <pthread.h>

gk_plplot_api gk_pl_;

static pthread_once_t once = PTHREAD_ONCE_INIT;
static char load_err[200] = "PLplot not loaded";
static int loaded;

static void load(void)
{
  void *h = dlopen(GK_PLPLOT_SONAME, RTLD_NOW | RTLD_LOCAL);
  if (!h) {
    const char *e = dlerror();
    snprintf(load_err, sizeof load_err, "cannot load PLplot (%s)", e ? e : GK_PLPLOT_SONAME);
    return;
  }
  gk_plplot_api api;
#define GK_PL_LOAD(name, sym)                                                                     \
  *(void **)&api.p_##name = dlsym(h, #sym);                                                           \
  if (!api.p_##name) {                                                                                \
    snprintf(load_err, sizeof load_err, "PLplot (%s) lacks %s", GK_PLPLOT_SONAME, #sym);         \
    return;                                                                                       \
  }
  GK_PLPLOT_FUNCS(GK_PL_LOAD)
#undef GK_PL_LOAD
  gk_pl_ = api;
  loaded = 1;
}

int gk_plplot_load_(char *why, size_t n)
{
  pthread_once(&once, load);
  if (loaded) return 0;
  if (why && n) snprintf(why, n, "%s", load_err);
  return -1;
}
#else
int gk_plplot_load_(char *why, size_t n)
{
  (void)why, (void)n;
  return 0;
}
#endif
