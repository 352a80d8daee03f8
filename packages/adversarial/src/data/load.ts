import { readFile, stat } from 'node:fs/promises';
import { extname } from 'node:path';
import { PalisadeError } from '@palisade/core';
import { BytesRandomAccess, type NpyHeader, openZipEntry, parseNpyHeader, readZip } from '@palisade/formats';
import type { Dataset } from '../robustness/evaluate.ts';

/**
 * Labelled evaluation data: a NumPy `.npz` with arrays `x` (features or images, any float or integer dtype)
 * and `y` (integer labels), or a CSV with a header, numeric feature columns and a label column. Object arrays
 * are refused (loading them would unpickle); everything is bounded.
 */

export const MAX_DATA_BYTES = 1 << 30;

export interface LoadedData extends Dataset {
  /** Shape of one row as stored (`x.shape[1:]`), or [features] for CSV. */
  readonly rowShape: readonly number[];
}

const invalid = (path: string, why: string) => new PalisadeError('INPUT_INVALID', `${path}: ${why}`);

export async function loadDataset(path: string, options: { label?: string } = {}): Promise<LoadedData> {
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch (error) {
    throw new PalisadeError('INPUT_NOT_FOUND', `cannot read the data ${path}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  if (size > MAX_DATA_BYTES)
    throw new PalisadeError(
      'LIMIT_EXCEEDED',
      `${path} is larger than ${MAX_DATA_BYTES} bytes; evaluate on a sample`,
    );
  const bytes = new Uint8Array(await readFile(path));
  const ext = extname(path).toLowerCase();
  if (ext === '.npz' || (bytes[0] === 0x50 && bytes[1] === 0x4b)) return loadNpz(path, bytes);
  if (ext === '.csv' || ext === '.txt')
    return loadCsv(path, new TextDecoder().decode(bytes), options.label ?? 'label');
  throw new PalisadeError(
    'INPUT_INVALID',
    `${path}: give the data as .npz (arrays x and y) or .csv with a label column`,
  );
}

async function npzArray(path: string, bytes: Uint8Array, name: string) {
  const source = new BytesRandomAccess(bytes);
  const archive = await readZip(source);
  const entry = archive.entries.find((e) => e.name === `${name}.npy`);
  if (!entry)
    throw invalid(
      path,
      `the archive has no array "${name}" (found: ${archive.entries.map((e) => e.name).join(', ')})`,
    );
  const chunks: Uint8Array[] = [];
  for await (const chunk of openZipEntry(source, entry, { maxOutputBytes: MAX_DATA_BYTES }))
    chunks.push(chunk);
  const data = Buffer.concat(chunks);
  const header = parseNpyHeader(data);
  if (header.hasObject)
    throw invalid(path, `array "${name}" holds Python objects; numeric arrays only (nothing is unpickled)`);
  if (header.fortranOrder)
    throw invalid(path, `array "${name}" is in Fortran order; save it with np.ascontiguousarray`);
  return { header, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
}

/** Reads a numeric NumPy array's values as doubles, whatever its dtype and byte order. */
function values(path: string, header: NpyHeader, data: Uint8Array): Float64Array {
  const descr = typeof header.descr === 'string' ? header.descr : '';
  const m = /^([<>|=])([fiub])(\d+)$/.exec(descr);
  if (!m)
    throw invalid(path, `unsupported dtype ${JSON.stringify(header.descr)}; use float or integer arrays`);
  const little = m[1] !== '>';
  const kind = m[2] as string;
  const width = Number(m[3]);
  const count = header.shape.reduce((a, b) => a * b, 1);
  if (header.dataOffset + count * width > data.length) throw invalid(path, 'the array is truncated');
  const view = new DataView(data.buffer, data.byteOffset + header.dataOffset, count * width);
  const out = new Float64Array(count);
  const read: Record<string, (at: number) => number> = {
    f4: (at) => view.getFloat32(at, little),
    f8: (at) => view.getFloat64(at, little),
    i1: (at) => view.getInt8(at),
    i2: (at) => view.getInt16(at, little),
    i4: (at) => view.getInt32(at, little),
    i8: (at) => Number(view.getBigInt64(at, little)),
    u1: (at) => view.getUint8(at),
    b1: (at) => view.getUint8(at),
    u2: (at) => view.getUint16(at, little),
    u4: (at) => view.getUint32(at, little),
  };
  const reader = read[`${kind}${width}`];
  if (!reader) throw invalid(path, `unsupported dtype ${descr}`);
  for (let i = 0; i < count; i++) out[i] = reader(i * width);
  return out;
}

async function loadNpz(path: string, bytes: Uint8Array): Promise<LoadedData> {
  const x = await npzArray(path, bytes, 'x');
  const y = await npzArray(path, bytes, 'y');
  const rows = x.header.shape[0] ?? 0;
  if (y.header.shape.length !== 1 || y.header.shape[0] !== rows)
    throw invalid(
      path,
      `y must be a vector of ${rows} labels (its shape is ${JSON.stringify(y.header.shape)})`,
    );
  const labels = values(path, y.header, y.data);
  if (labels.some((v) => !Number.isInteger(v))) throw invalid(path, 'y must hold integer class labels');
  return {
    x: Float32Array.from(values(path, x.header, x.data)),
    y: Int32Array.from(labels),
    rowShape: x.header.shape.slice(1),
  };
}

function loadCsv(path: string, text: string, label: string): LoadedData {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  const cells = (line: string) => line.split(',').map((c) => c.trim().replace(/^"(.*)"$/, '$1'));
  const header = cells(lines[0] ?? '');
  const labelAt = header.indexOf(label);
  if (labelAt < 0)
    throw invalid(path, `no column "${label}" (columns: ${header.join(', ')}); name it with --label`);
  const features = header.length - 1;
  const rows = lines.length - 1;
  const x = new Float32Array(rows * features);
  const y = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    const row = cells(lines[r + 1] as string);
    if (row.length !== header.length)
      throw invalid(path, `line ${r + 2} has ${row.length} fields, the header ${header.length}`);
    let k = 0;
    row.forEach((cell, c) => {
      const v = Number(cell);
      if (cell === '' || !Number.isFinite(v))
        throw invalid(path, `line ${r + 2}, column "${header[c]}": "${cell}" is not a number`);
      if (c === labelAt) {
        if (!Number.isInteger(v))
          throw invalid(path, `line ${r + 2}: the label "${cell}" is not an integer class`);
        y[r] = v;
      } else x[r * features + k++] = v;
    });
  }
  return { x, y, rowShape: [features] };
}
