/* main.c: embedding two generated networks in a C program.
     pinn.h  the reference network (1 input, 501 outputs), bodies in models.c
     xt.h    the two-input network of tests/data/pinn-xt, bodies here, static
   For each x on the command line (default 0.5), prints u, du/dx and
   d2u/dx2 of the reference network at x, output by output, then u, du and
   d2u of the second network at (x, 0.25), and its partials u, u_x, u_t,
   u_xx, u_xxx, u_xxxx (emitted with --terms). Build and run:
       meson compile -C build examples/embed/embed && build/examples/embed/embed 0.5 */
#include <stdio.h>
#include <stdlib.h>

#include "pinn.h"
#define XT_IMPLEMENTATION
#define XT_STATIC
#include "xt.h"

int main(int argc, char **argv)
{
    static double u[PINN_N_OUT], du[PINN_N_OUT * PINN_N_IN], d2u[PINN_N_OUT * PINN_N_IN * PINN_N_IN];
    double y[2], v[XT_N_OUT], dv[XT_N_OUT * XT_N_IN], d2v[XT_N_OUT * XT_N_IN * XT_N_IN];
    double part[XT_N_OUT * XT_N_TERMS];
    int a, k;
    for (a = 1; a < argc || a == 1; a++) {
        double x = a < argc ? strtod(argv[a], NULL) : 0.5;
        pinn_hessian(1, &x, u, du, d2u);
        printf("reference network at x = %.17g\n", x);
        printf("   k                        u                    du/dx                  d2u/dx2\n");
        for (k = 0; k < PINN_N_OUT; k++)
            printf("%4d %24.17g %24.17g %24.17g\n", k, u[k], du[k], d2u[k]);
        y[0] = x;
        y[1] = 0.25;
        xt_hessian(1, y, v, dv, d2v);
        printf("pinn-xt at (x, t) = (%.17g, %.17g)\n", y[0], y[1]);
        printf("u %.17g\ndu %.17g %.17g\nd2u %.17g %.17g %.17g %.17g\n", v[0], dv[0], dv[1],
               d2v[0], d2v[1], d2v[2], d2v[3]);
        xt_partials(1, y, part);
        printf("partials");
        for (k = 0; k < XT_N_TERMS; k++)
            printf(" %.17g", part[k]);
        printf("\n");
    }
    return 0;
}
