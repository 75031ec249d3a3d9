/*
 * Peer: one OpenBLAS product on one thread, timed — the rate bench/products.ts measures for our
 * kernels, on the same shapes and in the same row-major layout, so the two give the ratio of
 * the instruction sets themselves (issue #17: our 128-bit wasm SIMD against OpenBLAS's AVX2 /
 * AVX-512 with FMA). Shapes as in products.ts:
 *   ab   out (m×n) = A (m×k) · B (k×n)      abt  out (m×n) = A (m×k) · Bᵀ, B (n×k)
 *   atb  out (m×n) += Aᵀ · B, A (k×m), B (k×n)
 *
 *   gcc -O3 gemm.c -o gemm -lopenblas
 *   OPENBLAS_NUM_THREADS=1 ./gemm ab|abt|atb m n k float|double runs
 *       → one JSON line {median, min, max, runs, gflops} in ms per product (gflops at the median)
 */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "timing.h"

int main(int argc, char **argv) {
  if (argc < 7) {
    fprintf(stderr, "usage: gemm ab|abt|atb m n k float|double runs\n");
    return 2;
  }
  const char *product = argv[1];
  int m = atoi(argv[2]), n = atoi(argv[3]), k = atoi(argv[4]), runs = atoi(argv[6]);
  int single = strcmp(argv[5], "float") == 0;
  int transA = strcmp(product, "atb") == 0, transB = strcmp(product, "abt") == 0;
  if (m <= 0 || n <= 0 || k <= 0 || runs <= 0 || (!single && strcmp(argv[5], "double") != 0) || (!transA && !transB && strcmp(product, "ab") != 0)) {
    fprintf(stderr, "gemm: bad arguments\n");
    return 2;
  }
  size_t S = single ? sizeof(float) : sizeof(double);
  char *A = malloc((size_t)m * k * S), *B = malloc((size_t)k * n * S), *C = calloc((size_t)m * n, S);
  for (size_t i = 0; i < (size_t)m * k; i++) single ? (((float *)A)[i] = rand() / (float)RAND_MAX - 0.5f) : (((double *)A)[i] = rand() / (double)RAND_MAX - 0.5);
  for (size_t i = 0; i < (size_t)k * n; i++) single ? (((float *)B)[i] = rand() / (float)RAND_MAX - 0.5f) : (((double *)B)[i] = rand() / (double)RAND_MAX - 0.5);
  double flops = 2.0 * m * n * k;
  int repeat = flops < 2e7 ? (int)(2e7 / flops) : 1; /* each timed run takes a few milliseconds, as in products.ts */
  double beta = transA ? 1 : 0;
  double *samples = malloc(sizeof(double) * runs);
  for (int r = -2; r < runs; r++) {
    double start = now_ms();
    for (int i = 0; i < repeat; i++) {
      if (single)
        cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans, m, n, k, 1.0f, (float *)A, transA ? m : k, (float *)B, transB ? k : n, (float)beta, (float *)C, n);
      else
        cblas_dgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans, m, n, k, 1.0, (double *)A, transA ? m : k, (double *)B, transB ? k : n, beta, (double *)C, n);
    }
    if (r >= 0) samples[r] = (now_ms() - start) / repeat;
  }
  qsort(samples, runs, sizeof(double), cmp);
  double median = samples[runs / 2];
  printf("{\"median\": %.6f, \"min\": %.6f, \"max\": %.6f, \"runs\": %d, \"gflops\": %.3f}\n", median, samples[0], samples[runs - 1], runs, flops / (median * 1e6));
  return 0;
}
