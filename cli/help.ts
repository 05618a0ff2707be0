/**
 * The CLI's help: one entry per command (its usage lines and what it does, shown by `meshplane --help`),
 * and the longer text `meshplane help COMMAND` / `meshplane COMMAND --help` prints.
 */

interface CommandHelp {
  /** Usage lines with a one-line summary each, as in the overview. */
  usage: [string, string][];
  /** Shown only by the command's own help. */
  details?: string;
}

export const COMMAND_HELP: Record<string, CommandHelp> = {
  local: {
    usage: [
      [
        'local [--port 8080] [--data-dir DIR] [--kubeconfig FILE [--context NAME]]\n                  [--kubeconfig-dir DIR] [--allow-exec-plugins] [--admin-token TOKEN]\n                  [--sim-clusters N]',
        'run the whole control plane locally (same as npm start)',
      ],
    ],
    details: `Starts the embedded DynamoDB and SQS emulators, a simulated cluster (or the cluster of --kubeconfig),
the local Step Functions interpreter and every handler, and the API on 127.0.0.1:PORT.
  --data-dir DIR         keep state across restarts (also MESHPLANE_DATA_DIR)
  --kubeconfig FILE      use a real cluster instead of the simulated one
  --kubeconfig-dir DIR   cluster registrations may name kubeconfig files in DIR
  --allow-exec-plugins   registered kubeconfigs may run exec credential plugins
  --admin-token TOKEN    cluster changes need this bearer token
  --sim-clusters N       N simulated clusters: local (the default) and local-2 … local-N, each with its own
                         kubeconfig, nodes and zones, all registered (also MESHPLANE_SIM_CLUSTERS)`,
  },
  services: {
    usage: [
      ['services apply -f FILE', 'register or update a service (YAML or JSON; - for stdin)'],
      ['services list', 'list services'],
      ['services get NAME', 'show a service: spec, revision, replicas per zone'],
      ['services delete NAME', 'deregister a service and remove it from its cluster'],
    ],
    details: `apply registers the service when it is new and updates it otherwise, then waits until the change is done
(--no-wait: return once accepted). Expose a service outside the mesh with
  expose: {type: LoadBalancer|Gateway, port: 80, hosts: [..], paths: [..], internal: false}`,
  },
  clusters: {
    usage: [
      ['clusters register -f FILE [--default]', 'register (or replace) a target cluster; admin only'],
      ['clusters list', 'list registered clusters'],
      ['clusters get ID', 'show one cluster registration (never its credentials)'],
      ['clusters delete ID', 'deregister a cluster that runs no services; admin only'],
    ],
    details: `FILE holds {id, target, default?} in YAML or JSON, with target one of
  {kind: eks, name: NAME, region: REGION, roleArn?: ARN}
  {kind: kubeconfig, kubeconfig: "<inline content>", context?: NAME}   (or path: under --kubeconfig-dir)
  {kind: simulated, url: URL}
--default makes it the cluster of services that name none.`,
  },
  deploy: {
    usage: [['deploy NAME --image IMAGE [--watch] [--timeout SECONDS]', 'roll out a new image; --watch follows it to the end']],
    details: `With --watch the command prints each status change and analysis and exits
  0 when the rollout is promoted, 2 when it is rolled back, aborted or fails, 1 on an error,
  3 when --timeout SECONDS runs out first (the rollout goes on).`,
  },
  deployments: {
    usage: [
      ['deployments NAME', "a service's deployments, newest first"],
      ['deployments get NAME [ID] [--watch]', 'a deployment as a step tree with analyses against limits'],
    ],
    details: `get shows the deployment in progress (or the newest) when no ID is given. --watch redraws the tree
on every change and exits like deploy --watch (0 promoted, 2 not promoted, 3 --timeout).`,
  },
  promote: { usage: [['promote NAME [DEPLOYMENT_ID]', 'release a manual gate (default: the rollout in progress)']] },
  abort: { usage: [['abort NAME [DEPLOYMENT_ID]', 'abort a rollout: traffic back to stable (default: the one in progress)']] },
  rollback: { usage: [['rollback NAME [--to-revision N]', 'back to the previous (or a named) revision']] },
  release: {
    usage: [['release -f FILE [--watch]', 'release several services as a train, callees first']],
    details: `FILE holds {items: [{service, image}, …], onFailure: rollbackAll|stop} in YAML or JSON (- for stdin).
The plan orders the items by the dependency graph (declared dependencies and observed calls): callees
first, independent services in parallel; each item is a normal deployment, and a level starts once the
one below is promoted. On a failure the train stops (running items are aborted, items not started stay
untouched) and, with rollbackAll (the default), every item it released is rolled back, the highest level
first. A dependency cycle is refused, naming it. The same request while its release runs is that release.
With --watch the command follows the train and exits 0 when every item was released, 2 when the release
failed or was aborted, 1 on an error.`,
  },
  releases: { usage: [['releases [ID]', 'the newest releases, or one release: its levels, each item with its deployment and status']] },
  events: { usage: [['events NAME', 'the audit trail of a service']] },
  optimize: {
    usage: [['optimize [--dry-run] [--max-moves N]', 're-place chatty services closer together now (--dry-run: plan only)']],
    details: 'Prints the cost before and after and the moves; each move evicts one pod (PodDisruptionBudget respected).',
  },
  optimizer: {
    usage: [
      ['optimizer runs', 'the newest optimizer runs: status, $/month before and after, moves'],
      ['optimizer get RUN_ID', 'show a stored optimizer run'],
    ],
    details: 'Runs are kept for 30 days; runs lists the newest 20 (--json: the API page, with nextCursor).',
  },
};

