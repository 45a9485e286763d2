/* load.h: a model from a spec and its weights, in one step: the spec's
   text read into layers (spec.c), the plan's limits checked (plan.c), the
   weights read (safetensors.c) into the layers' arrays. Data flows one
   way: none of those calls back into this file or into each other. */
#ifndef JG_LOAD_H
#define JG_LOAD_H

#include <stddef.h>

#include "diag.h"
#include "model.h"

/* The model of the spec at spec_path and of the weights file it names
   (relative to the spec's folder). A new model (jg_model_free), or NULL
   with every error found added to d. */
jg_model *jg_load(const char *spec_path, jg_diag *d);

/* The same from memory: the spec's text [len] (not NUL-terminated) and,
   when weights is not NULL, the safetensors bytes [weights_len] the spec's
   `weights` statement stands for (copied; its name then serves messages
   only); weights NULL: the file the spec names is read. spec_path names
   the spec in messages and anchors a relative weights path. */
jg_model *jg_load_mem(const char *spec_path, const char *text, size_t len, const void *weights,
                      size_t weights_len, jg_diag *d);

#endif
