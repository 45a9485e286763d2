/* grad_real.h: the reverse sweep for one precision, included twice by
   grad.c with REAL (double or float), FN(name) and GRAD_FLOAT (0 or 1)
   set: a tile's frame, the reverse of each kind of step, and the sweep
   over the tiles of n points. */

typedef struct FN(tile) {
    const jg_grad *g;
    int mode;
    size_t np, nch, n_x, n_s;
    size_t lp;                /* points in lanes, this many a tile (np of them real); or 0 */
    size_t rows;              /* rows of a buffer, as the elementwise kernels see it */
    const size_t *over;
    const REAL *fwd;          /* the forward buffers (the tape: only read) */
    REAL *adj;                /* their adjoints */
    REAL *gp;
    REAL *scratch;            /* where the gradients of tensor-less weights go */
    REAL *pv;                 /* the partial sums of points in lanes (grad.c, pv_at) */
    int assign;               /* each reverse sets the adjoint it writes (jg_grad's one_writer, points
                                 in lanes): nothing zeroed between tiles */
    size_t p0;                /* the tile's first point */
    const REAL *gu, *gdu, *gd2;   /* the cotangents of the results (of every point) */
    REAL *gx;                 /* the points' gradients, or NULL */
} FN(tile);

static REAL *FN(buf)(const FN(tile) *t, REAL *base, int b, size_t off)
{
    return base + t->g->p->buf_at[b] + off;
}

static const REAL *FN(fwd_buf)(const FN(tile) *t, int b, size_t off)
{
    return t->fwd + t->g->p->buf_at[b] + off;
}

/* The cotangents of the results onto the adjoint of the output value,
   points in lanes (channel c of output k at a[c ld + k lp + p]). */
static void FN(load_cotangents_lanes)(const FN(tile) *t, size_t p0, const REAL *gu, const REAL *gdu,
                                      const REAL *gd2, REAL *a, size_t ld)
{
    const size_t no = t->g->m->n_out, nx = t->n_x, n_s = t->n_s, lp = t->lp;
    size_t p, k, i, j;
    for (p = 0; p < t->np; p++)
        for (k = 0; k < no; k++) {
            const size_t q = (p0 + p) * no + k;     /* this output of this point, in the caller's arrays */
            REAL *ak = a + k * lp + p;
            if (gu != NULL)
                ak[0] += gu[q];
            for (i = 0; t->mode >= 1 && gdu != NULL && i < nx; i++)
                ak[(1 + i) * ld] += gdu[q * nx + i];
            if (gd2 == NULL)
                continue;
            if (t->mode == 2) {
                for (i = 0; i < nx; i++)
                    for (j = i; j < nx; j++)
                        ak[pair(nx, i, j) * ld] += gd2[(q * nx + i) * nx + j]
                                                 + (j != i ? gd2[(q * nx + j) * nx + i] : 0);
            } else if (t->mode == 3) {
                for (i = 0; i < n_s; i++)
                    ak[(1 + nx + i) * ld] += gd2[q * n_s + i];
            } else if (t->mode == 4) {
                ak[(1 + nx) * ld] += gd2[q];
            }
        }
}

/* The cotangents of the results (the caller's layouts, points p0 on) onto
   the adjoint of the output value (n_out neurons at a, stride ld): each
   channel's column of a point by the acc kernel (whole vectors where the
   column is contiguous: one input, or u). */
