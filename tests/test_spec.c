/* test_spec.c: the spec parser and the checks against the weights. Each bad
   spec must give its message, with its place, and no model; every error in
   a spec is reported, not only the first. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "activations.h"
#include "emit.h"
#include "load.h"
#include "model.h"
#include "template.h"
#include "testutil.h"

static char dir[512];

/* Writes w.st beside the specs: l0 [4 x 1] + bias, l1 [2 x 4] without
   bias, l2 [4 x 2] + bias, nanw [4 x 1] with a NaN, infw [4 x 1] with an
   infinity in its bias (F32), badb [4 x 1] with a bias of 3, ints [4 x 1]
   of I64. */
static void make_weights(void)
{
    static const double v[8] = {0.5, -0.25, 0.125, 1.0, -1.0, 2.0, 0.75, -0.5};
    static const double nanv[4] = {1.0, 2.0, NAN, 3.0};
    static const double infv[4] = {1.0, -INFINITY, 2.0, 3.0};
    tu_tensor t[] = {
        {"l0.weight", "F32", 2, {4, 1, 0, 0}, v},
        {"l0.bias", "F64", 1, {4, 0, 0, 0}, v},
        {"l1.weight", "F32", 2, {2, 4, 0, 0}, v},
        {"l2.weight", "F32", 2, {4, 2, 0, 0}, v},
        {"l2.bias", "F32", 1, {4, 0, 0, 0}, v},
        {"nanw.weight", "F64", 2, {4, 1, 0, 0}, nanv},
        {"infw.weight", "F64", 2, {4, 1, 0, 0}, v},
        {"infw.bias", "F32", 1, {4, 0, 0, 0}, infv},
        {"badb.weight", "F32", 2, {4, 1, 0, 0}, v},
        {"badb.bias", "F32", 1, {3, 0, 0, 0}, v},
        {"ints.weight", "I64", 2, {4, 1, 0, 0}, v},
    };
    snprintf(dir, sizeof dir, "%s", tu_tmpdir());
    tu_write_safetensors(tu_path(dir, "w.st"), t, sizeof t / sizeof t[0]);
}

static jg_model *load_text(const char *text, jg_diag *d)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/model.spec", dir);
    tu_write_file(path, text, strlen(text));
    return jg_load(path, d);
}

#define GOOD "input 1\nweights w.st\ndense 4 l0\ntanh\ndense 2 l1\n"
/* every statement of format 2 */
#define GOOD2 "input 1\nweights w.st\nscale 0.5 -1\ndense 4 l0\nscale l0.bias 1e-3\n" \
              "residual\nsoftplus beta=2 threshold=10\nresidual\nsin w0=30\nend\nend\ngelu approximate=tanh\n" \
              "fourier 2 l1.weight\ndense 2 l1\nhardtanh min_val=-2 max_val=2.5\n"

