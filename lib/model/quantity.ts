/**
 * Kubernetes resource quantities (`4`, `3500m`, `16Gi`, `1e3`, `512M`, …) converted exactly, with
 * rational arithmetic on BigInt so that decimal inputs such as `4.1` do not pick up binary
 * floating-point error before rounding.
 *
 * Grammar (k8s.io/apimachinery/pkg/api/resource): `<sign><digits>[.<digits>]<suffix>` where suffix is
 * a binary SI suffix (Ki Mi Gi Ti Pi Ei), a decimal SI suffix (n u m "" k M G T P E) or a decimal
 * exponent (`e3`, `E-2`).
 *
 * The one quantity parser of meshplane: node capacity read from clusters (rounded down, so capacity is never
 * overstated) and service specs written by people (rounded up, as the scheduler never grants less than asked).
 * The simulated cluster (`lib/sim/quantity.ts`) keeps its own on purpose: it stands in for the API server and
 * shares no code with what it tests.
 */

/** A quantity string that does not follow the Kubernetes quantity grammar. */
export class InvalidQuantityError extends Error {
  constructor(readonly quantity: string) {
    super(`"${quantity}" is not a Kubernetes quantity (expected e.g. 4, 3500m, 16Gi, 1e3, 512M)`);
    this.name = 'InvalidQuantityError';
  }
}

/** An exact quantity: numerator / denominator, in base units (cores, bytes). Denominator > 0. */
export interface ExactQuantity {
  numerator: bigint;
  denominator: bigint;
}

const BINARY_SUFFIX_POWER_OF_TWO: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const DECIMAL_SUFFIX_POWER_OF_TEN: Record<string, number> = {
  n: -9,
  u: -6,
  m: -3,
  '': 0,
  k: 3,
  M: 6,
  G: 9,
  T: 12,
  P: 15,
  E: 18,
};

// The exponent alternative comes before the decimal suffixes so `1E3` is 1000 while `1E` is one exa.
const QUANTITY_PATTERN = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)(?:[eE]([+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei)|([numkMGTPE]?))$/;

/** Parses a quantity into an exact rational number of base units. Throws {@link InvalidQuantityError}. */
export function parseQuantity(quantity: string): ExactQuantity {
  const match = QUANTITY_PATTERN.exec(quantity.trim());
  if (!match) throw new InvalidQuantityError(quantity);
  const [, sign, number, exponent, binarySuffix, decimalSuffix] = match;

  const [whole, fraction = ''] = number.split('.');
  let mantissa = BigInt(`${whole || '0'}${fraction}` || '0');
  if (sign === '-') mantissa = -mantissa;

  let powerOfTen = -fraction.length;
  let powerOfTwo = 0;
  if (exponent !== undefined) {
    const value = Number(exponent);
    // Bounds keep BigInt exponentiation cheap; no real cluster reports more than exa-scale values.
    if (Math.abs(value) > 100) throw new InvalidQuantityError(quantity);
    powerOfTen += value;
  } else if (binarySuffix !== undefined) {
    powerOfTwo = BINARY_SUFFIX_POWER_OF_TWO[binarySuffix];
  } else {
    powerOfTen += DECIMAL_SUFFIX_POWER_OF_TEN[decimalSuffix ?? ''];
  }
  return scale({ numerator: mantissa, denominator: 1n }, powerOfTen, powerOfTwo);
}

/** CPU quantity in millicores, rounded down (so capacity is never overstated). */
export function cpuToMillicores(quantity: string): number {
  return floorToNumber(scale(parseQuantity(quantity), 3, 0));
}

/** Memory quantity in MiB (2^20 bytes), rounded down (so capacity is never overstated). */
export function memoryToMiB(quantity: string): number {
  return floorToNumber(scale(parseQuantity(quantity), 0, -20));
}

/** CPU quantity in millicores, rounded up (a request is never understated): `"250m"` → 250, `"0.0001"` → 1. */
export function cpuToMillicoresRoundedUp(quantity: string): number {
  return ceilToNumber(scale(parseQuantity(quantity), 3, 0));
}

/** Memory quantity in MiB, rounded up (a request is never understated): `"1G"` → 954, `"512Ki"` → 1. */
export function memoryToMiBRoundedUp(quantity: string): number {
  return ceilToNumber(scale(parseQuantity(quantity), 0, -20));
}

function scale(value: ExactQuantity, powerOfTen: number, powerOfTwo: number): ExactQuantity {
  let { numerator, denominator } = value;
  if (powerOfTen >= 0) numerator *= 10n ** BigInt(powerOfTen);
  else denominator *= 10n ** BigInt(-powerOfTen);
  if (powerOfTwo >= 0) numerator *= 2n ** BigInt(powerOfTwo);
  else denominator *= 2n ** BigInt(-powerOfTwo);
  return { numerator, denominator };
}

function floorToNumber({ numerator, denominator }: ExactQuantity): number {
  let quotient = numerator / denominator;
  // BigInt division truncates toward zero; floor needs one less for inexact negative results.
  if (numerator % denominator !== 0n && numerator < 0n) quotient -= 1n;
  return Number(quotient);
}

function ceilToNumber(value: ExactQuantity): number {
  return -floorToNumber({ numerator: -value.numerator, denominator: value.denominator });
}
