/** "`caller` declares a dependency on `callee`": the reverse index of the declared call graph. */
export interface CallerEdge {
  callee: string;
  caller: string;
  callerNamespace: string;
  rps: number;
}

/** How the reverse index changes with one service change. */
export interface CallerEdgeChanges {
  put: CallerEdge[];
  remove: { callee: string; caller: string }[];
}
