import { BudgetsBudget, BudgetsBudgetNotification } from "@cdktf/provider-aws/lib/budgets-budget";
import { Token } from "cdktf";
import { Construct } from "constructs";

/** Props of {@link CostBudget}. */
export interface CostBudgetProps {
  /** Name of the budget (unique in the account), e.g. `treepli-production-monthly`. */
  readonly budgetName: string;
  /** The account the budget belongs to. */
  readonly accountId: string;
  /** Monthly cost limit, US dollars. */
  readonly monthlyLimitUsd: number;
  /**
   * The cost-allocation tag that selects the environment's costs, e.g. `{ key: "Environment", value:
   * "production" }` (the providers' default tags put it on every taggable resource). It must be
   * activated as a cost-allocation tag in the Billing console of the paying account; until then the
   * budget sees no cost.
   */
  readonly costAllocationTag: { readonly key: string; readonly value: string };
  /**
   * Notify when the forecast for the month reaches this percentage of the limit.
   *
   * @default 100
   */
  readonly forecastThresholdPercent?: number;
  /**
   * Notify when the actual cost of the month reaches each of these percentages of the limit.
   *
   * @default [80, 100]
   */
  readonly actualThresholdPercents?: readonly number[];
  /** The operations topic the notifications go to (its policy must let `budgets.amazonaws.com` publish). */
  readonly topicArn: string;
}

/**
 * A monthly AWS Budgets cost budget for one environment: its costs are those of the resources carrying
 * the environment's cost-allocation tag (`user:<key>$<value>`), so two environments in one account have
 * a budget each; forecast and actual notifications go to the operations topic.
 *
 * Costs that carry no tag (support, tax, data transfer billed to no resource, untaggable resources) are
 * not in any environment's budget: the account's own budget, if any, covers them.
 */
export class CostBudget extends Construct {
  /** The budget. */
  public readonly budget: BudgetsBudget;

  constructor(scope: Construct, id: string, props: CostBudgetProps) {
    super(scope, id);
    const forecastThresholdPercent = props.forecastThresholdPercent ?? 100;
    const actualThresholdPercents = props.actualThresholdPercents ?? [80, 100];
    const problems: string[] = [];
    if (!Token.isUnresolved(props.monthlyLimitUsd) && !(props.monthlyLimitUsd > 0)) {
      problems.push(`monthlyLimitUsd must be more than 0, got ${props.monthlyLimitUsd}`);
    }
    for (const percent of [forecastThresholdPercent, ...actualThresholdPercents]) {
      if (!(percent > 0 && percent <= 1000)) problems.push(`thresholds must be percentages above 0 and at most 1000, got ${percent}`);
    }
    if (actualThresholdPercents.length + 1 > 10)
      problems.push("AWS Budgets allows 10 notifications per budget: give at most 9 actualThresholdPercents");
    if (problems.length > 0) throw new Error(`CostBudget "${id}": ${problems.join("; ")}`);

    const notify = (notificationType: "FORECASTED" | "ACTUAL", threshold: number): BudgetsBudgetNotification => ({
      notificationType,
      comparisonOperator: "GREATER_THAN",
      threshold,
      thresholdType: "PERCENTAGE",
      subscriberSnsTopicArns: [props.topicArn],
    });
    this.budget = new BudgetsBudget(this, "budget", {
      name: props.budgetName,
      accountId: props.accountId,
      budgetType: "COST",
      timeUnit: "MONTHLY",
      limitAmount: String(props.monthlyLimitUsd),
      limitUnit: "USD",
      costFilter: [{ name: "TagKeyValue", values: [`user:${props.costAllocationTag.key}$${props.costAllocationTag.value}`] }],
      notification: [
        notify("FORECASTED", forecastThresholdPercent),
        ...actualThresholdPercents.map((percent) => notify("ACTUAL", percent)),
      ],
    });
  }
}
