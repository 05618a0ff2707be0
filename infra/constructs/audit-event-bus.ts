import { Duration, Validations } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { EventBus } from 'aws-cdk-lib/aws-events';
import { FilterCriteria, StartingPosition, type IFunction } from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { AUDIT_EVENT_STREAM_FILTER } from '../../lib/adapters/dynamodb/audit-stream.js';

export interface AuditEventBusProps {
  stage: string;
  table: ITable;
  /** The publish-events function: the table stream's consumer. */
  publisher: IFunction;
}

/**
 * Events out: the bus every committed audit event is published to (`source: meshplane`, `detail-type`
 * the audit type, `detail` the event), fed from the state table's stream by the publish-events function.
 * The stream's event source keeps only new audit event items (the same filter the local runtime's emulated
 * stream applies), bisects a failing batch, retries, and parks what still fails in a failure queue (with
 * an alarm, from the observability construct) rather than blocking the stream.
 */
export class AuditEventBus extends Construct {
  readonly bus: EventBus;
  readonly failures: Queue;

  constructor(scope: Construct, id: string, props: AuditEventBusProps) {
    super(scope, id);
    this.bus = new EventBus(this, 'Bus', { eventBusName: `meshplane-${props.stage}-events`, description: 'meshplane audit events (source "meshplane")' });
    this.failures = new Queue(this, 'Failures', {
      queueName: `meshplane-${props.stage}-publish-events-failures`,
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.failures).acknowledge({
      id: 'AwsSolutions::AwsSolutions-SQS3',
      reason: 'The failure destination of the table stream event source: it holds what could not be published, to inspect and replay; nothing consumes it.',
    });
    props.publisher.addEventSource(
      new DynamoEventSource(props.table, {
        startingPosition: StartingPosition.LATEST,
        batchSize: 100,
        maxBatchingWindow: Duration.seconds(1),
        bisectBatchOnError: true,
        retryAttempts: 10,
        maxRecordAge: Duration.hours(6),
        onFailure: new SqsDlq(this.failures),
        filters: [FilterCriteria.filter(AUDIT_EVENT_STREAM_FILTER as unknown as Record<string, unknown>)],
      }),
    );
    this.bus.grantPutEventsTo(props.publisher);
    (props.publisher as { addEnvironment?: (k: string, v: string) => void }).addEnvironment?.('EVENT_BUS_NAME', this.bus.eventBusName);
  }
}
