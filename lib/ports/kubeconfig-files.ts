import type { ClusterTarget } from '../model/cluster.js';
import type { AdmittedKubeconfig } from '../model/kubeconfig.js';

/** The file system as kubeconfig admission needs it: resolve a real path, read a small file. */
export interface KubeconfigFiles {
  /** The real path (symlinks followed); rejects when it does not exist. */
  realpath(path: string): Promise<string>;
  /** The file's text; rejects when it cannot be read or is larger than a kubeconfig can be. */
  readFile(path: string): Promise<string>;
}

/**
 * Decides whether a kubeconfig target may be used and returns what to connect with; throws a
 * ValidationError naming the field otherwise. The composition root binds it to the operator's policy.
 */
export type KubeconfigAdmission = (target: Extract<ClusterTarget, { kind: 'kubeconfig' }>) => Promise<AdmittedKubeconfig>;
