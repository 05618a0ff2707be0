import { Duration } from 'aws-cdk-lib';
import type { IHttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  Alarm,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  MathExpression,
  TextWidget,
  TreatMissingData,
  type IMetric,
  type Metric,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { METRICS } from '../../lib/observability/audit-metrics.js';

/** The namespace the functions' EMF metrics are written to (POWERTOOLS_METRICS_NAMESPACE). */
export const METRICS_NAMESPACE = 'meshplane';

export interface ObservabilityProps {
  stage: string;
  functions: ReadonlyMap<string, IFunction>;
  api: IHttpApi;
  /** The dashboard's JWT-authorised API (stack context `dashboardAuth`), when there is one: its 5xx get their own alarm. */
  dashboardApi?: IHttpApi;
  rollouts: IStateMachine;
  /** Dead-letter queues by queue id (each already has its own alarm), and the event publisher's failure queue. */
  deadLetterQueues: ReadonlyMap<string, IQueue>;
  /** The event publisher's failure queue, when the stack publishes events. */
  publishFailures?: IQueue;
  alarmTopic?: ITopic;
}

const FIVE_MINUTES = Duration.minutes(5);

/**
 * What an operator looks at and is woken by: one CloudWatch dashboard (rollouts, analysis verdicts,
 * remediations, optimizer, queue age, then each function's errors, throttles and duration, API 5xx,
 * failed executions, dead letters) and alarms on handler errors and throttles, failed rollout
 * executions, API 5xx and events that could not be published. Every alarm is named `meshplane-<stage>-…`,
 * so the alarm routing never mistakes one for a workload's health alarm.
 */
export class Observability extends Construct {
  readonly dashboard: Dashboard;
  readonly alarms: Alarm[] = [];

  constructor(scope: Construct, id: string, props: ObservabilityProps) {
    super(scope, id);
    const prefix = `meshplane-${props.stage}`;
    const alarm = (name: string, description: string, metric: IMetric, threshold: number, evaluationPeriods = 1) => {
      const a = new Alarm(this, `Alarm-${name}`, {
        alarmName: `${prefix}-${name}`,
        alarmDescription: description,
        metric,
        threshold,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
      if (props.alarmTopic) a.addAlarmAction(new SnsAction(props.alarmTopic));
      this.alarms.push(a);
      return a;
    };

    for (const [id, fn] of props.functions) {
      alarm(
        `${id}-errors`,
        `The ${id} function failed 3 or more invocations in 5 minutes: read its log group (errors carry the correlation id of the work).`,
        fn.metricErrors({ period: FIVE_MINUTES, statistic: 'Sum' }),
        3,
      );
      alarm(
        `${id}-throttles`,
        `The ${id} function was throttled in two 5-minute periods in a row: raise its reserved or account concurrency.`,
        fn.metricThrottles({ period: FIVE_MINUTES, statistic: 'Sum' }),
        1,
        2,
      );
    }
    const failedExecutions = props.rollouts.metricFailed({ period: FIVE_MINUTES, statistic: 'Sum' });
    alarm('rollouts-failed', 'A rollout execution failed (not rolled back: failed); the deployment record says why.', failedExecutions, 1);
    const api5xx = props.api.metricServerError({ period: FIVE_MINUTES, statistic: 'Sum' });
    alarm('api-5xx', 'The meshplane API answered 5 or more 5xx in 5 minutes.', api5xx, 5);
    const dashboardApi5xx = props.dashboardApi?.metricServerError({ period: FIVE_MINUTES, statistic: 'Sum' });
    if (dashboardApi5xx) alarm('dashboard-api-5xx', "The dashboard's API answered 5 or more 5xx in 5 minutes.", dashboardApi5xx, 5);
    const unpublished = props.publishFailures?.metricApproximateNumberOfMessagesVisible({
      label: 'failures',
      period: Duration.minutes(1),
      statistic: 'Maximum',
    });
    if (unpublished) {
      alarm(
        'publish-events-failures',
        'Audit events could not be published to the event bus after retries; they are in the publish-events failure queue.',
        unpublished,
        1,
      );
    }

    const custom = (name: string, label: string, statistic = 'Sum') => search(name, label, statistic);
    const fns = [...props.functions];
    this.dashboard = new Dashboard(this, 'Dashboard', {
      dashboardName: `${prefix}-control-plane`,
      widgets: [
        [new TextWidget({ markdown: `# meshplane ${props.stage}\nRollouts, remediation and the functions that run them.`, width: 24, height: 2 })],
        [
          new GraphWidget({
            title: 'Rollouts',
            left: [custom(METRICS.rolloutsStarted, 'started'), custom(METRICS.rolloutsPromoted, 'promoted'), custom(METRICS.rolloutsRolledBack, 'rolled back')],
            width: 8,
          }),
          new GraphWidget({ title: 'Analysis verdicts', left: [custom(METRICS.analysisVerdicts, 'decision')], width: 8 }),
          new GraphWidget({ title: 'Remediations by action', left: [custom(METRICS.remediations, 'action')], width: 8 }),
        ],
        [
          new GraphWidget({ title: 'Optimizer: $/month saved by applied plans', left: [custom(METRICS.optimizerSavings, 'saved', 'Maximum')], width: 8 }),
          new GraphWidget({ title: 'Oldest queued message (ms)', left: [custom(METRICS.queueAge, 'age', 'Maximum')], width: 8 }),
          new GraphWidget({
            title: 'API 5xx, failed executions',
            left: [api5xx, ...(dashboardApi5xx ? [dashboardApi5xx.with({ label: 'dashboard API 5xx' })] : []), failedExecutions],
            width: 8,
          }),
        ],
        [
          new GraphWidget({ title: 'Function errors', left: fns.map(([id, fn]) => fn.metricErrors({ label: id, period: FIVE_MINUTES })), width: 8 }),
          new GraphWidget({ title: 'Function throttles', left: fns.map(([id, fn]) => fn.metricThrottles({ label: id, period: FIVE_MINUTES })), width: 8 }),
          new GraphWidget({
            title: 'Function duration p99 (ms)',
            left: fns.map(([id, fn]) => fn.metricDuration({ label: id, period: FIVE_MINUTES, statistic: 'p99' })),
            width: 8,
          }),
        ],
        [
          new GraphWidget({
            title: 'Dead letters',
            left: [...props.deadLetterQueues].map(([id, q]) =>
              q.metricApproximateNumberOfMessagesVisible({ label: id, period: Duration.minutes(1), statistic: 'Maximum' }),
            ),
            width: 12,
          }),
          new GraphWidget({ title: 'Events not published', left: unpublished ? [unpublished] : [], width: 12 }),
        ],
      ],
    });
  }
}

/** Every series of one EMF metric, whatever its dimensions (action, decision, service…), summed per 5 minutes. */
function search(metricName: string, label: string, statistic: string): MathExpression | Metric {
  return new MathExpression({
    expression: `SEARCH('{${METRICS_NAMESPACE}} MetricName="${metricName}"', '${statistic}', 300)`,
    label,
    period: FIVE_MINUTES,
  });
}
