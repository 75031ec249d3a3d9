/*
 * Peer: a C reference of W1 — LSTM (input I, hidden H, sigmoid gates) + dense head, batch 1,
 * T steps, MSE at every step: forward, BPTT over the sequence, SGD. Written the way a careful
 * C programmer would: the input projections of the whole sequence and every parameter gradient
 * are one GEMM each; only the recurrent products W_hh·h and W_hhᵀ·da run step by step.
 *
 *   gcc -O3 -march=native -DREAL=float w1.c -lm                   plain loops
 *   gcc -O3 -march=native -DREAL=float -DUSE_BLAS w1.c -lopenblas OpenBLAS
 *   ./w1 I H O T runs warmup   → one JSON line {median, min, max, runs} in ms per sequence
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#ifdef USE_BLAS
#include <cblas.h>
#endif
#ifndef REAL
#define REAL float
#endif
typedef REAL real;

/* C (m×n) = beta·C + A·B with A (m×k) or Aᵀ (A stored k×m), B (k×n) or Bᵀ (B stored n×k). */
static void gemm(int transA, int transB, int m, int n, int k, const real *A, const real *B, real beta, real *C) {
#ifdef USE_BLAS
  if (sizeof(real) == 4)
    cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans, m, n, k, 1.0f, (const float *)A, transA ? m : k, (const float *)B, transB ? k : n, (float)beta, (float *)C, n);
  else
    cblas_dgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans, m, n, k, 1.0, (const double *)A, transA ? m : k, (const double *)B, transB ? k : n, beta, (double *)C, n);
#else
  for (int i = 0; i < m; i++)
    for (int j = 0; j < n; j++) C[i * n + j] *= beta;
  for (int i = 0; i < m; i++)
    for (int l = 0; l < k; l++) {
      real a = transA ? A[l * m + i] : A[i * k + l];
      if (transB)
        for (int j = 0; j < n; j++) C[i * n + j] += a * B[j * k + l];
      else
        for (int j = 0; j < n; j++) C[i * n + j] += a * B[l * n + j];
    }
#endif
}

/* y (m) += A·x, A (m×n); or y (n) += Aᵀ·x when trans. */
static void gemv(int trans, int m, int n, const real *A, const real *x, real *y) {
#ifdef USE_BLAS
  if (sizeof(real) == 4)
    cblas_sgemv(CblasRowMajor, trans ? CblasTrans : CblasNoTrans, m, n, 1.0f, (const float *)A, n, (const float *)x, 1, 1.0f, (float *)y, 1);
  else
    cblas_dgemv(CblasRowMajor, trans ? CblasTrans : CblasNoTrans, m, n, 1.0, (const double *)A, n, (const double *)x, 1, 1.0, (double *)y, 1);
#else
  if (!trans) {
    for (int i = 0; i < m; i++) {
      real s = 0;
      for (int j = 0; j < n; j++) s += A[i * n + j] * x[j];
      y[i] += s;
    }
  } else {
    for (int i = 0; i < m; i++)
      for (int j = 0; j < n; j++) y[j] += A[i * n + j] * x[i];
  }
#endif
}

static real sigm(real a) { return 1 / (1 + exp(-a)); }

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec * 1e-6;
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static real *alloc(size_t n) { return calloc(n, sizeof(real)); }

