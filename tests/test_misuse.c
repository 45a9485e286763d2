/* test_misuse.c: every edge of the library's interface that a caller can
   break (runtime/misuse.h), one test each: a NULL handle, out or array, a
   handle whose load failed, a mode or option out of range, float arrays
   for a double handle, double gradients of a float handle and float ones
   of a double handle. Built twice: as
   `misuse`, on the runtime of this build, where a debug build (no NDEBUG)
   stops the program (SIGABRT, after naming the function and the rule);
   and as `misuse-status`, on the runtime built as a release build answers
   (JG_MISUSE_STATUS), where each call returns its status and the program
   goes on. No testutil: it links the runtime itself. */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jetgen.h"
#include "jit.h"
#include "parallel.h"
#include "plan.h"

#if defined(NDEBUG) || defined(JG_MISUSE_STATUS)
#define STOPS 0
#else
#define STOPS 1
#endif

static jg_net *open_example(int precision)
{
    char path[1024];
    jg_net_options o;
    jg_net *net = NULL;
    o.precision = precision;
    o.backend = JG_NET_EXECUTOR;
    snprintf(path, sizeof path, "%s/pinn-xt/model.spec", getenv("JG_TEST_DATA"));
    ck_assert_int_eq(jg_net_open(path, &o, &net), JG_NET_OK);
    return net;
}

static double x[2] = {0.25, 0.5}, u[1], du[2], d2u[4], grad[1024];
static float fx[2] = {0.25f, 0.5f}, fu[1];

static void hessian_stub(size_t n, const double *xs, double *us, double *dus, double *d2s)
{
    (void)n, (void)xs, (void)us, (void)dus, (void)d2s;
}

