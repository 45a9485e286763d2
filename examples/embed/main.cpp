// main.cpp: the same two networks in a C++ program. The reference network's
// bodies come from models.c, compiled as C (the headers' extern "C" guards
// make the names match); the second network's are compiled here as C++.
// Prints what main.c prints.
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "pinn.h"
#define XT_IMPLEMENTATION
#include "xt.h"

int main(int argc, char **argv)
{
    std::vector<pinn_real> u(PINN_N_OUT), du(PINN_N_OUT * PINN_N_IN), d2u(PINN_N_OUT * PINN_N_IN * PINN_N_IN);
    xt_real y[2], v[XT_N_OUT], dv[XT_N_OUT * XT_N_IN], d2v[XT_N_OUT * XT_N_IN * XT_N_IN];
    xt_real part[XT_N_OUT * XT_N_TERMS];
    for (int a = 1; a < argc || a == 1; a++) {
        double x = a < argc ? std::strtod(argv[a], NULL) : 0.5;
        pinn_hessian(1, &x, u.data(), du.data(), d2u.data());
        std::printf("reference network at x = %.17g\n", x);
        std::printf("   k                        u                    du/dx                  d2u/dx2\n");
        for (int k = 0; k < PINN_N_OUT; k++)
            std::printf("%4d %24.17g %24.17g %24.17g\n", k, u[k], du[k], d2u[k]);
        y[0] = x;
        y[1] = 0.25;
        xt_hessian(1, y, v, dv, d2v);
        std::printf("pinn-xt at (x, t) = (%.17g, %.17g)\n", y[0], y[1]);
        std::printf("u %.17g\ndu %.17g %.17g\nd2u %.17g %.17g %.17g %.17g\n", v[0], dv[0], dv[1],
                    d2v[0], d2v[1], d2v[2], d2v[3]);
        xt_partials(1, y, part);
        std::printf("partials");
        for (int k = 0; k < XT_N_TERMS; k++)
            std::printf(" %.17g", part[k]);
        std::printf("\n");
    }
    return 0;
}
