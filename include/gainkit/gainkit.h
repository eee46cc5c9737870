/* gainkit.h — umbrella header: include this to get the whole public API.
 * tests/unit/test_umbrella.c checks that all of these compile together. */
#ifndef GAINKIT_H
#define GAINKIT_H
#include "gainkit/error.h"
#include "gainkit/constants.h"
#include "gainkit/units.h"
#include "gainkit/data.h"
#include "gainkit/io.h"
#include "gainkit/fit.h"
#include "gainkit/output.h"
#include "gainkit/provenance.h"
#include "gainkit/plot.h"
#include "gainkit/progress.h"
#include "gainkit/spectra.h"
#include "gainkit/threshold.h"
#include "gainkit/nc.h"
#include "gainkit/carriers.h"
#include "gainkit/heat.h"
#include "gainkit/kinetics.h"
#include "gainkit/ta.h"
#include "gainkit/material.h"
#include "gainkit/stack.h"
#include "gainkit/modes.h"
#include "gainkit/leaky.h"
#include "gainkit/cavity.h"
#include "gainkit/dfb.h"
#include "gainkit/vsl.h"
#include "gainkit/vpi.h"
#include "gainkit/simulate.h"
#include "gainkit/fluence.h"
#include "gainkit/tamap.h"
#include "gainkit/trpl.h"
#include "gainkit/export.h"
/* "0.1.0" */
GK_API const char *gk_version(void);
#endif