static const struct bad_case {
    const char *spec;
    const char *want;       /* the message after the folder, or a part of it */
    int n_errors;
} bad[] = {
    {"input 1\nweights w.st\ndense 4 l0\ntahn\ndense 2 l1\n",
     "model.spec:4:1: unknown layer 'tahn' (did you mean 'tanh'?)", 1},
    {"input 1\nweights w.st\ndense 4 l0\n  sigmod\ndense 2 l1\n",
     "model.spec:4:3: unknown layer 'sigmod' (did you mean 'sigmoid'?)", 1},
    {"input 1\nweights w.st\ndense 4 l0\nconv2d\ndense 2 l1\n", "model.spec:4:1: unknown layer 'conv2d'\n", 1},
    {"input 2\nweights w.st\ndense 4 l0\ntanh\ndense 2 l1\n",
     "model.spec:3: tensor l0.weight has shape [4, 1], expected [4, 2]", 1},
    {"input 1\nweights w.st\ndense 4 nope\n", "model.spec:3: tensor nope.weight not found in ", 1},
    {"input 1\nweights w.st\ndense 3 l0\n", "model.spec:3: tensor l0.weight has shape [4, 1], expected [3, 1]", 2},
    {"input 1\nweights w.st\ndense 4 badb\n", "model.spec:3: tensor badb.bias has shape [3], expected [4]", 1},
    {"input 1\nweights w.st\ndense 4 nanw\n", "model.spec:3: tensor nanw.weight holds NaN at index 2", 1},
    {"input 1\nweights w.st\ndense 4 infw\n", "model.spec:3: tensor infw.bias holds an infinity at index 1", 1},
    {"input 1\nweights w.st\ndense 4 ints\n",
     "model.spec:3: tensor ints.weight has dtype I64; weights must be F64, F32, F16 or BF16", 1},
    {"weights w.st\ndense 4 l0\n", "model.spec:2:1: a layer before 'input'", 1},
    {"input 1\ninput 1\nweights w.st\ndense 4 l0\n", "model.spec:2:1: 'input' given twice", 1},
    {"input 0\nweights w.st\ndense 4 l0\n", "model.spec:1:7: input count must be 1 to 65536, not 0", 1},
    {"input 99999999999999999999\nweights w.st\ndense 4 l0\n", "model.spec:1:7: input count must be 1 to 65536", 1},
    {"input x 2t\nweights w.st\ndense 4 l0\n", "model.spec:1:9: input name '2t' is not an identifier", 1},
    {"input x y x\nweights w.st\ndense 4 l0\n", "model.spec:1:11: input name 'x' given twice", 1},
    {"input\nweights w.st\ndense 4 l0\n", "model.spec:1:1: 'input' needs a count or one name per component", 1},
    {"input 1\nweights w.st\ndense 4\n", "model.spec:3:1: 'dense' takes a width and a tensor name: dense N NAME", 1},
    {"input 1\nweights w.st\ndense four l0\n", "model.spec:3:7: dense width must be 1 to 65536, not 'four'", 1},
    {"input 1\nweights w.st\ndense 4 l0\ntanh 3\n", "model.spec:4:6: 'tanh' takes no arguments", 1},
    {"input 1\ndense 4 l0\n", "model.spec: no 'weights' statement naming the safetensors file", 1},
    {"input 1\nweights w.st\nweights w.st\ndense 4 l0\n", "model.spec:3:1: 'weights' given twice (first on line 2)", 1},
    {"input 1\nweights w.st x\ndense 4 l0\n", "model.spec:2:1: 'weights' takes one path (without spaces)", 1},
    {"input 1\nweights missing.st\ndense 4 l0\n", "/missing.st: cannot open: No such file or directory", 1},
    {"input 1\nweights w.st\ntanh\n", "model.spec: no 'dense' layer: a network needs at least one", 1},
    {"", "model.spec: no 'input' statement", 1},
    {"input 1\nweights w.st\ndense 4 l0\ndense 1 a b c d e f g h i\n", "model.spec:4:", 1},
    {"input 1\nweights w.st\nfoo\nbar 3\ndense 4 l0\n", "model.spec:3:1: unknown layer 'foo'\n", 2},
    {"input 1\nweights w.st\ndense 4 l0\ntanh\x01\n", "unknown layer 'tanh\\x01'", 1},
    /* activation parameters */
    {"input 1\nweights w.st\ndense 4 l0\nsoftplus beta=0\n", "model.spec:4:1: softplus needs beta > 0, not 0", 1},
    {"input 1\nweights w.st\ndense 4 l0\nsoftplus gamma=2\n",
     "model.spec:4:10: 'softplus' takes beta=VALUE and threshold=VALUE, not 'gamma=2'", 1},
    {"input 1\nweights w.st\ndense 4 l0\nsin w0=abc\n", "model.spec:4:8: w0 must be a finite number, not 'abc'", 1},
    {"input 1\nweights w.st\ndense 4 l0\nsin w0=inf\n", "model.spec:4:8: w0 must be a finite number", 1},
    {"input 1\nweights w.st\ndense 4 l0\nsin w0=1 w0=2\n", "model.spec:4:10: w0 given twice", 1},
    {"input 1\nweights w.st\ndense 4 l0\nelu 2\n", "model.spec:4:5: 'elu' takes alpha=VALUE, not '2'", 1},
    {"input 1\nweights w.st\ndense 4 l0\nhardtanh min_val=1 max_val=0\n",
     "model.spec:4:1: hardtanh needs min_val < max_val, not 1 and 0", 1},
    {"input 1\nweights w.st\ndense 4 l0\nrelu negative_slope=0.1\n", "model.spec:4:6: 'relu' takes no arguments", 1},
    /* residual blocks */
    {"input 1\nweights w.st\ndense 4 l0\nresidual\ndense 2 l1\nend\n",
     "model.spec:6:1: the residual block from line 4 ends 2 wide but started 4 wide", 1},
    {"input 1\nweights w.st\ndense 4 l0\nend\n", "model.spec:4:1: 'end' without an open 'residual'", 1},
    {"input 1\nweights w.st\ndense 4 l0\nresidual\ntanh\n", "model.spec:4: 'residual' is never closed with 'end'", 1},
    {"input 1\nweights w.st\ndense 4 l0\nresidual\nresidual\nresidual\nresidual\nresidual\nresidual\nresidual\n"
     "residual\nresidual\n", "model.spec:12:1: residual blocks nested more than 8 deep", 9},
    {"input 1\nweights w.st\ndense 4 l0\nresidual x\nend\n", "model.spec:4:10: 'residual' takes no arguments", 2},
    /* scale and fourier */
    {"input 1\nweights w.st\ndense 4 l0\nscale l0.weight\n", "model.spec:4: tensor l0.weight has shape [4, 1], expected [4]",
     1},
    {"input 1\nweights w.st\ndense 4 l0\nscale l0.bias nope\n", "model.spec:4: tensor nope not found in ", 1},
    {"input 1\nweights w.st\ndense 4 l0\nscale\n", "model.spec:4:1: 'scale' takes a factor and an optional offset", 1},
    {"input 1\nweights w.st\nfourier 3 l0.weight\ndense 2 l1\n",
     "model.spec:3: tensor l0.weight has shape [4, 1], expected [3, 1]", 2},
    {"input 1\nweights w.st\nfourier 0 l0.weight\ndense 2 l1\n", "model.spec:3:9: fourier width must be 1 to 32768", 1},
    {"input 1\nscale 2 1\ndense 4 l0\n", "model.spec: no 'weights' statement naming the safetensors file", 1},
    /* format 3 */
    {"format 3\ninput x\nweights w.st\nh = dense 4 l0 y\noutput h\n",
     "model.spec:4:16: unknown value 'y' (a value is named by 'NAME = ...' before its use, or is an input)", 1},
    {"format 3\ninput x\nweights w.st\nh = dense 4 l0 x\nh = tanh h\noutput h\n",
     "model.spec:5:1: value 'h' is defined twice (first on line 4)", 1},
    {"format 3\ninput x\nweights w.st\nh = dense 4 l0 x\n", "model.spec: no 'output' statement", 1},
    {"format 3\ninput x\nweights w.st\nh = dense 4 l0 x\ng = dense 2 l1 h\nk = add h g\noutput k\n",
     "model.spec:6:11: 'add' of values 4 and 2 wide: widths must match, or one be 1 (broadcast)", 1},
    {"format 3\ninput x\nweights w.st\nh = dense 4 l0 x\ns = slice h 2 5\noutput s\n",
     "model.spec:5:13: slice 2 5 of a value 4 wide", 1},
    {"format 3\ninput x\nweights w.st\nh = dense 4 l0 x\ntanh h\noutput h\n",
     "model.spec:5:1: in format 3 a layer names its value and operands: NAME = tanh ... VALUE", 1},
    {"format 3\ninput x\nweights w.st\nh=tanh x\noutput h\n",
     "model.spec:4:1: a statement of format 3 is 'NAME = KEYWORD OPERANDS...', with spaces around '='", 2},
    {"format 3\ninput x\nweights w.st\nh = tahn x\noutput h\n",
     "model.spec:4:5: unknown layer 'tahn' (did you mean 'tanh'?)", 1},
    {"format 3\ninput x\nweights w.st\nh = residual x\noutput h\n",
     "model.spec:4:5: 'residual' is for chains (format 2)", 1},
    {"format 3\ninput x\nweights w.st\ninput = tanh x\noutput x\n", "model.spec:4:1: 'input' given twice", 1},
    {"format 3\ninput x\nweights w.st\nx = tanh x\noutput x\n", "model.spec:4:1: 'x' is an input's name", 1},
    {"format 3\ninput x\nweights w.st\nh = pow x n=2.5\noutput h\n",
     "model.spec:4:9: pow needs an integer n from -64 to 64, not 2.5", 1},
    {"format 3\ninput x\nweights w.st\nh = matmul 3 l0.weight x\noutput h\n",
     "model.spec:4: tensor l0.weight has shape [4, 1], expected [3, 1]", 1},
    {"format 3\ninput x\nweights w.st\nh = dense 4 l0 x\noutput h\noutput h\n",
     "model.spec:6:1: 'output' given twice (first on line 5)", 1},
    {"input 1\nweights w.st\ndense 4 l0\nadd\n", "model.spec:4:1: 'add' is a statement of format 3", 1},
    {"input 1\nweights w.st\ndense 4 l0\noutput l0\n", "model.spec:4:1: 'output' is a statement of format 3", 1},
    {"input 1\nweights w.st\nformat 3\ndense 4 l0\n", "model.spec:3:1: 'format' must be the first statement", 1},
    {"format 4\ninput 1\nweights w.st\ndense 4 l0\n", "model.spec:1:8: 'format' takes 1, 2 or 3, not '4'", 1},
    /* over */
    {"input x y t\nover x z\nweights w.st\ndense 4 l0\n",
     "model.spec:2:8: 'z' is not an input (a name of 'input', or a number from 0)", 1},
    {"input x y t\nover y x\nweights w.st\ndense 4 l0\n",
     "model.spec:2:8: 'over' takes each input once, in the order of 'input'", 1},
    {"over 0\ninput 3\nweights w.st\ndense 4 l0\n", "model.spec:1:1: 'over' must come after 'input'", 1},
    {"input 2\nover 0\nover 1\nweights w.st\ndense 4 l0\n", "model.spec:3:1: 'over' given twice", 1},
    {"input 2\nover\nweights w.st\ndense 4 l0\n", "model.spec:2:1: 'over' names the inputs", 1},
    {"input 2\nover 0 1 1\nweights w.st\ndense 4 l0\n", "model.spec:2:1: 'over' names 3 inputs of 2", 1},
    /* terms */
    {"input x t\nterms xx xq\nweights w.st\ndense 4 l0\n",
     "model.spec:2:10: term 'xq': 'q' is not an input (one-character input names side by side", 1},
    {"input x t\nterms xxxxx\nweights w.st\ndense 4 l0\n",
     "model.spec:2:7: term 'xxxxx': order above 4, the highest jetgen computes", 1},
    {"input x t\nterms xt tx\nweights w.st\ndense 4 l0\n", "model.spec:2:10: term 'tx' given twice", 1},
    {"terms x\ninput x t\nweights w.st\ndense 4 l0\n", "model.spec:1:1: 'terms' must come after 'input'", 1},
    {"input x t\nterms x\nterms t\nweights w.st\ndense 4 l0\n",
     "model.spec:3:1: 'terms' given twice (first on line 2)", 1},
    {"input x t\nterms\nweights w.st\ndense 4 l0\n", "model.spec:2:1: 'terms' names the partial derivatives", 1},
    {"input x1 x2\nterms x1 x1x2\nweights w.st\ndense 4 l0\n",
     "model.spec:2:10: term 'x1x2': not an input: write input names side by side where each is one character "
     "(xxt), else joined by '*' (x1*x1*x2)", 1},
    {"input x1 x2\nterms x1*x3\nweights w.st\ndense 4 l0\n",
     "model.spec:2:7: term 'x1*x3': 'x3' is not an input (a name of 'input', or a number from 0)", 1},
    {"input 12\nterms 0*12\nweights w.st\ndense 4 l0\n",
     "model.spec:2:7: term '0*12': '12' is not an input (a number from 0)", 1},
    {"input x t\nweights w.st\ndense 4 l0\ntrems x\n", "model.spec:4:1: unknown layer 'trems' (did you mean 'terms'?)",
     1},
};

