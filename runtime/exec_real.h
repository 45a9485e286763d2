/* exec_real.h: the executor's loops for one precision, included twice by
   exec.c with REAL (double or float), FN(name) and KERNELS(e) (the set's
   typed table, runtime/kernels.h) set. The calls are the emitted tile's
   (gen/emit.c, put_layers) in the same order with the same arguments. */

/* What every step of one tile of mode reads: JG_MODE_PARTIALS computes
   the channels of the model's terms (jg_monos), u the results
   [np][n_out][n_terms]; its linear steps are every mode's, its seed,
   activations, products and results the partials kernels (in lanes, the
   elementwise ones see a channel as one row). */
typedef struct FN(frame) {
    const jg_exec *e;
    const jg_plan *p;
    const KERNELS_TYPE *K;
    int mode, partials;
    size_t np;              /* points of the tile */
    size_t lp;              /* points in lanes (the plan's lane_points), or 0: rows */
    size_t nch, np_e, nrow; /* channels; points and rows the elementwise kernels see */
    const REAL *x;
    REAL *u, *du, *d2u;
    REAL *out;              /* the out buffer of a final dense layer's chunks */
    const jg_monos *mo;
} FN(frame);

/* A step's operands in the tile's work: src, dst, src2 from their
   columns on (NULL for -1), its arrays w and b (NULL for -1). */
typedef struct FN(operands) {
    REAL *src, *dst, *src2;
    const REAL *w, *b;
} FN(operands);

/* One function a step op, named by JG_STEP_OPS (gen/plan.h) and found
   through FN(steps) below: an op without its function does not build. */
static void FN(step_seed)(const FN(frame) *f, const jg_step *s, size_t k, const FN(operands) *o)
{
    const KERNELS_TYPE *const K = f->K;
    const size_t n_in = f->p->m->n_in;
    (void)k;
    if (f->partials && f->lp > 0)
        K->partials_lanes_seed(n_in, f->nch, f->lp, f->np, f->mo->first, f->x, o->dst, s->ld_dst);
    else if (f->partials)
        K->partials_seed(n_in, f->nch, f->np, f->mo->first, f->x, o->dst, s->ld_dst);
    else if (f->lp > 0)
        K->lanes_seed(n_in, f->nch, f->lp, f->np, f->x, o->dst, s->ld_dst);
    else
        K->seed(n_in, f->nrow, f->np, f->x, o->dst, s->ld_dst);
}

static void FN(step_dense)(const FN(frame) *f, const jg_step *s, size_t k, const FN(operands) *o)
{
    const KERNELS_TYPE *const K = f->K;
    const jg_exec *const e = f->e;
    size_t r;
    if (f->lp > 0 && f->partials && e->stored[k]) {     /* the channels the terms read */
        for (r = 0; r < e->n_runs; r++) {
            const size_t c = e->runs[2 * r];
            K->lanes_dense(s->n, s->n_in, o->w, jg_plan_pad(f->p, s->n), c == 0 ? o->b : NULL, e->runs[2 * r + 1],
                           f->lp, o->src + c * s->ld_src, s->ld_src, o->dst + c * s->ld_dst, s->ld_dst, 0);
        }
    } else if (f->lp > 0) {
        K->lanes_dense(s->n, s->n_in, o->w, jg_plan_pad(f->p, s->n), o->b, f->nch, f->lp, o->src, s->ld_src, o->dst,
                       s->ld_dst, 0);
    } else {
        K->dense(s->n, s->n_in, o->w, s->n, 0, o->b, f->nrow, f->np, o->src, s->ld_src, o->dst, s->ld_dst, NULL);
    }
}

