/* jit.c: in-memory compiles with libtcc (see jit.h). */
#include "jit.h"

#include <libtcc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "kernels.h"
#include "mem.h"
#include "misuse.h"

struct jg_jit {
    TCCState *tcc;      /* owns the compiled code; NULL if the compile failed */
    jg_buf msg;         /* collected messages */
};

static pthread_mutex_t tcc_lock = PTHREAD_MUTEX_INITIALIZER;

static void collect(void *opaque, const char *text)
{
    jg_jit *j = (jg_jit *)opaque;
    if (j->msg.len > 0)
        jg_buf_putc(&j->msg, '\n');
    jg_buf_puts(&j->msg, text);
}

int jg_jit_compile(const char *name, const char *source, jg_jit **out)
{
    return jg_jit_compile_bound(name, source, NULL, 0, out);
}

int jg_jit_compile_bound(const char *name, const char *source, const jg_jit_symbol *syms,
                         size_t n_syms, jg_jit **out)
{
    jg_jit *j;
    jg_buf src = JG_BUF_INIT;
    char kname[64];
    size_t i, p;
    int rc = JG_OK;

    if (JG_MISUSE(out == NULL, "jg_jit_compile", "out is NULL"))
        return JG_EINPUT;
    *out = NULL;
    if (JG_MISUSE(name == NULL || source == NULL || (syms == NULL && n_syms > 0), "jg_jit_compile",
                  "name or source is NULL, or syms is NULL with n_syms > 0"))
        return JG_EINPUT;
    j = (jg_jit *)jg_malloc(sizeof *j);
    if (j == NULL)
        return JG_ENOMEM;
    memset(j, 0, sizeof *j);
    *out = j;
    /* #line makes libtcc's messages name the source, not "<string>". */
    jg_buf_puts(&src, "#line 1 \"");
    for (i = 0; name[i] != '\0'; i++)
        jg_buf_putc(&src, name[i] == '"' || name[i] == '\\' || name[i] == '\n' ? '_' : name[i]);
    jg_buf_puts(&src, "\"\n");
    jg_buf_puts(&src, source);
    if (src.failed) {
        jg_buf_free(&src);
        return JG_ENOMEM;
    }

    pthread_mutex_lock(&tcc_lock);
    j->tcc = tcc_new();
    if (j->tcc == NULL) {
        rc = JG_ENOMEM;
    } else {
        tcc_set_error_func(j->tcc, j, collect);
        tcc_set_options(j->tcc, "-nostdinc -nostdlib");
        tcc_set_output_type(j->tcc, TCC_OUTPUT_MEMORY);
        for (p = 0; p < 2; p++) {      /* double kernels, then float ones */
            const jg_kernel_set *ks = jg_kernels_best((int)p);
            for (i = 0; i < JG_N_KERNELS; i++) {
                const void *addr;
                memcpy(&addr, &ks->k[i].fn, sizeof addr);
                snprintf(kname, sizeof kname, p ? "jetgenf__%s" : "jetgen__%s", ks->k[i].name);
                tcc_add_symbol(j->tcc, kname, addr);
            }
        }
        /* the plain functions of networks too wide for a stack allocate */
        {
            void *(*malloc_fn)(size_t) = malloc;
            void (*free_fn)(void *) = free;
            const void *addr;
            memcpy(&addr, &malloc_fn, sizeof addr);
            tcc_add_symbol(j->tcc, "malloc", addr);
            memcpy(&addr, &free_fn, sizeof addr);
            tcc_add_symbol(j->tcc, "free", addr);
        }
        for (i = 0; i < n_syms; i++)
            tcc_add_symbol(j->tcc, syms[i].name, syms[i].addr);
        if (tcc_compile_string(j->tcc, jg_buf_str(&src)) < 0
            || tcc_relocate(j->tcc, TCC_RELOCATE_AUTO) < 0)
            rc = JG_ECOMPILE;
        if (rc != JG_OK) {
            tcc_delete(j->tcc);
            j->tcc = NULL;
        }
    }
    pthread_mutex_unlock(&tcc_lock);
    jg_buf_free(&src);
    if (rc == JG_ECOMPILE && j->msg.len == 0)
        jg_buf_puts(&j->msg, "libtcc failed without a message");
    return rc;
}

jg_jit_fn jg_jit_function(jg_jit *j, const char *name)
{
    void *p = NULL;
    jg_jit_fn f = NULL;
    if (j != NULL && j->tcc != NULL && name != NULL)
        p = tcc_get_symbol(j->tcc, name);
    if (p == NULL)
        return NULL;        /* the message stays the compilation's */
    memcpy(&f, &p, sizeof f);
    return f;
}

const char *jg_jit_errmsg(const jg_jit *j)
{
    return j != NULL ? jg_buf_str(&j->msg) : "";
}

void jg_jit_free(jg_jit *j)
{
    if (j == NULL)
        return;
    if (j->tcc != NULL) {
        pthread_mutex_lock(&tcc_lock);
        tcc_delete(j->tcc);
        pthread_mutex_unlock(&tcc_lock);
    }
    jg_buf_free(&j->msg);
    jg_free(j);
}