START_TEST(bad_spec_is_refused)
{
    const struct bad_case *c = &bad[_i];
    jg_diag d = JG_DIAG_INIT;
    jg_model *m;
    make_weights();
    m = load_text(c->spec, &d);
    ck_assert_msg(m == NULL, "case %d was accepted", _i);
    ck_assert_msg(strstr(jg_buf_str(&d.text), c->want) != NULL,
                  "case %d: message\n%s\ndoes not say\n%s", _i, jg_buf_str(&d.text), c->want);
    ck_assert_msg(d.n_errors == c->n_errors, "case %d: %d errors, want %d:\n%s", _i, d.n_errors,
                  c->n_errors, jg_buf_str(&d.text));
    jg_diag_free(&d);
}
END_TEST

/* `terms` in each way of writing a term, and the list parser and names
   (gen/terms.h) on the same. */
START_TEST(terms_statement)
{
    static const struct {
        const char *spec, *names;   /* the terms jg_term_name gives back, comma-separated */
        int order[6];
        size_t in[6][4];
    } good[] = {
        {"input x t\nterms \"\" t x xx xxxx xxt\nweights w.st\ndense 4 l2\n", "\"\",t,x,xx,xxxx,xxt",
         {0, 1, 1, 2, 4, 3}, {{0}, {1}, {0}, {0, 0}, {0, 0, 0, 0}, {0, 0, 1}}},
        {"input x y\nterms yxyx x*y*y\nweights w.st\ndense 4 l2\n", "xxyy,xyy", {4, 3}, {{0, 0, 1, 1}, {0, 1, 1}}},
        {"input x1 x2\nweights w.st\nterms x1 x2*x1*x1 1*1\ndense 4 l2\n", "x1,x1*x1*x2,x2*x2", {1, 3, 2}, {{0}, {0, 0, 1}, {1, 1}}},
        {"format 3\ninput 3\nterms 2 001 \"\"\nu = mul input input\noutput u\n", "2,0*0*1,\"\"", {1, 3, 0}, {{2}, {0, 0, 1}, {0}}},
        {"format 3\ninput x t\nterms x xx\nweights w.st\nz = dense 4 l2 input\noutput z\n", "x,xx", {1, 2},
         {{0}, {0, 0}}},
    };
    size_t c, k;
    int j;
    make_weights();
    for (c = 0; c < sizeof good / sizeof good[0]; c++) {
        jg_diag d = JG_DIAG_INIT;
        char msg[256];
        jg_buf names = JG_BUF_INIT;
        jg_term again[8];
        size_t at;
        jg_model *m;
        m = load_text(good[c].spec, &d);
        ck_assert_msg(m != NULL, "case %zu: %s", c, jg_buf_str(&d.text));
        for (k = 0; k < m->n_terms; k++) {
            ck_assert_int_eq(m->terms[k].order, good[c].order[k]);
            for (j = 0; j < m->terms[k].order; j++)
                ck_assert_uint_eq(m->terms[k].in[j], good[c].in[k][j]);
            if (k > 0)
                jg_buf_puts(&names, ",");
            jg_term_name(&m->terms[k], m->n_in, m->input_names, &names);
        }
        ck_assert_str_eq(jg_buf_str(&names), good[c].names);
        /* the names read back as the same terms */
        ck_assert_int_eq(jg_terms_parse(jg_buf_str(&names), m->n_in, m->input_names, again, 8, msg, sizeof msg, &at),
                         (int)m->n_terms);
        for (k = 0; k < m->n_terms; k++)
            ck_assert(jg_term_same(&again[k], &m->terms[k]));
        jg_buf_free(&names);
        jg_model_free(m);
        jg_diag_free(&d);
    }
    {   /* every term of order 4 in six inputs: 210 channels, past the limit */
        jg_diag d = JG_DIAG_INIT;
        jg_buf spec = JG_BUF_INIT;
        int a, b, cc, dd;
        jg_buf_puts(&spec, "input a b c d e f\nterms");
        for (a = 0; a < 6; a++)
            for (b = a; b < 6; b++)
                for (cc = b; cc < 6; cc++)
                    for (dd = cc; dd < 6; dd++)
                        jg_buf_printf(&spec, " %c%c%c%c", 'a' + a, 'a' + b, 'a' + cc, 'a' + dd);
        jg_buf_puts(&spec, "\nweights w.st\ndense 4 l0\n");
        ck_assert(load_text(jg_buf_str(&spec), &d) == NULL);
        ck_assert_msg(strstr(jg_buf_str(&d.text), "model.spec:2:1: these terms take more than 128 channels") != NULL,
                      "%s", jg_buf_str(&d.text));
        jg_buf_free(&spec);
        jg_diag_free(&d);
    }
    {
        char *names[2] = {"x", "t"};
        jg_term t[4];
        char msg[256];
        size_t at;
        ck_assert_int_eq(jg_terms_parse(",x,xx", 2, names, t, 4, msg, sizeof msg, &at), 3);
        ck_assert_int_eq(t[0].order, 0);
        ck_assert_int_eq(jg_terms_parse("x,xt,tx", 2, names, t, 4, msg, sizeof msg, &at), -1);
        ck_assert_str_eq(msg, "term 'tx': given twice");
        ck_assert_uint_eq(at, 5);
        ck_assert_int_eq(jg_terms_parse("x,t,xx,tt,xt", 2, names, t, 4, msg, sizeof msg, &at), -1);
        ck_assert_str_eq(msg, "more than 4 terms");
    }
    {   /* digits side by side are components wherever there are at most 10
           inputs, named or not (names of several characters too: "00" is
           d2u/dx0^2, never x0 once); with more, one component number;
           digits that are a name, that input */
        char *names[2] = {"x0", "x1"}, *eleven[11] = {"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k"};
        char *digit_name[2] = {"01", "t"};
        jg_term t[4];
        char msg[256];
        size_t at;
        ck_assert_int_eq(jg_terms_parse("00,01,1", 2, names, t, 4, msg, sizeof msg, &at), 3);
        ck_assert_int_eq(t[0].order, 2);
        ck_assert_uint_eq(t[0].in[0], 0);
        ck_assert_uint_eq(t[0].in[1], 0);
        ck_assert_int_eq(t[1].order, 2);
        ck_assert_uint_eq(t[1].in[1], 1);
        ck_assert_int_eq(t[2].order, 1);
        ck_assert_int_eq(jg_terms_parse("10,009", 11, NULL, t, 4, msg, sizeof msg, &at), 2);
        ck_assert_int_eq(t[0].order, 1);
        ck_assert_uint_eq(t[0].in[0], 10);
        ck_assert_int_eq(t[1].order, 1);
        ck_assert_uint_eq(t[1].in[0], 9);
        ck_assert_int_eq(jg_terms_parse("10,aa", 11, eleven, t, 4, msg, sizeof msg, &at), 2);
        ck_assert_uint_eq(t[0].in[0], 10);
        ck_assert_int_eq(t[1].order, 2);
        ck_assert_int_eq(jg_terms_parse("x0,12", 2, names, t, 4, msg, sizeof msg, &at), -1);
        ck_assert_str_eq(msg, "term '12': '2' is not an input (component digits side by side, or numbers joined "
                              "by '*')");
        ck_assert_int_eq(jg_terms_parse("01,t", 2, digit_name, t, 4, msg, sizeof msg, &at), 2);
        ck_assert_int_eq(t[0].order, 1);
        ck_assert_uint_eq(t[0].in[0], 0);
    }
}
END_TEST

