import { z } from 'zod';
import { dns1123Label } from './names.js';

const EksTarget = z.strictObject({
  kind: z.literal('eks'),
  name: z.string().min(1).max(100).regex(/^[0-9A-Za-z][A-Za-z0-9\-_]*$/, 'must be an EKS cluster name'),
  region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS region such as eu-west-1'),
  roleArn: z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/, 'must be an IAM role ARN').optional(),
});
const KubeconfigTarget = z.strictObject({
  kind: z.literal('kubeconfig'),
  path: z.string().min(1),
  context: z.string().min(1).optional(),
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
