/**
 * Column storage on a SharedArrayBuffer: worker threads that test columns in parallel then read the same memory
 * instead of receiving copies (posting a typed array over a SharedArrayBuffer shares it).
 */
export function sharedFloat64(length: number): Float64Array {
  return new Float64Array(new SharedArrayBuffer(length * Float64Array.BYTES_PER_ELEMENT));
}

export function sharedInt32(length: number): Int32Array {
  return new Int32Array(new SharedArrayBuffer(length * Int32Array.BYTES_PER_ELEMENT));
}

/** The first `length` values of `source` in shared memory. */
export function toShared<T extends Float64Array | Int32Array>(source: T, length: number): T {
  const out = (source instanceof Float64Array ? sharedFloat64(length) : sharedInt32(length)) as T;
  out.set(source.subarray(0, length));
  return out;
}
