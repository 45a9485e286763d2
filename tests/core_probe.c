/* core_probe.c: a shared object built on libjetgen_core.a, as a Python
   extension would be (tests/meson.build): that it links at all shows the
   library is position-independent and holds no libtcc; tests/test_net.c
   loads it and checks its numbers. */
#include <stdio.h>

#include "jetgen.h"

int core_probe(const char *spec, size_t n, const double *x, double *u, double *du, double *d2u,
               int *backend, char *msg, size_t msg_len);

/* jg_net_load(spec) and jg_net_hessian at n points; the back end it ran and
   the handle's message. Returns the status. */
int core_probe(const char *spec, size_t n, const double *x, double *u, double *du, double *d2u,
               int *backend, char *msg, size_t msg_len)
{
    jg_net *net = NULL;
    int rc = jg_net_load(spec, &net);
    if (rc == JG_NET_OK) {
        rc = jg_net_hessian(net, n, x, u, du, d2u);
        *backend = jg_net_backend(net);
    }
    snprintf(msg, msg_len, "%s", jg_net_errmsg(net));
    jg_net_free(net);
    return rc;
}
