import type { ClusterRegistration } from '../model/cluster.js';

/** A registered cluster as stored. */
export type StoredCluster = ClusterRegistration & { createdAt: string };

/** The clusters meshplane deploys to. */
export interface ClusterStore {
  /** Creates or replaces. */
  putCluster(cluster: StoredCluster): Promise<void>;
  getCluster(id: string): Promise<StoredCluster | undefined>;
  listClusters(): Promise<StoredCluster[]>;
  /** False when there was no such cluster. */
  deleteCluster(id: string): Promise<boolean>;
}