/* A graph of every format-3 statement: the values, widths and operands
   as written. */
START_TEST(format3_graph)
{
    jg_diag d = JG_DIAG_INIT;
    jg_model *m;
    make_weights();
    m = load_text("format 3\ninput x t\nweights w.st\n"
                  "a = dense 4 l0 x            # x: input 0\n"
                  "b = tanh a\n"
                  "c = scale b -1 1\n"
                  "d = mul c b\n"
                  "e = sub d t                 # t: broadcast\n"
                  "f = cat e x input\n"
                  "g = slice f 1 5\n"
                  "h = dense 2 l1 g\n"
                  "k = matmul 4 l2.weight h\n"
                  "p = pow k n=3\n"
                  "q = add p k\n"
                  "r = identity q\n"
                  "output r\n", &d);
    ck_assert_msg(m != NULL, "%s", jg_buf_str(&d.text));
    ck_assert_int_eq(m->format, 3);
    ck_assert_uint_eq(m->n_in, 2);
    ck_assert_uint_eq(m->n_out, 4);
    /* x and t are slices made on first use: 12 statements, 14 layers */
    ck_assert_uint_eq(m->n_layers, 14);
    ck_assert(m->layers[0].kind == JG_SLICE && m->layers[0].off == 0 && m->layers[0].n_out == 1);
    ck_assert(m->layers[1].kind == JG_DENSE && m->layers[1].arg[0] == 1 && m->layers[1].n_out == 4);
    ck_assert(m->layers[6].kind == JG_ADD && m->layers[6].param[0] == -1.0 && m->layers[6].arg[1] == 6);
    ck_assert(m->layers[7].kind == JG_CAT && m->layers[7].n_args == 3 && m->layers[7].n_out == 7);
    ck_assert(m->layers[8].kind == JG_SLICE && m->layers[8].off == 1 && m->layers[8].n_out == 4);
    ck_assert(m->layers[10].kind == JG_MATMUL && m->layers[10].n_in == 2 && m->layers[10].w[3] == 1.0);
    ck_assert(m->layers[11].kind == JG_ACTIVATION && m->layers[11].param[0] == 3.0);
    ck_assert_uint_eq(m->output, 14);
    ck_assert_str_eq(m->layers[13].name, "r");
    ck_assert(m->n_over == 2 && m->over == NULL);       /* no `over`: all inputs */
    jg_model_free(m);
    m = load_text("input x t\nweights w.st\nover t\ndense 4 l2\n", &d);
    ck_assert_msg(m != NULL, "%s", jg_buf_str(&d.text));
    ck_assert(m->n_over == 1 && m->over[0] == 1);
    ck_assert_uint_eq(jg_model_channels(m, JG_MODE_DIAG), 1 + 2 + 1);
    jg_model_free(m);
    jg_diag_free(&d);
}
END_TEST

