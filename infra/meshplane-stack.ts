import { ArnFormat, Aws, CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import { SecurityGroup, Subnet, Vpc } from 'aws-cdk-lib/aws-ec2';
import { Effect, ManagedPolicy, Policy, PolicyStatement, type Role } from 'aws-cdk-lib/aws-iam';
import type { BuildOptions } from 'esbuild';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import { runtimeConfigToEnv } from '../lib/composition/runtime-config.js';
import { QUEUES, type QueueDefinition } from '../lib/platform/resources.js';
import { planClusterAccess } from './cluster-access-plan.js';
import type { MeshplaneConfig } from './config.js';
import { AlarmRouting } from './constructs/alarm-routing.js';
import { AuditEventBus } from './constructs/audit-event-bus.js';
import { Observability } from './constructs/observability.js';
import { EksAccess } from './constructs/eks-access.js';
import { FunctionRole } from './constructs/function-role.js';
import { EventQueue } from './constructs/event-queue.js';
import { HandlerFunction, type HandlerFunctionDefaults } from './constructs/handler-function.js';
import { DashboardHosting } from './constructs/dashboard-hosting.js';
import { MeshplaneHttpApi } from './constructs/http-api.js';
import { TaskStateMachine } from './constructs/task-state-machine.js';
import { DEFINITION_SUBSTITUTIONS, rolloutStateMachineDefinition } from '../lib/rollout/state-machine.js';
import { RELEASE_TASK_FUNCTION_ARN_KEY, releaseStateMachineDefinition } from '../lib/release/state-machine.js';
import { Schedules } from './constructs/schedules.js';
import { StateTable } from './constructs/state-table.js';
import { consumedQueues, deployableHandlers, type HandlerDefinition } from './handler-catalog.js';
import { applyNagSuppressions } from './nag-suppressions.js';

export interface MeshplaneStackProps extends StackProps {
  config: MeshplaneConfig;
  /** Directory with package.json, package-lock.json, functions/ and lib/. */
  projectRoot: string;
  /** The handlers to deploy (default: the catalog's, minus planned ones not written yet). */
  handlers?: readonly HandlerDefinition[];
  /** Overrides of the esbuild options (`infra/bundling.ts`). */
  bundling?: Partial<BuildOptions>;
}

/** The workflows' names within a stage (machines `meshplane-<stage>-<workflow>`). */
const ROLLOUT_WORKFLOW = 'rollout';
const RELEASE_WORKFLOW = 'release';

/**
 * The whole meshplane control plane in one stack: HTTP API, FIFO queues and their consumers, the
 * state table, the rollout state machine, alarm routing, schedules and EKS access, all built from
 * the shared definitions in lib/ (`TABLE`, `QUEUES`, the rollout ASL) and the handler catalog.
 */
export class MeshplaneStack extends Stack {
  readonly table: StateTable;
  readonly queues: ReadonlyMap<QueueDefinition['id'], EventQueue>;
  readonly functions: ReadonlyMap<string, HandlerFunction>;
  /** Each function's own execution role, by handler id. */
  readonly roles: ReadonlyMap<string, Role>;
  readonly rollouts: TaskStateMachine;
  readonly releases: TaskStateMachine;
  readonly api: MeshplaneHttpApi;
  /**
   * IAM mode with `dashboardAuth`: the API the dashboard calls, the same function behind a JWT authorizer
   * and without the admin routes (cluster changes through it are refused).
   */
  readonly dashboardApi?: MeshplaneHttpApi;
  /** The dashboard: S3 + CloudFront, `/v1/*` to the API (the dashboard's own when there is one). */
  readonly dashboard: DashboardHosting;
  /** The bus audit events are published to (absent when the catalog has no table stream consumer). */
  readonly events?: AuditEventBus;
  readonly observability: Observability;

  constructor(scope: Construct, id: string, props: MeshplaneStackProps) {
    super(scope, id, props);
    const { config } = props;
    const handlers = props.handlers ?? deployableHandlers(props.projectRoot);
    const logRetention = config.logRetentionDays;

    const alarmTopic = config.alarmEmail ? new Topic(this, 'AlarmTopic', { displayName: `meshplane ${config.stage} alarms`, enforceSSL: true }) : undefined;
    if (alarmTopic && config.alarmEmail) alarmTopic.addSubscription(new EmailSubscription(config.alarmEmail));

    this.table = new StateTable(this, 'State', { stage: config.stage, retainData: config.retainData });
    this.queues = new Map(
      QUEUES.map((definition) => [definition.id, new EventQueue(this, `Queue-${definition.id}`, { definition, stage: config.stage, alarmTopic })]),
    );

    // One role per function, with only what its catalog entry declares: the API cannot receive messages,
    // delete items or start executions, and only the functions that call clusters have access entries.
    this.roles = new Map(
      handlers.map((h) => {
        const { stage, ampWorkspaceArn } = config;
        const cloudWatchMetrics = Boolean(config.cloudWatchMetrics);
        const props = { handler: h, stage, table: this.table.table, queues: this.queues, ampWorkspaceArn, cloudWatchMetrics };
        return [h.id, new FunctionRole(this, `Role-${h.id}`, props).role];
      }),
    );
    const network = this.network(config);
    new EksAccess(this, 'EksAccess', {
      plan: planClusterAccess(config.clusters, config.env.region),
      callers: handlers.flatMap((h) => (h.needs.kubernetes ? [{ id: h.id, role: this.roles.get(h.id)!, needs: h.needs.kubernetes }] : [])),
    });

    const queueUrls = Object.fromEntries([...this.queues].map(([id, q]) => [id, q.queue.queueUrl])) as Record<QueueDefinition['id'], string>;
    const defaults: HandlerFunctionDefaults = {
      projectRoot: props.projectRoot,
      stage: config.stage,
      environment: runtimeConfigToEnv({ region: Aws.REGION, tableName: this.table.table.tableName, queueUrls }),
      logRetention,
      logLevel: config.logLevel,
      network,
      bundling: props.bundling,
    };
    this.functions = new Map(
      handlers.map((h) => {
        const environment: Record<string, string> = {
          ...(h.needs.queriesMetrics && config.prometheusUrl ? { PROMETHEUS_URL: config.prometheusUrl } : {}),
          ...(h.needs.analysesMetrics && config.cloudWatchMetrics
            ? { METRICS_SOURCE: 'cloudwatch', CLOUDWATCH_METRICS_NAMESPACE: config.cloudWatchMetrics.namespace }
            : {}),
        };
        return [h.id, new HandlerFunction(this, `Fn-${h.id}`, h, defaults, this.roles.get(h.id)!, environment)];
      }),
    );
    const fnOf = (h: HandlerDefinition) => this.functions.get(h.id)!.function;

    const rolloutTask = onlyOne(handlers, 'rolloutTask');
    this.rollouts = new TaskStateMachine(this, 'Rollouts', {
      stage: config.stage,
      workflow: ROLLOUT_WORKFLOW,
      definition: rolloutStateMachineDefinition(),
      taskFunction: fnOf(rolloutTask),
      taskFunctionArnKey: DEFINITION_SUBSTITUTIONS.RolloutTaskFunctionArn,
      logRetention,
    });
    const rolloutStartPolicies = this.grantStarts(
      this.rollouts,
      'STATE_MACHINE_ARN',
      'StartRolloutsPolicy',
      handlers.filter((h) => h.needs.startsRollouts),
    );
    this.releases = new TaskStateMachine(this, 'Releases', {
      stage: config.stage,
      workflow: RELEASE_WORKFLOW,
      definition: releaseStateMachineDefinition(),
      taskFunction: fnOf(onlyOne(handlers, 'releaseTask')),
      taskFunctionArnKey: RELEASE_TASK_FUNCTION_ARN_KEY,
      logRetention,
    });
    const releaseStartPolicies = this.grantStarts(
      this.releases,
      'RELEASE_STATE_MACHINE_ARN',
      'StartReleasesPolicy',
      handlers.filter((h) => h.needs.startsReleases),
    );

    this.api = new MeshplaneHttpApi(this, 'HttpApi', { stage: config.stage, handler: fnOf(onlyOne(handlers, 'httpApi')), jwt: config.jwt, logRetention });
    const dashboardAuth = config.dashboardAuth;
    if (dashboardAuth) {
      this.dashboardApi = new MeshplaneHttpApi(this, 'DashboardApi', {
        stage: config.stage,
        nameSuffix: 'dashboard',
        handler: fnOf(onlyOne(handlers, 'httpApi')),
        jwt: { issuer: dashboardAuth.issuer, audience: dashboardAuth.audience },
        routeScopes: dashboardAuth.scopes,
        adminRoutes: false,
        logRetention,
      });
    }
    this.dashboard = new DashboardHosting(this, 'Dashboard', {
      stage: config.stage,
      api: (this.dashboardApi ?? this.api).api,
      projectRoot: props.projectRoot,
      login: dashboardAuth?.login,
    });

    for (const h of handlers) for (const queue of consumedQueues(h)) this.queues.get(queue)!.consumeWith(fnOf(h));
    for (const h of handlers.filter((d) => d.needs.drainsDeadLetters)) {
      for (const q of this.queues.values()) {
        fnOf(h).addEnvironment(q.definition.dlqUrlEnv, q.deadLetterQueue.queueUrl);
        q.deadLetterQueue.grantConsumeMessages(fnOf(h));
      }
    }
    const scheduled = handlers.flatMap((h) => (h.trigger.kind === 'schedule' ? [{ id: h.id, fn: fnOf(h), expression: h.trigger.expression }] : []));
    if (scheduled.length > 0) new Schedules(this, 'Schedules', { stage: config.stage, functions: scheduled });

    new AlarmRouting(this, 'AlarmRouting', { queue: this.queues.get('healthAlarms')!.queue, excludeAlarmNamePrefix: `meshplane-${config.stage}-` });

    const publisher = handlers.find((h) => h.trigger.kind === 'tableStream');
    if (publisher) this.events = new AuditEventBus(this, 'Events', { stage: config.stage, table: this.table.table, publisher: fnOf(publisher) });
    this.observability = new Observability(this, 'Observability', {
      stage: config.stage,
      functions: new Map([...this.functions].map(([id, f]) => [id, f.function])),
      api: this.api.api,
      dashboardApi: this.dashboardApi?.api,
      rollouts: this.rollouts.stateMachine,
      deadLetterQueues: new Map([...this.queues].map(([id, q]) => [id, q.deadLetterQueue])),
      publishFailures: this.events?.failures,
      alarmTopic,
    });

    new CfnOutput(this, 'ApiUrl', {
      value: this.api.url,
      description: 'Base URL of the meshplane API (requests are SigV4-signed unless a JWT authorizer is configured)',
    });
    for (const h of handlers.filter((h) => h.needs.kubernetes)) {
      new CfnOutput(this, `ClusterRoleArn${pascal(h.id)}`, {
        value: this.roles.get(h.id)!.roleArn,
        description: `Role of the ${h.id} function: a principal to grant EKS cluster access (access entry) where the stack cannot`,
      });
    }
    new CfnOutput(this, 'TableName', { value: this.table.table.tableName });
    if (this.events) {
      new CfnOutput(this, 'EventBusName', {
        value: this.events.bus.eventBusName,
        description: 'EventBridge bus with every audit event (source "meshplane", detail-type = the event type): add rules to route them',
      });
    }
    new CfnOutput(this, 'DashboardName', { value: this.observability.dashboard.dashboardName });
    new CfnOutput(this, 'RolloutStateMachineArn', { value: this.rollouts.stateMachine.stateMachineArn });
    new CfnOutput(this, 'ReleaseStateMachineArn', { value: this.releases.stateMachine.stateMachineArn });

    applyNagSuppressions({
      roles: handlers.map((h) => ({ role: this.roles.get(h.id)!, needs: h.needs })),
      table: this.table.table,
      functions: [...this.functions.values()].map((f) => f.function),
      scheduledFunctions: scheduled.map((s) => s.fn),
      stateMachine: this.rollouts.stateMachine,
      stateMachineName: this.rollouts.machineName,
      rolloutStartPolicies,
      releaseStateMachine: this.releases.stateMachine,
      releaseStartPolicies,
      releaseStateMachineName: this.releases.machineName,
      clustersUnknown: config.clusters.length === 0,
      inVpc: config.vpc !== undefined,
    });
  }

  /**
   * The functions that start a workflow's executions get its ARN in `envName` and may start and describe
   * its executions only. The ARN is built from the machine's fixed name rather than referenced: the task
   * function itself starts queued rollouts and the machine references it (a reference would be a cycle).
   * Each grant is a policy of its own, not the role's default one: the machine depends on its task
   * function, which depends on its role's default policy. DescribeExecution: a starter checks whether the
   * execution of a running deployment still lives before starting the next.
   */
  private grantStarts(machine: TaskStateMachine, envName: string, policyId: string, starters: readonly HandlerDefinition[]): Policy[] {
    const name = machine.machineName;
    const machineArn = this.formatArn({ service: 'states', resource: 'stateMachine', resourceName: name, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
    const executions = this.formatArn({ service: 'states', resource: 'execution', resourceName: `${name}:*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
    return starters.map((h) => {
      this.functions.get(h.id)!.function.addEnvironment(envName, machineArn);
      const policy = new Policy(this, `${policyId}-${h.id}`, {
        roles: [this.roles.get(h.id)!],
        statements: [
          new PolicyStatement({ effect: Effect.ALLOW, actions: ['states:StartExecution'], resources: [machineArn] }),
          new PolicyStatement({ effect: Effect.ALLOW, actions: ['states:DescribeExecution'], resources: [executions] }),
        ],
      });
      policy.node.addDependency(machine.stateMachine);
      return policy;
    });
  }

  /** The VPC placement from context, built from ids without lookups (synth stays offline). */
  private network(config: MeshplaneConfig): HandlerFunctionDefaults['network'] {
    if (!config.vpc) return undefined;
    const { vpcId, subnetIds, availabilityZones } = config.vpc;
    const vpc = Vpc.fromVpcAttributes(this, 'Vpc', { vpcId, availabilityZones, privateSubnetIds: subnetIds });
    const subnets = subnetIds.map((subnetId, i) => Subnet.fromSubnetAttributes(this, `Subnet${i}`, { subnetId, availabilityZone: availabilityZones[i] }));
    const securityGroup = new SecurityGroup(this, 'FunctionsSecurityGroup', {
      vpc,
      description: 'meshplane functions: outbound only (EKS API servers, AWS APIs, Prometheus)',
      allowAllOutbound: true,
    });
    const eni = ManagedPolicy.fromAwsManagedPolicyName('service-role/AWSLambdaVPCAccessExecutionRole');
    for (const role of this.roles.values()) role.addManagedPolicy(eni);
    return { vpc, subnets, securityGroup };
  }
}

/** The one handler with a trigger kind that allows exactly one (the API, the rollout task). */
function onlyOne(handlers: readonly HandlerDefinition[], kind: 'httpApi' | 'rolloutTask' | 'releaseTask'): HandlerDefinition {
  const found = handlers.filter((h) => h.trigger.kind === kind);
  if (found.length !== 1) throw new Error(`the handler catalog must have exactly one ${kind} handler, found ${found.length}`);
  return found[0];
}

/** `on-service-event` → `OnServiceEvent`, for output ids. */
function pascal(id: string): string {
  return id.replace(/(^|-)([a-z])/g, (_, __, c: string) => c.toUpperCase());
}
