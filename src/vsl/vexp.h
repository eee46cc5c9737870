/* vexp.h — exp and expm1 over arrays, two elements per instruction.
 *
 * For the inner loops of emp's projected fit and start grids (src/vsl/fit.c),
 * where libm's exp/expm1 were a quarter of the instructions of a fit. The
 * classic reduction (Cody & Waite; fdlibm's e_exp.c and s_expm1.c):
 *     x = k ln 2 + r,  |r| <= ln 2 / 2,  e^x = 2^k e^r,
 * ln 2 split in two parts (fdlibm's ln2_hi, ln2_lo) so that k ln2_hi is exact,
 * e^r by its Taylor polynomial to r^13 (truncation <= 4e-18 relative at
 * |r| = ln 2 / 2), 2^k put into the exponent bits; expm1 as
 * 2^k (e^r - 1) + (2^k - 1) with e^r - 1 = r (1 + r/2 + ...), accurate
 * relative to its own value near x = 0. Both are within a few ulp of libm's
 * (tests/unit/test_vexp.c checks 4 ulp over the range used), not bit-equal.
 *
 * The same operations in the same order for the vector lanes and the scalar
 * tail (no fused multiply-add: the project builds ISO C, -ffp-contract=off),
 * so a result does not depend on an element's position in the array.
 * Arguments outside [-708, 709] (and NaN) take libm's exp/expm1, which
 * handles overflow, subnormal results and NaN. */
#ifndef GK_VSL_VEXP_H
#define GK_VSL_VEXP_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define GK_VEXP_LO (-708.0)
#define GK_VEXP_HI 709.0

#define GK_VEXP_POLY(r, q)                                                                                   \
  do {                                                                                                       \
    q = (r) * (1.0 / 6227020800.0) + 1.0 / 479001600.0;                                                                         \
    q = q * (r) + 1.0 / 39916800.0;                                                                          \
    q = q * (r) + 1.0 / 3628800.0;                                                                           \
    q = q * (r) + 1.0 / 362880.0;                                                                            \
    q = q * (r) + 1.0 / 40320.0;                                                                             \
    q = q * (r) + 1.0 / 5040.0;                                                                              \
    q = q * (r) + 1.0 / 720.0;                                                                               \
    q = q * (r) + 1.0 / 120.0;                                                                               \
    q = q * (r) + 1.0 / 24.0;                                                                                \
    q = q * (r) + 1.0 / 6.0;                                                                                 \
    q = q * (r) + 0.5;                                                                                       \
    q = q * (r) + 1.0;                                                                                       \
    q = q * (r);                                                                                             \
  } while (0)
/* q = e^r - 1 (Taylor to r^13). */

static const double gk_vexp_shift = 0x1.8p52, gk_vexp_ilog2 = 1.44269504088896338700e+00,
                    gk_vexp_ln2hi = 6.93147180369123816490e-01, gk_vexp_ln2lo = 1.90821492927058770002e-10;

/* one element, x in [GK_VEXP_LO, GK_VEXP_HI]; em1: 1 for expm1 */
static inline double gk_vexp1_(double x, int em1)
{
  double kd = x * gk_vexp_ilog2 + gk_vexp_shift;
  uint64_t b;
  memcpy(&b, &kd, sizeof b);
  kd -= gk_vexp_shift;
  double r = (x - kd * gk_vexp_ln2hi) - kd * gk_vexp_ln2lo, q;
  GK_VEXP_POLY(r, q);
  uint64_t sb = (b + 1023) << 52;
  double s;
  memcpy(&s, &sb, sizeof s);
  return em1 ? s * q + (s - 1.0) : s * q + s;
}

#if defined(__GNUC__) && defined(__SSE2__)
#include <emmintrin.h>
typedef double gk_v2d_ __attribute__((vector_size(16)));
typedef uint64_t gk_v2u_ __attribute__((vector_size(16)));
#define GK_VEXP_VEC 1
#endif
/* The array functions are called once per array: out of line, so that the
 * loop keeps its vectors in registers (inlined into a large caller it
 * spilled them); the element code inlined into them. */
