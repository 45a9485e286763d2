/* fuzz_safetensors.c: libFuzzer target for the safetensors reader: the
   input is a whole file. Every tensor the reader accepts is looked up by
   name and converted to double, so that a header that lies about offsets,
   shapes or types is caught reading the data too. Built by fuzz/run.sh,
   replayed by fuzz/replay.c in the test suite. */
#include <stdint.h>
#include <string.h>

#include "mem.h"
#include "safetensors.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    jg_diag d = JG_DIAG_INIT;
    unsigned char *bytes = (unsigned char *)jg_malloc(size);
    jg_st_file *f;
    size_t i;
    if (bytes == NULL)
        return 0;
    if (size > 0)
        memcpy(bytes, data, size);
    f = jg_st_parse("fuzz.safetensors", bytes, size, &d);
    for (i = 0; f != NULL && i < f->n_tensors; i++) {
        const jg_st_tensor *t = jg_st_find(f, f->tensors[i].name);
        if (t != NULL && t->is_float && t->n_elems <= ((size_t)1 << 24)) {
            double *out = (double *)jg_malloc(t->n_elems * sizeof *out + 1);
            if (out != NULL)
                jg_st_to_double(f, t, out);
            jg_free(out);
        }
    }
    jg_st_close(f);
    jg_diag_free(&d);
    return 0;
}
