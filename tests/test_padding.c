/* test_padding.c: every number the kernels read was written. Heap
   garbage where a kernel reads a whole vector and drops some of its lanes
   (a buffer's padding) changes no result, but not every garbage is
   harmless: subnormal numbers cost Intel's cores a microcode assist an
   operation (a float32 reverse sweep on it ran 8-18x slower), and they
   tell where the reads are. With every fresh block of util/mem.c filled
   with subnormals (jg_mem_fill), both reference networks in double and
   in float, in every mode, through jg_net_run, jg_net_gradient and a
   tape, twice (the second call on the blocks the first kept) must raise
   no denormal-operand flag (x86's MXCSR DE, per thread; these calls run
   in this one). The same calls with the fill off raise none either: the
   networks' own numbers are not subnormal. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jetgen.h"
#include "mem.h"
#include "testutil.h"

#if defined(__x86_64__) || defined(__i386__)
#include <xmmintrin.h>
#define HAS_MXCSR 1
static void flags_clear(void)
{
    _mm_setcsr(_mm_getcsr() & ~0x3fu);
}
/* Whether an operand was subnormal since flags_clear. */
static int flags_denormal(void)
{
    return (_mm_getcsr() & 0x2u) != 0;
}
#else
#define HAS_MXCSR 0
#endif

enum { N = 301 };     /* more than a tile, and a part of one */

/* The calls of a training step of net (precision float or not) in mode
   at N points: "" when none read a subnormal, else the call's name. */
static const char *step_reads_subnormal(jg_net *net, int is_float, int mode)
{
    const size_t ni = jg_net_n_in(net), no = jg_net_n_out(net), ng = jg_net_n_grad(net);
    const size_t per = ni * ni > 1 ? ni * ni : 1;
    double *x = malloc(N * ni * sizeof *x), *u = malloc(N * no * sizeof *u);
    double *du = malloc(N * no * ni * sizeof *du), *d2 = malloc(N * no * per * sizeof *d2);
    double *g = malloc(ng * sizeof *g), *gx = malloc(N * ni * sizeof *gx);
    float *xf = malloc(N * ni * sizeof *xf), *uf = malloc(N * no * sizeof *uf);
    float *duf = malloc(N * no * ni * sizeof *duf), *d2f = malloc(N * no * per * sizeof *d2f);
    float *gxf = malloc(N * ni * sizeof *gxf);
    const char *bad = "";
    jg_net_tape *tape = NULL;
    size_t k;
    int rep;
    ck_assert(x && u && du && d2 && g && gx && xf && uf && duf && d2f && gxf);
    for (k = 0; k < N * ni; k++)
        xf[k] = (float)(x[k] = sin(0.37 * (double)k));
    for (k = 0; k < N * no; k++)
        uf[k] = (float)(u[k] = 0.5 + cos(0.11 * (double)k));
    for (k = 0; k < N * no * ni; k++)
        duf[k] = (float)(du[k] = 0.25 * sin(0.7 * (double)k));
    for (k = 0; k < N * no * per; k++)
        d2f[k] = (float)(d2[k] = 0.125 * cos(0.3 * (double)k));
#if HAS_MXCSR
    for (rep = 0; rep < 2 && *bad == '\0'; rep++) {
        flags_clear();
        ck_assert_int_eq(is_float ? jg_net_gradient_float(net, mode, N, xf, uf, duf, d2f, g, gxf)
                                  : jg_net_gradient(net, mode, N, x, u, du, d2, g, gx), JG_NET_OK);
        if (flags_denormal()) {
            bad = "gradient";
            break;
        }
        flags_clear();
        ck_assert_int_eq(is_float ? jg_net_forward_tape_float(net, mode, N, xf, NULL, NULL, NULL, &tape)
                                  : jg_net_forward_tape(net, mode, N, x, NULL, NULL, NULL, &tape), JG_NET_OK);
        ck_assert_int_eq(is_float ? jg_net_gradient_tape_float(net, tape, uf, duf, d2f, g, gxf)
                                  : jg_net_gradient_tape(net, tape, u, du, d2, g, gx), JG_NET_OK);
        jg_net_tape_free(tape);
        if (flags_denormal()) {
            bad = "forward_tape and gradient_tape";
            break;
        }
        flags_clear();
        {
            double *ru = malloc(N * no * sizeof *ru), *rdu = malloc(N * no * ni * sizeof *rdu);
            double *rd2 = malloc(N * no * per * sizeof *rd2);
            float *fu = malloc(N * no * sizeof *fu), *fdu = malloc(N * no * ni * sizeof *fdu);
            float *fd2 = malloc(N * no * per * sizeof *fd2);
            ck_assert(ru && rdu && rd2 && fu && fdu && fd2);
            ck_assert_int_eq(is_float ? jg_net_run_float(net, mode, N, xf, fu, fdu, fd2)
                                      : jg_net_run(net, mode, N, x, ru, rdu, rd2), JG_NET_OK);
            free(ru), free(rdu), free(rd2), free(fu), free(fdu), free(fd2);
        }
        if (flags_denormal())
            bad = "run";
    }
#else
    (void)rep, (void)tape;
#endif
    free(x), free(u), free(du), free(d2), free(g), free(gx);
    free(xf), free(uf), free(duf), free(d2f), free(gxf);
    return bad;
}

