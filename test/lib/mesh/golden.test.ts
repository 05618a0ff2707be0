import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { renderService } from '../../../lib/mesh/render-service.js';
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

// Regenerate with: UPDATE_GOLDEN=1 npx vitest run test/lib/mesh
const GOLDEN_DIR = join(dirname(fileURLToPath(import.meta.url)), 'golden');
const update = process.env.UPDATE_GOLDEN === '1';

const cases = [
  { file: 'user-service.yaml', render: () => renderService(userService, userServiceContext) },
  { file: 'order-service.yaml', render: () => renderService(orderService, orderServiceContext) },
  { file: 'order-service-canary.yaml', render: () => renderService(orderService, orderServiceCanaryContext) },
  { file: 'order-service-load-balancer.yaml', render: () => renderService(exposedOrderService, orderServiceContext) },
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
