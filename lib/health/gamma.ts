/** Gamma-distribution numerics for the failure-rate estimate (no dependency carries them). */

const LANCZOS_G = 7;
const LANCZOS_COEFFICIENTS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905,
  -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** ln Γ(x) for x > 0 (Lanczos approximation, ~15 significant digits). */
export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const z = x - 1;
  let sum = LANCZOS_COEFFICIENTS[0];
  for (let i = 1; i < LANCZOS_COEFFICIENTS.length; i++) sum += LANCZOS_COEFFICIENTS[i] / (z + i);
  const t = z + LANCZOS_G + 0.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}

const EPSILON = 1e-14;
const TINY = 1e-300;
const MAX_ITERATIONS = 1_000;

/** Regularized lower incomplete gamma P(a, x) = γ(a, x) / Γ(a), the CDF of Gamma(shape a, rate 1) at x. */
export function regularizedLowerGamma(a: number, x: number): number {
  if (!(a > 0)) throw new RangeError(`shape must be positive, got ${a}`);
  if (x <= 0) return 0;
  const logPrefactor = -x + a * Math.log(x) - logGamma(a);
  if (x < a + 1) {
    // Series: converges fast below the mode.
    let term = 1 / a;
    let sum = term;
    for (let n = 1; n < MAX_ITERATIONS; n++) {
      term *= x / (a + n);
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * EPSILON) break;
    }
    return Math.min(1, sum * Math.exp(logPrefactor));
  }
  // Continued fraction for the upper tail Q (modified Lentz).
  let b = x + 1 - a;
  let c = 1 / TINY;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < MAX_ITERATIONS; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < TINY) d = TINY;
    c = b + an / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < EPSILON) break;
  }
  return Math.max(0, 1 - Math.exp(logPrefactor) * h);
}

/** Quantile q (0 < q < 1) of Gamma(shape, rate): the x with P(X ≤ x) = q. */
export function gammaQuantile(shape: number, rate: number, q: number): number {
  if (!(rate > 0)) throw new RangeError(`rate must be positive, got ${rate}`);
  if (!(q > 0 && q < 1)) throw new RangeError(`quantile level must be in (0, 1), got ${q}`);
  let low = 0;
  let high = Math.max(1, shape);
  while (regularizedLowerGamma(shape, high) < q) high *= 2;
  // Bisection: the CDF is monotone; 200 halvings reach double precision for any bracket.
  for (let i = 0; i < 200 && high - low > 1e-15 * high; i++) {
    const mid = (low + high) / 2;
    if (regularizedLowerGamma(shape, mid) < q) low = mid;
    else high = mid;
  }
  return (low + high) / 2 / rate;
}
