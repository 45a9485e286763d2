/* template.h: filling the templates in templates/ (lemon's way). A section is
   the text between two banner comments on lines of their own:
       / **** begin NAME **** /   ...   / **** end NAME **** /
   (written here with spaces). The templates are compiled into jetgen by
   tools/embed.c. */
#ifndef JG_TEMPLATE_H
#define JG_TEMPLATE_H

#include <stddef.h>

#include "buf.h"

extern const char jg_tpl_model_c[];     /* templates/model.c */
extern const char jg_tpl_model_h[];     /* templates/model.h */
extern const char jg_tpl_kernels_c[];   /* templates/kernels.c */
extern const char jg_tpl_single_h[];    /* templates/single.h */

/* The kernel sections' helpers, read from the `needs:` lines of
   templates/kernels.c by tools/embed.c when jetgen is built (a line that
   names no section fails the build). */
#define JG_TPL_MAX_HELPERS 32
typedef struct jg_tpl_needs {
    const char *section;        /* a section with a `needs:` line */
    unsigned helpers[2];        /* its helpers in double, in float: bits of jg_tpl_helpers */
} jg_tpl_needs;
extern const char *const jg_tpl_helpers[];      /* in the template's order, NULL-ended */
extern const unsigned jg_tpl_n_helpers;
extern const jg_tpl_needs jg_tpl_needs_of[];    /* ended by a NULL section */

typedef struct jg_tpl_slot {
    const char *name;       /* section name */
    const char *text;       /* what replaces the section, banners and all */
    int used;               /* set by jg_tpl_fill */
} jg_tpl_slot;

/* Appends tpl to out with each section replaced by its slot's text. Returns
   0, or -1 when the template names a section that has no slot or a slot
   names no section (a generator bug; *bad is set to the name). */
int jg_tpl_fill(jg_buf *out, const char *tpl, jg_tpl_slot *slots,
                size_t n_slots, const char **bad);

/* The text inside section name of tpl (banners excluded): a pointer into
   tpl and its length, or NULL when there is no such section. */
const char *jg_tpl_section(const char *tpl, const char *name, size_t *len);

/* Appends text to out with every identifier that starts with model_ or
   MODEL_ renamed to start with prefix_ or PREFIX_ (PREFIX in upper case). */
void jg_tpl_rename(jg_buf *out, const char *text, size_t len,
                   const char *prefix);

#endif
