/** Whether a Kubernetes LabelSelector ({matchLabels, matchExpressions}) selects these labels. */
export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

export function selects(selector: LabelSelector | undefined, labels: Record<string, string>): boolean {
  if (!selector) return false;
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) if (labels[key] !== value) return false;
  for (const { key, operator, values = [] } of selector.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, key);
    const ok =
      operator === 'In' ? has && values.includes(labels[key]!) :
      operator === 'NotIn' ? !has || !values.includes(labels[key]!) :
      operator === 'Exists' ? has :
      operator === 'DoesNotExist' ? !has : false;
    if (!ok) return false;
  }
  return true;
}
