// adolc_bench.cpp: the same network's u, du/dx, d2u/dx2 with ADOL-C (Taylor
// forward on a tape: tensor_eval, all derivatives to order 2), for
// bench/bench.py:  adolc_bench SPEC POINTS.bin N OUT.bin
// The weights are read with jetgen's own reader (not timed). Prints one JSON
// line like jetgen_bench; OUT.bin gets u, du, d2u in jetgen's layout.
#include <adolc/adolc.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <cstdlib>
#include <ctime>
#include <vector>

extern "C" {
#include "model.h"
}

static double now()
{
    timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

int main(int argc, char **argv)
{
    if (argc < 5) {
        std::fprintf(stderr, "usage: adolc_bench SPEC POINTS.bin N OUT.bin\n");
        return 1;
    }
    jg_diag d = JG_DIAG_INIT;
    jg_model *m = jg_model_load(argv[1], &d);
    if (m == NULL) {
        std::fprintf(stderr, "%s", jg_buf_str(&d.text));
        return 1;
    }
    const int n_in = (int)m->n_in, n_out = (int)m->n_out;
    const size_t n = (size_t)std::atol(argv[3]);
    std::vector<double> x(n * n_in);
    FILE *fp = std::fopen(argv[2], "rb");
    if (fp == NULL || std::fread(x.data(), sizeof(double), x.size(), fp) != x.size())
        return 1;
    std::fclose(fp);

    // The tape, recorded once at the first point.
    const short tag = 1;
    trace_on(tag);
    std::vector<adouble> a(n_in);
    for (int i = 0; i < n_in; i++)
        a[i] <<= x[i];
    for (size_t l = 0; l < m->n_layers; l++) {
        const jg_layer *L = &m->layers[l];
        if (L->kind == JG_DENSE) {
            std::vector<adouble> z(L->n_out);
            for (size_t j = 0; j < L->n_out; j++) {
                z[j] = L->b != NULL ? L->b[j] : 0.0;
                for (size_t k = 0; k < L->n_in; k++)
                    z[j] += L->w[j * L->n_in + k] * a[k];
            }
            a.swap(z);
        } else if (L->kind == JG_ACTIVATION && strcmp(L->info->keyword, "tanh") == 0) {
            for (auto &v : a)
                v = tanh(v);
        } else if (L->kind == JG_ACTIVATION && strcmp(L->info->keyword, "sigmoid") == 0) {
            for (auto &v : a)
                v = 1.0 / (1.0 + exp(-v));
        } else if (L->kind != JG_IDENTITY) {
            fprintf(stderr, "adolc_bench: layer %zu (%s) is not written here\n", l + 1, L->info->keyword);
            exit(1);
        }
    }
    std::vector<double> y(n_out);
    for (int k = 0; k < n_out; k++)
        a[k] >>= y[k];
    trace_off();

    const int dim = (int)binomi(n_in + 2, 2);
    double **tensor = myalloc2(n_out, dim), **S = myalloc2(n_in, n_in);
    for (int i = 0; i < n_in; i++)
        for (int j = 0; j < n_in; j++)
            S[i][j] = i == j;
    std::vector<double> u(n * n_out), du(n * n_out * n_in), d2u(n * n_out * n_in * n_in);
    auto eval_all = [&]() {
        for (size_t p = 0; p < n; p++) {
            tensor_eval(tag, n_out, n_in, 2, n_in, &x[p * n_in], tensor, S);
            for (int k = 0; k < n_out; k++) {
                int im[2] = {0, 0};
                u[p * n_out + k] = tensor[k][tensor_address(2, im)];
                for (int i = 0; i < n_in; i++) {
                    im[0] = i + 1;
                    im[1] = 0;
                    du[(p * n_out + k) * n_in + i] = tensor[k][tensor_address(2, im)];
                    for (int j = 0; j <= i; j++) {
                        im[0] = i + 1;
                        im[1] = j + 1;
                        const double h = tensor[k][tensor_address(2, im)];
                        d2u[((p * n_out + k) * n_in + i) * n_in + j] = h;
                        d2u[((p * n_out + k) * n_in + j) * n_in + i] = h;
                    }
                }
            }
        }
    };
    eval_all();
    double best = 1e30;
    for (int run = 0; run < 3; run++) {
        const double t0 = now();
        eval_all();
        const double t = (now() - t0) / (double)n;
        if (t < best)
            best = t;
    }
    FILE *out = std::fopen(argv[4], "wb");
    std::fwrite(u.data(), sizeof(double), u.size(), out);
    std::fwrite(du.data(), sizeof(double), du.size(), out);
    std::fwrite(d2u.data(), sizeof(double), d2u.size(), out);
    std::fclose(out);
    std::printf("{\"method\": \"adolc\", \"n\": %zu, \"threads\": 1, \"sec_per_point\": %.6g, \"compile_ms\": -1}\n",
                n, best);
    myfree2(tensor);
    myfree2(S);
    jg_model_free(m);
    return 0;
}
