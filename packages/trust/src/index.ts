export type { Cell } from './data/column-builder.ts';
export type { ReadLimits } from './data/limits.ts';
export { DEFAULT_READ_LIMITS } from './data/limits.ts';
export type { DataFormat, ReadTableOptions } from './data/read-table.ts';
export { DATA_FORMATS, readTable } from './data/read-table.ts';
export type {
  CategoricalColumn,
  Column,
  ColumnKind,
  NumericColumn,
  SkippedColumn,
  Table,
} from './data/table.ts';
export { cellText, findColumn } from './data/table.ts';
