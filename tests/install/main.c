/* tests/install/main.c: a program outside the tree, built against the
   installed library with pkg-config (tests/install.sh), as a user builds
   it: loads a network with jg_net_load, evaluates u, du and d2u at the
   points of a reference file, and prints the worst normwise error against
   it; a bad spec must give a status and a message naming the file.
   Also valid C++: main.cpp compiles it as such.
   Usage: main SPEC REFERENCE.txt BAD.spec
   REFERENCE.txt: n n_in n_out, then per point x, u, du, d2u. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jetgen.h>

static double worst(const double *got, const double *want, size_t n)
{
    double e = 0, s = 0;
    size_t i;
    for (i = 0; i < n; i++) {
        if (fabs(got[i] - want[i]) > e)
            e = fabs(got[i] - want[i]);
        if (fabs(want[i]) > s)
            s = fabs(want[i]);
    }
    return s > 0 ? e / s : e;
}

int main(int argc, char **argv)
{
    jg_net *net = NULL;
    FILE *fp;
    size_t n, ni, no, p, k, len[3];
    double err = 0;
    if (argc != 4)
        return 2;
    if (jg_net_load(argv[1], &net) != JG_NET_OK) {
        fprintf(stderr, "%s\n", jg_net_errmsg(net));
        return 1;
    }
    fp = fopen(argv[2], "r");
    if (fp == NULL || fscanf(fp, "%zu %zu %zu", &n, &ni, &no) != 3 || ni != jg_net_n_in(net)
        || no != jg_net_n_out(net))
        return 1;
    len[0] = no;
    len[1] = no * ni;
    len[2] = no * ni * ni;
    for (p = 0; p < n; p++) {
        double *x = (double *)malloc(ni * sizeof *x), *want[3], *got[3];
        for (k = 0; k < 3; k++) {
            want[k] = (double *)malloc(len[k] * sizeof(double));
            got[k] = (double *)malloc(len[k] * sizeof(double));
        }
        for (k = 0; k < ni; k++)
            if (fscanf(fp, "%lg", &x[k]) != 1)
                return 1;
        for (k = 0; k < 3; k++) {
            size_t i;
            for (i = 0; i < len[k]; i++)
                if (fscanf(fp, "%lg", &want[k][i]) != 1)
                    return 1;
        }
        if (jg_net_hessian(net, 1, x, got[0], got[1], got[2]) != JG_NET_OK)
            return 1;
        for (k = 0; k < 3; k++) {
            const double e = worst(got[k], want[k], len[k]);
            if (e > err)
                err = e;
            free(want[k]);
            free(got[k]);
        }
        free(x);
    }
    fclose(fp);
    jg_net_free(net);
    printf("worst normwise error %.3g\n", err);
    if (err > 1e-12)
        return 1;
    /* a bad spec: a status and the file named */
    if (jg_net_load(argv[3], &net) == JG_NET_OK || strstr(jg_net_errmsg(net), "bad.spec") == NULL) {
        fprintf(stderr, "bad spec accepted or not named: %s\n", jg_net_errmsg(net));
        return 1;
    }
    printf("bad spec: %s\n", jg_net_errmsg(net));
    jg_net_free(net);
    return 0;
}
