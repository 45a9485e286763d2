/* spec.h: the spec reader (spec.c): a spec's text in, a model of its layers
   out, without their weights. load.h's jg_load reads the file, calls it,
   checks the plan's limits and reads the weights. */
#ifndef JG_SPEC_H
#define JG_SPEC_H

#include <stddef.h>

#include "diag.h"
#include "model.h"

#define JG_MAX_SPEC_BYTES ((size_t)16 << 20)    /* a spec file's size, at most */

/* The model of spec text [len] (not NUL-terminated): its layers, shapes
   and tensor names, no numbers read (jg_load's job); the weights path is
   relative to the folder of spec_path, which is also the name used in
   messages. A new model (jg_model_free), or NULL with every error found
   added to d. */
jg_model *jg_spec_parse(const char *spec_path, const char *text, size_t len, jg_diag *d);

#endif
