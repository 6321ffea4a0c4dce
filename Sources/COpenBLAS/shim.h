#ifndef FOLIO_COPENBLAS_SHIM_H
#define FOLIO_COPENBLAS_SHIM_H
/* cblas.h of Debian's OpenBLAS also declares openblas_set_num_threads / openblas_get_num_threads. */
#include <cblas.h>
#endif