static void FN(load_cotangents)(const FN(tile) *t, size_t p0, const REAL *gu, const REAL *gdu, const REAL *gd2,
                            REAL *a, size_t ld)
{
    void (*const acc)(size_t, const REAL *, size_t, REAL *) = KERNELS(t->g)->acc;
    const size_t no = t->g->m->n_out, nx = t->n_x, np = t->np;
    size_t p, i, j;
    if (t->mode == JG_MODE_PARTIALS) {      /* gu [n][n_out][n_terms]: term tt onto its channel */
        const jg_monos *mo = &t->g->m->monos;
        size_t tt, k;
        if (t->lp > 0 && gu != NULL) {
            KERNELS(t->g)->partials_lanes_load(no, t->lp, np, mo->n_terms, mo->of_term, mo->factor,
                                               gu + p0 * no * mo->n_terms, a, ld);
            return;
        }
        for (p = 0; gu != NULL && p < np; p++)
            for (k = 0; k < no; k++)
                for (tt = 0; tt < mo->n_terms; tt++)
                    a[t->lp > 0 ? mo->of_term[tt] * ld + k * t->lp + p : (mo->of_term[tt] * np + p) * ld + k] +=
                        (REAL)(mo->factor[tt] * (double)gu[((p0 + p) * no + k) * mo->n_terms + tt]);
        return;
    }
    if (t->lp > 0) {
        FN(load_cotangents_lanes)(t, p0, gu, gdu, gd2, a, ld);
        return;
    }
    for (p = 0; p < np; p++) {
        const size_t q = p0 + p;
        if (gu != NULL)
            acc(no, gu + q * no, 1, a + p * ld);
        for (i = 0; t->mode >= 1 && gdu != NULL && i < nx; i++)
            acc(no, gdu + q * no * nx + i, nx, a + ((1 + i) * np + p) * ld);
        if (gd2 == NULL)
            continue;
        if (t->mode == 2) {         /* d2[k][i][j] and d2[k][j][i] both onto the pair's channel */
            const REAL *h = gd2 + q * no * nx * nx;
            for (i = 0; i < nx; i++)
                for (j = i; j < nx; j++) {
                    REAL *r = a + (pair(nx, i, j) * np + p) * ld;
                    acc(no, h + i * nx + j, nx * nx, r);
                    if (j != i)
                        acc(no, h + j * nx + i, nx * nx, r);
                }
        } else if (t->mode == 3) {
            for (i = 0; i < t->n_s; i++)
                acc(no, gd2 + q * no * t->n_s + i, t->n_s, a + ((1 + nx + i) * np + p) * ld);
        } else if (t->mode == 4) {
            acc(no, gd2 + q * no, 1, a + ((1 + nx) * np + p) * ld);
        }
    }
}

/* z = W a + b, points in lanes: a's adjoint ab += W^T zb by the forward's
   product with W for W^T, the gradients by the lanes_outer kernel; on
   channels c to c + nch (c = 0: the bias's too). */
static void FN(dense_back_channels)(const FN(tile) *t, const jg_step *s, size_t c, size_t nch)
{
    const size_t layer = s->layer;
    const jg_layer *l = &t->g->m->layers[layer];
    const REAL *zb = FN(buf)(t, t->adj, s->dst, s->off_dst) + c * s->ld_dst;
    const REAL *a = FN(fwd_buf)(t, s->src, s->off) + c * s->ld_src;
    REAL *ab = FN(buf)(t, t->adj, s->src, s->off) + c * s->ld_src, *gv = t->pv + t->g->pv_at[layer];
    KERNELS(t->g)->lanes_dense(l->n_in, l->n_out, (const REAL *)t->g->wp[layer], t->g->ldw[layer], NULL, nch, t->lp,
                               zb, s->ld_dst, ab, s->ld_src, !t->assign);
    KERNELS(t->g)->lanes_outer(l->n_out, l->n_in, nch, t->lp, zb, s->ld_dst, a, s->ld_src, gv,
                               c == 0 && t->g->b_at[layer] != SIZE_MAX ? gv + l->n_out * l->n_in * t->g->p->lanes
                                                                       : NULL);
}

/* The same on every channel, or on the terms' alone where only they read
   the layer's values (the executor's stored steps: the others' adjoints
   are zero, and so are a's there, which no reverse writes). */
static void FN(dense_back_lanes)(const FN(tile) *t, const jg_step *s, size_t k)
{
    const jg_exec *e = &t->g->x;
    size_t r;
    if (t->mode != JG_MODE_PARTIALS || !e->stored[k]) {
        FN(dense_back_channels)(t, s, 0, t->nch);
        return;
    }
    for (r = 0; r < e->n_runs; r++)
        FN(dense_back_channels)(t, s, e->runs[2 * r], e->runs[2 * r + 1]);
}

/* The partial sums of points in lanes onto the gradients gp (double),
   zeroed for the tiles after. */
