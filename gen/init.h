/* init.h: a starting spec from a weights file alone (`jetgen init`,
   jg_spec_from_weights): its rank-2 NAME.weight tensors in the natural
   order of their names (linears.2 before linears.10), chained by shape,
   with an activation between them. */
#ifndef JG_INIT_H
#define JG_INIT_H

#include "buf.h"
#include "diag.h"

/* Appends the spec for the safetensors file at weights to spec, naming the
   file without its folder (the spec goes beside it). activation is a spec
   keyword (an activation, or identity). 0, or -1 with the reason in d. */
int jg_init_spec(const char *weights, const char *activation, jg_buf *spec, jg_diag *d);

#endif
