/* gainkit.h — umbrella header: include this to get the whole public API. */
#ifndef GAINKIT_H
#define GAINKIT_H
#include "gainkit/error.h"
#include "gainkit/units.h"
#include "gainkit/data.h"
#include "gainkit/fit.h"
#include "gainkit/output.h"
#include "gainkit/plot.h"
#include "gainkit/progress.h"
#include "gainkit/simulate.h"
const char *gk_version(void);
#endif