static void FN(fold)(const FN(tile) *t, double *gp)
{
    const jg_grad *g = t->g;
    size_t i;
    for (i = 0; i < g->m->n_layers; i++) {
        const jg_layer *l = &g->m->layers[i];
        REAL *gv = t->pv + g->pv_at[i];
        if (g->pv_at[i] == SIZE_MAX)
            continue;
        KERNELS(g)->lanes_fold(l->n_out * l->n_in, gv, g->w_at[i] != SIZE_MAX ? gp + g->w_at[i] : NULL);
        KERNELS(g)->lanes_fold(l->n_out, gv + l->n_out * l->n_in * g->p->lanes,
                               g->b_at[i] != SIZE_MAX ? gp + g->b_at[i] : NULL);
    }
}

/* z = W a + b on every channel (W [n_out][n_in] of the layer, [B; B] for
   fourier: B's gradient from both halves): a's adjoint, W's and b's
   gradients, by the runtime's dense_back kernel (templates/kernels.c). */
static void FN(dense_back)(const FN(tile) *t, const jg_step *s, size_t layer)
{
    const jg_layer *l = &t->g->m->layers[layer];
    const size_t nrow = t->rows, n_in = l->n_in;
    const size_t halves = (size_t)jg_kinds[l->kind].halves, n = jg_layer_rows(l);
    const REAL *zb = FN(buf)(t, t->adj, s->dst, s->off_dst), *a = FN(fwd_buf)(t, s->src, s->off);
    REAL *ab = FN(buf)(t, t->adj, s->src, s->off);
    REAL *gw = t->g->w_at[layer] != SIZE_MAX ? t->gp + t->g->w_at[layer] : t->scratch;
    REAL *gb = t->g->b_at[layer] != SIZE_MAX ? t->gp + t->g->b_at[layer] : NULL;
    size_t h;
    for (h = 0; h < halves; h++)
        KERNELS(t->g)->dense_back(n, n_in, (const REAL *)t->g->wp[layer], t->g->ldw[layer], nrow, t->np, zb + h * n,
                                  s->ld_dst, a, s->ld_src, ab, gw, gb);
}

/* a = s(z), z kept at src2: z's adjoint from a's (then a's is spent), by
   the runtime's activate_back kernel (templates/kernels.c), given
   activation act's kernel and its third derivative (tanh's and sigmoid's
   kernels, the others' by jg_grad_act3); with from_a (tanh, whose values
   a no later step overwrites) by tanh_chain_back, which forms s', s'',
   s''' from a in registers. On the terms' series, from_a (tanh or
   sigmoid) has their Taylor coefficients come from a too. */
static void FN(back_activate)(const FN(tile) *t, const jg_step *s, size_t k)
{
    const KERNELS_TYPE *const K = KERNELS(t->g);
    const int act = t->g->act[k], from_a = t->g->from_a[k];
    if (t->mode == JG_MODE_PARTIALS) {      /* on series: the Taylor kernel's coefficients */
        const jg_monos *mo = &t->g->m->monos;
        K->partials_activate_back(K->taylor[act], s->p, s->q, mo->order, s->n, t->nch, t->rows / t->nch, mo->upto,
                                  mo->pairs, FN(fwd_buf)(t, s->src2, s->off2), FN(buf)(t, t->adj, s->src2, s->off2),
                                  s->ld2, FN(buf)(t, t->adj, s->src, s->off), s->ld_src,
                                  from_a ? JG_RICCATI(act) : 0, FN(fwd_buf)(t, s->src, s->off),
                                  t->assign);
        return;
    }
    if (from_a && act == JG_ACT_tanh) {
        K->tanh_chain_back(s->n, t->n_x, t->n_s, t->over, t->mode, t->rows / t->nch, t->nch,
                           FN(fwd_buf)(t, s->src2, s->off2), FN(buf)(t, t->adj, s->src2, s->off2), s->ld2,
                           FN(fwd_buf)(t, s->src, s->off), FN(buf)(t, t->adj, s->src, s->off), s->ld_src,
                           t->assign);
        return;
    }
    K->activate_back(K->act[act], act == JG_ACT_tanh ? K->tanh3 : act == JG_ACT_sigmoid ? K->sigmoid3 : ACT3_BY[act],
                     s->p, s->q, s->n, t->n_x, t->n_s, t->over, t->mode, t->rows / t->nch, t->nch,
                     FN(fwd_buf)(t, s->src2, s->off2), FN(buf)(t, t->adj, s->src2, s->off2), s->ld2,
                     FN(buf)(t, t->adj, s->src, s->off), s->ld_src, t->assign);
}

