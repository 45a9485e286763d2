/* plan.h: how a model is computed, decided once. The model says what the
   network computes (layers and weights); the plan says how: the padding of
   every layer, the points per tile and channels of each mode, the work
   buffers and their sizes, the weights packed as the kernels read them,
   the kernels needed, and the steps of one tile as kernel calls. Every
   back end reads it: the emitter prints it (templates/model.c), the JIT
   compiles its steps with the weights bound by address, the executor
   (runtime/exec.c) walks them, and `jetgen check` shows it. No layout rule
   is computed anywhere else (SQLite's prepared statement plays this part
   for SQL; Halide's schedule for images). */
#ifndef JG_PLAN_H
#define JG_PLAN_H

#include <stddef.h>

#include "activations.h"
#include "diag.h"
#include "model.h"
#include "template.h"

typedef enum jg_precision {
    JG_DOUBLE,          /* every number a double */
    JG_FLOAT            /* every number a float: weights rounded */
} jg_precision;

/* Rows of a tile at most (channels x points), and points per tile. */
#define JG_TILE_ROWS   60
#define JG_TILE_POINTS 16
/* Output neurons of a final dense layer computed at once. */
#define JG_OUT_CHUNK   64
/* The plain functions of emitted code keep their work space on the stack
   when it fits in this many bytes (tiles shrink to make it fit); beyond,
   they take it from malloc (docs/abi.md, "Memory"). */
#define JG_STACK_BUDGET (128u * 1024u)
/* Work space per point and buffer, at most (a limit `check` enforces). */
#define JG_MAX_WORK_POINT (1u << 20)

/* What a step writes: dst, its source src in place, or the results. */
enum { JG_WRITES_DST, JG_WRITES_SRC, JG_WRITES_RESULTS };

/* The step ops, one line each (Lua's opcode list is the model): the
   facts about an op that the plan, the emitter and the reverse sweep read
   (jg_step_ops[op]), and its enum value JG_STEP_NAME. Each back end
   (gen/emit.c put_layers, runtime/exec_real.h, runtime/grad_real.h) has
   a case for every op in a switch without default: the compiler names an
   op a back end misses, and runtime/kernels.h types every kernel call.
     X(NAME, name, kernel section beyond "common" or NULL, what it writes,
       its kernel reads `over`, making its output reads src2,
       its reverse reads the forward's src, src2)                        */
#define JG_STEP_OPS(X)                                                                                      \
    /* dst = x with identity first derivatives */                                                            \
    X(SEED, seed, NULL, JG_WRITES_DST, 0, 0, 0, 0)                                                          \
    /* dst = W src + b: n (padded) outputs, n_in inputs */                                                   \
    X(DENSE, dense, NULL, JG_WRITES_DST, 0, 0, 1, 0)                                                        \
    /* the final dense layer, n outputs, to u, du, d2u in chunks */                                          \
    X(OUTPUT, output, NULL, JG_WRITES_RESULTS, 0, 0, 0, 0)                                                  \
    /* n neurons of src from column off, in place */                                                         \
    X(ACTIVATE, activate, "activate", JG_WRITES_SRC, 1, 0, 0, 1)                                            \
    /* src = mul src + add, n (padded) neurons */                                                            \
    X(SCALE, scale, "scale", JG_WRITES_SRC, 0, 0, 0, 1)                                                     \
    /* dst = src, n neurons (src broadcast when bc) */                                                       \
    X(COPY, copy, "copy", JG_WRITES_DST, 0, 0, 0, 0)                                                        \
    /* dst += c src (src broadcast when bc) */                                                               \
    X(ADD, add, "add", JG_WRITES_DST, 0, 0, 0, 0)                                                           \
    /* dst = src src2 elementwise, the product rule */                                                       \
    X(MUL, mul, "mul", JG_WRITES_DST, 1, 1, 1, 1)                                                           \
    /* the first N_OUT neurons of src to u, du, d2u */                                                       \
    X(STORE, store, NULL, JG_WRITES_RESULTS, 0, 0, 0, 0)

