/* sat-exact in homogeneous form, where the model's limits at infinity are
 * finite points (used for the local fits of the start search).
 *
 * sat-exact (Eq. 4 of Milanese et al., Adv. Opt. Mater. 2024, with losses)
 * is dI/dx = A + gamma I/(1 + I/Is) - alpha I. In the scaled intensity
 * J = I/I0 (I0: a fixed scale of the data) and with
 *   gamma I/(1 + sI) - alpha I = ((gamma - alpha) I - alpha s I^2)/(1 + s I),
 * multiplied above and below by r = cos t (s = sin t, tan t = I0/Is):
 *   dJ/dx = a + (p J - q J^2)/(r + s J),
 *   a = A/I0, p = (gamma - alpha) r, q = alpha s, t in [0, pi/2].
 * The fit parameters h = (p, q, ln a, t), q >= 0 (alpha >= 0; gamma is
 * free, as in the published parametrisation). Inside, the map back is one
 * to one: alpha = q/s, gamma = p/r + q/s, Is = I0 r/s, A = a I0.
 * The ends of t are the model's limits at infinity:
 *   t = 0 (Is -> infinity, gamma, alpha -> infinity with gamma - alpha = p
 *   and gamma/Is = q/I0 fixed): dJ/dx = a + p J - q J^2, quadratic
 *   saturation (q = 0: vsl1 with spontaneous emission, no saturation);
 *   t = pi/2 (Is -> 0, gamma -> infinity with gamma Is = I0 p fixed, alpha
 *   = q finite): dJ/dx = a + p - q J, a linear relaxation to the plateau
 *   (a + p)/q (q = 0: linear growth).
 * Closed form, with P(u) = c + b u - q u^2, c = a r, b = a s + p:
 *   x(J) = int_0^J (r + s u)/P(u) du
 *        = [(r + s u-) ln(1 - J/u-) - (r + s u+) ln(1 - J/u+)]/sqrt(D),
 *   D = b^2 + 4 q c, u+ > 0 > u- the roots of P (q > 0), and for q = 0
 *   x = r J/c - (r b - s c)(J/c)^2 psi(b J/c), psi(z) = (z - ln(1+z))/z^2.
 * Derivatives in h by forward-mode differentiation of the same formulas
 * (dual numbers), J(L) by Newton in ln J (x is increasing and convex in
 * ln J below the plateau) and dJ/dh = -(dx/dh)/(dx/dJ). */
#include "vsl_internal.h"
#include "core/core_internal.h"
#include "fit/solve1d.h"
#include <float.h>
#include <math.h>
#include <string.h>

#define SXH_LN2 0.69314718055994530942
#define SXH_PI_2 1.57079632679489661923

typedef struct { double v, d[4]; } dn;

static dn dc(double v) { dn r = {v, {0, 0, 0, 0}}; return r; }
static dn dadd(dn a, dn b) { dn r = {a.v + b.v, {0}}; for (int k = 0; k < 4; k++) r.d[k] = a.d[k] + b.d[k]; return r; }
static dn dsub(dn a, dn b) { dn r = {a.v - b.v, {0}}; for (int k = 0; k < 4; k++) r.d[k] = a.d[k] - b.d[k]; return r; }
static dn dmul(dn a, dn b)
{
  dn r = {a.v * b.v, {0}};
  for (int k = 0; k < 4; k++) r.d[k] = a.d[k] * b.v + a.v * b.d[k];
  return r;
}
static dn dscale(dn a, double c) { dn r = {a.v * c, {0}}; for (int k = 0; k < 4; k++) r.d[k] = a.d[k] * c; return r; }
static dn ddiv(dn a, dn b)
{
  double q = a.v / b.v;
  dn r = {q, {0}};
  for (int k = 0; k < 4; k++) r.d[k] = (a.d[k] - q * b.d[k]) / b.v;
  return r;
}
static dn dfun(dn a, double f, double df)
{
  dn r = {f, {0}};
  for (int k = 0; k < 4; k++) r.d[k] = df * a.d[k];
  return r;
}
static dn dexp(dn a) { double e = exp(a.v); return dfun(a, e, e); }
static dn dlog(dn a) { return dfun(a, log(a.v), 1 / a.v); }
static dn dsqrt(dn a) { double s = sqrt(a.v); return dfun(a, s, 0.5 / s); }
static dn dlog1p(dn a) { return dfun(a, log1p(a.v), 1 / (1 + a.v)); }
/* ln(1 + e^t) without overflow */
static dn dsoftplus(dn a)
{
  double t = a.v, f = t > 0 ? t + log1p(exp(-t)) : log1p(exp(t));
  double sg = t > 0 ? 1 / (1 + exp(-t)) : exp(t) / (1 + exp(t));
  return dfun(a, f, sg);
}

