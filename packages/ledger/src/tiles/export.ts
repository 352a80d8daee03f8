import { PalisadeError } from '@palisade/core';
import type { TransparencyLog } from '../log/log.ts';
import { parseCheckpoint } from '../note/checkpoint.ts';
import { parseNote } from '../note/note.ts';
import { entriesPath, TILE_WIDTH, tileData, tilePath, tilesForSize } from './tiles.ts';

/** One static file of a published log, path relative to the log's prefix. */
export interface PublishedFile {
  readonly path: string;
  readonly data: Uint8Array;
  /** Tiles and bundles are immutable once written; only `checkpoint` changes. */
  readonly immutable: boolean;
}

/** An entry bundle: each entry as `uint16be length ‖ bytes` (c2sp.org/tlog-tiles). */
export function entryBundle(entries: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const entry of entries) {
    if (entry.length > 0xffff)
      throw new PalisadeError('LIMIT_EXCEEDED', 'an entry-bundle entry is at most 65,535 bytes');
    length += 2 + entry.length;
  }
  const out = new Uint8Array(length);
  const view = new DataView(out.buffer);
  let at = 0;
  for (const entry of entries) {
    view.setUint16(at, entry.length);
    out.set(entry, at + 2);
    at += 2 + entry.length;
  }
  return out;
}

/** Splits an entry bundle back into entries; throws INPUT_INVALID when a length runs past the end. */
export function parseEntryBundle(bundle: Uint8Array): Uint8Array[] {
  const entries: Uint8Array[] = [];
  const view = new DataView(bundle.buffer, bundle.byteOffset, bundle.byteLength);
  for (let at = 0; at < bundle.length; ) {
    if (at + 2 > bundle.length) throw new PalisadeError('INPUT_INVALID', 'entry bundle ends inside a length');
    const length = view.getUint16(at);
    if (at + 2 + length > bundle.length)
      throw new PalisadeError('INPUT_INVALID', 'entry bundle ends inside an entry');
    entries.push(bundle.subarray(at + 2, at + 2 + length));
    at += 2 + length;
  }
  return entries;
}

/**
 * The files that publish `log` as c2sp.org/tlog-tiles static files at the size of the signed `checkpoint`: the
 * checkpoint, every hash tile (full and partial) and every entry bundle. Yields them lazily, so a large log is
 * written tile by tile. `skip(path)` lets the caller leave out immutable files it already published.
 */
export function* publishedFiles(
  log: TransparencyLog,
  checkpoint: string,
  skip: (path: string) => boolean = () => false,
): Generator<PublishedFile> {
  const { origin, size } = parseCheckpoint(parseNote(checkpoint).text);
  if (origin !== log.origin)
    throw new PalisadeError('INPUT_INVALID', `checkpoint is for ${origin}, not ${log.origin}`);
  if (size > log.size)
    throw new PalisadeError('INPUT_INVALID', `checkpoint size ${size} is beyond the log's ${log.size}`);
  const source = log.hashSource(size);
  for (const tile of tilesForSize(size)) {
    const path = tilePath(tile.level, tile.index, tile.width);
    if (skip(path)) continue;
    yield { path, data: tileData(source, tile), immutable: true };
  }
  for (let index = 0; index * TILE_WIDTH < size; index++) {
    const start = index * TILE_WIDTH;
    const width = Math.min(TILE_WIDTH, size - start);
    const path = entriesPath(index, width);
    if (skip(path)) continue;
    const entries = log.entries(start, start + width).map((row) => row.entry);
    yield { path, data: entryBundle(entries), immutable: true };
  }
  yield { path: 'checkpoint', data: new TextEncoder().encode(checkpoint), immutable: false };
}
