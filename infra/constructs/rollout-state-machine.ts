import { RemovalPolicy } from 'aws-cdk-lib';
import { Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { DefinitionBody, LogLevel, StateMachine, StateMachineType } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { rolloutStateMachineDefinition, type DefinitionSubstitutions } from '../../lib/rollout/state-machine.js';

export interface RolloutStateMachineProps {
  stage: string;
  /** The rollout task function every task state invokes. */
  taskFunction: IFunction;
  logRetention: RetentionDays;
}

/**
 * The rollout workflow: the ASL of `lib/rollout/state-machine.ts` (the same definition the local
 * runtime executes) with the task function's ARN substituted by Step Functions. Standard workflow
 * (rollouts run for minutes to hours), every event logged, X-Ray tracing; its role may invoke only the
 * task function.
 */
export class RolloutStateMachine extends Construct {
  readonly stateMachine: StateMachine;

  /** The machine's name, fixed per stage so its ARN can be known without referencing the resource. */
  static nameFor(stage: string): string {
    return `meshplane-${stage}-rollout`;
  }

  constructor(scope: Construct, id: string, props: RolloutStateMachineProps) {
    super(scope, id);
    const substitutions: DefinitionSubstitutions = { RolloutTaskFunctionArn: props.taskFunction.functionArn };
    this.stateMachine = new StateMachine(this, 'StateMachine', {
      stateMachineName: RolloutStateMachine.nameFor(props.stage),
      stateMachineType: StateMachineType.STANDARD,
      definitionBody: DefinitionBody.fromString(JSON.stringify(rolloutStateMachineDefinition())),
      definitionSubstitutions: substitutions,
      logs: {
        destination: new LogGroup(this, 'Logs', {
          // Under /aws/vendedlogs/ so log delivery does not grow the account's CloudWatch Logs resource policy
          logGroupName: `/aws/vendedlogs/states/meshplane-${props.stage}-rollout`,
          retention: props.logRetention,
          removalPolicy: RemovalPolicy.DESTROY,
        }),
        level: LogLevel.ALL,
        includeExecutionData: true,
      },
      tracingEnabled: true,
    });
    // The definition invokes the unqualified function ARN, so no version/alias wildcard (`:*`) is needed,
    // which `grantInvoke` would add.
    this.stateMachine.addToRolePolicy(
      new PolicyStatement({ effect: Effect.ALLOW, actions: ['lambda:InvokeFunction'], resources: [props.taskFunction.functionArn] }),
    );
  }
}