/* a = mul z + add, z kept at src2. */
static void FN(back_scale)(const FN(tile) *t, const jg_step *s, size_t step)
{
    const size_t layer = s->layer;
    const jg_layer *l = &t->g->m->layers[layer];
    const size_t nrow = t->rows, n = s->n;
    REAL *ab = FN(buf)(t, t->adj, s->src, s->off), *zb = FN(buf)(t, t->adj, s->src2, s->off2);
    const REAL *z = FN(fwd_buf)(t, s->src2, s->off2);
    REAL *gm = t->g->w_at[layer] != SIZE_MAX ? t->gp + t->g->w_at[layer] : NULL;
    REAL *ga = t->g->b_at[layer] != SIZE_MAX ? t->gp + t->g->b_at[layer] : NULL;
    size_t r, k;
    (void)step;
    for (r = 0; r < nrow; r++) {
        REAL *abr = ab + r * s->ld_src, *zbr = zb + r * s->ld2;
        const REAL *zr = z + r * s->ld2;
        for (k = 0; k < n; k++) {
            zbr[k] += (REAL)l->w[k] * abr[k];
            if (gm != NULL)
                gm[k] += abr[k] * zr[k];
            if (ga != NULL && r < t->np)
                ga[k] += abr[k];
            abr[k] = 0.0;
        }
    }
}

/* c = a b (src, src2) into dst: both operands' adjoints. */
static void FN(back_mul)(const FN(tile) *t, const jg_step *s, size_t step)
{
    const size_t np = t->rows / t->nch, nx = t->n_x, n = s->n, sa = s->bc ? 0 : 1, sb = s->bc2 ? 0 : 1;
    const REAL *a = FN(fwd_buf)(t, s->src, s->off), *b = FN(fwd_buf)(t, s->src2, s->off2);
    REAL *ab = FN(buf)(t, t->adj, s->src, s->off), *bb = FN(buf)(t, t->adj, s->src2, s->off2);
    const REAL *cb = FN(buf)(t, t->adj, s->dst, s->off_dst);
    size_t p, k, i, j, c;
    (void)step;
    if (t->mode == JG_MODE_PARTIALS) {      /* on series */
        const jg_monos *mo = &t->g->m->monos;
        KERNELS(t->g)->partials_mul_back(n, t->nch, np, mo->n_pairs, mo->pairs, a, ab, s->ld_src, s->bc, b, bb,
                                         s->ld2, s->bc2, cb, s->ld_dst);
        return;
    }
    for (p = 0; p < np; p++) {
#define A(ch) (a + ((ch) * np + p) * s->ld_src)
#define B(ch) (b + ((ch) * np + p) * s->ld2)
#define AB(ch) (ab + ((ch) * np + p) * s->ld_src)
#define BB(ch) (bb + ((ch) * np + p) * s->ld2)
#define CB(ch) (cb + ((ch) * np + p) * s->ld_dst)
        for (k = 0; k < n; k++) {
            const size_t ka = k * sa, kb = k * sb;
            const REAL y0 = CB(0)[k];
            AB(0)[ka] += y0 * B(0)[kb];
            BB(0)[kb] += y0 * A(0)[ka];
            for (i = 0; t->mode >= 1 && i < nx; i++) {
                const REAL yi = CB(1 + i)[k];
                AB(1 + i)[ka] += yi * B(0)[kb];
                BB(0)[kb] += yi * A(1 + i)[ka];
                AB(0)[ka] += yi * B(1 + i)[kb];
                BB(1 + i)[kb] += yi * A(0)[ka];
            }
            if (t->mode == 2) {
                for (i = 0; i < nx; i++)
                    for (j = i; j < nx; j++) {
                        const size_t tt = pair(nx, i, j);
                        const REAL y = CB(tt)[k];
                        AB(tt)[ka] += y * B(0)[kb];
                        BB(0)[kb] += y * A(tt)[ka];
                        AB(1 + i)[ka] += y * B(1 + j)[kb];
                        BB(1 + j)[kb] += y * A(1 + i)[ka];
                        AB(1 + j)[ka] += y * B(1 + i)[kb];
                        BB(1 + i)[kb] += y * A(1 + j)[ka];
                        AB(0)[ka] += y * B(tt)[kb];
                        BB(tt)[kb] += y * A(0)[ka];
                    }
            } else if (t->mode == 3 || t->mode == 4) {
                const size_t n2 = t->mode == 3 ? t->n_s : 1;
                for (c = 0; c < n2; c++) {
                    const size_t tt = 1 + nx + c;
                    const size_t first = t->mode == 3 ? c : 0, last = t->mode == 3 ? c + 1 : t->n_s;
                    const REAL y = CB(tt)[k];
                    size_t e;
                    AB(tt)[ka] += y * B(0)[kb];
                    BB(0)[kb] += y * A(tt)[ka];
                    AB(0)[ka] += y * B(tt)[kb];
                    BB(tt)[kb] += y * A(0)[ka];
                    for (e = first; e < last; e++) {
                        const size_t ch = 1 + (t->over != NULL ? t->over[e] : e);
                        AB(ch)[ka] += 2 * y * B(ch)[kb];
                        BB(ch)[kb] += 2 * y * A(ch)[ka];
                    }
                }
            }
        }
#undef A
#undef B
#undef AB
#undef BB
#undef CB
    }
}

