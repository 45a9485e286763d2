/* A kernel template whose `needs:` line names a section it lacks: tools/embed.c
   must fail the build (tests/meson.build, embed-needs-checked). */
/**** begin helper ****/
static double helper(double x) { return x; }
/**** end helper ****/

/**** begin kernel ****/
/* needs: helper missing_helper */
static double kernel(double x) { return helper(x); }
/**** end kernel ****/
