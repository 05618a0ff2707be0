import { Match, Rule } from 'aws-cdk-lib/aws-events';
import { SqsQueue } from 'aws-cdk-lib/aws-events-targets';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/**
 * FIFO message group of alarm events. EventBridge takes a fixed group id for SQS targets, so alarm
 * state changes are consumed in the order they arrive, one at a time: alarm volume is low, and an
 * ALARM → OK pair of one alarm must not be applied out of order. EventBridge cannot set a
 * deduplication id, so the health queue has content-based deduplication on (see QUEUES).
 */
export const ALARM_MESSAGE_GROUP_ID = 'cloudwatch-alarms';

export interface AlarmRoutingProps {
  /** The health-alarms FIFO queue. */
  queue: IQueue;
  /** Alarm names starting with this prefix (the stack's own operational alarms) are not routed. */
  excludeAlarmNamePrefix: string;
}

/**
 * Routes CloudWatch alarm state changes (ALARM and OK) from the default event bus to the health-alarms
 * queue, where `on-health-alarm` maps them to services (by the `meshplane/<service>/<kind>` name
 * convention or a service dimension, see lib/health/README.md). INSUFFICIENT_DATA says nothing about
 * health and is filtered out here.
 */
export class AlarmRouting extends Construct {
  readonly rule: Rule;

  constructor(scope: Construct, id: string, props: AlarmRoutingProps) {
    super(scope, id);
    this.rule = new Rule(this, 'Rule', {
      description: 'CloudWatch alarm state changes to the meshplane health-alarms queue',
      eventPattern: {
        source: ['aws.cloudwatch'],
        detailType: ['CloudWatch Alarm State Change'],
        detail: {
          alarmName: Match.anythingButPrefix(props.excludeAlarmNamePrefix),
          state: { value: ['ALARM', 'OK'] },
        },
      },
      targets: [new SqsQueue(props.queue, { messageGroupId: ALARM_MESSAGE_GROUP_ID })],
    });
  }
}