/* Each edge: the call, and the status a release build gives. */
static int edge(int k)
{
    jg_net *net = NULL, *failed = NULL;
    jg_jit *j = NULL;
    jg_net_options bad = {7, JG_NET_JIT};
    jg_net_emit_options eo = {5, NULL, 0, NULL};
    char *text = NULL, path[1024];
    size_t len;
    int rc = -99;
    snprintf(path, sizeof path, "%s/pinn-xt/model.spec", getenv("JG_TEST_DATA"));
    switch (k) {
    case 0: return jg_net_open(path, NULL, NULL);
    case 1: rc = jg_net_open(NULL, NULL, &net); break;
    case 2: rc = jg_net_open(path, &bad, &net); break;
    case 3: return jg_net_run(NULL, JG_NET_EVAL, 1, x, u, NULL, NULL);
    case 4:
        ck_assert_int_eq(jg_net_load("no-such.spec", &failed), JG_NET_EINPUT);
        rc = jg_net_eval(failed, 1, x, u);
        jg_net_free(failed);
        return rc;
    case 5: net = open_example(JG_NET_DOUBLE); rc = jg_net_run(net, 7, 1, x, u, NULL, NULL); break;
    case 6: net = open_example(JG_NET_DOUBLE); rc = jg_net_run(net, JG_NET_EVAL, 1, NULL, u, NULL, NULL); break;
    case 7: net = open_example(JG_NET_DOUBLE); rc = jg_net_run_float(net, JG_NET_EVAL, 1, fx, fu, NULL, NULL); break;
    case 8: net = open_example(JG_NET_DOUBLE); rc = jg_net_run_parallel(net, -1, 2, 1, x, u, du, d2u); break;
    case 9: net = open_example(JG_NET_FLOAT); rc = jg_net_gradient(net, 0, 1, x, u, NULL, NULL, grad, NULL); break;
    case 10: net = open_example(JG_NET_DOUBLE); rc = jg_net_gradient(net, 0, 1, x, u, NULL, NULL, NULL, NULL); break;
    case 11: net = open_example(JG_NET_DOUBLE); rc = jg_net_set_tensor(net, NULL, x, 1); break;
    case 12: net = open_example(JG_NET_DOUBLE); rc = jg_net_emit(net, NULL, NULL, &len); break;
    case 13: net = open_example(JG_NET_DOUBLE); rc = jg_net_emit(net, &eo, &text, &len); break;
    case 14: net = open_example(JG_NET_DOUBLE); rc = jg_net_layer_info(net, 0, NULL); break;
    case 15: return jg_spec_from_weights(NULL, "tanh", &text, &len, NULL);
    case 16: return jg_jit_compile(NULL, "int f(void) { return 7; }\n", &j) == JG_EINPUT ? JG_NET_EINPUT : -2;
    case 17: return jg_jit_compile("<n.c>", "int f(void) { return 7; }\n", NULL) == JG_EINPUT ? JG_NET_EINPUT : -2;
    case 18:
        return jg_parallel_hessian(hessian_stub, JG_MODE_JACOBIAN, 2, 2, 1, 1, x, u, du, d2u, 1, 1) == -1
               ? JG_NET_EINPUT : -2;
    case 19: return jg_parallel_hessian(NULL, JG_MODE_HESSIAN, 2, 2, 1, 1, x, u, du, d2u, 1, 1) == -1
                    ? JG_NET_EINPUT : -2;
    case 20: net = open_example(JG_NET_DOUBLE); rc = jg_net_forward_tape(net, JG_NET_EVAL, 1, x, u, NULL, NULL, NULL);
        break;
    case 21: net = open_example(JG_NET_DOUBLE); rc = jg_net_gradient_tape(net, NULL, u, NULL, NULL, grad, NULL); break;
    case 22: {      /* another handle's tape */
        jg_net_tape *tape = NULL;
        jg_net *other = open_example(JG_NET_DOUBLE);
        net = open_example(JG_NET_DOUBLE);
        ck_assert_int_eq(jg_net_forward_tape(other, JG_NET_EVAL, 1, x, u, NULL, NULL, &tape), JG_NET_OK);
        rc = jg_net_gradient_tape(net, tape, u, NULL, NULL, grad, NULL);
        jg_net_tape_free(tape);
        jg_net_free(other);
        break;
    }
    case 23: {      /* a float handle: its tapes are jg_net_forward_tape_float's */
        jg_net_tape *tape = NULL;
        net = open_example(JG_NET_FLOAT);
        rc = jg_net_forward_tape(net, JG_NET_EVAL, 1, x, u, NULL, NULL, &tape);
        ck_assert_ptr_null(tape);
        break;
    }
    case 24: net = open_example(JG_NET_DOUBLE); rc = jg_net_gradient_float(net, 0, 1, fx, fu, NULL, NULL, grad, NULL);
        break;
    case 25: net = open_example(JG_NET_FLOAT); rc = jg_net_gradient_float(net, 0, 1, fx, fu, NULL, NULL, NULL, NULL);
        break;
    case 26: net = open_example(JG_NET_DOUBLE); rc = jg_net_run_work(net, JG_NET_EVAL, 1, x, u, NULL, NULL, NULL);
        break;
    case 27: {      /* a float handle's work-space call is jg_net_run_float_work */
        static double space[4096];
        net = open_example(JG_NET_FLOAT);
        rc = jg_net_run_work(net, JG_NET_EVAL, 1, x, u, NULL, NULL, space);
        break;
    }
    case 28: {      /* a double handle: its tapes are jg_net_forward_tape's */
        jg_net_tape *tape = NULL;
        net = open_example(JG_NET_DOUBLE);
        rc = jg_net_forward_tape_float(net, JG_NET_EVAL, 1, fx, fu, NULL, NULL, &tape);
        ck_assert_ptr_null(tape);
        break;
    }
    case 29: {      /* a float tape read by the double call */
        jg_net_tape *tape = NULL;
        net = open_example(JG_NET_FLOAT);
        ck_assert_int_eq(jg_net_forward_tape_float(net, JG_NET_EVAL, 1, fx, fu, NULL, NULL, &tape), JG_NET_OK);
        rc = jg_net_gradient_tape(net, tape, u, NULL, NULL, grad, NULL);
        jg_net_tape_free(tape);
        break;
    }
    case 30: net = open_example(JG_NET_FLOAT); rc = jg_net_gradient_tape_float(net, NULL, fu, NULL, NULL, grad, NULL);
        break;
    case 31: rc = jg_net_load_mem("m.spec", NULL, 0, NULL, 0, NULL, &net); break;
    case 32: rc = jg_net_load_mem("m.spec", "input 1\n", 8, NULL, 9, NULL, &net); break;
    case 33: return jg_net_load_mem("m.spec", "input 1\n", 8, NULL, 0, NULL, NULL);
    case 34: net = open_example(JG_NET_DOUBLE); rc = jg_net_check_info(net, NULL, -1, NULL); break;
    case 35: return jg_net_check_info(NULL, "abi 1", -1, NULL);
    case 36: return jg_net_partials(NULL, 1, x, u);
    case 37: net = open_example(JG_NET_DOUBLE); rc = jg_net_partials(net, 1, x, NULL); break;
    case 38: net = open_example(JG_NET_DOUBLE); rc = jg_net_partials_float(net, 1, fx, fu); break;
    case 39: return jg_net_set_terms(NULL, "x");
    case 40: net = open_example(JG_NET_DOUBLE); rc = jg_net_set_terms(net, NULL); break;
    default: break;
    }
    jg_net_free_text(text);
    jg_net_free(net);
    return rc;
}
#define N_EDGES 41