static const char *const nets[] = {"seed-pinn", "pinn-xt"};

/* Leaves 256 KiB of this thread's stack below the caller filled with the
   word 1, subnormal as a float and as a double: where the JIT's work
   arrays will lie. */
static void __attribute__((noinline)) stack_fill(void)
{
    volatile unsigned int a[1 << 16];
    size_t k;
    for (k = 0; k < sizeof a / sizeof a[0]; k++)
        a[k] = 1;
}

/* The JIT's forward (its work on the stack) in every mode reads no
   subnormal: _i the network (even: seed-pinn) and precision (i / 2). */
START_TEST(jit_reads_no_garbage)
{
#if HAS_MXCSR
    const int is_float = _i / 2;
    jg_net *net = tu_open_net(nets[_i % 2], is_float ? JG_NET_FLOAT : JG_NET_DOUBLE, JG_NET_JIT);
    const size_t ni = jg_net_n_in(net), no = jg_net_n_out(net);
    double *x = malloc(N * ni * sizeof *x), *u = malloc(N * no * sizeof *u);
    double *du = malloc(N * no * ni * sizeof *du), *d2 = malloc(N * no * ni * ni * sizeof *d2);
    float *xf = malloc(N * ni * sizeof *xf), *uf = malloc(N * no * sizeof *uf);
    float *duf = malloc(N * no * ni * sizeof *duf), *d2f = malloc(N * no * ni * ni * sizeof *d2f);
    size_t k;
    int mode;
    ck_assert(x && u && du && d2 && xf && uf && duf && d2f);
    ck_assert_int_eq(jg_net_backend(net), JG_NET_JIT);
    for (k = 0; k < N * ni; k++)
        xf[k] = (float)(x[k] = sin(0.37 * (double)k));
    for (mode = JG_NET_EVAL; mode <= JG_NET_LAPLACIAN; mode++) {
        stack_fill();
        flags_clear();
        ck_assert_int_eq(is_float ? jg_net_run_float(net, mode, N, xf, uf, duf, d2f)
                                  : jg_net_run(net, mode, N, x, u, du, d2), JG_NET_OK);
        ck_assert_msg(!flags_denormal(), "%s, %s, mode %d: the JIT's forward read a subnormal number",
                      nets[_i % 2], is_float ? "float" : "double", mode);
    }
    free(x), free(u), free(du), free(d2), free(xf), free(uf), free(duf), free(d2f);
    jg_net_free(net);
#endif
}
END_TEST