START_TEST(good_specs)
{
    jg_diag d = JG_DIAG_INIT;
    jg_model *m;
    make_weights();
    /* comments, blank lines, tabs, CRLF, named inputs, a missing bias */
    m = load_text("# a comment\r\n\r\ninput\tx  t # two named inputs\r\n"
                  "weights w.st\r\n\r\ndense 4 l2 # with bias\r\nsigmoid\r\n"
                  "dense 2 l1\r\nidentity\r\n", &d);
    ck_assert_msg(m != NULL, "%s", jg_buf_str(&d.text));
    ck_assert_uint_eq(m->n_in, 2);
    ck_assert_str_eq(m->input_names[0], "x");
    ck_assert_str_eq(m->input_names[1], "t");
    ck_assert_uint_eq(m->n_layers, 4);
    ck_assert_uint_eq(m->n_out, 2);
    ck_assert(m->layers[0].b != NULL);
    ck_assert(m->layers[0].w[7] == -0.5);
    ck_assert(m->layers[2].b == NULL);
    ck_assert_int_eq(m->layers[2].line, 8);
    ck_assert_uint_eq(jg_model_params(m), 8 + 4 + 8);
    ck_assert_uint_eq(jg_model_channels(m, 2), 6);
    jg_model_free(m);
    m = load_text(GOOD, &d);
    ck_assert_msg(m != NULL, "%s", jg_buf_str(&d.text));
    ck_assert(m->input_names == NULL);
    ck_assert(m->layers[0].b[3] == 1.0);
    ck_assert_str_eq(m->layers[0].dtype, "F32");
    jg_model_free(m);
    /* dense after dense, an activation on the output */
    m = load_text("input 1\nweights w.st\ndense 4 l0\ndense 2 l1\ntanh\ndense 4 l2\nsigmoid\n", &d);
    ck_assert_msg(m != NULL, "%s", jg_buf_str(&d.text));
    ck_assert_int_eq(jg_model_warn(m, &d), 1);
    ck_assert_msg(strstr(jg_buf_str(&d.text), "model.spec:4:1: warning: a dense layer right after another") != NULL,
                  "%s", jg_buf_str(&d.text));
    jg_model_free(m);
    ck_assert_int_eq(d.n_errors, 0);
    /* a dense layer read by a dense layer and by something else (a layer
       norm's mean and its centering): a branch, no warning */
    jg_diag_free(&d);
    m = load_text("format 3\ninput x\nweights w.st\na = dense 4 l0 x\nb = dense 2 l1 a\nc = tanh b\n"
                  "e = dense 4 l2 c\nf = add a e\noutput f\n", &d);
    ck_assert_msg(m != NULL, "%s", jg_buf_str(&d.text));
    ck_assert_int_eq(jg_model_warn(m, &d), 0);
    jg_model_free(m);
}
END_TEST

