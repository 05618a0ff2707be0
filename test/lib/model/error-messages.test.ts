import { describe, expect, it } from 'vitest';
import { ServiceSpec } from '../../../lib/model/service-spec.js';

const problems = (input: unknown) => (ServiceSpec.safeParse(input).error?.issues ?? []).map((i) => `${i.path.join('.')}: ${i.message}`);

describe('validation messages a person reads', () => {
  it.each([
    [{ name: 'a', port: 80 }, 'image: is required'],
    [{ name: 'a', image: 'x', port: '80' }, 'port: must be a number (got string)'],
    [{ name: 'a', image: 'x', port: 80, replicas: 2.5 }, 'replicas: must be a whole number (got 2.5)'],
    [{ name: 'a', image: 'x', port: 80, dependencies: {} }, 'dependencies: must be an array (got object)'],
    [{ name: 'a', image: 'x', port: 80, resources: [] }, 'resources: must be an object (got an array)'],
    [{ name: 'a', image: 'x', port: 80, env: null }, 'env: must be an object (got null)'],
  ])('%j → %s', (input, message) => {
    expect(problems(input)).toContain(message);
  });
});
