/*
 * Peer: a C reference of the LSTM workloads (bench/workloads.ts) — `layers` LSTM layers (input
 * I, hidden H, sigmoid gates; bidirectional when asked) + dense head, batch B, T steps. 'train':
 * MSE at every step, forward, BPTT over the sequence, SGD (W1, W2: one layer). 'infer': the
 * forward of every layer and the head (W3). Written the way a careful C programmer would: the
 * input projections of the whole sequence and every parameter gradient are one GEMM each; only
 * the recurrent products W_hh·h and W_hhᵀ·∂a run step by step (a GEMV at batch 1, a GEMM else).
 * Linked with OpenBLAS on one thread it is the practical limit each workload is measured against.
 *
 *   gcc -O3 -march=native -DREAL=float lstm.c -lm                   plain loops
 *   gcc -O3 -march=native -DREAL=float -DUSE_BLAS lstm.c -lopenblas OpenBLAS
 *   ./lstm I H O T B layers bidirectional(0|1) train(0|1) runs warmup
 *       → one JSON line {median, min, max, runs, check} in ms per run
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "timing.h"
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

/* Out (B×G) += X (B×H) · Wᵀ, W (G×H): a GEMV per step at batch 1, a GEMM otherwise. */
static void recurrent(int B, int G, int H, const real *W, const real *X, real *Out) {
  if (B == 1) gemv(0, G, H, W, X, Out);
  else gemm(0, 1, B, G, H, X, W, 1, Out);
}

/* dX (B×H) = dOut (B×G) · W, W (G×H). */
static void recurrentBack(int B, int G, int H, const real *W, const real *dOut, real *dX) {
  if (B == 1) {
    memset(dX, 0, H * sizeof(real));
    gemv(1, G, H, W, dOut, dX);
  } else gemm(0, 0, B, H, G, dOut, W, 0, dX);
}

static real sigm(real a) { return 1 / (1 + exp(-a)); }

static real *alloc(size_t n) { return calloc(n, sizeof(real)); }

static void fill(real *v, size_t n, real spread) {
  for (size_t i = 0; i < n; i++) v[i] = (rand() / (real)RAND_MAX - 0.5f) * spread;
}

/* One direction of one layer: weights, and what the forward records for the backward. */
typedef struct {
  int In;
  real *Wih, *Whh, *b, *dWih, *dWhh, *db;
  real *A, *gates, *dA, *Hs, *Cs, *tc;
} Direction;

/*
 * Forward of one direction over T steps: X (T·B × In) time-major, writes h_t into
 * Out[(t·B + r)·ldOut + col…] (reversed in time when `reverse`); Hs/Cs keep h and c per step.
 */
static void forward(Direction *d, int T, int B, int H, const real *X, int reverse, real *Out, int ldOut, int col) {
  int G = 4 * H;
  for (int t = 0; t < T * B; t++) memcpy(d->A + (size_t)t * G, d->b, G * sizeof(real));
  gemm(0, 1, T * B, G, d->In, X, d->Wih, 1, d->A);
  memset(d->Hs, 0, (size_t)B * H * sizeof(real));
  memset(d->Cs, 0, (size_t)B * H * sizeof(real));
  for (int k = 0; k < T; k++) {
    int t = reverse ? T - 1 - k : k;
    real *a = d->A + (size_t)t * B * G, *y = d->gates + (size_t)k * B * G;
    real *h = d->Hs + (size_t)k * B * H, *c = d->Cs + (size_t)k * B * H, *hn = h + B * H, *cn = c + B * H, *tcs = d->tc + (size_t)k * B * H;
    recurrent(B, G, H, d->Whh, h, a);
    for (int r = 0; r < B; r++) {
      real *ar = a + r * G, *yr = y + r * G;
      for (int j = 0; j < H; j++) {
        int u = r * H + j;
        real i_ = yr[j] = sigm(ar[j]), f = yr[H + j] = sigm(ar[H + j]), g = yr[2 * H + j] = tanh(ar[2 * H + j]), o = yr[3 * H + j] = sigm(ar[3 * H + j]);
        cn[u] = f * c[u] + i_ * g;
        tcs[u] = tanh(cn[u]);
        hn[u] = o * tcs[u];
        Out[((size_t)t * B + r) * ldOut + col + j] = hn[u];
      }
    }
  }
}

/* BPTT of one (forward-in-time) direction given dHs (T·B × H), then its parameter gradients as GEMMs. */
static void backward(Direction *d, int T, int B, int H, const real *X, const real *dHs, real *dh, real *dc) {
  int G = 4 * H;
  memset(dh, 0, (size_t)B * H * sizeof(real));
  memset(dc, 0, (size_t)B * H * sizeof(real));
  for (int t = T - 1; t >= 0; t--) {
    real *y = d->gates + (size_t)t * B * G, *da = d->dA + (size_t)t * B * G, *c = d->Cs + (size_t)t * B * H, *tcs = d->tc + (size_t)t * B * H;
    for (int r = 0; r < B; r++) {
      real *yr = y + r * G, *dar = da + r * G;
      for (int j = 0; j < H; j++) {
        int u = r * H + j;
        real i_ = yr[j], f = yr[H + j], g = yr[2 * H + j], o = yr[3 * H + j], tcj = tcs[u];
        real dhj = dh[u] + dHs[(size_t)t * B * H + u];
        real dcj = dc[u] + dhj * o * (1 - tcj * tcj);
        dar[3 * H + j] = dhj * tcj * o * (1 - o);
        dar[j] = dcj * g * i_ * (1 - i_);
        dar[H + j] = dcj * c[u] * f * (1 - f);
        dar[2 * H + j] = dcj * i_ * (1 - g * g);
        dc[u] = dcj * f;
      }
    }
    recurrentBack(B, G, H, d->Whh, da, dh);
  }
  gemm(1, 0, G, d->In, T * B, d->dA, X, 0, d->dWih);
  gemm(1, 0, G, H, T * B, d->dA, d->Hs, 0, d->dWhh);
  for (int j = 0; j < G; j++) d->db[j] = 0;
  for (int t = 0; t < T * B; t++)
    for (int j = 0; j < G; j++) d->db[j] += d->dA[(size_t)t * G + j];
}