/* In a debug build the call stops the program (the test expects SIGABRT);
   in a release build it returns JG_NET_EINPUT and the program goes on. */
START_TEST(misuse_is_caught)
{
    ck_assert_int_eq(edge(_i), JG_NET_EINPUT);
    ck_assert_msg(!STOPS, "edge %d returned where a debug build stops", _i);
}
END_TEST

/* The calls right next to each edge are no misuse: n = 0 with x NULL, a
   NULL output array, getters of a NULL or failed handle (0, NULL, a
   message). */
START_TEST(edges_that_are_allowed)
{
    jg_net *net = open_example(JG_NET_DOUBLE), *failed = NULL;
    ck_assert_int_eq(jg_net_run(net, JG_NET_EVAL, 0, NULL, NULL, NULL, NULL), JG_NET_OK);
    ck_assert_int_eq(jg_net_run(net, JG_NET_HESSIAN, 1, x, NULL, NULL, d2u), JG_NET_OK);
    ck_assert_int_eq(jg_net_run_work(net, JG_NET_EVAL, 0, NULL, NULL, NULL, NULL, NULL), JG_NET_OK);
    ck_assert_int_eq(jg_net_run_parallel(net, JG_NET_JACOBIAN, 2, 0, NULL, NULL, NULL, NULL), JG_NET_OK);
    ck_assert_uint_eq(jg_net_n_in(NULL), 0);
    ck_assert_str_eq(jg_net_errmsg(NULL), "out of memory");  /* no handle: its allocation failed */
    ck_assert_int_eq(jg_net_load("no-such.spec", &failed), JG_NET_EINPUT);
    ck_assert_uint_eq(jg_net_n_out(failed), 0);
    ck_assert_ptr_null(jg_net_tensor_name(failed, 0));
    jg_net_free(failed);
    jg_net_free(NULL);
    jg_net_free(net);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("misuse");
    TCase *tc = tcase_create("misuse");
    SRunner *sr;
    int failed;
    tcase_set_timeout(tc, 60);
    if (STOPS)
        tcase_add_loop_test_raise_signal(tc, misuse_is_caught, SIGABRT, 0, N_EDGES);
    else
        tcase_add_loop_test(tc, misuse_is_caught, 0, N_EDGES);
    tcase_add_test(tc, edges_that_are_allowed);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_set_fork_status(sr, CK_FORK);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
