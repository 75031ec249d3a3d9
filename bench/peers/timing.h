/* The clock and the sort order the C peers (lstm.c, gemm.c) time their runs with. */
#ifndef ONLINE_RNN_PEER_TIMING_H
#define ONLINE_RNN_PEER_TIMING_H
#include <time.h>

/* Monotonic milliseconds. */
static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec * 1e-6;
}

/* qsort's comparison of doubles, ascending: the samples sorted for their median. */
static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}
#endif
