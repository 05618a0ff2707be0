/** The Istio subsets of a service: one per Deployment track, matched by the `track` pod label. */
export const SUBSETS = ['stable', 'canary'] as const;
export type SubsetName = (typeof SUBSETS)[number];
