import { defineSearchAttributeKey } from '@temporalio/common';

/**
 * Custom search attributes on case workflows, so that the stock
 * `temporal workflow list --query 'SccCategory = "..."'` finds cases.
 * Every server the workers talk to must have these registered.
 */
export const searchAttributes = {
  category: defineSearchAttributeKey('SccCategory', 'KEYWORD'),
  severity: defineSearchAttributeKey('SccSeverity', 'KEYWORD'),
  project: defineSearchAttributeKey('SccProject', 'KEYWORD'),
  cluster: defineSearchAttributeKey('SccCluster', 'KEYWORD'),
  service: defineSearchAttributeKey('SccService', 'KEYWORD'),
  caseStatus: defineSearchAttributeKey('SccCaseStatus', 'KEYWORD'),
  findingNames: defineSearchAttributeKey('SccFindingNames', 'KEYWORD_LIST'),
} as const;

export const allSearchAttributeKeys = Object.values(searchAttributes);