/* Zeroes the adjoints of buffer b, once the reverse sweep has read them
   for the last time in this tile. */
static void FN(spend)(const FN(tile) *t, int b)
{
    const jg_plan *p = t->g->p;
    memset(t->adj + p->buf_at[b], 0, jg_plan_buf_numbers(p, b) * sizeof *t->adj);
}

/* The reverse of each step op, one function each, named by JG_STEP_OPS
   (gen/plan.h) and found through FN(backs) below: an op without its
   reverse does not build. Step k is s. */
static void FN(back_store)(const FN(tile) *t, const jg_step *s, size_t k)
{
    (void)k;
    if (t->assign)      /* the last tile's lanes past its points too */
        FN(spend)(t, s->src);
    FN(load_cotangents)(t, t->p0, t->gu, t->gdu, t->gd2, FN(buf)(t, t->adj, s->src, s->off), s->ld_src);
}

static void FN(back_dense)(const FN(tile) *t, const jg_step *s, size_t k)
{
    if (t->lp > 0)
        FN(dense_back_lanes)(t, s, k);
    else
        FN(dense_back)(t, s, s->layer);
}

/* dst += f src: src's adjoint += f dst's (the add kernel, but for a
   broadcast source); a copy is f = 1. */
static void FN(add_back)(const FN(tile) *t, const jg_step *s, size_t k, double f)
{
    const REAL *db = FN(buf)(t, t->adj, s->dst, s->off_dst);
    REAL *sb = FN(buf)(t, t->adj, s->src, s->off);
    size_t r, c;
    if (t->g->spent[k])
        return;
    if (!s->bc) {
        KERNELS(t->g)->add(s->n, t->rows, f, db, s->ld_dst, 0, sb, s->ld_src);
        return;
    }
    for (r = 0; r < t->rows; r++)
        for (c = 0; c < s->n; c++)
            sb[r * s->ld_src] += (REAL)f * db[r * s->ld_dst + c];
}

static void FN(back_copy)(const FN(tile) *t, const jg_step *s, size_t k)
{
    FN(add_back)(t, s, k, 1.0);
}

static void FN(back_add)(const FN(tile) *t, const jg_step *s, size_t k)
{
    FN(add_back)(t, s, k, s->c);
}

