import { AlarmSetProps, ThresholdAlarmSettings } from "../../../src/constructs/observability/alarm-set";

/** The topic every test family notifies. */
export const TOPIC = "arn:aws:sns:eu-west-1:111111111111:treepli-staging-ops";

/** The props every test family shares. */
export function familyProps(namePrefix: string, title = namePrefix): AlarmSetProps {
  return { namePrefix, title, topicArn: TOPIC, location: { region: "eu-west-1", accountId: "111111111111" } };
}

/** One alarm's settings: `threshold`, one-minute periods, 3 of 5. */
export function settings(threshold: number, timing: Partial<ThresholdAlarmSettings> = {}): ThresholdAlarmSettings {
  return { threshold, periodSeconds: 60, evaluationPeriods: 5, datapointsToAlarm: 3, ...timing };
}

/** The alarm of a synthesized scope named `name`, failing with the names present when it is not there. */
export function alarmNamed(alarms: any[], name: string): any {
  const alarm = alarms.find((a) => a.alarm_name === name);
  if (!alarm) throw new Error(`no alarm ${name}; there are ${alarms.map((a) => a.alarm_name).join(", ")}`);
  return alarm;
}