/* One kernel call of a tile. Buffers 0, 1, ... are the work buffers; each
   value of the model lives in one of them from a column on (a slice shares
   its operand's buffer), and a buffer is reused once no value in it is
   needed any more; a dense output writes through the `out` buffer. Row
   strides (ld) are in numbers. */
typedef enum jg_step_op {
#define JG_STEP_ENUM(NAME, ...) JG_STEP_##NAME,
    JG_STEP_OPS(JG_STEP_ENUM)
#undef JG_STEP_ENUM
} jg_step_op;
#define JG_STEP_ONE(...) +1
enum { JG_N_STEP_OPS = 0 JG_STEP_OPS(JG_STEP_ONE) };
#undef JG_STEP_ONE

typedef struct jg_step_info {
    const char *name;           /* "seed", "dense", ... */
    const char *section;        /* its kernel section of templates/kernels.c beyond "common", or NULL */
    int writes;                 /* JG_WRITES_* */
    int uses_over;              /* its kernel reads the inputs the diagonal is over (`over`) */
    int reads_src2;             /* making its output reads src2 as well as src */
    int back_src, back_src2;    /* its reverse reads the forward's src, src2 */
} jg_step_info;
extern const jg_step_info jg_step_ops[JG_N_STEP_OPS];

typedef struct jg_step {
    jg_step_op op;
    size_t layer;           /* the model's layer it belongs to (seed: SIZE_MAX) */
    size_t n, n_in;
    int src, dst, src2;     /* buffers, or -1 */
    size_t ld_src, ld_dst, ld2;
    size_t off, off_dst, off2;  /* first neuron of src, dst, src2 in its buffer */
    int bc, bc2;            /* COPY, ADD, MUL: src, src2 is one neuron, for all n */
    double c;               /* ADD: the factor of src */
    int w, b;               /* arrays of the plan (weights; bias, scale's add), or -1 */
    const jg_layer_info *act;   /* ACTIVATE: the activation */
    double p, q;            /* ACTIVATE: its parameters */
    size_t direct;          /* OUTPUT: outputs written straight to u, du, d2u (one input) */
    int from2;              /* ACTIVATE in a tape plan: reads its operand at src2 (kept) and writes
                               src, rather than working in place on a copy (runtime only) */
} jg_step;

/* A constant array the kernels read, in double (rounded to float by the
   back end in float): weights as W^T in panels, biases, scale factors,
   each padded to a multiple of 64 bytes. */
typedef struct jg_plan_array {
    size_t layer;
    const char *tensor;     /* the model's tensor name, or NULL (not owned) */
    const char *role;       /* "weight", "bias", "B_twice", "mul", "add" */
    size_t len;             /* numbers, padded */
    double *v;              /* owned */
} jg_plan_array;

/* The kernel sections a plan can name: common, scale, copy, add, mul,
   activate, partials, partials_activate, partials_mul, every activation
   and its Taylor kernel, and every helper (gen/template.h). */
#define JG_PLAN_MAX_KERNELS (9 + 2 * JG_N_ACTIVATIONS + JG_TPL_MAX_HELPERS)

