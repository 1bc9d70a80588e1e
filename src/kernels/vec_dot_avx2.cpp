// AVX2 + FMA + F16C dot products (the kernel bodies are in vec_dot_x86.inc).
#define RUVLLM_DOT_KERNEL_TABLE avx2_dot_kernel
#include "kernels/vec_dot_x86.inc"
