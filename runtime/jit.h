/* jit.h: compiles C source in memory with libtcc and hands out its
   functions. The source must not include system headers (jetgen's JIT
   target does not): the runtime binds its kernels by name (jetgen__NAME
   for double networks, jetgenf__NAME for float ones; runtime/kernels.h).

   Thread safety: libtcc keeps global state, so compiles (and frees) are
   serialized with a mutex; calling compiled functions from several threads
   at once is safe, as is using different handles at once. */
#ifndef JG_JIT_H
#define JG_JIT_H

#include <stddef.h>

/* Status codes. */
#define JG_OK       0
#define JG_ENOMEM   1   /* out of memory */
#define JG_ECOMPILE 2   /* libtcc rejected the source: see jg_jit_errmsg */
#define JG_ENOSYM   3   /* no such function */
#define JG_EINPUT   4   /* a NULL name, source or out */

typedef struct jg_jit jg_jit;

/* Compiles source (NUL-terminated); name is used in libtcc's messages,
   e.g. "<model.c>". Sets *out to a new handle, to be freed with
   jg_jit_free even when the status is not JG_OK (it then holds the
   message); *out is NULL only with JG_ENOMEM, or JG_EINPUT (name, source
   or out NULL: nothing is compiled). */
int jg_jit_compile(const char *name, const char *source, jg_jit **out);

/* A symbol the compiled code declares extern, bound to an address. */
typedef struct jg_jit_symbol {
    const char *name;
    const void *addr;
} jg_jit_symbol;

/* jg_jit_compile, with syms[0..n_syms) bound too (they must outlive the
   handle): the runtime binds a plan's weight arrays so (JG_TARGET_JIT_BOUND). */
int jg_jit_compile_bound(const char *name, const char *source, const jg_jit_symbol *syms,
                         size_t n_syms, jg_jit **out);

/* A function pointer type to cast to the real type before a call. */
typedef void (*jg_jit_fn)(void);

/* The function called name, or NULL when there is none (or j or name is
   NULL). A lookup leaves the handle's message alone: it stays the
   compilation's. Valid until jg_jit_free. */
jg_jit_fn jg_jit_function(jg_jit *j, const char *name);

/* The compilation's message: libtcc's diagnostics; "" when none. Owned
   by the handle, valid until it is freed. */
const char *jg_jit_errmsg(const jg_jit *j);

/* Frees the handle and the compiled code. NULL is fine. */
void jg_jit_free(jg_jit *j);

#endif
