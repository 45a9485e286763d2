/* model.h: a network as jetgen sees it once spec and weights are read: an
   input of N_IN components, then layers applied in order. Dense layers carry
   their weights, converted exactly to double. */
#ifndef JG_MODEL_H
#define JG_MODEL_H

#include <stddef.h>

#include "diag.h"

/* Limits, checked with clear messages (docs/spec.md lists them). */
#define JG_MAX_WIDTH  65536     /* inputs or neurons in one layer */
#define JG_MAX_LAYERS 4096      /* statements after `input` */
#define JG_MAX_NAME   128       /* bytes in an input or tensor name */
#define JG_MAX_WORK   (1u << 20) /* bytes of stack work space per buffer */

typedef enum jg_layer_kind {
    JG_DENSE,
    JG_TANH,
    JG_SIGMOID,
    JG_IDENTITY
} jg_layer_kind;

/* What a spec keyword means, and how the emitted code writes it. */
typedef struct jg_layer_info {
    const char *keyword;        /* spec keyword, e.g. "tanh" */
    jg_layer_kind kind;
    const char *formula;        /* the math, for comments in emitted code */
} jg_layer_info;

typedef struct jg_layer {
    jg_layer_kind kind;
    int line, col;              /* place in the spec */
    size_t n_in, n_out;         /* widths: n_out = n_in for activations */
    char *tensor;               /* dense: tensor base name (owned) */
    const char *dtype;          /* dense: dtype of the weight tensor */
    double *w;                  /* dense: w[n_out * n_in], row-major (owned) */
    double *b;                  /* dense: b[n_out], or NULL: no bias (owned) */
} jg_layer;

typedef struct jg_model {
    char *spec_path;            /* as given (owned) */
    char *weights_path;         /* resolved against the spec's folder (owned) */
    char spec_sha256[65];       /* hex SHA-256 of the spec text */
    char weights_sha256[65];    /* hex SHA-256 of the weights file */
    size_t n_in, n_out;
    char **input_names;         /* n_in names, or NULL when unnamed (owned) */
    size_t n_layers;
    jg_layer *layers;           /* owned */
} jg_model;

/* The table of layer keywords; NULL when kw is not one. */
const jg_layer_info *jg_layer_lookup(const char *kw);
const jg_layer_info *jg_layer_info_of(jg_layer_kind kind);
/* The keyword nearest to kw (for "did you mean"), or NULL. */
const char *jg_layer_suggest(const char *kw);

/* Reads a spec and its weights. Returns a new model (free with
   jg_model_free) or NULL with every error found added to d. */
jg_model *jg_model_load(const char *spec_path, jg_diag *d);
/* The same from text in memory; the weights path is relative to the folder
   of spec_path, which is also the name used in messages. */
jg_model *jg_model_parse(const char *spec_path, const char *text, size_t len,
                         jg_diag *d);
void jg_model_free(jg_model *m);

/* Derivative channels per point for an order: 1 (value), 1 + N_IN, or
   1 + N_IN + N_IN (N_IN + 1) / 2 (the Hessian's upper triangle). */
size_t jg_model_channels(const jg_model *m, int order);
size_t jg_model_params(const jg_model *m);
/* Floating-point operations per point for an order (docs/spec.md says what
   counts: a multiply-add is 2, an activation function call 1). */
double jg_model_flops(const jg_model *m, int order);

#endif
