/** Bounds on what a reader accepts, so that a hostile or mistaken file fails with a clear error, not an OOM. */
export interface ReadLimits {
  /** Largest input file, in bytes. */
  readonly maxBytes: number;
  readonly maxRows: number;
  readonly maxColumns: number;
  /** Distinct labels a categorical column may hold before it is skipped (IDs and free text are not features). */
  readonly maxCategories: number;
  /** Longest CSV record or JSON line, in bytes. */
  readonly maxRecordBytes: number;
  /** Most uncompressed bytes a Parquet footer may declare (compressed pages can expand far beyond the file). */
  readonly maxDecodedBytes: number;
}

export const DEFAULT_READ_LIMITS: ReadLimits = {
  maxBytes: 8 * 1024 ** 3,
  maxRows: 50_000_000,
  maxColumns: 10_000,
  maxCategories: 100_000,
  maxRecordBytes: 16 * 1024 ** 2,
  maxDecodedBytes: 32 * 1024 ** 3,
};
