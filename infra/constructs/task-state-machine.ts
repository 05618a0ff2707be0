import { RemovalPolicy } from 'aws-cdk-lib';
import { Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { DefinitionBody, LogLevel, StateMachine, StateMachineType } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';

export interface TaskStateMachineProps {
  stage: string;
  /** The workflow's name within the stage (`rollout`, `release`): the machine is `meshplane-<stage>-<workflow>`. */
  workflow: string;
  /** The ASL, as the local runtime executes it, with `${…}` placeholders for `substitutions`. */
  definition: object;
  /** The one task function every task state invokes. */
  taskFunction: IFunction;
  /** The placeholder of the definition that names the task function's ARN. */
  taskFunctionArnKey: string;
  logRetention: RetentionDays;
}

/**
 * A workflow whose task states all invoke one Lambda function: Standard (it runs for as long as its
 * rollouts, minutes to hours), every event logged, X-Ray tracing, and a role that may invoke only that
 * function. The definition is the one the local runtime executes; Step Functions substitutes the ARN.
 */
export class TaskStateMachine extends Construct {
  readonly stateMachine: StateMachine;
  /** `meshplane-<stage>-<workflow>`, known at synth time (no token). */
  readonly machineName: string;

  /** The machine's name, fixed per stage so its ARN can be known without referencing the resource. */
  static nameFor(stage: string, workflow: string): string {
    return `meshplane-${stage}-${workflow}`;
  }

  constructor(scope: Construct, id: string, props: TaskStateMachineProps) {
    super(scope, id);
    const name = TaskStateMachine.nameFor(props.stage, props.workflow);
    this.machineName = name;
    this.stateMachine = new StateMachine(this, 'StateMachine', {
      stateMachineName: name,
      stateMachineType: StateMachineType.STANDARD,
      definitionBody: DefinitionBody.fromString(JSON.stringify(props.definition)),
      definitionSubstitutions: { [props.taskFunctionArnKey]: props.taskFunction.functionArn },
      logs: {
        destination: new LogGroup(this, 'Logs', {
          // Under /aws/vendedlogs/ so log delivery does not grow the account's CloudWatch Logs resource policy
          logGroupName: `/aws/vendedlogs/states/${name}`,
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
