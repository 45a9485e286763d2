#!/usr/bin/env bash
# example.sh: installs what is missing, builds, and runs jetgen on the
# reference network (PINN 1-50-50-50-501, tanh): checks it, evaluates u,
# du/dx and d2u/dx2 at three points, verifies them against differences in
# long double, and writes its C to out/.
#   bash tools/example.sh
set -euo pipefail
cd "$(dirname "$0")/.."
. tools/deps.sh
jetgen_deps
jetgen_build
spec=tests/data/seed-pinn/model.spec
mkdir -p out
echo "\$ jetgen check $spec"
./build/jetgen check "$spec"
echo
echo "\$ printf '0.047286\n1.801855\n-1.423362\n' | jetgen eval $spec --format text > out/seed-pinn.txt"
printf '0.047286\n1.801855\n-1.423362\n' | ./build/jetgen eval "$spec" --format text > out/seed-pinn.txt
echo "(all 501 outputs at each point are in out/seed-pinn.txt; the first 4 here)"
awk '/^point/ {n = 0; print; next} { if (n++ < 5) print; else if (n == 6) print "     ..." }' out/seed-pinn.txt
echo
echo "\$ jetgen verify $spec"
./build/jetgen verify "$spec"
echo
echo "\$ jetgen emit $spec -o out/pinn.c --header out/pinn.h --prefix pinn"
./build/jetgen emit "$spec" -o out/pinn.c --header out/pinn.h --prefix pinn
echo "wrote out/pinn.c ($(wc -c < out/pinn.c) bytes) and out/pinn.h; compiling it with gcc -std=c99 -Wall -Wextra -pedantic -Werror:"
gcc -std=c99 -O2 -Wall -Wextra -pedantic -Werror -c out/pinn.c -o out/pinn.o && echo "ok"
echo "first lines of out/pinn.c:"
head -n 12 out/pinn.c