/* e(rho) = 1 + ln(1 - rho)/rho = -rho sum_k rho^k/(k + 2), by the series
 * for |rho| <= 0.1, K terms (k = 0..K-1) with |rho|^K/(K + 2) below
 * rounding (16 at 0.1, 2 below 1e-8). */
/* terms needed for |z|^K/(K + 2) below 1e-17 relative: 16 at 0.1 */
static int e_terms(double az) { return az < 1e-8 ? 2 : az < 1e-4 ? 5 : az < 1e-2 ? 9 : 16; }
static dn de_series(dn z)
{
  int K = e_terms(fabs(z.v));
  dn r = dc(1.0 / (K + 1));
  for (int k = K - 2; k >= 0; k--) r = dadd(dc(1.0 / (k + 2)), dmul(r, z));
  return dscale(dmul(r, z), -1);
}

/* x(J) at h with dx/dh (dx may be NULL); lnJ = ln J; q taken from qv.
 * With rho+ = J/u+ in [0, 1) and rho- = J/u- <= 0 (u+- the roots of P,
 * infinite ones giving rho = 0),
 *   x = [r (L(rho-) - L(rho+)) + s J (e(rho-) - e(rho+))]/sqrt(D),
 *   L(rho) = ln(1 - rho), e(rho) = 1 + L(rho)/rho,
 * a sum of non-negative terms: no cancellation, also as q -> 0 (where
 * u+ or u- runs off to infinity) and t -> 0, pi/2. rho+- in cancellation-
 * free forms: b >= 0: rho+ = 2qJ/w, rho- = -J w/(2c), w = b + sqrt(D);
 * b < 0: rho+ = J w/(2c), rho- = -2qJ/w, w = sqrt(D) - b. When both
 * |rho| <= 0.1 (sqrt(D) may vanish), sqrt(D) = c (rho+ - rho-)/J and the
 * divided differences of the series are used instead:
 *   x = (J/c)[r (1 + A2) + s J A1], A1 = sum_k mu_k h_k, A2 = sum_k mu_k
 *   h_{k+1}, mu_k = 1/(k + 2), h_k the complete homogeneous polynomials
 *   of degree k in (rho+, rho-). Non-finite x: J at or beyond the plateau,
 *   or no growth. */
static double sxh_x_at(const double *h, double qv, double J, double lnJ, double *dx)
{
  dn p = {h[0], {1, 0, 0, 0}}, q = {qv, {0, 1, 0, 0}}, lna = {h[2], {0, 0, 1, 0}}, t = {h[3], {0, 0, 0, 1}};
  dn r = dfun(t, cos(h[3]), -sin(h[3])), s = dfun(t, sin(h[3]), cos(h[3]));
  if (r.v < 0) r.v = 0;  /* cos(pi/2) rounds to 6e-17 > 0; never below */
  dn a = dexp(lna), c = dmul(a, r), b = dadd(dmul(a, s), p);
  dn D = dadd(dmul(b, b), dscale(dmul(q, c), 4)), sD = dsqrt(D);
  dn rp, rm;             /* rho+, rho- */
  dn lnrm = dc(NAN);     /* ln|rho-| when rho- is large (log form) */
  int rm_log = 0;
  if (b.v >= 0) {
    dn w = dadd(b, sD);
    if (!(w.v > 0)) {
      /* b = 0, q c = 0: dJ/dx = a (c > 0), x = J/a + ... */
      rp = dc(0);
      rm = dc(0);
    } else {
      rp = ddiv(dscale(q, 2 * J), w);
      if (r.v > 0) {
        /* ln|rho-| = ln J + ln w - ln 2 - ln a - ln r */
        lnrm = dsub(dsub(dadd(dc(lnJ), dlog(w)), dadd(dc(SXH_LN2), lna)), dlog(r));
        rm_log = lnrm.v > -2;
        rm = rm_log ? dc(NAN) : dscale(dexp(lnrm), -1);
      } else {
        rm_log = 1;  /* c = 0: u- = 0, its term vanishes (r = 0) */
      }
    }
  } else {
    if (!(r.v > 0)) return INFINITY;  /* c = 0, b < 0: no growth */
    dn w = dsub(sD, b);
    rp = ddiv(dscale(w, J), dscale(c, 2));
    rm = dscale(ddiv(dscale(q, 2 * J), w), -1);
  }
  if (!(rp.v < 1)) return INFINITY;
  dn x;
  if (!rm_log && fabs(rm.v) <= 0.1 && rp.v <= 0.1 && c.v > 0) {
    dn A1 = dc(0), A2 = dc(0), hk = dc(1), pm = dc(1);
    for (int k = 0; k <= 16; k++) {
      /* hk = h_k; next: h_{k+1} = rho+ h_k + rho-^{k+1} */
      pm = dmul(pm, rm);
      dn hn = dadd(dmul(rp, hk), pm);
      A1 = dadd(A1, dscale(hk, 1.0 / (k + 2)));
      A2 = dadd(A2, dscale(hn, 1.0 / (k + 2)));
      hk = hn;
    }
    x = dmul(ddiv(dc(J), c), dadd(dmul(r, dadd(dc(1), A2)), dmul(dscale(s, J), A1)));
  } else {
    dn Lp = dlog1p(dscale(rp, -1)), ep = rp.v <= 0.1 ? de_series(rp) : dadd(dc(1), ddiv(Lp, rp));
    dn Lm, em;
    if (rm_log) {
      if (r.v > 0) {
        Lm = dsoftplus(lnrm);                         /* ln(1 + |rho-|) */
        em = dsub(dc(1), dmul(Lm, dexp(dscale(lnrm, -1))));
      } else {
        Lm = dc(0);
        em = dc(1);
      }
    } else {
      Lm = dlog1p(dscale(rm, -1));
      em = fabs(rm.v) <= 0.1 ? de_series(rm) : dadd(dc(1), ddiv(Lm, rm));
    }
    dn num = dadd(r.v > 0 ? dmul(r, dsub(Lm, Lp)) : dscale(r, 0), dmul(dscale(s, J), dsub(em, ep)));
    x = ddiv(num, sD);
  }
  if (dx) memcpy(dx, x.d, sizeof x.d);
  return x.v;
}

