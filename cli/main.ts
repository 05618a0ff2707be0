import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import { ApiClient, resolveApiConnection } from './api-client.js';
import { deleteCluster, getCluster, listClusters, registerCluster } from './commands/clusters.js';
import { deploy, getDeployment, listDeployments, parseTimeout, rollback, steer } from './commands/deploy.js';
import { runLocal } from './commands/local.js';
import { getOptimizerRun, listOptimizerRuns, optimize } from './commands/optimizer.js';
import { release, releases } from './commands/releases.js';
import { applyService, deleteService, getService, listEvents, listServices } from './commands/services.js';
import { EXIT } from './exit-codes.js';
import { commandHelp, HELP } from './help.js';

export { HELP } from './help.js';

/** The CLI's version: the package's. */
export const VERSION: string = (createRequire(import.meta.url)('../package.json') as { version: string }).version;

export async function main(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      api: { type: 'string' },
      token: { type: 'string' },
      auth: { type: 'string' },
      timeout: { type: 'string' },
      default: { type: 'boolean', default: false },
      version: { type: 'boolean', default: false },
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
  if (values.version) {
    console.log(VERSION);
    return;
  }
  if (command === 'help' || (values.help && command)) {
    const topic = command === 'help' ? sub : command;
    const text = topic ? commandHelp(topic) : HELP;
    if (!text) throw new Error(`no command "${topic}"; see meshplane --help`);
    console.log(text);
    return;
  }
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
    case 'clusters':
      switch (sub) {
        case 'register':
          return registerCluster(api, values.file, { json: values.json, makeDefault: values.default });
        case 'list':
          return listClusters(api, out);
        case 'get':
          return getCluster(api, arg, out);
        case 'delete':
          return deleteCluster(api, arg, out);
        default:
          throw new Error(`unknown clusters command "${sub ?? ''}"; use register, list, get or delete`);
      }
    case 'deploy':
      return deploy(api, sub, values.image, { json: values.json, watch: values.watch, timeoutMs: parseTimeout(values.timeout) });
    case 'deployments':
      if (sub === 'get') return getDeployment(api, arg, positionals[3], { json: values.json, watch: values.watch, timeoutMs: parseTimeout(values.timeout) });
      return listDeployments(api, sub === 'list' ? arg : sub, { json: values.json });
    case 'promote':
    case 'abort':
      return steer(api, command, sub, arg, { json: values.json });
    case 'rollback':
      return rollback(api, sub, values['to-revision'], { json: values.json });
    case 'release':
      return release(api, values.file, { json: values.json, watch: values.watch });
    case 'releases':
      return releases(api, sub, { json: values.json });
    case 'events':
      return listEvents(api, sub, out);
    case 'optimize':
      return optimize(api, { json: values.json, dryRun: values['dry-run'], maxMoves: values['max-moves'] });
    case 'optimizer':
      if (sub === 'runs') return listOptimizerRuns(api, out);
      if (sub !== 'get') throw new Error(`unknown optimizer command "${sub ?? ''}"; use runs or get RUN_ID`);
      return getOptimizerRun(api, arg, out);
    default:
      throw new Error(`unknown command "${command}"; see meshplane --help`);
  }
}

main(process.argv.slice(2)).catch((err) => {
  console.error(`meshplane: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(EXIT.error);
});
