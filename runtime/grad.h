/* grad.h: gradients through the 2-jet, for training. For the results of a
   mode at n points (u, du and the mode's second derivatives) and
   cotangents of them (gu, gdu, gd2, the same layouts), the gradients of
       L = sum(gu u) + sum(gdu du) + sum(gd2 d2)
   with respect to every tensor the network reads (in the layouts of the
   weights file) and to x: a forward sweep through a tape plan (every value
   of a tile kept: gen/plan.h, jg_plan_make_for), then a reverse sweep
   through the plan's steps, tile by tile. The reverse of an activation
   needs its third derivative: jg_grad_act3, in closed form. In double,
   or in float (jg_grad_run_float; the gradients summed in double over the
   tiles); tapes in double only. */
#ifndef JG_GRAD_H
#define JG_GRAD_H

#include <stddef.h>

#include "diag.h"
#include "model.h"

typedef struct jg_grad jg_grad;

/* The gradient engine of m (which must outlive it, its weights read at
   every call) in double (is_float 0) or float (1), or NULL with the reason
   in d. */
jg_grad *jg_grad_new(const jg_model *m, int is_float, jg_diag *d);
int jg_grad_is_float(const jg_grad *g);
/* After the model's weights changed (jg_net_set_tensors): the engine's
   copies of them made again in place, its layout kept. 0, or -1 out of
   memory (then free it and make a new one). */
int jg_grad_refresh(jg_grad *g);
void jg_grad_free(jg_grad *g);
/* g's number, different from every other handle's made in the process:
   what names its layouts (the tape's spare block is handed on only to
   tapes of the same layout). */
unsigned long jg_grad_serial(const jg_grad *g);

/* The tensors the network reads, each once, in the order of the layers
   that first read them: name, numbers, place in the gradient array. */
size_t jg_grad_n_tensors(const jg_grad *g);
const char *jg_grad_tensor_name(const jg_grad *g, size_t i);
size_t jg_grad_tensor_count(const jg_grad *g, size_t i);
size_t jg_grad_tensor_offset(const jg_grad *g, size_t i);
/* Numbers of the gradient array: the counts summed. */
size_t jg_grad_n_params(const jg_grad *g);

/* L's gradients at the n points x [n][N_IN] for mode (JG_MODE_*): gp
   [n_params] (overwritten), gx [n][N_IN] (or NULL); gu, gdu, gd2 may be
   NULL (zero); u, du, d2, if not NULL, get the mode's results. 0, or -1:
   out of memory. */
int jg_grad_run(const jg_grad *g, int mode, size_t n, const double *x, const double *gu,
                const double *gdu, const double *gd2, double *gp, double *gx, double *u, double *du,
                double *d2);
/* The same in float, of a float engine: points, cotangents and gx in
   float, gp in double. */
int jg_grad_run_float(const jg_grad *g, int mode, size_t n, const float *x, const float *gu, const float *gdu,
                      const float *gd2, double *gp, float *gx);

/* One training step's forward sweep kept for its reverse sweep (one
   forward a step): jg_grad_forward computes the mode's results at the n
   points x (u, du, d2 may be NULL) and writes every value of every tile
   into tape [jg_grad_tape_numbers(g, mode, n)] (64-byte aligned;
   SIZE_MAX: too many); jg_grad_back then gives L's gradients from the
   tape alone, as jg_grad_run would at the same points and weights (the
   weights must not change between the two; the tape is only read, so
   jg_grad_back may run on it again). 0, or -1: out of memory. The _float
   pair does the same in float (tape in floats), as jg_grad_run_float. */
size_t jg_grad_tape_numbers(const jg_grad *g, int mode, size_t n);
/* The multiply-adds a point of the forward sweep jg_grad_run computes
   again (its dense products, every channel of mode): what a tape saves. */
size_t jg_grad_recompute_fmas(const jg_grad *g, int mode);
int jg_grad_forward(const jg_grad *g, int mode, size_t n, const double *x, double *u, double *du, double *d2,
                    double *tape);
int jg_grad_back(const jg_grad *g, int mode, size_t n, const double *tape, const double *gu, const double *gdu,
                 const double *gd2, double *gp, double *gx);
int jg_grad_forward_float(const jg_grad *g, int mode, size_t n, const float *x, float *u, float *du, float *d2,
                          float *tape);
int jg_grad_back_float(const jg_grad *g, int mode, size_t n, const float *tape, const float *gu, const float *gdu,
                       const float *gd2, double *gp, float *gx);

/* s''' of activation `act` (its place in gen/activations.h) with
   parameters p, q at z, in closed form (limits where the formulas would
   give inf * 0). */
double jg_grad_act3(int act, double p, double q, double z);

#endif