/* x = the points: their gradients from the value channel's adjoint. */
static void FN(back_seed)(const FN(tile) *t, const jg_step *s, size_t k)
{
    const REAL *xb = FN(buf)(t, t->adj, s->dst, s->off_dst);
    size_t r, c;
    (void)k;
    for (r = 0; t->gx != NULL && r < t->np; r++)
        for (c = 0; c < t->n_x; c++)
            t->gx[(t->p0 + r) * t->n_x + c] += t->lp > 0 ? xb[c * t->lp + r] : xb[r * s->ld_dst + c];
}

static void FN(back_output)(const FN(tile) *t, const jg_step *s, size_t k)
{
    (void)t, (void)s, (void)k;      /* not in a tape plan */
}

static void (*const FN(backs)[JG_N_STEP_OPS])(const FN(tile) *, const jg_step *, size_t) = {
#define BACK_FN(NAME, name, ...) [JG_STEP_##NAME] = FN(back_##name),
    JG_STEP_OPS(BACK_FN)
#undef BACK_FN
};

/* One tile (its frame's points and cotangents): the reverse sweep, each
   buffer's adjoints zeroed once read for the last time. */
static void FN(tile_back)(const FN(tile) *t)
{
    const jg_grad *g = t->g;
    const jg_plan *pl = g->p;
    size_t k;
    for (k = pl->n_steps; k-- > 0;) {
        const jg_step *s = &pl->steps[k];
        FN(backs)[s->op](t, s, k);
        if (g->clears && !t->assign && g->spend[k] >= 0)     /* read for the last time in this tile */
            FN(spend)(t, g->spend[k]);
    }
}

/* The forward sweep of n points tile by tile into tape (every tile's
   values at its stride), the results to u, du, d2 where not NULL. */
static void FN(forward)(const jg_grad *g, int mode, size_t n, const REAL *x, REAL *u, REAL *du, REAL *d2,
                        REAL *tape)
{
    const jg_model *m = g->m;
    const size_t per2 = jg_plan_per_output2(m, (jg_mode)mode), tile_np = g->p->tile[mode];
    const size_t stride = tile_stride(g, mode);
    const size_t per_u = m->n_out * (mode == JG_MODE_PARTIALS ? m->n_terms : 1);   /* u's numbers a point */
    size_t p0, np, k = 0;
    if (mode == JG_MODE_PARTIALS)       /* u holds every term */
        du = d2 = NULL;
    for (p0 = 0; p0 < n; p0 += np, k++) {
        np = n - p0 < tile_np ? n - p0 : tile_np;
        FN(exec_tile)(&g->x, mode, np, x + p0 * m->n_in, u != NULL ? u + p0 * per_u : NULL,
                      du != NULL ? du + p0 * m->n_out * m->n_in : NULL, d2 != NULL ? d2 + p0 * m->n_out * per2 : NULL,
                      tape + k * stride, u == NULL && du == NULL && d2 == NULL ? g->idle : NULL);
    }
}

/* A tile's frame for mode over the buffers at work (forward values at
   fwd, adjoints after them). */
static void FN(tile_init)(FN(tile) *t, const jg_grad *g, int mode, REAL *gp)
{
    const jg_model *m = g->m;
    memset(t, 0, sizeof *t);
    t->g = g;
    t->mode = mode;
    t->nch = g->p->channels[mode];
    t->n_x = m->n_in;
    t->n_s = m->n_over;
    t->over = m->over;
    t->lp = g->p->lane_points;
    t->gp = gp;
    t->assign = g->one_writer && t->lp > 0;
}

/* The reverse sweep of n points tile by tile: each tile's values read from
   tape (jg_grad_back, jg_grad_back_float), or computed into a buffer of its own
   first (jg_grad_run; u, du, d2 get the results when not NULL). In float
   each tile's gradients are summed in float and added to gp in double
   (the sum over tiles is double's). 0, or -1. */
