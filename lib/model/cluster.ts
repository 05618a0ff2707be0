import * as z from 'zod';
import { MAX_KUBECONFIG_BYTES } from './kubeconfig-limits.js';
import { dns1123Label } from './names.js';

const EksTarget = z.strictObject({
  kind: z.literal('eks'),
  name: z
    .string()
    .min(1)
    .max(100)
    .regex(/^[0-9A-Za-z][A-Za-z0-9\-_]*$/, 'must be an EKS cluster name'),
  region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS region such as eu-west-1'),
  roleArn: z
    .string()
    .regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/, 'must be an IAM role ARN')
    .optional(),
});
/**
 * A cluster reached with a kubeconfig: its content inline (`kubeconfig`), or a `path`, which is only
 * accepted inside the directory the operator allowed at start (`--kubeconfig-dir`). Exactly one of the two.
 */
const KubeconfigTarget = z
  .strictObject({
    kind: z.literal('kubeconfig'),
    kubeconfig: z
      .string()
      .min(1, 'must not be empty')
      .max(MAX_KUBECONFIG_BYTES, `must be at most ${MAX_KUBECONFIG_BYTES} bytes`)
      .optional()
      .describe('The kubeconfig YAML'),
    path: z
      .string()
      .min(1, 'must not be empty')
      .max(4096)
      .refine((p) => !p.includes('\0'), 'must not contain NUL')
      .optional()
      .describe('A kubeconfig file inside the directory the operator allowed at start (--kubeconfig-dir)'),
    context: z.string().min(1).max(253).optional(),
  })
  .refine((t) => (t.kubeconfig === undefined) !== (t.path === undefined), {
    message: 'give exactly one of kubeconfig (the YAML) or path',
    path: ['kubeconfig'],
  });
const SimulatedTarget = z.strictObject({
  kind: z.literal('simulated'),
  /** Base URL of the simulated API server; the local runtime fills it in for its own cluster. */
  url: z.url().optional(),
});

export const ClusterTarget = z.discriminatedUnion('kind', [EksTarget, KubeconfigTarget, SimulatedTarget]);
export type ClusterTarget = z.infer<typeof ClusterTarget>;

/** Body of `POST /v1/clusters`: a target cluster; unknown fields are rejected. */
export const ClusterRegistration = z.strictObject({
  id: dns1123Label,
  target: ClusterTarget,
  default: z.boolean().default(false).describe('Used for services that name no cluster'),
});
export type ClusterRegistration = z.infer<typeof ClusterRegistration>;
