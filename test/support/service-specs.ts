import type { ServiceSpecInput } from '../../lib/model/service-spec.js';

/**
 * The classic two-service example as a user would send it (defaults left out): order-service calls
 * user-service at 50 requests per second.
 */
export const userServiceInput = {
  name: 'user-service',
  image: 'registry.example.com/shop/user-service:1.4.2',
  port: 8080,
  replicas: 3,
} satisfies ServiceSpecInput;

export const orderServiceInput = {
  name: 'order-service',
  image: 'registry.example.com/shop/order-service:2.0.0',
  port: 8081,
  replicas: 3,
  dependencies: [{ service: 'user-service', rps: 50 }],
} satisfies ServiceSpecInput;

/** A minimal valid spec for a service called `name`. */
export function minimalInput(name: string, overrides: Partial<ServiceSpecInput> = {}): ServiceSpecInput {
  return { name, image: `registry.example.com/test/${name}:1.0.0`, port: 8080, ...overrides };
}
