#ifndef ARBITER_CBLAS_SHIM_H
#define ARBITER_CBLAS_SHIM_H
// Debian's libblas-dev installs cblas.h under the multiarch include directory;
// both locations are searched by the C compiler Swift uses.
#include <cblas.h>
#endif