static void FN(step_output)(const FN(frame) *f, const jg_step *s, size_t k, const FN(operands) *o)
{
    const KERNELS_TYPE *const K = f->K;
    const jg_plan *const p = f->p;
    const size_t n_in = p->m->n_in, n_out = p->m->n_out, np = f->np;
    REAL *rows[JG_TILE_ROWS];
    size_t j = 0, m, r;
    (void)k;
    if (s->direct > 0 && !f->partials && f->u != NULL && (f->mode < 1 || f->du != NULL)
        && (f->mode < 2 || f->d2u != NULL)) {
        for (r = 0; r < f->nrow; r++)
            rows[r] = (r < np ? f->u : r < 2 * np ? f->du : f->d2u) + r % np * n_out;
        K->dense(s->direct, s->n_in, o->w, s->ld_dst, 0, o->b, f->nrow, np, o->src, s->ld_src, NULL, 0, rows);
        j = s->direct;
    }
    for (; j < s->n; j += p->out) {
        m = s->n - j < p->out ? s->n - j : p->out;
        K->dense((m + p->lanes - 1) / p->lanes * p->lanes, s->n_in, o->w, s->ld_dst, j,
                 o->b != NULL ? o->b + j : NULL, f->nrow, np, o->src, s->ld_src, f->out, p->out, NULL);
        if (f->partials)
            K->partials_store(n_out, j, m, np, f->mo->n_terms, f->mo->of_term, f->mo->factor, f->out, p->out, f->u);
        else
            K->store(n_out, j, m, n_in, p->m->n_over, f->mode, np, f->out, p->out, f->u, f->du, f->d2u);
    }
}

static void FN(step_activate)(const FN(frame) *f, const jg_step *s, size_t k, const FN(operands) *o)
{
    const KERNELS_TYPE *const K = f->K;
    const int act = f->e->act[k];
    const jg_model *const m = f->p->m;
    /* a tape plan's from2: the operand z kept at src2, the values to src */
    const REAL *const z = s->from2 ? o->src2 : o->src;
    const size_t ldz = s->from2 ? s->ld2 : s->ld_src;
    if (f->partials) {
        K->partials_activate(K->taylor[act], s->p, s->q, f->mo->order, s->n, f->nch, f->np_e, f->mo->upto,
                             f->mo->pairs, z, ldz, o->src, s->ld_src, JG_RICCATI(act));
    } else if (act == JG_ACT_tanh) {      /* tanh and its chain rule in one pass */
        K->tanh_chain(s->n, m->n_in, m->n_over, m->over, f->mode, f->np_e, z, ldz, o->src, s->ld_src);
    } else if (s->from2) {
        K->activate_to(K->act[act], s->p, s->q, s->n, m->n_in, m->n_over, m->over, f->mode, f->np_e, o->src2,
                       s->ld2, o->src, s->ld_src);
    } else {
        K->activate(K->act[act], s->p, s->q, s->n, m->n_in, m->n_over, m->over, f->mode, f->np_e, o->src,
                    s->ld_src);
    }
}

static void FN(step_scale)(const FN(frame) *f, const jg_step *s, size_t k, const FN(operands) *o)
{
    (void)k;
    f->K->scale(s->n, o->w, o->b, f->nrow, f->np, o->src, s->ld_src);
}

static void FN(step_copy)(const FN(frame) *f, const jg_step *s, size_t k, const FN(operands) *o)
{
    (void)k;
    f->K->copy(s->n, f->nrow, o->src, s->ld_src, s->bc, o->dst, s->ld_dst);
}

static void FN(step_add)(const FN(frame) *f, const jg_step *s, size_t k, const FN(operands) *o)
{
    (void)k;
    f->K->add(s->n, f->nrow, s->c, o->src, s->ld_src, s->bc, o->dst, s->ld_dst);
}

static void FN(step_mul)(const FN(frame) *f, const jg_step *s, size_t k, const FN(operands) *o)
{
    const jg_model *const m = f->p->m;
    (void)k;
    if (f->partials)
        f->K->partials_mul(s->n, f->nch, f->np_e, f->mo->n_pairs, f->mo->pairs, o->src, s->ld_src, s->bc, o->src2,
                           s->ld2, s->bc2, o->dst, s->ld_dst);
    else
        f->K->mul(s->n, m->n_in, m->n_over, m->over, f->mode, f->np_e, o->src, s->ld_src, s->bc, o->src2, s->ld2,
                  s->bc2, o->dst, s->ld_dst);
}