int main(int argc, char **argv) {
  int In = argc > 1 ? atoi(argv[1]) : 32, H = argc > 2 ? atoi(argv[2]) : 128, O = argc > 3 ? atoi(argv[3]) : 32, T = argc > 4 ? atoi(argv[4]) : 200;
  int runs = argc > 5 ? atoi(argv[5]) : 5, warmup = argc > 6 ? atoi(argv[6]) : 2;
  int G = 4 * H;
  real lr = 1e-3;
  real *Wih = alloc(G * In), *Whh = alloc(G * H), *b = alloc(G), *Wd = alloc(O * H), *bd = alloc(O);
  real *dWih = alloc(G * In), *dWhh = alloc(G * H), *db = alloc(G), *dWd = alloc(O * H), *dbd = alloc(O);
  real *X = alloc(T * In), *Y = alloc(T * O), *target = alloc(T * O), *dY = alloc(T * O);
  real *A = alloc(T * G), *gates = alloc(T * G), *dA = alloc(T * G);
  real *Hs = alloc((T + 1) * H), *Cs = alloc((T + 1) * H), *tc = alloc(T * H), *dHs = alloc(T * H);
  real *dh = alloc(H), *dc = alloc(H);
  srand(1);
  for (int i = 0; i < G * In; i++) Wih[i] = (rand() / (real)RAND_MAX - 0.5f) * 0.2f;
  for (int i = 0; i < G * H; i++) Whh[i] = (rand() / (real)RAND_MAX - 0.5f) * 0.2f;
  for (int i = 0; i < O * H; i++) Wd[i] = (rand() / (real)RAND_MAX - 0.5f) * 0.2f;
  for (int i = 0; i < T * In; i++) X[i] = rand() / (real)RAND_MAX - 0.5f;
  for (int i = 0; i < T * O; i++) target[i] = rand() / (real)RAND_MAX - 0.5f;
  double *samples = malloc(sizeof(double) * (runs + warmup));
  for (int r = 0; r < runs + warmup; r++) {
    double start = now_ms();
    /* forward: input projections of the whole sequence in one GEMM, then the recurrence */
    for (int t = 0; t < T; t++) memcpy(A + t * G, b, G * sizeof(real));
    gemm(0, 1, T, G, In, X, Wih, 1, A);
    for (int t = 0; t < T; t++) {
      real *a = A + t * G, *y = gates + t * G, *h = Hs + t * H, *c = Cs + t * H, *hn = Hs + (t + 1) * H, *cn = Cs + (t + 1) * H;
      gemv(0, G, H, Whh, h, a);
      for (int j = 0; j < H; j++) {
        real i_ = y[j] = sigm(a[j]), f = y[H + j] = sigm(a[H + j]), g = y[2 * H + j] = tanh(a[2 * H + j]), o = y[3 * H + j] = sigm(a[3 * H + j]);
        cn[j] = f * c[j] + i_ * g;
        tc[t * H + j] = tanh(cn[j]);
        hn[j] = o * tc[t * H + j];
      }
    }
    for (int t = 0; t < T; t++) memcpy(Y + t * O, bd, O * sizeof(real));
    gemm(0, 1, T, O, H, Hs + H, Wd, 1, Y);
    for (int i = 0; i < T * O; i++) dY[i] = 2 * (Y[i] - target[i]) / (T * O);
    /* backward: head, then the recurrence step by step, then every parameter gradient as a GEMM */
    gemm(1, 0, O, H, T, dY, Hs + H, 0, dWd);
    for (int o = 0; o < O; o++) dbd[o] = 0;
    for (int t = 0; t < T; t++)
      for (int o = 0; o < O; o++) dbd[o] += dY[t * O + o];
    gemm(0, 0, T, H, O, dY, Wd, 0, dHs);
    memset(dh, 0, H * sizeof(real));
    memset(dc, 0, H * sizeof(real));
    for (int t = T - 1; t >= 0; t--) {
      real *y = gates + t * G, *da = dA + t * G, *c = Cs + t * H;
      for (int j = 0; j < H; j++) {
        real i_ = y[j], f = y[H + j], g = y[2 * H + j], o = y[3 * H + j], tcj = tc[t * H + j];
        real dhj = dh[j] + dHs[t * H + j];
        real dcj = dc[j] + dhj * o * (1 - tcj * tcj);
        da[3 * H + j] = dhj * tcj * o * (1 - o);
        da[j] = dcj * g * i_ * (1 - i_);
        da[H + j] = dcj * c[j] * f * (1 - f);
        da[2 * H + j] = dcj * i_ * (1 - g * g);
        dc[j] = dcj * f;
      }
      memset(dh, 0, H * sizeof(real));
      gemv(1, G, H, Whh, da, dh);
    }
    gemm(1, 0, G, In, T, dA, X, 0, dWih);
    gemm(1, 0, G, H, T, dA, Hs, 0, dWhh);
    for (int j = 0; j < G; j++) db[j] = 0;
    for (int t = 0; t < T; t++)
      for (int j = 0; j < G; j++) db[j] += dA[t * G + j];
    /* SGD */
    for (int i = 0; i < G * In; i++) Wih[i] -= lr * dWih[i];
    for (int i = 0; i < G * H; i++) Whh[i] -= lr * dWhh[i];
    for (int i = 0; i < G; i++) b[i] -= lr * db[i];
    for (int i = 0; i < O * H; i++) Wd[i] -= lr * dWd[i];
    for (int i = 0; i < O; i++) bd[i] -= lr * dbd[i];
    samples[r] = now_ms() - start;
  }
  qsort(samples + warmup, runs, sizeof(double), cmp);
  double median = runs % 2 ? samples[warmup + runs / 2] : (samples[warmup + runs / 2 - 1] + samples[warmup + runs / 2]) / 2;
  printf("{\"median\": %.6f, \"min\": %.6f, \"max\": %.6f, \"runs\": %d, \"check\": %.6g}\n", median, samples[warmup], samples[warmup + runs - 1], runs, (double)Wd[0]);
  return 0;
}
