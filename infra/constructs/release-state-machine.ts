import { RemovalPolicy } from 'aws-cdk-lib';
import { Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { DefinitionBody, LogLevel, StateMachine, StateMachineType } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { RELEASE_TASK_FUNCTION_ARN_KEY, releaseStateMachineDefinition } from '../../lib/release/state-machine.js';

export interface ReleaseStateMachineProps {
  stage: string;
  /** The release task function every task state invokes. */
  taskFunction: IFunction;
  logRetention: RetentionDays;
}

/**
 * The release train workflow: the ASL of `lib/release/state-machine.ts` (the same definition the local
 * runtime executes) with the release task function's ARN substituted by Step Functions. Standard
 * workflow (a train runs for as long as its rollouts), every event logged, X-Ray tracing; its role may
 * invoke only the release task function.
 */
export class ReleaseStateMachine extends Construct {
  readonly stateMachine: StateMachine;

  /** The machine's name, fixed per stage so its ARN can be known without referencing the resource. */
  static nameFor(stage: string): string {
    return `meshplane-${stage}-release`;
  }

  constructor(scope: Construct, id: string, props: ReleaseStateMachineProps) {
    super(scope, id);
    this.stateMachine = new StateMachine(this, 'StateMachine', {
      stateMachineName: ReleaseStateMachine.nameFor(props.stage),
      stateMachineType: StateMachineType.STANDARD,
      definitionBody: DefinitionBody.fromString(JSON.stringify(releaseStateMachineDefinition())),
      definitionSubstitutions: { [RELEASE_TASK_FUNCTION_ARN_KEY]: props.taskFunction.functionArn },
      logs: {
        destination: new LogGroup(this, 'Logs', {
          logGroupName: `/aws/vendedlogs/states/meshplane-${props.stage}-release`,
          retention: props.logRetention,
          removalPolicy: RemovalPolicy.DESTROY,
        }),
        level: LogLevel.ALL,
        includeExecutionData: true,
      },
      tracingEnabled: true,
    });
    this.stateMachine.addToRolePolicy(
      new PolicyStatement({ effect: Effect.ALLOW, actions: ['lambda:InvokeFunction'], resources: [props.taskFunction.functionArn] }),
    );
  }
}
