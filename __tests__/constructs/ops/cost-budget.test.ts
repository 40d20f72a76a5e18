import { Testing } from "cdktf";
import { CostBudget } from "../../../src/constructs/ops/cost-budget";
import { onlyResource, parse } from "../../helpers";

const TOPIC = "arn:aws:sns:eu-west-1:222222222222:treepli-production-ops";

function synth(props: Partial<ConstructorParameters<typeof CostBudget>[2]> = {}) {
  return parse(
    Testing.synthScope((scope) => {
      new CostBudget(scope, "budget", {
        budgetName: "treepli-production-monthly",
        accountId: "222222222222",
        monthlyLimitUsd: 3000,
        costAllocationTag: { key: "Environment", value: "production" },
        topicArn: TOPIC,
        ...props,
      });
    }),
  );
}

describe("CostBudget", () => {
  const budget = onlyResource(synth(), "aws_budgets_budget");

  test("a monthly cost budget of the configured amount, counting only the costs tagged with the environment", () => {
    expect(budget).toEqual(
      expect.objectContaining({
        name: "treepli-production-monthly",
        account_id: "222222222222",
        budget_type: "COST",
        time_unit: "MONTHLY",
        limit_amount: "3000",
        limit_unit: "USD",
        cost_filter: [{ name: "TagKeyValue", values: ["user:Environment$production"] }],
      }),
    );
  });

  test("the forecast at 100 % and the actual cost at 80 % and 100 % notify the operations topic (no e-mail addresses here)", () => {
    expect(budget.notification).toEqual([
      {
        notification_type: "FORECASTED",
        comparison_operator: "GREATER_THAN",
        threshold: 100,
        threshold_type: "PERCENTAGE",
        subscriber_sns_topic_arns: [TOPIC],
      },
      {
        notification_type: "ACTUAL",
        comparison_operator: "GREATER_THAN",
        threshold: 80,
        threshold_type: "PERCENTAGE",
        subscriber_sns_topic_arns: [TOPIC],
      },
      {
        notification_type: "ACTUAL",
        comparison_operator: "GREATER_THAN",
        threshold: 100,
        threshold_type: "PERCENTAGE",
        subscriber_sns_topic_arns: [TOPIC],
      },
    ]);
  });

  test.each([
    [{ monthlyLimitUsd: 0 }, /monthlyLimitUsd must be more than 0, got 0/],
    [{ forecastThresholdPercent: -5 }, /thresholds must be percentages above 0 and at most 1000, got -5/],
    [{ actualThresholdPercents: [10, 20, 30, 40, 50, 60, 70, 80, 90, 100] }, /allows 10 notifications per budget/],
  ])("GIVEN %j THEN construction fails naming the prop", (props, message) => {
    expect(() => synth(props)).toThrow(message);
  });
});
