/* fuzz_spec.c: libFuzzer target for the spec parser, and what a parsed
   spec goes through next: the checks against the weights, the warnings,
   and the emitter (all three forms). The input is the text of a spec read
   as $JG_FUZZ_DIR/fuzz.spec (default: fuzz/weights), so that `weights
   model.safetensors` and `weights layers.safetensors` find real files
   there. Built by fuzz/run.sh with clang -fsanitize=fuzzer, and replayed
   over the corpus by fuzz/replay.c in the test suite. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "emit.h"
#include "load.h"
#include "model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char path[1024];
    jg_diag d = JG_DIAG_INIT;
    jg_model *m;
    if (path[0] == '\0') {
        const char *dir = getenv("JG_FUZZ_DIR");
        snprintf(path, sizeof path, "%s/fuzz.spec", dir != NULL ? dir : "fuzz/weights");
    }
    m = jg_load_mem(path, (const char *)data, size, NULL, 0, &d);
    if (m != NULL) {
        static const jg_emit_target targets[3] = {JG_TARGET_FILE, JG_TARGET_SINGLE, JG_TARGET_JIT};
        int k;
        jg_model_warn(m, &d);
        for (k = 0; k < 3; k++) {
            jg_buf c = JG_BUF_INIT, h = JG_BUF_INIT;
            jg_emit_opts o;
            o.prefix = "fuzz";
            o.target = targets[k];
            o.command = "jetgen emit fuzz.spec";
            o.precision = k == 1 ? JG_FLOAT : JG_DOUBLE;
            o.hessians = JG_HESSIAN_ALL;
            jg_emit(m, &o, &c, &h, &d);
            jg_buf_free(&c);
            jg_buf_free(&h);
        }
        jg_model_free(m);
    }
    jg_diag_free(&d);
    return 0;
}
