// Stable codes of the syntax diagnostics (SL1xxx). Codes never change meaning; wording may.
export const CODES = {
  unexpectedCharacter: 'SL1001',
  unterminatedString: 'SL1002',
  badTemplate: 'SL1003',
  badEscape: 'SL1004',
  syntax: 'SL1010',
  missingArrow: 'SL1011',
  singleEqualsInExpr: 'SL1012',
  doubleEqualsInWhere: 'SL1013',
  stepAfterDest: 'SL1014',
  missingDest: 'SL1015',
  bareAndBlocks: 'SL1016',
  badSchedule: 'SL1017',
  missingPipeline: 'SL1018',
  duplicateSetting: 'SL1019',
  emptyFile: 'SL1020',
} as const;
