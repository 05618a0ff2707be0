import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { renderService, type RenderContext } from '../../../lib/mesh/render-service.js';
import { toYaml } from '../../../lib/mesh/yaml.js';
import {
  exposedOrderService,
  gatewayOrderService,
  orderService,
  orderServiceCanaryContext,
  orderServiceContext,
  userService,
  userServiceContext,
} from './fixtures.js';

const REGIONS = { 'eu-west-1a': 'eu-west-1', 'eu-west-1b': 'eu-west-1', 'eu-west-1c': 'eu-west-1' };

/** user-service with the optimizer's zone split: callers in 1a keep 80 % local, 1b and 1c split by capacity. */
const userServiceDistributeContext: RenderContext = {
  ...userServiceContext,
  localityRouting: {
    mode: 'distribute',
    regions: REGIONS,
    distribute: [
      { from: 'eu-west-1a', to: { 'eu-west-1a': 80, 'eu-west-1b': 20, 'eu-west-1c': 0 } },
      { from: 'eu-west-1b', to: { 'eu-west-1b': 70, 'eu-west-1a': 15, 'eu-west-1c': 15 } },
      { from: 'eu-west-1c', to: { 'eu-west-1c': 100 } },
    ],
  },
};

// Regenerate with: UPDATE_GOLDEN=1 npx vitest run test/lib/mesh
const GOLDEN_DIR = join(dirname(fileURLToPath(import.meta.url)), 'golden');
const update = process.env.UPDATE_GOLDEN === '1';

const cases = [
  { file: 'user-service.yaml', render: () => renderService(userService, userServiceContext) },
  { file: 'order-service.yaml', render: () => renderService(orderService, orderServiceContext) },
  { file: 'order-service-canary.yaml', render: () => renderService(orderService, orderServiceCanaryContext) },
  { file: 'order-service-load-balancer.yaml', render: () => renderService(exposedOrderService, orderServiceContext) },
  { file: 'user-service-distribute.yaml', render: () => renderService(userService, userServiceDistributeContext) },
  {
    file: 'order-service-load-balancer-same-zone.yaml',
    render: () => renderService(exposedOrderService, { ...orderServiceContext, localityRouting: { mode: 'preferSameZone' } }),
  },
  { file: 'order-service-gateway-canary.yaml', render: () => renderService(gatewayOrderService, orderServiceCanaryContext) },
];

describe('rendered manifests match the reviewed golden files', () => {
  it.each(cases)('$file', ({ file, render }) => {
    const path = join(GOLDEN_DIR, file);
    const actual = toYaml(render());
    if (update) {
      mkdirSync(GOLDEN_DIR, { recursive: true });
      writeFileSync(path, actual);
    }
    expect(existsSync(path), `${path} is missing; run UPDATE_GOLDEN=1 npx vitest run test/lib/mesh`).toBe(true);
    expect(actual).toBe(readFileSync(path, 'utf8'));
  });
});
