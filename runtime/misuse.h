/* misuse.h: calls that break the contract of the library's interface (a
   NULL handle or array where the header asks for one, a handle whose load
   failed, a mode out of range, float arrays for a double handle). The bug
   is the caller's, and the earliest stop is the cheapest to find: in a
   debug build (NDEBUG not defined, as assert) each stops the program,
   naming the function and the broken rule on stderr. In a release build
   (-DNDEBUG), and in libjetgen_core.a, whose first user is the Python
   package (JG_MISUSE_STATUS: there a status becomes an exception; ending
   the interpreter is never right), the call does nothing and returns its
   status for bad arguments (JG_NET_EINPUT, JG_EINPUT, -1). The tests
   (tests/test_misuse.c) run every edge both ways. */
#ifndef JG_MISUSE_H
#define JG_MISUSE_H

#if defined(NDEBUG) || defined(JG_MISUSE_STATUS)
#define JG_MISUSE(cond, fn, rule) ((void)(fn), (void)(rule), (cond))
#else
#define JG_MISUSE(cond, fn, rule) ((cond) ? jg_misuse_stop(fn, rule) : 0)
#endif

/* Prints "jetgen: FN: misuse: RULE" and aborts. */
int jg_misuse_stop(const char *fn, const char *rule);

#endif
