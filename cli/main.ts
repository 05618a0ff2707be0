import { parseArgs } from 'node:util';
import { ApiClient, resolveApiConnection } from './api-client.js';
import { deploy, listDeployments, rollback, steer } from './commands/deploy.js';
import { runLocal } from './commands/local.js';
import { getOptimizerRun, optimize } from './commands/optimizer.js';
import { applyService, deleteService, getService, listEvents, listServices } from './commands/services.js';

export const HELP = `meshplane — serverless control plane for microservices in an Istio mesh on EKS

Usage:
  meshplane local [--port 8080] [--data-dir DIR] [--kubeconfig FILE [--context NAME]]
                  [--kubeconfig-dir DIR] [--allow-exec-plugins] [--admin-token TOKEN]
                  [--sim-clusters N]
                                        run the whole control plane locally (same as npm start)
  meshplane services apply -f FILE      register or update a service (YAML or JSON; - for stdin);
                                        expose it outside the mesh with
                                        expose: {type: LoadBalancer|Gateway, port: 80,
                                        hosts: [..], paths: [..], internal: false}
  meshplane services list               list services
  meshplane services get NAME           show a service: spec, revision, replicas per zone
  meshplane services delete NAME        deregister a service and remove it from its cluster
  meshplane deploy NAME --image IMAGE [--watch]
                                        roll out a new image; --watch follows it and exits
                                        0 when promoted, 1 when rolled back
  meshplane deployments NAME            a service's deployments, newest first
  meshplane promote NAME DEPLOYMENT_ID  release a manual gate of a running rollout
  meshplane abort NAME DEPLOYMENT_ID    abort a rollout: traffic back to stable
  meshplane rollback NAME [--to-revision N]
                                        back to the previous (or a named) revision
  meshplane events NAME                 the audit trail of a service
  meshplane optimize [--dry-run] [--max-moves N]
                                        re-place chatty services closer together now: prints
                                        the cost before/after and the moves (--dry-run: plan only)
  meshplane optimizer get RUN_ID        show a stored optimizer run

Options:
  --api URL      the meshplane API (default $MESHPLANE_API or http://127.0.0.1:8080)
  --token TOKEN  bearer token (JWT) for a deployed API with a JWT authorizer
                 (default $MESHPLANE_TOKEN; the local runtime needs none)
  --json         machine-readable output
  --no-wait      return once a change is accepted instead of waiting for it to finish
  -h, --help     this help

Environment (local): PORT, MESHPLANE_DATA_DIR (keep state across restarts),
AWS_ENDPOINT_URL (use LocalStack instead of the embedded emulators),
MESHPLANE_TIME_FACTOR (rollout waits ×factor, in (0, 1], default 0.1),
REMEDIATION_POLICY (JSON overrides of the remediation policy, e.g. {"dryRun":true}),
MESHPLANE_KUBECONFIG_DIR (cluster registrations may name kubeconfig files in it),
MESHPLANE_ALLOW_EXEC_PLUGINS=1 (registered kubeconfigs may run exec credential plugins),
MESHPLANE_ADMIN_TOKEN (cluster changes need it as a bearer token; without it, only
programs on this machine, never web pages, may change clusters),
MESHPLANE_SIM_CLUSTERS=N (like --sim-clusters: N simulated clusters, local and local-2 … local-N,
each with its own kubeconfig, nodes and zones; services name several with clusters: [..]).`;

export async function main(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      api: { type: 'string' },
      token: { type: 'string' },
      json: { type: 'boolean', default: false },
      'no-wait': { type: 'boolean', default: false },
      watch: { type: 'boolean', default: false },
      file: { type: 'string', short: 'f' },
      image: { type: 'string' },
      'to-revision': { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
      'max-moves': { type: 'string' },
      port: { type: 'string' },
      'data-dir': { type: 'string' },
      kubeconfig: { type: 'string' },
      context: { type: 'string' },
      'kubeconfig-dir': { type: 'string' },
      'allow-exec-plugins': { type: 'boolean' },
      'admin-token': { type: 'string' },
      'sim-clusters': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const [command, sub, arg] = positionals;
  if (values.help || !command) {
    console.log(HELP);
    return;
  }
  const api = new ApiClient(resolveApiConnection(values));
  const out = { json: values.json, wait: !values['no-wait'] };
  switch (command) {
    case 'local':
      return runLocal(values);
    case 'services':
      switch (sub) {
        case 'apply':
          return applyService(api, values.file, out);
        case 'list':
          return listServices(api, out);
        case 'get':
          return getService(api, arg, out);
        case 'delete':
          return deleteService(api, arg, out);
        default:
          throw new Error(`unknown services command "${sub ?? ''}"; use apply, list, get or delete`);
      }
    case 'deploy':
      return deploy(api, sub, values.image, { json: values.json, watch: values.watch });
    case 'deployments':
      return listDeployments(api, sub, { json: values.json });
    case 'promote':
    case 'abort':
      return steer(api, command, sub, arg, { json: values.json });
    case 'rollback':
      return rollback(api, sub, values['to-revision'], { json: values.json });
    case 'events':
      return listEvents(api, sub, out);
    case 'optimize':
      return optimize(api, { json: values.json, dryRun: values['dry-run'], maxMoves: values['max-moves'] });
    case 'optimizer':
      if (sub !== 'get') throw new Error(`unknown optimizer command "${sub ?? ''}"; use get RUN_ID`);
      return getOptimizerRun(api, arg, out);
    default:
      throw new Error(`unknown command "${command}"; see meshplane --help`);
  }
}

main(process.argv.slice(2)).catch((err) => {
  console.error(`meshplane: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
