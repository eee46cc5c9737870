/* Shared between the files of src/vsl/ only. */
#ifndef GK_VSL_INTERNAL_H
#define GK_VSL_INTERNAL_H
void gk_vsl_gsl_quiet_(void);
#endif