/* sxh_x_at without derivatives (the root finder's evaluations): the
 * same formulas in plain doubles. */
static double e_series(double z)
{
  int K = e_terms(fabs(z));
  double r = 1.0 / (K + 1);
  for (int k = K - 2; k >= 0; k--) r = 1.0 / (k + 2) + r * z;
  return -r * z;
}

typedef struct sxh_pre {
  double r, s, a, c, b, sD, w, lnw_part, q;
  int bpos;
} sxh_pre;

static void sxh_prep(const double *h, sxh_pre *k)
{
  k->q = h[1];
  k->r = fmax(cos(h[3]), 0);
  k->s = sin(h[3]);
  k->a = exp(h[2]);
  k->c = k->a * k->r;
  k->b = k->a * k->s + h[0];
  k->sD = sqrt(k->b * k->b + 4 * k->q * k->c);
  k->bpos = k->b >= 0;
  k->w = k->bpos ? k->b + k->sD : k->sD - k->b;
  /* ln|rho-| = ln J + [ln w - ln 2 - ln a - ln r] (b >= 0) */
  k->lnw_part = k->bpos && k->w > 0 && k->r > 0 ? log(k->w) - SXH_LN2 - h[2] - log(k->r) : NAN;
}

static double sxh_x_plain(const sxh_pre *k, double J, double lnJ)
{
  double r = k->r, s = k->s, c = k->c, q = k->q, rp, rm = 0, lnrm = NAN;
  int rm_log = 0;
  if (k->bpos) {
    if (!(k->w > 0)) {
      rp = 0;
      rm = 0;
    } else {
      rp = 2 * q * J / k->w;
      if (r > 0) {
        lnrm = lnJ + k->lnw_part;
        rm_log = lnrm > -2;
        rm = rm_log ? NAN : -exp(lnrm);
      } else {
        rm_log = 1;
      }
    }
  } else {
    if (!(r > 0)) return INFINITY;
    rp = k->w * J / (2 * c);
    rm = -2 * q * J / k->w;
  }
  if (!(rp < 1)) return INFINITY;
  if (!rm_log && fabs(rm) <= 0.1 && rp <= 0.1 && c > 0) {
    double A1 = 0, A2 = 0, hk = 1, pm = 1;
    for (int j = 0; j <= 16; j++) {
      pm *= rm;
      double hn = rp * hk + pm;
      A1 += hk / (j + 2);
      A2 += hn / (j + 2);
      hk = hn;
    }
    return J / c * (r * (1 + A2) + s * J * A1);
  }
  double Lp = log1p(-rp), ep = rp <= 0.1 ? e_series(rp) : 1 + Lp / rp, Lm, em;
  if (rm_log) {
    if (r > 0) {
      Lm = gk_vsl_softplus_(lnrm);
      em = 1 - Lm * exp(-lnrm);
    } else {
      Lm = 0;
      em = 1;
    }
  } else {
    Lm = log1p(-rm);
    em = fabs(rm) <= 0.1 ? e_series(rm) : 1 + Lm / rm;
  }
  return ((r > 0 ? r * (Lm - Lp) : 0) + s * J * (em - ep)) / k->sD;
}

