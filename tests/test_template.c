/* test_template.c: the templates and how they are filled. The templates
   compile on their own; filling rejects unknown and unused sections;
   renaming touches whole identifiers only; hostile names from a spec or a
   weights file never break or inject into the emitted C; the JIT reports
   compile errors with the source's name and never prints. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "emit.h"
#include "jit.h"
#include "load.h"
#include "model.h"
#include "template.h"
#include "testutil.h"

START_TEST(templates_compile_alone)
{
    char cmd[2048];
    const char *root = getenv("JG_SOURCE_ROOT");
    const char *dir = tu_tmpdir();
    ck_assert(root != NULL);
    snprintf(cmd, sizeof cmd, "gcc -std=c99 -Wall -Wextra -pedantic -Werror -I'%s/templates' -c "
             "'%s/templates/model.c' -o '%s/m.o'", root, root, dir);
    ck_assert_int_eq(tu_run(cmd), 0);
    snprintf(cmd, sizeof cmd, "g++ -x c++ -Wall -Wextra -pedantic -Werror -I'%s/templates' -c "
             "'%s/templates/model.c' -o '%s/m.o'", root, root, dir);
    ck_assert_int_eq(tu_run(cmd), 0);
}
END_TEST

START_TEST(fill_checks_sections)
{
    static const char tpl[] = "a\n/**** begin one ****/\nsample\n/**** end one ****/\nb\n"
                              "/**** begin two ****/\n/**** end two ****/\nc\n";
    jg_tpl_slot ok[] = {{"one", "1\n", 0}, {"two", "2\n", 0}};
    jg_tpl_slot missing[] = {{"one", "1\n", 0}};
    jg_tpl_slot extra[] = {{"one", "1\n", 0}, {"two", "2\n", 0}, {"three", "3\n", 0}};
    jg_buf out = JG_BUF_INIT;
    const char *bad = NULL;
    size_t len;
    ck_assert_int_eq(jg_tpl_fill(&out, tpl, ok, 2, &bad), 0);
    ck_assert_str_eq(jg_buf_str(&out), "a\n1\nb\n2\nc\n");
    jg_buf_free(&out);
    ck_assert_int_eq(jg_tpl_fill(&out, tpl, missing, 1, &bad), -1);
    jg_buf_free(&out);
    ck_assert_int_eq(jg_tpl_fill(&out, tpl, extra, 3, &bad), -1);
    ck_assert_str_eq(bad, "three");
    jg_buf_free(&out);
    ck_assert_str_eq(jg_tpl_section(tpl, "one", &len), "sample\n/**** end one ****/\nb\n"
                     "/**** begin two ****/\n/**** end two ****/\nc\n");
    ck_assert_uint_eq(len, 7);
    ck_assert(jg_tpl_section(tpl, "three", &len) == NULL);
    /* every section the generator fills exists in the real templates */
    ck_assert(jg_tpl_section(jg_tpl_model_c, "layers", &len) != NULL);
    ck_assert(jg_tpl_section(jg_tpl_kernels_c, "tanh", &len) != NULL);
    ck_assert(jg_tpl_section(jg_tpl_kernels_c, "sigmoid", &len) != NULL);
}
END_TEST

START_TEST(rename_whole_identifiers)
{
    static const char text[] = "model_eval MODEL_N_IN my_model_x model__tile xmodel_ model_";
    jg_buf out = JG_BUF_INIT;
    jg_tpl_rename(&out, text, sizeof text - 1, "pinn");
    ck_assert_str_eq(jg_buf_str(&out), "pinn_eval PINN_N_IN my_model_x pinn__tile xmodel_ pinn_");
    jg_buf_free(&out);
}
END_TEST