static void FN(step_store)(const FN(frame) *f, const jg_step *s, size_t k, const FN(operands) *o)
{
    const KERNELS_TYPE *const K = f->K;
    const jg_model *const m = f->p->m;
    const jg_monos *const mo = f->mo;
    (void)k;
    if (f->partials && f->lp > 0)
        K->partials_lanes_store(m->n_out, f->lp, f->np, mo->n_terms, mo->of_term, mo->factor, o->src, s->ld_src,
                                f->u);
    else if (f->partials)
        K->partials_store(m->n_out, 0, m->n_out, f->np, mo->n_terms, mo->of_term, mo->factor, o->src, s->ld_src,
                          f->u);
    else if (f->lp > 0)
        K->lanes_store(m->n_out, m->n_in, m->n_over, f->mode, f->lp, f->np, o->src, s->ld_src, f->u, f->du,
                       f->d2u);
    else
        K->store(m->n_out, 0, m->n_out, m->n_in, m->n_over, f->mode, f->np, o->src, s->ld_src, f->u, f->du,
                 f->d2u);
}

static void (*const FN(steps)[JG_N_STEP_OPS])(const FN(frame) *, const jg_step *, size_t, const FN(operands) *) = {
#define STEP_FN(NAME, name, ...) [JG_STEP_##NAME] = FN(step_##name),
    JG_STEP_OPS(STEP_FN)
#undef STEP_FN
};

/* One tile of mode: the plan's steps (but those skip marks). */
static void FN(tile)(const jg_exec *e, int mode, size_t np, const REAL *x, REAL *u, REAL *du,
                     REAL *d2u, REAL *work, const unsigned char *skip)
{
    const jg_plan *p = e->plan;
    FN(frame) f;
    size_t k;
    f.e = e;
    f.p = p;
    f.K = KERNELS(e);
    f.mode = mode;
    f.partials = mode == JG_MODE_PARTIALS;
    f.np = np;
    f.lp = p->lane_points;
    f.nch = p->channels[mode];
    f.np_e = f.lp > 0 ? 1 : np;     /* in lanes, a channel is one row of one point */
    f.nrow = f.nch * f.np_e;
    f.x = x;
    f.u = u;
    f.du = du;
    f.d2u = d2u;
    f.out = work + p->buf_at[p->n_work];
    f.mo = &p->m->monos;
    for (k = 0; k < p->n_steps; k++) {
        const jg_step *s = &p->steps[k];
        FN(operands) o;
        if (skip != NULL && skip[k])
            continue;
        o.src = s->src >= 0 ? work + p->buf_at[s->src] + s->off : NULL;
        o.dst = s->dst >= 0 ? work + p->buf_at[s->dst] + s->off_dst : NULL;
        o.src2 = s->src2 >= 0 ? work + p->buf_at[s->src2] + s->off2 : NULL;
        o.w = s->w >= 0 ? (const REAL *)e->arrays[s->w] : NULL;
        o.b = s->b >= 0 ? (const REAL *)e->arrays[s->b] : NULL;
        FN(steps)[s->op](&f, s, k, &o);
    }
}

static void FN(run)(const jg_exec *e, int mode, size_t n, const REAL *x, REAL *u, REAL *du, REAL *d2u,
                    void *work_space)
{
    const jg_plan *p = e->plan;
    const size_t n_in = p->m->n_in, n_out = p->m->n_out, tile = p->tile[mode];
    const size_t per2 = jg_plan_per_output2(p->m, (jg_mode)mode);
    unsigned char *wb = (unsigned char *)work_space;
    REAL *const work = (REAL *)(void *)(wb + (64 - (size_t)wb % 64) % 64);
    size_t i, np;
    for (i = 0; i < n; i += np) {
        np = n - i < tile ? n - i : tile;
        if (mode == JG_MODE_PARTIALS) {     /* u: [n][n_out][n_terms] */
            FN(tile)(e, mode, np, x + i * n_in, u + i * n_out * p->m->n_terms, NULL, NULL, work, NULL);
            continue;
        }
        FN(tile)(e, mode, np, x + i * n_in, u != NULL ? u + i * n_out : NULL,
                 du != NULL ? du + i * n_out * n_in : NULL, d2u != NULL ? d2u + i * n_out * per2 : NULL,
                 work, NULL);
    }
}
