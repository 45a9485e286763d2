// tests/install/main.cpp: main.c compiled as C++ by g++ (tests/install.sh):
// jetgen.h's extern "C" and the library's symbols as a C++ program sees them.
#include "main.c"
