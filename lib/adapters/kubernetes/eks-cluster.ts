/**
 * Where an EKS cluster's API server is and which credentials reach it: DescribeCluster (behind a tiny
 * interface so tests and local runs can supply a stub) and the AWS credentials, optionally from an
 * assumed role.
 */
import { DescribeClusterCommand, EKSClient } from '@aws-sdk/client-eks';
import { fromNodeProviderChain, fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import { TerminalError, TransientError } from '../../errors.js';
import type { ClusterTarget } from '../../model/cluster.js';
import type { AwsCredentialsProvider } from './eks-token.js';

/** An `eks` cluster registration target. */
export type EksTarget = Extract<ClusterTarget, { kind: 'eks' }>;

/** How to reach an EKS cluster's API server. */
export interface EksClusterEndpoint {
  /** https URL of the API server */
  endpoint: string;
  /** base64 PEM of the cluster CA, as DescribeCluster returns it */
  certificateAuthorityData: string;
}

/** Looks up an EKS cluster's endpoint (DescribeCluster). */
export interface EksClusterDescriber {
  describeCluster(cluster: { name: string; region: string }, credentials: AwsCredentialsProvider): Promise<EksClusterEndpoint>;
}

/** Session name meshplane uses when it assumes a registration's role (shows up in CloudTrail). */
export const ASSUME_ROLE_SESSION_NAME = 'meshplane-cluster-adapter';

/**
 * Credentials for a target: the default provider chain (Lambda execution role, env, profile …), or
 * temporary credentials of `roleArn` assumed with those.
 */
export function credentialsForEksTarget(target: EksTarget): AwsCredentialsProvider {
  if (!target.roleArn) return fromNodeProviderChain();
  return fromTemporaryCredentials({
    params: { RoleArn: target.roleArn, RoleSessionName: ASSUME_ROLE_SESSION_NAME, DurationSeconds: 3600 },
    clientConfig: { region: target.region },
  });
}

/** DescribeCluster over the AWS SDK; SDK-level retries apply, failures become meshplane errors. */
export class AwsEksClusterDescriber implements EksClusterDescriber {
  async describeCluster(cluster: { name: string; region: string }, credentials: AwsCredentialsProvider): Promise<EksClusterEndpoint> {
    const client = new EKSClient({ region: cluster.region, credentials });
    try {
      const { cluster: described } = await client.send(new DescribeClusterCommand({ name: cluster.name }));
      return endpointFromDescription(cluster.name, {
        endpoint: described?.endpoint,
        certificateAuthorityData: described?.certificateAuthority?.data,
        status: described?.status,
      });
    } catch (error) {
      throw describeClusterError(cluster.name, cluster.region, error);
    } finally {
      client.destroy();
    }
  }
}

/**
 * Validates what DescribeCluster returned. A cluster still being created has no endpoint yet, which
 * may pass; a deleted or failed one will not.
 */
export function endpointFromDescription(
  name: string,
  described: { endpoint?: string; certificateAuthorityData?: string; status?: string },
): EksClusterEndpoint {
  if (described.status === 'DELETING' || described.status === 'FAILED') {
    throw new TerminalError(`EKS cluster "${name}" is ${described.status}`);
  }
  if (!described.endpoint || !described.certificateAuthorityData) {
    throw new TransientError(`EKS cluster "${name}" has no API endpoint or CA yet (status ${described.status ?? 'unknown'})`);
  }
  return { endpoint: described.endpoint, certificateAuthorityData: described.certificateAuthorityData };
}

function describeClusterError(name: string, region: string, error: unknown): Error {
  if (error instanceof TerminalError || error instanceof TransientError) return error;
  const e = error as { name?: string; message?: string; $fault?: string; $metadata?: { httpStatusCode?: number } };
  const message = `DescribeCluster "${name}" in ${region} failed: ${e.name ?? 'Error'}: ${e.message ?? String(error)}`;
  const status = e.$metadata?.httpStatusCode;
  const throttled = e.name === 'ThrottlingException' || e.name === 'TooManyRequestsException' || status === 429;
  if (throttled || e.$fault === 'server' || status === undefined) return new TransientError(message, { cause: error });
  return new TerminalError(message, { cause: error });
}