typedef struct jg_plan {
    const jg_model *m;          /* not owned: outlives the plan */
    jg_precision precision;
    size_t real_bytes;          /* 8 or 4 */
    size_t lanes;               /* numbers in 64 bytes: rows are padded to this */
    size_t panel;               /* columns of a weight panel: 256 bytes (points in
                                   lanes: JG_LANES_WIDTH_TERMS padded, one panel a layer) */
    size_t channels[JG_N_PLAN_MODES];  /* per point */
    size_t tile[JG_N_PLAN_MODES];      /* points per tile */
    size_t rows;                /* channels x points of a tile, at most */
    size_t width;               /* widest row held in a work buffer, padded */
    size_t n_work;              /* work buffers */
    int tape;                   /* every value kept (JG_PLAN_TAPE): for the
                                   reverse sweep, ACTIVATE and SCALE name their
                                   operand as src2 */
    size_t lane_points;         /* 0: the row layout (templates/kernels.c, common);
                                   else points in lanes (its lanes section), this
                                   many a tile, and every row stride (ld) and
                                   ACTIVATE's n count numbers of a channel: units
                                   times lane_points (JG_PLAN_LANES) */
    size_t out;                 /* final dense outputs per chunk (0: none) */
    size_t buf_len;             /* numbers per buffer: rows x width, rounded to 64 bytes */
    size_t *buf_ld;             /* [n_work] owned: the widest row stride of each buffer */
    size_t *buf_at;             /* [n_work + 1] owned: where buffer b starts in the work,
                                   in numbers (b x buf_len; a tape plan packs each at
                                   its own width, rows x buf_ld[b]); [n_work]: out */
    size_t out_len;             /* numbers of the out buffer (0: none) */
    size_t work_bytes;          /* all buffers, plus 64 bytes to align */
    int on_stack;               /* the plain functions keep the work on the stack */
    size_t n_steps;
    jg_step *steps;             /* owned */
    size_t n_arrays;
    jg_plan_array *arrays;      /* owned */
    size_t n_kernels;
    const char *kernels[JG_PLAN_MAX_KERNELS];   /* sections of templates/kernels.c, in order */
} jg_plan;

/* Plans m in precision. Returns a new plan (free with jg_plan_free; it
   points into m) or NULL with the reason added to d, naming m's spec. */
jg_plan *jg_plan_make(const jg_model *m, jg_precision precision, jg_diag *d);
/* The same, with flags of:
   JG_PLAN_TAPE   a plan that keeps every value of a tile in a buffer of
                  its own (nothing in place, no dense output in chunks), for
                  the reverse sweep of runtime/grad.c;
   JG_PLAN_LANES  points in lanes where the model suits them (plan.c,
                  lanes_suit: no scale, Fourier layer or broadcast, every
                  width at most JG_LANES_WIDTH, JG_LANES_WIDTH_TERMS for a
                  tape of terms, a tile's buffer at most JG_LANES_BUFFER
                  bytes in every mode, and for a tape without terms rows
                  that would waste lanes): for the executor and the reverse sweep,
                  which have the lanes kernels; emitted and JIT code do not. */
#define JG_PLAN_TAPE  1
#define JG_PLAN_LANES 2
#define JG_LANES_WIDTH 64
#define JG_LANES_WIDTH_TERMS 128
#define JG_LANES_BUFFER (1u << 20)  /* bytes of a work buffer of one tile in lanes, at most */
jg_plan *jg_plan_make_for(const jg_model *m, jg_precision precision, int flags, jg_diag *d);
void jg_plan_free(jg_plan *p);
/* Writes p's arrays again from its model's tensors (after their numbers
   changed; the layout is the same): what jg_plan_make would give. */
void jg_plan_refill(jg_plan *p);

/* 0 when m is within the plan's limits (one point of the full Hessian in
   JG_MAX_WORK_POINT bytes per buffer), else -1 with the reason in d. The
   spec reader asks before it reads weights. */
int jg_plan_check(const jg_model *m, jg_diag *d);

/* Numbers per output of the mode's second derivatives in results for m:
   n_in^2 (full), n_over (the diagonal over the chosen inputs), 1 (the
   Laplacian), 0 below mode 2. */
size_t jg_plan_per_output2(const jg_model *m, jg_mode mode);
/* n rounded up to p's row padding (a multiple of 64 bytes of numbers). */
size_t jg_plan_pad(const jg_plan *p, size_t n);
/* The numbers of buffer b of plan p. */
size_t jg_plan_buf_numbers(const jg_plan *p, int b);
/* Lays the buffers in the order of their rank[b] (0 first, then 1, up
   to JG_PLAN_RANKS - 1; the total and every buffer's size unchanged), for
   tapes whose tiles keep only the buffers below a rank (runtime/grad.c);
   before[r] gets the numbers before rank r's buffers. */
#define JG_PLAN_RANKS 3
void jg_plan_put_last(jg_plan *p, const unsigned char *rank, size_t before[JG_PLAN_RANKS]);

#endif