START_TEST(format2_statements)
{
    jg_diag d = JG_DIAG_INIT;
    jg_model *m;
    make_weights();
    m = load_text(GOOD2, &d);
    ck_assert_msg(m != NULL, "%s", jg_buf_str(&d.text));
    ck_assert_uint_eq(m->n_layers, 13);
    ck_assert_int_eq(m->max_depth, 2);
    ck_assert(m->layers[0].kind == JG_SCALE && m->layers[0].w[0] == 0.5 && m->layers[0].b[0] == -1.0);
    ck_assert(m->layers[2].kind == JG_SCALE && m->layers[2].b[3] == 1e-3 && m->layers[2].w[1] == -0.25);
    ck_assert(m->layers[4].kind == JG_ACTIVATION && m->layers[4].param[0] == 2.0 && m->layers[4].param[1] == 10.0);
    ck_assert(m->layers[6].param[0] == 30.0 && m->layers[7].depth == 1 && m->layers[8].depth == 0);
    ck_assert_str_eq(m->layers[9].info->keyword, "gelu_tanh");
    ck_assert(m->layers[10].kind == JG_FOURIER && m->layers[10].n_in == 4 && m->layers[10].n_out == 4);
    ck_assert(m->layers[12].param[0] == -2.0 && m->layers[12].param[1] == 2.5);
    ck_assert_int_eq(jg_model_warn(m, &d), 1);
    ck_assert_msg(strstr(jg_buf_str(&d.text), "model.spec:15:1: warning: hardtanh is piecewise linear") != NULL,
                  "%s", jg_buf_str(&d.text));
    jg_model_free(m);
    jg_diag_free(&d);
}
END_TEST

/* Past JG_DIAG_MAX_SHOWN messages, one line counts the rest. */
START_TEST(errors_are_capped)
{
    char text[4096];
    size_t len = 0, lines = 0, i;
    jg_diag d = JG_DIAG_INIT;
    const char *t;
    len += (size_t)sprintf(text, "input 1\nweights w.st\n");
    for (i = 0; i < 30; i++)
        len += (size_t)sprintf(text + len, "tahn\n");
    len += (size_t)sprintf(text + len, "dense 4 l0\n");
    make_weights();
    ck_assert(load_text(text, &d) == NULL);
    ck_assert_int_eq(d.n_errors, 30);
    for (t = jg_buf_str(&d.text); *t != '\0'; t++)
        lines += *t == '\n';
    ck_assert_uint_eq(lines, 21);
    ck_assert_msg(strstr(jg_buf_str(&d.text), "model.spec:22:1: unknown layer 'tahn'") != NULL, "%s",
                  jg_buf_str(&d.text));
    ck_assert_msg(strstr(jg_buf_str(&d.text), "model.spec: and 10 more messages (the first 20 are shown)\n")
                  != NULL, "%s", jg_buf_str(&d.text));
    jg_diag_free(&d);
}
END_TEST

START_TEST(nul_byte_is_refused)
{
    static const char text[] = "input 1\nweights w.st\ndense 4 l0\nta\0nh\n";
    char path[1024];
    jg_diag d = JG_DIAG_INIT;
    make_weights();
    snprintf(path, sizeof path, "%s/model.spec", dir);
    tu_write_file(path, text, sizeof text - 1);
    ck_assert(jg_load(path, &d) == NULL);
    ck_assert_msg(strstr(jg_buf_str(&d.text), "model.spec:4: a NUL byte in the spec\n") != NULL, "%s",
                  jg_buf_str(&d.text));
    ck_assert_int_eq(d.n_errors, 1);
    jg_diag_free(&d);
}
END_TEST

