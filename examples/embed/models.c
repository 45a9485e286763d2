/* models.c: the bodies of the reference network, in the one C file of the
   program that defines PINN_IMPLEMENTATION. pinn.h is generated at build
   time (meson runs `jetgen emit ../seed-pinn/model.spec --prefix pinn
   --single-header pinn.h`); every other file includes it for the
   declarations only. */
#define PINN_IMPLEMENTATION
#include "pinn.h"