/* _i: the network (even: seed-pinn), its precision (float: i / 2 odd),
   the fill on (i / 4 = 0) or off. */
START_TEST(no_garbage_read)
{
    const int is_float = (_i / 2) % 2, filled = _i / 4 == 0;
    int mode;
    jg_net *net;
    jg_mem_fill(filled);
    net = tu_open_net(nets[_i % 2], is_float ? JG_NET_FLOAT : JG_NET_DOUBLE, JG_NET_EXECUTOR);
    for (mode = JG_NET_EVAL; mode <= JG_NET_LAPLACIAN; mode++) {
        const char *bad = step_reads_subnormal(net, is_float, mode);
        ck_assert_msg(*bad == '\0', "%s, %s, mode %d, fill %s: %s read a subnormal number", nets[_i % 2],
                      is_float ? "float" : "double", mode, filled ? "on" : "off", bad);
    }
    jg_net_free(net);
    jg_mem_fill(0);
}
END_TEST

/* The tape's block kept between steps goes to the next tape of the same
   layout only: a float handle's tape made right after a double handle's
   (at as many points: its 64 floats a row within half and all of the
   double tape's 56 doubles; a double's numbers read as floats are
   subnormal one time in 256) reads no subnormal either. */
START_TEST(tape_block_not_shared)
{
#if HAS_MXCSR
    jg_net *nd = tu_open_net("seed-pinn", JG_NET_DOUBLE, JG_NET_EXECUTOR);
    jg_net *nf = tu_open_net("seed-pinn", JG_NET_FLOAT, JG_NET_EXECUTOR);
    const size_t ng = jg_net_n_grad(nd), no = jg_net_n_out(nd);
    static double x[N];
    static float xf[N], gu[N * 501];
    double *g = malloc(ng * sizeof *g);
    jg_net_tape *tape = NULL;
    size_t k;
    int mode;
    ck_assert(g != NULL && no == 501);
    for (k = 0; k < N; k++)
        xf[k] = (float)(x[k] = sin(0.37 * (double)k));
    for (k = 0; k < N * no; k++)
        gu[k] = (float)cos(0.11 * (double)k);
    for (mode = JG_NET_EVAL; mode <= JG_NET_LAPLACIAN; mode++) {
        ck_assert_int_eq(jg_net_forward_tape(nd, mode, N, x, NULL, NULL, NULL, &tape), JG_NET_OK);
        jg_net_tape_free(tape);
        flags_clear();
        ck_assert_int_eq(jg_net_forward_tape_float(nf, mode, N, xf, NULL, NULL, NULL, &tape), JG_NET_OK);
        ck_assert_int_eq(jg_net_gradient_tape_float(nf, tape, gu, NULL, NULL, g, NULL), JG_NET_OK);
        jg_net_tape_free(tape);
        ck_assert_msg(!flags_denormal(), "mode %d: the float tape read a subnormal number", mode);
    }
    free(g);
    jg_net_free(nd);
    jg_net_free(nf);
#endif
}
END_TEST

/* jg_spare: a block goes back only to its key, zeroed when new; two keys
   kept at once each get their own back; the cap frees the oldest. */
