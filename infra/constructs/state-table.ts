import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, ProjectionType, StreamViewType, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { TABLE } from '../../lib/platform/resources.js';

export interface StateTableProps {
  stage: string;
  /** Keep the table (and its data) when the stack is deleted, and protect it from deletion. */
  retainData: boolean;
}

/**
 * The control plane's single DynamoDB table, built from {@link TABLE} (keys, listing GSI, TTL
 * attribute): on-demand, point-in-time recovery, encrypted with the AWS-managed key, with a change stream
 * (new images) for the audit events published to EventBridge.
 */
export class StateTable extends Construct {
  readonly table: Table;

  constructor(scope: Construct, id: string, props: StateTableProps) {
    super(scope, id);
    this.table = new Table(this, 'Table', {
      tableName: `meshplane-${props.stage}-${TABLE.name}`,
      partitionKey: { name: TABLE.partitionKey, type: AttributeType.STRING },
      sortKey: { name: TABLE.sortKey, type: AttributeType.STRING },
      timeToLiveAttribute: TABLE.timeToLiveAttribute,
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: TableEncryption.AWS_MANAGED,
      deletionProtection: props.retainData,
      removalPolicy: props.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      // New images of written items: the publish-events function turns new audit events into bus events.
      stream: StreamViewType.NEW_IMAGE,
    });
    this.table.addGlobalSecondaryIndex({
      indexName: TABLE.listingIndex.name,
      partitionKey: { name: TABLE.listingIndex.partitionKey, type: AttributeType.STRING },
      sortKey: { name: TABLE.listingIndex.sortKey, type: AttributeType.STRING },
      projectionType: ProjectionType.ALL,
    });
  }
}
