/* file.h: reading a whole regular file into memory, with a size limit and
   messages that name the file. */
#ifndef JG_FILE_H
#define JG_FILE_H

#include <stddef.h>

#include "diag.h"

/* The contents of path, NUL-terminated (owned by the caller, freed with
   jg_free), and their length in *len; or NULL with the reason added to d:
   cannot open, not a regular file, larger than max bytes (what says which
   file it is, e.g. "spec"), out of memory, read error. */
char *jg_file_read(const char *path, size_t max, const char *what, size_t *len,
                   jg_diag *d);

#endif