START_TEST(work_space_limit)
{
    jg_diag d = JG_DIAG_INIT;
    /* 200 inputs: 20301 channels per point; a 200-wide input layer then
       needs 32 MB per point: refused before the weights are read. */
    ck_assert(load_text("input 200\nweights nowhere.st\ndense 4 l0\n", &d) == NULL);
    ck_assert_msg(strstr(jg_buf_str(&d.text), "model.spec: too large: 200 inputs") != NULL, "%s",
                  jg_buf_str(&d.text));
    jg_diag_free(&d);
}
END_TEST

/* Every activation of the one list (gen/activations.h) is a spec keyword
   with its parameters, has its kernel and declaration sections in
   templates/kernels.c, and a row in docs/spec.md's table naming its
   parameters: adding one to the list without the rest fails here. */
/* One edit distance for every "did you mean" (the spec parser's and the
   command line's): a swap of neighbours is one edit. */
START_TEST(edit_distance_counts_swaps)
{
    ck_assert_uint_eq(jg_edit_distance("tahn", 4, "tanh", 4), 1);
    ck_assert_uint_eq(jg_edit_distance("tnah", 4, "tanh", 4), 1);
    ck_assert_uint_eq(jg_edit_distance("sigmod", 6, "sigmoid", 7), 1);
    ck_assert_uint_eq(jg_edit_distance("--thread", 8, "--threads", 9), 1);
    ck_assert_uint_eq(jg_edit_distance("relu", 4, "gelu", 4), 1);
    ck_assert_uint_eq(jg_edit_distance("abc", 3, "cba", 3), 2);
    ck_assert_uint_eq(jg_edit_distance("", 0, "tanh", 4), 4);
    ck_assert_uint_eq(jg_edit_distance("a", 1, "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", 33), 99);
}
END_TEST

START_TEST(activations_registry)
{
    char path[1024], row[256];
    char *doc;
    size_t i, n_act = 0, len;
    snprintf(path, sizeof path, "%s/docs/spec.md", getenv("JG_SOURCE_ROOT"));
    doc = tu_read_file(path, NULL);
    ck_assert_ptr_nonnull(doc);
    for (i = 0; jg_layer_info_at(i) != NULL; i++) {
        const jg_layer_info *info = jg_layer_info_at(i);
        const char *at, *end;
        int k;
        if (info->kind != JG_ACTIVATION)
            continue;
        n_act++;
        ck_assert_ptr_eq(jg_layer_lookup(info->keyword), info);
        ck_assert_msg(jg_tpl_section(jg_tpl_kernels_c, info->keyword, &len) != NULL, "no kernel %s",
                      info->keyword);
        snprintf(row, sizeof row, "%s-decl", info->keyword);
        ck_assert_msg(jg_tpl_section(jg_tpl_kernels_c, row, &len) != NULL, "no %s", row);
        snprintf(row, sizeof row, "\n| `%s` |", info->keyword);
        at = strstr(doc, row);
        ck_assert_msg(at != NULL, "docs/spec.md has no row for %s", info->keyword);
        end = strchr(at + 1, '\n');
        for (k = 0; k < info->n_params; k++) {
            const char *p = strstr(at, info->param_name[k]);
            ck_assert_msg(p != NULL && p < end, "docs/spec.md's row of %s does not name %s", info->keyword,
                          info->param_name[k]);
        }
    }
    ck_assert_uint_eq(n_act, JG_N_ACTIVATIONS);
    free(doc);
}
END_TEST

