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

/* What the first bytes of a file say it is: safetensors (an 8-byte
   header length that fits, then '{'), a zip (a PyTorch checkpoint from
   torch.save), a Python pickle, other binary data (NUL bytes or control
   characters throughout the first 4 KiB), or text. */
typedef enum jg_file_kind {
    JG_FILE_TEXT,
    JG_FILE_SAFETENSORS,
    JG_FILE_ZIP,
    JG_FILE_PICKLE,
    JG_FILE_BINARY
} jg_file_kind;
jg_file_kind jg_file_kind_of(const unsigned char *bytes, size_t len);

#endif