const OPTIONS = `Options:
  --api URL        the meshplane API (default $MESHPLANE_API, else the local runtime:
                   http://127.0.0.1:$PORT when PORT is set, else http://127.0.0.1:8080)
  --token TOKEN    bearer token (JWT) for a deployed API with a JWT authorizer, or the local
                   admin token (default $MESHPLANE_TOKEN; the local runtime needs none)
  --auth iam       sign requests with AWS SigV4 (credentials from the default chain: environment,
                   profile, SSO, instance role) for a deployed API in its default IAM mode; chosen
                   by itself for execute-api URLs without a token (default $MESHPLANE_AUTH)
  --json           machine-readable output
  --no-wait        return once a change is accepted instead of waiting for it to finish
  --version        the CLI's version
  -h, --help       this help; meshplane help COMMAND for one command's

Exit codes: 0 done, 1 error, 2 a watched rollout ended without promoting, 3 --timeout ran out.`;

const ENVIRONMENT = `Environment (local): PORT, MESHPLANE_DATA_DIR (keep state across restarts),
AWS_ENDPOINT_URL (use LocalStack instead of the embedded emulators),
MESHPLANE_TIME_FACTOR (rollout waits ×factor, in (0, 1], default 0.1),
REMEDIATION_POLICY (JSON overrides of the remediation policy, e.g. {"dryRun":true}),
MESHPLANE_KUBECONFIG_DIR (cluster registrations may name kubeconfig files in it),
MESHPLANE_ALLOW_EXEC_PLUGINS=1 (registered kubeconfigs may run exec credential plugins),
MESHPLANE_ADMIN_TOKEN (cluster changes need it as a bearer token; without it, only
programs on this machine, never web pages, may change clusters),
MESHPLANE_SIM_CLUSTERS=N (like --sim-clusters: N simulated clusters, local and local-2 … local-N).`;

function usageBlock(entries: [string, string][]): string {
  return entries
    .map(([usage, summary]) => {
      const line = `  meshplane ${usage}`;
      const last = line.split('\n').at(-1) ?? line;
      return last.length < 40 ? `${line}${' '.repeat(40 - last.length)}${summary}` : `${line}\n${' '.repeat(40)}${summary}`;
    })
    .join('\n');
}

/** The overview: every command's usage. */
export const HELP = `meshplane — serverless control plane for microservices in an Istio mesh on EKS

Usage:
${Object.values(COMMAND_HELP)
  .map((c) => usageBlock(c.usage))
  .join('\n')}

${OPTIONS}

${ENVIRONMENT}`;

/** One command's help, or undefined for an unknown command. */
export function commandHelp(command: string): string | undefined {
  const entry = COMMAND_HELP[command];
  if (!entry) return undefined;
  return `Usage:\n${usageBlock(entry.usage)}${entry.details ? `\n\n${entry.details}` : ''}\n\n${OPTIONS}`;
}
