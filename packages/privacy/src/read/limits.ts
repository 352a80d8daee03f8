/** Bounds on what one record may hold, so that a hostile file cannot exhaust memory. */
export const LIMITS = {
  /** Longest CSV record or JSON line. */
  maxRecordBytes: 16 * 1024 * 1024,
  /** Most fields in one record (CSV columns or JSON leaves). */
  maxFields: 100_000,
  /** Deepest JSON nesting that is walked. */
  maxDepth: 64,
  /** Text is scanned in blocks of about this size, cut at line ends. */
  textBlockBytes: 1024 * 1024,
  /** Rows read from Parquet at a time. */
  parquetRows: 8192,
  /** Largest uncompressed Parquet row group: a reader holds one in memory (and a bomb claims a huge one). */
  parquetRowGroupBytes: 1024 * 1024 * 1024,
} as const;
