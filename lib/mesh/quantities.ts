/**
 * Kubernetes resource quantities, written in the canonical form the API server stores them in
 * (`1000m` is stored as `1`, `1024Mi` as `1Gi`). Rendering the stored form means reading an object
 * back and comparing it with a fresh rendering shows no spurious difference.
 */
import { ValidationError } from '../errors.js';
import { cpuToMillicoresRoundedUp, InvalidQuantityError, memoryToMiBRoundedUp } from '../model/quantity.js';

const MIB_PER_GIB = 1024;
const MIB_PER_TIB = 1024 * 1024;

function requirePositiveWhole(value: number, what: string): void {
  if (!Number.isInteger(value) || value < 1) throw new ValidationError([{ path: what, message: `must be a whole number of at least 1, got ${value}` }]);
}

/** CPU in millicores as a Kubernetes quantity: `250` → `"250m"`, `2000` → `"2"`. */
export function kubeQuantityCpu(millis: number): string {
  requirePositiveWhole(millis, 'cpu');
  return millis % 1000 === 0 ? String(millis / 1000) : `${millis}m`;
}

/** Memory in MiB as a Kubernetes quantity: `128` → `"128Mi"`, `2048` → `"2Gi"`. */
export function kubeQuantityMemory(mib: number): string {
  requirePositiveWhole(mib, 'memory');
  if (mib % MIB_PER_TIB === 0) return `${mib / MIB_PER_TIB}Ti`;
  if (mib % MIB_PER_GIB === 0) return `${mib / MIB_PER_GIB}Gi`;
  return `${mib}Mi`;
}

/**
 * Millicores in a CPU quantity (`"250m"` → 250, `"1.5"` → 1500), rounded up as the scheduler does.
 * @throws ValidationError when the text is not a positive CPU quantity.
 */
export function parseCpuMillis(quantity: string): number {
  const millis = positive(quantity, cpuToMillicoresRoundedUp);
  if (millis === undefined) throw new ValidationError([{ path: 'cpu', message: `"${quantity}" is not a CPU quantity such as "250m" or "2"` }]);
  return millis;
}

/**
 * MiB in a memory quantity (`"128Mi"` → 128, `"1Gi"` → 1024, `"1G"` → 954), rounded up.
 * @throws ValidationError when the text is not a positive memory quantity.
 */
export function parseMemoryMiB(quantity: string): number {
  const mib = positive(quantity, memoryToMiBRoundedUp);
  if (mib === undefined) throw new ValidationError([{ path: 'memory', message: `"${quantity}" is not a memory quantity such as "128Mi" or "1Gi"` }]);
  return mib;
}

function positive(quantity: string, convert: (q: string) => number): number | undefined {
  if (quantity.trim() !== quantity) return undefined;
  try {
    const value = convert(quantity);
    return value > 0 ? value : undefined;
  } catch (err) {
    if (err instanceof InvalidQuantityError) return undefined;
    throw err;
  }
}
