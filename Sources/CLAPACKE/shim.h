#ifndef ARBITER_CLAPACKE_SHIM_H
#define ARBITER_CLAPACKE_SHIM_H
#include <lapacke.h>
#endif
