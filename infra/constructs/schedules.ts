import { Duration } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Schedule, ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import { Construct } from 'constructs';

/** A function run on a schedule. */
export interface ScheduledFunction {
  id: string;
  fn: IFunction;
  /** `rate(...)` or `cron(...)`, in EventBridge Scheduler syntax. */
  expression: string;
}

/**
 * EventBridge Scheduler schedules for periodic functions (health probe, optimizer). A missed run is
 * retried briefly and then dropped: the next run does the same work on fresher data.
 */
export class Schedules extends Construct {
  readonly schedules: Schedule[];

  constructor(scope: Construct, id: string, props: { stage: string; functions: ScheduledFunction[] }) {
    super(scope, id);
    this.schedules = props.functions.map(
      (f) =>
        new Schedule(this, f.id, {
          scheduleName: `meshplane-${props.stage}-${f.id}`,
          description: `Runs meshplane ${f.id}`,
          schedule: ScheduleExpression.expression(f.expression),
          target: new LambdaInvoke(f.fn, { retryAttempts: 2, maxEventAge: Duration.minutes(5) }),
        }),
    );
  }
}