START_TEST(hostile_names_stay_harmless)
{
    /* A tensor name with a comment end, quotes, a backslash, a trigraph and
       non-ASCII bytes (a spec word cannot hold spaces or #), in a folder
       whose name has a newline, a #define, a backslash and a comment end,
       with a command line that has them too; every form of the output must
       compile (and the JIT's), and run. */
    static const char name[] = "a*/b\"c\\d?\?/e" "\xc3\xa9/*f";
    static const double w[2] = {0.5, -0.5};
    char spec[512], folder[1024], wname[256], cmd[4096];
    const char *dir = tu_tmpdir();
    tu_tensor t[1];
    jg_diag d = JG_DIAG_INIT;
    jg_buf c = JG_BUF_INIT, h = JG_BUF_INIT, single = JG_BUF_INIT, jit_src = JG_BUF_INIT;
    jg_emit_opts o = {"evil", JG_TARGET_FILE, "jetgen emit */ x.spec \\\n#define X\n/*", JG_DOUBLE, 0};
    jg_jit *jit = NULL;
    jg_model *m;
    char *src;
    snprintf(folder, sizeof folder, "%s/x\n#define HOSTILE 1\\\n*", dir);
    ck_assert_int_eq(mkdir(folder, 0755), 0);
    snprintf(wname, sizeof wname, "%s.weight", name);
    t[0].name = wname;
    t[0].dtype = "F64";
    t[0].rank = 2;
    t[0].shape[0] = 2;
    t[0].shape[1] = 1;
    t[0].data = w;
    tu_write_safetensors(tu_path(folder, "w*.st"), t, 1);
    snprintf(spec, sizeof spec, "input 1\nweights w*.st\ndense 2 %s\ntanh\n", name);
    tu_write_file(tu_path(folder, "m.spec"), spec, strlen(spec));
    m = jg_load(tu_path(folder, "m.spec"), &d);
    ck_assert_msg(m != NULL, "%s", jg_buf_str(&d.text));
    ck_assert_int_eq(jg_emit(m, &o, &c, &h, &d), 0);
    o.target = JG_TARGET_SINGLE;
    ck_assert_int_eq(jg_emit(m, &o, &single, NULL, &d), 0);
    o.target = JG_TARGET_JIT;
    ck_assert_int_eq(jg_emit(m, &o, &jit_src, NULL, &d), 0);
    src = (char *)c.data;
    ck_assert(strstr(src, "a*/b") == NULL);
    ck_assert(strstr(src, "\xc3") == NULL);
    ck_assert(strstr(src, "?\?/") == NULL);
    /* the text may stay, inside the comment, but never on a line of its own */
    ck_assert(strstr(src, "\n#define HOSTILE") == NULL && strstr(src, "\n#define X") == NULL);
    ck_assert(strstr((char *)single.data, "\n#define HOSTILE") == NULL);
    ck_assert_int_eq(jg_jit_compile("<evil>", jg_buf_str(&jit_src), &jit), JG_OK);
    jg_jit_free(jit);
    tu_write_file(tu_path(dir, "evil.c"), c.data, c.len);
    tu_write_file(tu_path(dir, "evil.h"), h.data, h.len);
    tu_write_file(tu_path(dir, "evil_single.h"), single.data, single.len);
    snprintf(cmd, sizeof cmd, "cd '%s' && gcc -std=c99 -Wall -Wextra -pedantic -Werror -c evil.c && "
             "printf '#include \"evil.h\"\\nint main(void){double x=1,u[2];evil_eval(1,&x,u);return u[0]>0?0:1;}\\n' "
             ">main.c && gcc -std=c99 -Wall -Wextra -pedantic -Werror main.c evil.o -lm -o main && ./main && "
             "printf '#define EVIL_IMPLEMENTATION\\n#include \"evil_single.h\"\\n"
             "int main(void){double x=1,u[2];evil_eval(1,&x,u);return u[0]>0?0:1;}\\n' >one.c && "
             "for cc in 'gcc -std=c99' 'clang -std=c99' 'tcc' 'g++ -x c++'; do "
             "$cc -Wall -Wextra -pedantic -Werror one.c -lm -o one && ./one || exit 1; done", dir);
    ck_assert_int_eq(tu_run(cmd), 0);
    jg_buf_free(&c);
    jg_buf_free(&h);
    jg_buf_free(&single);
    jg_buf_free(&jit_src);
    jg_model_free(m);
    jg_diag_free(&d);
}
END_TEST

START_TEST(jit_reports_errors)
{
    jg_jit *j = NULL;
    ck_assert_int_eq(jg_jit_compile("<bad.c>", "int f(void) { return 1 }\n", &j), JG_ECOMPILE);
    ck_assert(j != NULL);
    ck_assert_msg(strstr(jg_jit_errmsg(j), "<bad.c>:1:") != NULL, "%s", jg_jit_errmsg(j));
    jg_jit_free(j);
    ck_assert_int_eq(jg_jit_compile("<ok.c>", "int f(void) { return 7; }\n", &j), JG_OK);
    ck_assert(jg_jit_function(j, "f") != NULL);
    ck_assert(jg_jit_function(j, "g") == NULL);
    ck_assert(jg_jit_function(j, NULL) == NULL);
    ck_assert(jg_jit_function(NULL, "f") == NULL);
    ck_assert_str_eq(jg_jit_errmsg(j), "");       /* a failed lookup does not overwrite the message */
    jg_jit_free(j);
    /* a failed compilation's message survives a lookup */
    ck_assert_int_eq(jg_jit_compile("<bad2.c>", "int f(void) { return }\n", &j), JG_ECOMPILE);
    ck_assert(jg_jit_function(j, "f") == NULL);
    ck_assert_msg(strstr(jg_jit_errmsg(j), "<bad2.c>:") != NULL, "%s", jg_jit_errmsg(j));
    jg_jit_free(j);
    /* a warning is no failure: the code compiles and runs, the warning
       is kept as the handle's message */
    {
        int (*f)(void);
        jg_jit_fn fn;
        ck_assert_int_eq(jg_jit_compile("<warn.c>", "int f(void) { char *q = (char *)0; int *r = q; "
                                        "return r == 0 ? 7 : 1; }\n",
                                        &j), JG_OK);
        ck_assert_msg(strstr(jg_jit_errmsg(j), "warning") != NULL, "no warning from libtcc: '%s'",
                      jg_jit_errmsg(j));
        fn = jg_jit_function(j, "f");
        ck_assert(fn != NULL);
        memcpy(&f, &fn, sizeof f);
        ck_assert_int_eq(f(), 7);
        jg_jit_free(j);
    }
    /* NULL arguments are misuse: tests/test_misuse.c (a stop in a debug
       build, a status in a release build) */
    ck_assert_str_eq(jg_jit_errmsg(NULL), "");
    /* no system headers for the JIT: an #include fails, it is not found */
    ck_assert_int_eq(jg_jit_compile("<inc.c>", "#include <stdio.h>\n", &j), JG_ECOMPILE);
    jg_jit_free(j);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("template");
    TCase *tc = tcase_create("fill");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, templates_compile_alone);
    tcase_add_test(tc, fill_checks_sections);
    tcase_add_test(tc, rename_whole_identifiers);
    tcase_add_test(tc, hostile_names_stay_harmless);
    tcase_add_test(tc, jit_reports_errors);
    suite_add_tcase(s, tc);
    return tu_run_suite(s);
}