#ifdef __GNUC__
#define GK_VEXP_INLINE static inline __attribute__((always_inline))
#define GK_VEXP_OUTLINE static __attribute__((noinline, unused))
#else
#define GK_VEXP_INLINE static inline
#define GK_VEXP_OUTLINE static
#endif

static inline double gk_vexp_one_(double v, int em1)
{
  if (v >= GK_VEXP_LO && v <= GK_VEXP_HI) return gk_vexp1_(v, em1);
  return em1 ? expm1(v) : exp(v); /* out of the reduction's range, or NaN */
}

GK_VEXP_INLINE void gk_vexp_arr_(const double *x, double *y, size_t n, int em1)
{
  size_t i = 0;
#ifdef GK_VEXP_VEC
  /* the Taylor coefficients 1/13!, ..., 1/2!, 1 as vectors (memory
   * operands of the packed multiply-add pairs) */
  static const gk_v2d_ c[13] = {
#define GK_VEXP_C2(v) {(v), (v)}
      GK_VEXP_C2(1.0 / 6227020800.0), GK_VEXP_C2(1.0 / 479001600.0), GK_VEXP_C2(1.0 / 39916800.0),
      GK_VEXP_C2(1.0 / 3628800.0),    GK_VEXP_C2(1.0 / 362880.0),    GK_VEXP_C2(1.0 / 40320.0),
      GK_VEXP_C2(1.0 / 5040.0),       GK_VEXP_C2(1.0 / 720.0),       GK_VEXP_C2(1.0 / 120.0),
      GK_VEXP_C2(1.0 / 24.0),         GK_VEXP_C2(1.0 / 6.0),         GK_VEXP_C2(0.5),
      GK_VEXP_C2(1.0)
#undef GK_VEXP_C2
  };
  const gk_v2d_ shift = {gk_vexp_shift, gk_vexp_shift}, lo = {GK_VEXP_LO, GK_VEXP_LO},
                hi = {GK_VEXP_HI, GK_VEXP_HI}, il2 = {gk_vexp_ilog2, gk_vexp_ilog2},
                l2h = {gk_vexp_ln2hi, gk_vexp_ln2hi}, l2l = {gk_vexp_ln2lo, gk_vexp_ln2lo};
  /* every argument in the reduction's range (NaN is not)? */
  __m128d in = _mm_castsi128_pd(_mm_set1_epi32(-1));
  for (size_t j = 0; j + 2 <= n; j += 2) {
    __m128d v = _mm_loadu_pd(x + j);
    in = _mm_and_pd(in, _mm_and_pd(_mm_cmpge_pd(v, lo), _mm_cmple_pd(v, hi)));
  }
  for (size_t j = n & ~(size_t)1; j < n; j++)
    if (!(x[j] >= GK_VEXP_LO && x[j] <= GK_VEXP_HI)) in = _mm_setzero_pd();
  if (_mm_movemask_pd(in) == 3)
    for (; i + 2 <= n; i += 2) {
      gk_v2d_ v = {x[i], x[i + 1]}, kd, r, q;
      kd = v * il2 + shift;
      gk_v2u_ bits = (gk_v2u_)kd;
      kd -= shift;
      r = (v - kd * l2h) - kd * l2l;
      q = r * c[0] + c[1];
      q = q * r + c[2]; q = q * r + c[3]; q = q * r + c[4]; q = q * r + c[5]; q = q * r + c[6];
      q = q * r + c[7]; q = q * r + c[8]; q = q * r + c[9]; q = q * r + c[10]; q = q * r + c[11];
      q = q * r + c[12];
      q = q * r;
      gk_v2d_ s = (gk_v2d_)((bits + 1023) << 52);
      v = em1 ? s * q + (s - c[12]) : s * q + s;
      memcpy(y + i, &v, sizeof v);
    }
#endif
  for (; i < n; i++) y[i] = gk_vexp_one_(x[i], em1);
}

/* y[i] = e^{x[i]}, i < n (x and y may be the same array) */
GK_VEXP_OUTLINE void gk_vexp(const double *x, double *y, size_t n) { gk_vexp_arr_(x, y, n, 0); }
/* y[i] = e^{x[i]} - 1 */
GK_VEXP_OUTLINE void gk_vexpm1(const double *x, double *y, size_t n) { gk_vexp_arr_(x, y, n, 1); }

#endif
