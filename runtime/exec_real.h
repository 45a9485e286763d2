/* exec_real.h: the executor's loops for one precision, included twice by
   exec.c with REAL (double or float), FN(name) and KERNELS(e) (the set's
   typed table, runtime/kernels.h) set. The calls are the emitted tile's
   (gen/emit.c, put_layers) in the same order with the same arguments. */

/* One tile of mode. JG_MODE_PARTIALS: the channels of the model's terms
   (jg_monos), u the results [np][n_out][n_terms]; its linear steps are
   every mode's, its seed, activations, products and results the partials
   kernels (in lanes, the elementwise ones see a channel as one row). */
static void FN(tile)(const jg_exec *e, int mode, size_t np, const REAL *x, REAL *u, REAL *du,
                     REAL *d2u, REAL *work, const unsigned char *skip)
{
    const jg_plan *p = e->plan;
    const KERNELS_TYPE *const K = KERNELS(e);
    /* points in lanes (lp of them a tile): the elementwise kernels see a
       channel as one row, of one point */
    const size_t lp = p->lane_points, nch = p->channels[mode], np_e = lp > 0 ? 1 : np;
    const size_t n_in = p->m->n_in, n_out = p->m->n_out, nrow = nch * np_e;
    const size_t n_s = p->m->n_over;
    const size_t *const over = p->m->over;
    REAL *const out = work + p->buf_at[p->n_work];
    REAL *rows[JG_TILE_ROWS];
    const jg_monos *const mo = &p->m->monos;
    const int partials = mode == JG_MODE_PARTIALS;
    size_t k, r;
    for (k = 0; k < p->n_steps; k++) {
        const jg_step *s = &p->steps[k];
        REAL *const src = s->src >= 0 ? work + p->buf_at[s->src] + s->off : NULL;
        REAL *const dst = s->dst >= 0 ? work + p->buf_at[s->dst] + s->off_dst : NULL;
        REAL *const src2 = s->src2 >= 0 ? work + p->buf_at[s->src2] + s->off2 : NULL;
        const REAL *w = s->w >= 0 ? (const REAL *)e->arrays[s->w] : NULL;
        const REAL *b = s->b >= 0 ? (const REAL *)e->arrays[s->b] : NULL;
        size_t j = 0, m;
        if (skip != NULL && skip[k])
            continue;
        switch (s->op) {
        case JG_STEP_SEED:
            if (partials && lp > 0)
                K->partials_lanes_seed(n_in, nch, lp, np, mo->first, x, dst, s->ld_dst);
            else if (partials)
                K->partials_seed(n_in, nch, np, mo->first, x, dst, s->ld_dst);
            else if (lp > 0)
                K->lanes_seed(n_in, nch, lp, np, x, dst, s->ld_dst);
            else
                K->seed(n_in, nrow, np, x, dst, s->ld_dst);
            break;
        case JG_STEP_DENSE:
            if (lp > 0 && partials && e->stored[k]) {   /* the channels the terms read */
                for (r = 0; r < e->n_runs; r++) {
                    const size_t c = e->runs[2 * r];
                    K->lanes_dense(s->n, s->n_in, w, jg_plan_pad(p, s->n), c == 0 ? b : NULL, e->runs[2 * r + 1],
                                   lp, src + c * s->ld_src, s->ld_src, dst + c * s->ld_dst, s->ld_dst, 0);
                }
                break;
            }
            if (lp > 0) {
                K->lanes_dense(s->n, s->n_in, w, jg_plan_pad(p, s->n), b, nch, lp, src, s->ld_src, dst, s->ld_dst,
                               0);
                break;
            }
            K->dense(s->n, s->n_in, w, s->n, 0, b, nrow, np, src, s->ld_src, dst, s->ld_dst, NULL);
            break;
        case JG_STEP_OUTPUT:
            if (s->direct > 0 && !partials && u != NULL && (mode < 1 || du != NULL) && (mode < 2 || d2u != NULL)) {
                for (r = 0; r < nrow; r++)
                    rows[r] = (r < np ? u : r < 2 * np ? du : d2u) + r % np * n_out;
                K->dense(s->direct, s->n_in, w, s->ld_dst, 0, b, nrow, np, src, s->ld_src, NULL, 0, rows);
                j = s->direct;
            }
            for (; j < s->n; j += p->out) {
                m = s->n - j < p->out ? s->n - j : p->out;
                K->dense((m + p->lanes - 1) / p->lanes * p->lanes, s->n_in, w, s->ld_dst, j,
                         b != NULL ? b + j : NULL, nrow, np, src, s->ld_src, out, p->out, NULL);
                if (partials)
                    K->partials_store(n_out, j, m, np, mo->n_terms, mo->of_term, mo->factor, out, p->out, u);
                else
                    K->store(n_out, j, m, n_in, n_s, mode, np, out, p->out, u, du, d2u);
            }
            break;
        case JG_STEP_ACTIVATE:
            if (partials) {     /* (a tape plan's from2: the operand at src2 kept) */
                K->partials_activate(K->taylor[e->act[k]], s->p, s->q, mo->order, s->n, nch, np_e, mo->upto,
                                     mo->pairs, s->from2 ? src2 : src, s->from2 ? s->ld2 : s->ld_src, src,
                                     s->ld_src, JG_RICCATI(e->act[k]));
                break;
            }
            if (e->act[k] == JG_ACT_tanh) {
                /* tanh and its chain rule in one pass (z kept at src2 in a tape plan) */
                K->tanh_chain(s->n, n_in, n_s, over, mode, np_e, s->from2 ? src2 : src,
                              s->from2 ? s->ld2 : s->ld_src, src, s->ld_src);
                break;
            }
            if (s->from2)       /* a tape plan's: the operand at src2 kept */
                K->activate_to(K->act[e->act[k]], s->p, s->q, s->n, n_in, n_s, over, mode, np_e, src2, s->ld2,
                               src, s->ld_src);
            else
                K->activate(K->act[e->act[k]], s->p, s->q, s->n, n_in, n_s, over, mode, np_e, src, s->ld_src);
            break;
        case JG_STEP_SCALE:
            K->scale(s->n, w, b, nrow, np, src, s->ld_src);
            break;
        case JG_STEP_COPY:
            K->copy(s->n, nrow, src, s->ld_src, s->bc, dst, s->ld_dst);
            break;
        case JG_STEP_ADD:
            K->add(s->n, nrow, s->c, src, s->ld_src, s->bc, dst, s->ld_dst);
            break;
        case JG_STEP_MUL:
            if (partials)
                K->partials_mul(s->n, nch, np_e, mo->n_pairs, mo->pairs, src, s->ld_src, s->bc, src2, s->ld2,
                                s->bc2, dst, s->ld_dst);
            else
                K->mul(s->n, n_in, n_s, over, mode, np_e, src, s->ld_src, s->bc, src2, s->ld2, s->bc2, dst,
                       s->ld_dst);
            break;
        case JG_STEP_STORE:
            if (partials && lp > 0) {
                K->partials_lanes_store(n_out, lp, np, mo->n_terms, mo->of_term, mo->factor, src, s->ld_src, u);
                break;
            }
            if (partials) {
                K->partials_store(n_out, 0, n_out, np, mo->n_terms, mo->of_term, mo->factor, src, s->ld_src, u);
                break;
            }
            if (lp > 0) {
                K->lanes_store(n_out, n_in, n_s, mode, lp, np, src, s->ld_src, u, du, d2u);
                break;
            }
            K->store(n_out, 0, n_out, n_in, n_s, mode, np, src, s->ld_src, u, du, d2u);
            break;
        }
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