/* The limits of docs/spec.md that the table above does not reach. */
START_TEST(size_limits)
{
    jg_diag d = JG_DIAG_INIT;
    jg_buf text = JG_BUF_INIT;
    char path[1024], *big;
    size_t i;
    jg_model *m;
    make_weights();
    /* layers: 4096 statements after input and weights, then one more */
    jg_buf_puts(&text, "input 1\nweights w.st\ndense 4 l0\n");
    for (i = 1; i < 4096; i++)
        jg_buf_puts(&text, "tanh\n");
    m = load_text(jg_buf_str(&text), &d);
    ck_assert_msg(m != NULL, "%s", jg_buf_str(&d.text));
    jg_model_free(m);
    jg_buf_puts(&text, "tanh\n");
    ck_assert(load_text(jg_buf_str(&text), &d) == NULL);
    ck_assert_msg(strstr(jg_buf_str(&d.text), "model.spec:4099:1: more than 4096 layers") != NULL, "%s",
                  jg_buf_str(&d.text));
    jg_diag_free(&d);
    /* words on a line: `input` with 40 names (more than 23 failed at 24
       words; found by fuzz/differential.py; past about 60 inputs the work
       space of second derivatives is the limit), then 1025 words */
    text.len = 0;
    jg_buf_puts(&text, "format 3\ninput");
    for (i = 0; i < 40; i++)
        jg_buf_printf(&text, " a%zu", i);
    jg_buf_puts(&text, "\nweights w.st\nh = dense 4 l0 a39\noutput h\n");
    m = load_text(jg_buf_str(&text), &d);
    ck_assert_msg(m != NULL && m->n_in == 40, "%s", jg_buf_str(&d.text));
    jg_model_free(m);
    text.len = 0;
    jg_buf_puts(&text, "input");
    for (i = 0; i < 1024; i++)
        jg_buf_printf(&text, " a%zu", i);
    jg_buf_puts(&text, "\nweights w.st\ndense 4 l0\n");
    ck_assert(load_text(jg_buf_str(&text), &d) == NULL);
    ck_assert_msg(strstr(jg_buf_str(&d.text), "too many words on one line (at most 1024)") != NULL, "%s",
                  jg_buf_str(&d.text));
    jg_diag_free(&d);
    /* a tensor name of 129 bytes */
    text.len = 0;
    jg_buf_puts(&text, "input 1\nweights w.st\ndense 4 ");
    for (i = 0; i < 129; i++)
        jg_buf_putc(&text, 'a');
    jg_buf_puts(&text, "\n");
    ck_assert(load_text(jg_buf_str(&text), &d) == NULL);
    ck_assert_msg(strstr(jg_buf_str(&d.text), "128 bytes") != NULL, "%s", jg_buf_str(&d.text));
    jg_diag_free(&d);
    /* a spec file of 16 MiB and one byte */
    big = malloc(((size_t)16 << 20) + 2);
    memset(big, '#', ((size_t)16 << 20) + 1);
    big[(size_t)16 << 20] = '\n';
    big[((size_t)16 << 20) + 1] = '\0';
    snprintf(path, sizeof path, "%s/big.spec", dir);
    tu_write_file(path, big, ((size_t)16 << 20) + 1);
    free(big);
    ck_assert(jg_load(path, &d) == NULL);
    ck_assert_msg(strstr(jg_buf_str(&d.text), "big.spec: spec is larger than the limit of 16 MiB") != NULL,
                  "%s", jg_buf_str(&d.text));
    jg_diag_free(&d);
    /* a folder and a device where a spec or weights file should be */
    ck_assert(jg_load(dir, &d) == NULL);
    ck_assert_msg(strstr(jg_buf_str(&d.text), "not a regular file") != NULL, "%s", jg_buf_str(&d.text));
    jg_diag_free(&d);
    ck_assert(load_text("input 1\nweights /dev/zero\ndense 4 l0\n", &d) == NULL);
    ck_assert_msg(strstr(jg_buf_str(&d.text), "/dev/zero") != NULL
                  && strstr(jg_buf_str(&d.text), "not a regular file") != NULL, "%s", jg_buf_str(&d.text));
    jg_diag_free(&d);
    ck_assert(load_text("input 1\nweights .\ndense 4 l0\n", &d) == NULL);
    ck_assert_msg(strstr(jg_buf_str(&d.text), "not a regular file") != NULL, "%s", jg_buf_str(&d.text));
    jg_diag_free(&d);
    ck_assert(load_text("input 1\nweights nothere.st\ndense 4 l0\n", &d) == NULL);
    ck_assert_msg(strstr(jg_buf_str(&d.text), "nothere.st") != NULL
                  && strstr(jg_buf_str(&d.text), "No such file") != NULL, "%s", jg_buf_str(&d.text));
    jg_diag_free(&d);
    jg_buf_free(&text);
}
END_TEST

START_TEST(prefix_must_be_an_identifier)
{
    static const char *const badp[] = {"", "9lives", "a-b", "_x", "a b", "x;y", "pinn\n",
        "p\xc3\xa9", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"};
    static const char *const goodp[] = {"pinn", "Net_2", "x", "model"};
    size_t i;
    for (i = 0; i < sizeof badp / sizeof badp[0]; i++)
        ck_assert_msg(jg_prefix_problem(badp[i]) != NULL, "'%s' accepted", badp[i]);
    for (i = 0; i < sizeof goodp / sizeof goodp[0]; i++)
        ck_assert_msg(jg_prefix_problem(goodp[i]) == NULL, "'%s' refused", goodp[i]);
}
END_TEST

START_TEST(emit_refuses_bad_prefix)
{
    jg_diag d = JG_DIAG_INIT;
    jg_buf c = JG_BUF_INIT;
    jg_emit_opts o = {"my-net", JG_TARGET_FILE, NULL, JG_DOUBLE, 0};
    jg_model *m;
    make_weights();
    m = load_text(GOOD, &d);
    ck_assert(m != NULL);
    ck_assert_int_eq(jg_emit(m, &o, &c, NULL, &d), -1);
    ck_assert_str_eq(jg_buf_str(&d.text),
                     "jetgen: prefix 'my-net' is not a usable C identifier: it holds a character other "
                     "than a letter, digit or _\n");
    ck_assert_uint_eq(c.len, 0);
    jg_model_free(m);
    jg_diag_free(&d);
}
END_TEST

START_TEST(suggestions)
{
    ck_assert_str_eq(jg_layer_suggest("tahn"), "tanh");
    ck_assert_str_eq(jg_layer_suggest("Dense"), "dense");
    ck_assert_str_eq(jg_layer_suggest("wieghts"), "weights");
    ck_assert_str_eq(jg_layer_suggest("reul"), "relu");
    ck_assert_str_eq(jg_layer_suggest("gleu"), "gelu");
    ck_assert(jg_layer_suggest("conv2d") == NULL);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("spec");
    TCase *tc = tcase_create("parse");
    tcase_add_loop_test(tc, bad_spec_is_refused, 0, (int)(sizeof bad / sizeof bad[0]));
    tcase_add_test(tc, good_specs);
    tcase_add_test(tc, format2_statements);
    tcase_add_test(tc, nul_byte_is_refused);
    tcase_add_test(tc, work_space_limit);
    tcase_add_test(tc, activations_registry);
    tcase_add_test(tc, edit_distance_counts_swaps);
    tcase_add_test(tc, size_limits);
    tcase_add_test(tc, prefix_must_be_an_identifier);
    tcase_add_test(tc, emit_refuses_bad_prefix);
    tcase_add_test(tc, suggestions);
    tcase_add_test(tc, format3_graph);
    tcase_add_test(tc, terms_statement);
    tcase_add_test(tc, errors_are_capped);
    suite_add_tcase(s, tc);
    return tu_run_suite(s);
}