START_TEST(spare_slots)
{
    jg_spare s;
    unsigned char *a, *b, *c;
    size_t k;
    jg_spare_init(&s, 3000);
    a = jg_spare_take(&s, 1000, 1);
    b = jg_spare_take(&s, 1000, 2);
    ck_assert(a != NULL && b != NULL);
    for (k = 0; k < 1000; k++)
        ck_assert(a[k] == 0 && b[k] == 0);
    memset(a, 7, 1000);
    jg_spare_keep(&s, a, 1000, 1);
    jg_spare_keep(&s, b, 1000, 2);
    ck_assert(jg_spare_take(&s, 1000, 1) == a && a[5] == 7);        /* its own, as left */
    ck_assert(jg_spare_take(&s, 600, 2) == b);                         /* half to all of it */
    jg_spare_keep(&s, a, 1000, 1);
    jg_spare_keep(&s, b, 1000, 2);
    c = jg_spare_take(&s, 1000, 3);                                    /* another layout: a new one */
    ck_assert(c != a && c != b && c[5] == 0);
    c = (unsigned char *)jg_realloc(c, 1500);
    ck_assert(c != NULL);
    jg_spare_keep(&s, c, 1500, 3);      /* 3500 bytes over the cap of 3000: a, the oldest, freed */
    ck_assert(jg_spare_take(&s, 1000, 2) == b);
    ck_assert(jg_spare_take(&s, 1500, 3) == c);
    a = jg_spare_take(&s, 1000, 1);
    ck_assert(a[5] == 0);               /* a new one */
    jg_spare_keep(&s, a, 1000, 1);
    jg_spare_keep(&s, b, 1000, 2);
    jg_spare_keep(&s, c, 5000, 3);      /* alone over the cap: freed at once */
    jg_spare_free(&s);                  /* (LeakSanitizer: nothing left) */
    /* two blocks of one key in use at once (two threads' tapes of one
       network, a step's interior and boundary points): both kept, and
       each comes back; before, the second kept freed the first, and one
       thread's tape was a new block, faulted in afresh, at every step */
    jg_spare_init(&s, 0);
    for (k = 0; k < 3; k++) {
        unsigned char *x, *y;
        a = jg_spare_take(&s, 1000, 4);
        b = jg_spare_take(&s, 100, 4);
        c = jg_spare_take(&s, 1000, 4);
        ck_assert(a != NULL && b != NULL && c != NULL);
        a[5] = b[5] = c[5] = 9;
        jg_spare_keep(&s, a, 1000, 4);
        jg_spare_keep(&s, b, 100, 4);
        jg_spare_keep(&s, c, 1000, 4);
        x = jg_spare_take(&s, 1000, 4);
        y = jg_spare_take(&s, 1000, 4);
        ck_assert((x == a && y == c) || (x == c && y == a));
        ck_assert(x[5] == 9 && y[5] == 9);          /* as left, not made afresh */
        ck_assert(jg_spare_take(&s, 100, 4) == b && b[5] == 9);
        jg_spare_keep(&s, x, 1000, 4);
        jg_spare_keep(&s, b, 100, 4);
        jg_spare_keep(&s, y, 1000, 4);
    }
    jg_spare_free(&s);
    /* sixteen threads' blocks of one key: each comes back as it was left
       (a block made afresh is zeroed; the heap may give a freed one's
       address again, so the contents tell, not the address) */
    jg_spare_init(&s, 0);
    {
        unsigned char *many[16];
        size_t i, found;
        for (i = 0; i < 16; i++) {
            ck_assert((many[i] = jg_spare_take(&s, 4096, 5)) != NULL);
            many[i][100] = (unsigned char)(1 + i);
        }
        for (i = 0; i < 16; i++)
            jg_spare_keep(&s, many[i], 4096, 5);
        for (i = 0, found = 0; i < 16; i++)
            found |= 1u << ((many[i] = jg_spare_take(&s, 4096, 5))[100] & 31);
        ck_assert_uint_eq(found, 0x1fffeu);        /* marks 1 to 16, none zero */
        for (i = 0; i < 16; i++)
            jg_spare_keep(&s, many[i], 4096, 5);
    }
    jg_spare_free(&s);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("padding");
    TCase *tc = tcase_create("padding");
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, no_garbage_read, 0, 8);
    tcase_add_test(tc, tape_block_not_shared);
    tcase_add_test(tc, spare_slots);
    tcase_add_loop_test(tc, jit_reads_no_garbage, 0, 4);
    suite_add_tcase(s, tc);
    return tu_run_suite(s);
}