static void sgd(real *w, const real *dw, size_t n, real lr) {
  for (size_t i = 0; i < n; i++) w[i] -= lr * dw[i];
}

int main(int argc, char **argv) {
  int In = argc > 1 ? atoi(argv[1]) : 32, H = argc > 2 ? atoi(argv[2]) : 128, O = argc > 3 ? atoi(argv[3]) : 32, T = argc > 4 ? atoi(argv[4]) : 200;
  int B = argc > 5 ? atoi(argv[5]) : 1, L = argc > 6 ? atoi(argv[6]) : 1, D = argc > 7 && atoi(argv[7]) ? 2 : 1, train = argc > 8 ? atoi(argv[8]) : 1;
  int runs = argc > 9 ? atoi(argv[9]) : 5, warmup = argc > 10 ? atoi(argv[10]) : 2;
  if (train && (L != 1 || D != 1)) {
    fprintf(stderr, "lstm.c: training is written for one unidirectional layer (W1, W2)\n");
    return 2;
  }
  int G = 4 * H, width = D * H;
  real lr = 1e-3;
  srand(1);
  Direction *dirs = calloc((size_t)L * D, sizeof(Direction));
  for (int l = 0; l < L; l++)
    for (int k = 0; k < D; k++) {
      Direction *d = &dirs[l * D + k];
      d->In = l == 0 ? In : width;
      d->Wih = alloc((size_t)G * d->In), d->Whh = alloc((size_t)G * H), d->b = alloc(G);
      d->dWih = alloc((size_t)G * d->In), d->dWhh = alloc((size_t)G * H), d->db = alloc(G);
      d->A = alloc((size_t)T * B * G), d->gates = alloc((size_t)T * B * G), d->dA = alloc((size_t)T * B * G);
      d->Hs = alloc((size_t)(T + 1) * B * H), d->Cs = alloc((size_t)(T + 1) * B * H), d->tc = alloc((size_t)T * B * H);
      fill(d->Wih, (size_t)G * d->In, 0.2f);
      fill(d->Whh, (size_t)G * H, 0.2f);
    }
  real *Wd = alloc((size_t)O * width), *bd = alloc(O), *dWd = alloc((size_t)O * width), *dbd = alloc(O);
  fill(Wd, (size_t)O * width, 0.2f);
  real *X = alloc((size_t)T * B * In), *Y = alloc((size_t)T * B * O), *target = alloc((size_t)T * B * O), *dY = alloc((size_t)T * B * O);
  real *outs[2] = {alloc((size_t)T * B * width), alloc((size_t)T * B * width)};
  real *dHs = alloc((size_t)T * B * H), *dh = alloc((size_t)B * H), *dc = alloc((size_t)B * H);
  fill(X, (size_t)T * B * In, 1);
  fill(target, (size_t)T * B * O, 1);
  double *samples = malloc(sizeof(double) * (runs + warmup));
  for (int r = 0; r < runs + warmup; r++) {
    double start = now_ms();
    const real *input = X;
    for (int l = 0; l < L; l++) {
      for (int k = 0; k < D; k++) forward(&dirs[l * D + k], T, B, H, input, k == 1, outs[l % 2], width, k * H);
      input = outs[l % 2];
    }
    for (int t = 0; t < T * B; t++) memcpy(Y + (size_t)t * O, bd, O * sizeof(real));
    gemm(0, 1, T * B, O, width, input, Wd, 1, Y);
    if (train) {
      Direction *d = &dirs[0];
      for (size_t i = 0; i < (size_t)T * B * O; i++) dY[i] = 2 * (Y[i] - target[i]) / (T * B * O);
      gemm(1, 0, O, H, T * B, dY, d->Hs + B * H, 0, dWd);
      for (int o = 0; o < O; o++) dbd[o] = 0;
      for (int t = 0; t < T * B; t++)
        for (int o = 0; o < O; o++) dbd[o] += dY[(size_t)t * O + o];
      gemm(0, 0, T * B, H, O, dY, Wd, 0, dHs);
      backward(d, T, B, H, X, dHs, dh, dc);
      sgd(d->Wih, d->dWih, (size_t)G * In, lr);
      sgd(d->Whh, d->dWhh, (size_t)G * H, lr);
      sgd(d->b, d->db, G, lr);
      sgd(Wd, dWd, (size_t)O * H, lr);
      sgd(bd, dbd, O, lr);
    }
    samples[r] = now_ms() - start;
  }
  qsort(samples + warmup, runs, sizeof(double), cmp);
  double median = runs % 2 ? samples[warmup + runs / 2] : (samples[warmup + runs / 2 - 1] + samples[warmup + runs / 2]) / 2;
  printf("{\"median\": %.6f, \"min\": %.6f, \"max\": %.6f, \"runs\": %d, \"check\": %.6g}\n", median, samples[warmup], samples[warmup + runs - 1], runs, (double)(train ? Wd[0] : Y[0]));
  return 0;
}
