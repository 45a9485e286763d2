/* model.h: a network as jetgen sees it once spec and weights are read: an
   input of N_IN components, then layers in order, each computing one value
   from values before it (a graph without cycles: formats 1 and 2 chain
   each layer to the one before, format 3 names its operands). Value 0 is
   the input, value i + 1 the output of layer i. Dense layers carry their
   weights, converted exactly to double. */
#ifndef JG_MODEL_H
#define JG_MODEL_H

#include <stddef.h>

#include "diag.h"
#include "terms.h"

/* Limits, checked with clear messages (docs/spec.md lists them). */
#define JG_MAX_WIDTH  65536     /* inputs or neurons in one layer */
#define JG_MAX_LAYERS 4096      /* statements after `input` */
#define JG_MAX_NAME   128       /* bytes in an input or tensor name */

#define JG_MAX_NESTING 8         /* residual blocks open at once */
#define JG_MAX_ARGS    16        /* operands of one layer (cat) */

/* The layer kinds, one line each (the descriptor every stage reads
   rather than testing kinds; jg_kinds[kind] holds the line):
     X(NAME, name, its matrix l->w: 0 none, 1 [n_out][n_in], 2 [n_out / 2][n_in]
       used twice (fourier: [sin, cos] of its rows), the matrix's tensor
       name after the spec's (l->tensor), its bias's (l->b [n_out], read
       when the weights hold it) or NULL: none, it reads per-neuron vectors
       mul (l->w) and add (l->b), each a tensor or a constant (scale), the
       lanes kernels have it: 0 no, 1 yes, 2 when nothing is broadcast)     */
#define JG_LAYER_KINDS(X)                                                                \
    X(DENSE, dense, 1, ".weight", ".bias", 0, 1)                                         \
    /* a = mul * a + add, elementwise */                                                 \
    X(SCALE, scale, 0, NULL, NULL, 1, 0)                                                 \
    /* a = [sin(B a), cos(B a)] */                                                       \
    X(FOURIER, fourier, 2, "", NULL, 0, 0)                                               \
    /* opens a block: a = a + f(a) */                                                    \
    X(RESIDUAL, residual, 0, NULL, NULL, 0, 1)                                           \
    /* closes the innermost block */                                                     \
    X(END, end, 0, NULL, NULL, 0, 2)                                                     \
    X(IDENTITY, identity, 0, NULL, NULL, 0, 1)                                           \
    /* an elementwise activation: see jg_layer_info */                                   \
    X(ACTIVATION, activation, 0, NULL, NULL, 0, 2)                                       \
    /* z = B a, B a fixed matrix (format 3) */                                           \
    X(MATMUL, matmul, 1, "", NULL, 0, 1)                                                 \
    /* a + c b elementwise, c = param[0] (1: add, -1: sub) */                            \
    X(ADD, add, 0, NULL, NULL, 0, 2)                                                     \
    /* a b elementwise: the product rule */                                              \
    X(MUL, mul, 0, NULL, NULL, 0, 2)                                                     \
    /* the operands side by side */                                                      \
    X(CAT, cat, 0, NULL, NULL, 0, 1)                                                     \
    /* components [off, off + n_out) of the operand */                                   \
    X(SLICE, slice, 0, NULL, NULL, 0, 1)

typedef enum jg_layer_kind {
#define JG_KIND_ENUM(NAME, ...) JG_##NAME,
    JG_LAYER_KINDS(JG_KIND_ENUM)
#undef JG_KIND_ENUM
} jg_layer_kind;
#define JG_KIND_ONE(...) +1
enum { JG_N_LAYER_KINDS = 0 JG_LAYER_KINDS(JG_KIND_ONE) };
#undef JG_KIND_ONE

typedef struct jg_kind_info {
    const char *name;           /* "dense", ... */
    int halves;                 /* 0: no matrix; 1: W [n_out][n_in]; 2: B [n_out / 2][n_in], twice */
    const char *w_suffix;       /* its matrix's tensor: l->tensor + this, or NULL: none */
    const char *b_suffix;       /* its bias's, or NULL: it has none */
    int vectors;                /* reads mul and add [n_out], each a tensor or a constant */
    int lanes;                  /* the lanes kernels have it: 0, 1, 2 (nothing broadcast) */
} jg_kind_info;
extern const jg_kind_info jg_kinds[JG_N_LAYER_KINDS];

/* What a spec keyword means, and how the emitted code writes it. */
typedef struct jg_layer_info {
    const char *keyword;        /* spec keyword, e.g. "tanh"; for an
                                   activation also its kernel's name */
    jg_layer_kind kind;
    const char *formula;        /* the math, for comments in emitted code */
    int n_params;               /* activation parameters, 0..2 */
    const char *param_name[2];  /* PyTorch's names, as `name=value` in a spec */
    double param_default[2];
    int piecewise_linear;       /* s'' = 0 almost everywhere: warn */
    int graph_only;             /* a statement of format 3 only */
    int activation;             /* its row in gen/activations.h, or -1 */
    const char *needs;          /* the parameters it takes, in words, or NULL */
    const char *torch;          /* PyTorch's spellings (gen/activations.h) */
} jg_layer_info;