/* dx/d ln J = J (r + s J)/P(J) */
static double sxh_xy(const sxh_pre *k, double J)
{
  double P = k->c + k->b * J - k->q * J * J;
  return J * (k->r + k->s * J) / P;
}

/* the plateau (INFINITY when the curve grows without bound) */
double gk_vsl_sxh_plateau_(const double *h)
{
  double r = fmax(cos(h[3]), 0), s = sin(h[3]), a = exp(h[2]), q = h[1];
  double c = a * r, b = a * s + h[0];
  if (q > 0) {
    double sD = sqrt(b * b + 4 * q * c);
    return b >= 0 ? (b + sD) / (2 * q) : 2 * c / (sD - b);
  }
  return b < 0 ? c / -b : INFINITY;
}

double gk_vsl_sxh_x_(const double *h, double J, double *dx)
{
  if (J <= 0) return J == 0 ? 0 : NAN;
  return sxh_x_at(h, h[1], J, log(J), dx);
}

typedef struct { const double *h; double L; sxh_pre k; } sxh_ctx;

static double sxh_fdf(double y, void *p, double *df)
{
  const sxh_ctx *c = p;
  double J = exp(y);
  if (!(J > 0)) return NAN;
  double f = sxh_x_plain(&c->k, J, y) - c->L;
  if (isfinite(f) && f != 0) {
    const sxh_pre *k = &c->k;
    *df = J * (k->r + k->s * J) / (k->c + k->b * J - k->q * J * J);
  }
  return f;
}
static double sxh_fy(double y, void *p)
{
  const sxh_ctx *c = p;
  return sxh_x_plain(&c->k, exp(y), y) - c->L;
}

/* J(L) for the lengths L (ascending not required, but used when given),
 * and dJ/dh (n x 4, may be NULL). have_J: J holds the solution at a
 * nearby h (starts for the root finder). */