static int FN(sweep)(const jg_grad *g, int mode, size_t n, const REAL *x, const REAL *tape, const REAL *gu,
                     const REAL *gdu, const REAL *gd2, double *gp, REAL *gx, REAL *u, REAL *du, REAL *d2)
{
    const jg_model *m = g->m;
    const size_t per2 = jg_plan_per_output2(m, (jg_mode)mode), tile_np = g->p->tile[mode];
    const size_t per_u = m->n_out * (mode == JG_MODE_PARTIALS ? m->n_terms : 1);   /* u's numbers a point */
    const size_t half = g->p->buf_at[g->p->n_work], stride = tile_stride(g, mode), own = tape == NULL ? half : 0;
    const size_t tile_grads = GRAD_FLOAT ? g->n_params : 0, line = 64 / sizeof(REAL);
    /* the partial sums last, on a 64-byte line */
    const size_t pv = ((1 + (own > 0)) * half + g->scratch + tile_grads + line - 1) / line * line;
    REAL *space, *work, *gt;
    FN(tile) t;
    size_t p0, np, k = 0, unfolded = 0, unsummed = 0;
    int overflow = 0;
    const size_t count = jg_mul(1 + (own > 0), half, &overflow) + g->scratch + tile_grads + g->partials + 2 * line;
    /* the space's layout: the mode's, with the forward's buffers or without */
    const unsigned long key = (unsigned long)mode * 2 + (own > 0);
    space = overflow ? NULL : (REAL *)sweep_space(g, count, sizeof(REAL), key);
    if (space == NULL)
        return -1;
    if (mode == JG_MODE_PARTIALS)       /* u and gu hold every term */
        du = d2 = NULL, gdu = gd2 = NULL;
    work = (REAL *)(void *)((unsigned char *)space + (64 - (size_t)space % 64) % 64);
    if (g->n_params > 0)
        memset(gp, 0, g->n_params * sizeof *gp);
    if (gx != NULL)
        memset(gx, 0, n * m->n_in * sizeof *gx);
    gt = GRAD_FLOAT ? work + own + half + g->scratch : (REAL *)(void *)gp;
    FN(tile_init)(&t, g, mode, gt);
    t.gu = gu;
    t.gdu = gdu;
    t.gd2 = gd2;
    t.gx = gx;
    t.adj = work + own;
    t.scratch = work + own + half;
    t.pv = work + pv;
    if (g->partials > 0)
        memset(t.pv, 0, g->partials * sizeof *t.pv);
    for (p0 = 0; p0 < n; p0 += np, k++) {
        np = n - p0 < tile_np ? n - p0 : tile_np;
        t.np = np;
        t.rows = t.nch * (t.lp > 0 ? 1 : np);
        if (tape != NULL) {
            t.fwd = tape + k * stride;
        } else {
            FN(exec_tile)(&g->x, mode, np, x + p0 * m->n_in, u != NULL ? u + p0 * per_u : NULL,
                          du != NULL ? du + p0 * m->n_out * m->n_in : NULL,
                          d2 != NULL ? d2 + p0 * m->n_out * per2 : NULL, work,
                          u == NULL && du == NULL && d2 == NULL ? g->idle : NULL);
            t.fwd = work;
        }
        if (k == 0 || !g->clears)      /* (a clearing sweep leaves them zero for the next tile) */
            memset(t.adj, 0, half * sizeof *t.adj);
        if (tile_grads > 0 && unsummed == 0)
            memset(gt, 0, tile_grads * sizeof *gt);
        t.p0 = p0;
        FN(tile_back)(&t);
        /* float's tile sums onto the double gradients every JG_SUM_POINTS
           points or more (and after the last tile) */
        if (tile_grads > 0 && ((unsummed += np) >= JG_SUM_POINTS || p0 + np == n)) {
            KERNELS(g)->sum_to(tile_grads, gt, gp);
            unsummed = 0;
        }
        /* float's partial sums of at most JG_FOLD_POINTS points each;
           double's folded once, after the last tile (a pass over every
           slot fewer for each 256 points: 0.1 ms of KdV(x,t)'s reverse) */
        if (g->partials > 0 && ((GRAD_FLOAT && (unfolded += np) >= JG_FOLD_POINTS) || p0 + np == n)) {
            FN(fold)(&t, gp);
            unfolded = 0;
        }
    }
    sweep_space_free(g, space, count, sizeof(REAL), key);
    return 0;
}