typedef struct jg_layer {
    jg_layer_kind kind;
    const jg_layer_info *info;
    int line, col;              /* place in the spec */
    size_t n_in, n_out;         /* widths: n_out = n_in but for dense, fourier */
    double param[2];            /* activation parameters; scale: constant mul, add */
    char *tensor;               /* dense: tensor base name; fourier: B's name;
                                   scale: mul's tensor or NULL (owned) */
    char *tensor2;              /* scale: add's tensor or NULL (owned) */
    const char *dtype;          /* dense, fourier: dtype of the weight tensor */
    double *w;                  /* dense: w[n_out * n_in], row-major; fourier:
                                   B [n_out / 2][n_in]; scale: mul [n] (owned) */
    double *b;                  /* dense: b[n_out], or NULL: no bias; scale: add [n] (owned) */
    int depth;                  /* residual, end: the block's nesting depth, from 0 */
    size_t n_args;              /* operands: 1, or 2 (add, mul, end), or more (cat) */
    size_t arg[JG_MAX_ARGS];    /* their values: 0 the input, i + 1 layer i's */
    size_t off;                 /* slice: the first component taken */
    char *name;                 /* format 3: the value's name (owned), else NULL */
} jg_layer;

typedef struct jg_model {
    char *spec_path;            /* as given (owned) */
    char *weights_path;         /* resolved against the spec's folder (owned), or NULL */
    char spec_sha256[65];       /* hex SHA-256 of the spec text */
    char weights_sha256[65];    /* hex SHA-256 of the weights file; "-" once
                                   jg_net_set_tensor changed its numbers */
    size_t n_in, n_out;
    char **input_names;         /* n_in names, or NULL when unnamed (owned) */
    size_t n_layers;
    jg_layer *layers;           /* owned */
    int max_depth;              /* residual blocks nested at most */
    int format;                 /* 1 or 2 (chains), or 3 (graphs) */
    size_t n_over;              /* the inputs the Hessian's diagonal and the
                                   Laplacian are taken over (`over`): n_in, or fewer */
    size_t *over;               /* their indices, increasing; NULL: all (owned) */
    size_t n_terms;             /* the partial derivatives `terms` names (issue 25), or 0 */
    jg_term *terms;             /* (owned) */
    jg_monos monos;             /* their channels (owned; n 0 without terms) */
    size_t output;              /* the value that is u: n_layers for a chain */
} jg_model;

/* The table of layer keywords; NULL when kw is not one. */
const jg_layer_info *jg_layer_lookup(const char *kw);
/* Entry i of the table (for listings), or NULL past its end. */
const jg_layer_info *jg_layer_info_at(size_t i);

/* Whether activation a (its row in gen/activations.h) takes the parameters
   p and q (its VALID column). */
int jg_activation_valid(int a, double p, double q);
/* The keyword nearest to kw (for "did you mean"), or NULL. */
const char *jg_layer_suggest(const char *kw);

/* The tensor `which` (0: the layer's w, 1: its b) layer l reads, by its
   name in the weights file: a dense layer's "<tensor>.weight" and
   "<tensor>.bias", a Fourier or matmul layer's tensor, a scale's tensor
   and tensor2. jg_layer_tensor_name writes it into out (when not NULL)
   and returns its bytes with the terminating zero; 0: the layer reads no
   such tensor. jg_layer_tensor_count: the numbers it holds there. */
size_t jg_layer_tensor_name(const jg_layer *l, int which, char *out);
size_t jg_layer_tensor_count(const jg_layer *l, int which);
/* The width of value v of m: 0 the input (n_in), i + 1 layer i's output. */
size_t jg_model_width(const jg_model *m, size_t v);
/* Rows of l's matrix (n_out over its kind's halves), 0 when it has none. */
size_t jg_layer_rows(const jg_layer *l);

/* (A model is made by load.h's jg_load, or by jg_spec_parse without weights.) */
void jg_model_free(jg_model *m);

/* What a call computes (the kernels' mode): values; and first
   derivatives; and the full Hessian, its diagonal, or its trace. */
typedef enum jg_mode {
    JG_MODE_VALUE = 0,
    JG_MODE_JACOBIAN = 1,
    JG_MODE_HESSIAN = 2,
    JG_MODE_DIAG = 3,
    JG_MODE_LAPLACIAN = 4
} jg_mode;
#define JG_N_MODES 5
/* The partial derivatives of the spec's terms (issue 25): a mode of the
   plan and the executor (JG_N_PLAN_MODES counts it), not yet of emitted
   code and the JIT, which have the JG_N_MODES above. */
#define JG_MODE_PARTIALS 5
#define JG_N_PLAN_MODES 6

/* Derivative channels per point for a mode: 1 (value), 1 + N_IN, and
   N_IN (N_IN + 1) / 2 (the Hessian's upper triangle), n_over (its
   diagonal over the chosen inputs) or 1 (their sum) more; for
   JG_MODE_PARTIALS the terms' channels (1 without terms). */
size_t jg_model_channels(const jg_model *m, jg_mode mode);
/* Numbers a layer reads from the weights file; their sum over a model. */
size_t jg_layer_params(const jg_layer *l);
size_t jg_model_params(const jg_model *m);
/* Floating-point operations per point for a mode (docs/spec.md says what
   counts: a multiply-add is 2, an activation function call 1). */
double jg_model_flops(const jg_model *m, jg_mode mode);
/* Replaces m's terms by the comma-separated list (jg_terms_parse's
   syntax): 0, or -1 with the error in d (at `terms:1:COL`), m unchanged. */
int jg_model_set_terms(jg_model *m, const char *list, jg_diag *d);
/* The number of warnings this model deserves, each added to d, each once
   per model: layers whose second derivative is zero almost everywhere, and
   a dense layer right after another (an activation probably missing). */
int jg_model_warn(const jg_model *m, jg_diag *d);

#endif
