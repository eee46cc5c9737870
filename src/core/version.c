#include "gainkit/gainkit.h"
const char *gk_version(void) { return GAINKIT_VERSION; }
