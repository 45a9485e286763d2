/* templates/single.h: what `jetgen emit --single-header` adds to the source
   of templates/model.c to make one file in the stb way: the declarations
   under the include guard, the bodies only under MODEL_IMPLEMENTATION.
   jetgen takes each section below and renames model_ / MODEL_ to the
   user's prefix. Sections:
     usage           the comment under the provenance: how to include it
     linkage         MODEL_DEF, which MODEL_STATIC turns to static
     implementation  opens the bodies: the guard and what they include
     end             closes them */
/**** begin usage ****/
/* One file in the stb way. In exactly one C or C++ file of the program:
       #define MODEL_IMPLEMENTATION
       #include "this file"
   and elsewhere just include it for the declarations. With MODEL_STATIC
   also defined there, every function is static: private to that file, and
   unused ones draw no warning. Models emitted with different prefixes link
   into one program side by side: every name they define starts with the
   prefix. */
/**** end usage ****/
/**** begin linkage ****/
#if !defined(MODEL_DEF) && defined(MODEL_STATIC) && (defined(__GNUC__) || defined(__TINYC__))
#define MODEL_DEF static __attribute__((unused))
#elif !defined(MODEL_DEF) && defined(MODEL_STATIC)
#define MODEL_DEF static
#elif !defined(MODEL_DEF)
#define MODEL_DEF extern    /* the linkage of the functions below */
#endif
/**** end linkage ****/
/**** begin implementation ****/

#if defined(MODEL_IMPLEMENTATION) && !defined(MODEL__IMPLEMENTED)
#define MODEL__IMPLEMENTED

#include <math.h>
#include <string.h>
/**** end implementation ****/
/**** begin end ****/

#endif /* MODEL_IMPLEMENTATION */
/**** end end ****/
