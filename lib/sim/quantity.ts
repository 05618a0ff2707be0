/**
 * Kubernetes resource quantities (`100m`, `1.5`, `128Mi`, `1G`, `2e3`) converted to plain numbers.
 * Deliberately separate from meshplane's parser (lib/model/quantity.ts): the simulated cluster stands in for the
 * API server and shares no code with the control plane it tests, so a parser bug cannot hide on both sides.
 */

const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const DECIMAL: Record<string, number> = { n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };

/** Thrown for a string that is not a Kubernetes quantity. */
export class InvalidQuantityError extends Error {
  constructor(readonly quantity: string) {
    super(`"${quantity}" is not a valid resource quantity`);
    this.name = 'InvalidQuantityError';
  }
}

/** The numeric value of a quantity in base units (cores, bytes). Numbers pass through. */
export function parseQuantity(quantity: string | number): number {
  if (typeof quantity === 'number') return quantity;
  const m = /^([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?$/.exec(quantity.trim());
  if (!m) throw new InvalidQuantityError(quantity);
  const suffix = m[2] ?? '';
  const factor = BINARY[suffix] ?? DECIMAL[suffix];
  return Number(m[1]) * factor;
}

/** CPU quantity in millicores (rounded up, as the scheduler accounts it). */
export function cpuMillis(quantity: string | number | undefined): number {
  return quantity === undefined ? 0 : Math.ceil(parseQuantity(quantity) * 1000 - 1e-9);
}

/** Memory quantity in MiB. */
export function memoryMiB(quantity: string | number | undefined): number {
  return quantity === undefined ? 0 : parseQuantity(quantity) / 2 ** 20;
}