int gk_vsl_sxh_eval_(const double *h, const double *L, size_t n, double *J, double *jac, int have_J)
{
  if (!(h[1] >= 0) || !(h[3] >= 0) || !(h[3] <= SXH_PI_2 + 1e-15) || !isfinite(h[0]) || !isfinite(h[2]))
    return GK_EDOM;
  double plat = gk_vsl_sxh_plateau_(h), yhi = isfinite(plat) ? log(plat) : INFINITY;
  double prev = 0, prevL = -1;
  sxh_ctx ctx = {.h = h};
  sxh_prep(h, &ctx.k);
  /* constants of the upper bounds on J(L) below */
  struct { double r, s, pr, lexp, llin; } bk = {ctx.k.r, ctx.k.s, 0, 0, 0};
  if (h[0] > 0) {
    if (bk.r > 0) { bk.pr = h[0] / bk.r; bk.lexp = h[2] + log(bk.r / h[0]); }
    if (bk.s > 0) bk.llin = log(ctx.k.a + h[0] / bk.s);
  }
  for (size_t i = 0; i < n; i++) {
    if (L[i] <= 0) {
      J[i] = 0;
      if (jac) memset(jac + 4 * i, 0, 4 * sizeof *jac);
      continue;
    }
    double lnprev = prev > 0 ? log(prev) : NAN;
    double y0, ylo = prev > 0 && L[i] >= prevL ? lnprev : -INFINITY;
    /* a finite upper end, so that the Newton iteration is bracketed on
     * both sides: dJ/dx <= a + max(p, 0) J/r and <= a + max(p, 0)/s
     * (q J^2 >= 0), so J(L) <= (a r/p)(e^{pL/r} - 1) and <= (a + p/s) L */
    double yb = INFINITY, lnL = log(L[i]);
    if (h[0] <= 0) yb = h[2] + lnL;
    else {
      if (bk.r > 0) {
        double z = bk.pr * L[i];
        yb = bk.lexp + (z > 30 ? z : log(expm1(z)));
      }
      if (bk.s > 0) yb = fmin(yb, bk.llin + lnL);
    }
    yb += 1e-9 * fmax(1, fabs(yb));
    double yhi_i = fmin(yhi, yb);
    if (have_J && J[i] > 0) y0 = log(J[i]);
    else if (prev > 0) y0 = lnprev + (L[i] - prevL) / sxh_xy(&ctx.k, prev);
    else y0 = h[2] + log(L[i]);
    if (!(y0 < yhi_i)) y0 = isfinite(ylo) ? 0.5 * (ylo + yhi_i) : yhi_i - 1;
    if (!(y0 > ylo)) y0 = isfinite(yhi_i) ? 0.5 * (ylo + yhi_i) : ylo + 1;
    ctx.L = L[i];
    double y;
    if (gk_root_newton_safe_inl(sxh_fdf, &ctx, y0, ylo, yhi_i, 1e-10, 1e-6, 60, &y) != GK_OK) {
      /* bracketing fallback: [previous J or tiny, just below the plateau
       * or a growing upper end] */
      double lo = isfinite(ylo) ? ylo : y0 - 1, hi = isfinite(yhi) ? yhi + log1p(-4 * DBL_EPSILON) : y0 + 1;
      double fhi = sxh_fy(hi, &ctx);
      for (int k = 0; k < 60 && isfinite(fhi) && fhi < 0 && !isfinite(yhi); k++) hi += 2, fhi = sxh_fy(hi, &ctx);
      for (double back = 8 * DBL_EPSILON; !isfinite(fhi) && back < 1e-6; back *= 4) {
        hi = yhi + log1p(-back);
        fhi = sxh_fy(hi, &ctx);
      }
      if (!isfinite(fhi)) return GK_EDOM;
      if (fhi <= 0) y = hi;  /* on the plateau to rounding */
      else {
        double flo = sxh_fy(lo, &ctx);
        for (int k = 0; k < 100 && flo >= 0; k++) lo -= 8, flo = sxh_fy(lo, &ctx);
        if (!(flo < 0)) return GK_EDOM;
        int st = gk_root_brent(sxh_fy, &ctx, lo, hi, 2 * DBL_EPSILON, 0, 200, &y);
        if (st != GK_OK && st != GK_ENOCONV) return st;
      }
    }
    J[i] = exp(y);
    prev = J[i];
    prevL = L[i];
    if (!jac) continue;
    double *Jc = jac + 4 * i, dx[4], Ji = J[i];
    /* the constants of sxh_prep (the same expressions) */
    double r = ctx.k.r, s = ctx.k.s, a = ctx.k.a, c = ctx.k.c, b = ctx.k.b;
    double P = c + b * Ji - h[1] * Ji * Ji, xJ = (r + s * Ji) / P;
    double x = sxh_x_at(h, h[1], Ji, y, dx);
    if (!isfinite(x) || !(P > 0)) {
      /* on the plateau to rounding: dJ/dh = du+/dh from P(u+) = 0:
       * du+/dh = (dP/dh at u+)/(q 2u+ - b) */
      double den = 2 * h[1] * Ji - b, dr = -s, ds = r;
      double dP[4] = {Ji, -Ji * Ji, c + a * s * Ji, a * dr + a * ds * Ji};
      for (int k = 0; k < 4; k++) Jc[k] = den != 0 ? dP[k] / den : 0;
      continue;
    }
    for (int k = 0; k < 4; k++) Jc[k] = -dx[k] / xJ;
  }
  return GK_OK;
}

/* published theta (gamma, alpha, ln A, ln Is) -> h at the scale lnI0 */
void gk_vsl_sxh_from_theta_(const double *th, double lnI0, double *h)
{
  /* t = atan(I0/Is) in log form: the ratio can over/underflow */
  double d = lnI0 - th[3];
  double t = d > 0 ? SXH_PI_2 - atan(exp(-d)) : atan(exp(d));
  double r = cos(t), s = sin(t);
  h[0] = (th[0] - th[1]) * r;
  h[1] = th[1] * s;
  h[2] = th[2] - lnI0;
  h[3] = t;
}

/* h -> published theta; GK_EDOM at a limit (t = 0 or pi/2: a parameter
 * is infinite there) */
int gk_vsl_sxh_to_theta_(const double *h, double lnI0, double *th)
{
  double r = cos(h[3]), s = sin(h[3]);
  if (!(h[3] > 0) || !(h[3] < SXH_PI_2) || !(r > 0) || !(s > 0)) return GK_EDOM;
  th[1] = h[1] / s;
  th[0] = h[0] / r + th[1];
  th[2] = h[2] + lnI0;
  th[3] = lnI0 + log(r / s);
  return isfinite(th[0]) && isfinite(th[1]) ? GK_OK : GK_EDOM;
}
