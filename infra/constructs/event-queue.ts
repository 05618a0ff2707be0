import { Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { QueueDefinition } from '../../lib/platform/resources.js';

/** Messages a dead-letter queue keeps: the SQS maximum, time to inspect and redrive them. */
const DLQ_RETENTION = Duration.days(14);

export interface EventQueueProps {
  definition: QueueDefinition;
  stage: string;
  /** Where the DLQ alarm notifies (optional). */
  alarmTopic?: ITopic;
}

/**
 * One of the platform's FIFO queues from its {@link QueueDefinition}: the queue, its dead-letter queue
 * with the definition's `maxReceiveCount`, and an alarm as soon as a message lands in the DLQ.
 * Deduplication ids are explicit (the event id), so content-based deduplication stays off: two
 * distinct events with equal bodies must both be delivered.
 */
export class EventQueue extends Construct {
  readonly definition: QueueDefinition;
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;
  readonly deadLetterAlarm: Alarm;

  constructor(scope: Construct, id: string, props: EventQueueProps) {
    super(scope, id);
    const { definition } = props;
    this.definition = definition;
    const shared = {
      fifo: true,
      contentBasedDeduplication: definition.contentBasedDeduplication,
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    } as const;
    this.deadLetterQueue = new Queue(this, 'DeadLetterQueue', {
      ...shared,
      queueName: stageQueueName(props.stage, definition.dlqName),
      retentionPeriod: DLQ_RETENTION,
    });
    this.queue = new Queue(this, 'Queue', {
      ...shared,
      queueName: stageQueueName(props.stage, definition.name),
      visibilityTimeout: Duration.seconds(definition.visibilityTimeoutSeconds),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: definition.maxReceiveCount },
    });
    this.deadLetterAlarm = new Alarm(this, 'DeadLetterAlarm', {
      alarmName: `meshplane-${props.stage}-${definition.id}-dead-letters`,
      alarmDescription: `Messages of ${definition.name} failed ${definition.maxReceiveCount} times and are in ${definition.dlqName}; inspect them, fix the cause, then redrive.`,
      metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' }),
      threshold: 0,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    if (props.alarmTopic) this.deadLetterAlarm.addAlarmAction(new SnsAction(props.alarmTopic));
  }

  /**
   * Makes `fn` the queue's consumer: batches of the definition's size, at most its `maxConcurrency`
   * concurrent invocations, and partial batch failures (the handlers report failed records).
   */
  consumeWith(fn: IFunction): void {
    fn.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize: this.definition.batchSize,
        maxConcurrency: this.definition.maxConcurrency,
        reportBatchItemFailures: true,
      }),
    );
  }
}

/** A queue name qualified by stage, so stages can share an account and region. */
export function stageQueueName(stage: string, name: string): string {
  return `${stage}-${name}`;
}
