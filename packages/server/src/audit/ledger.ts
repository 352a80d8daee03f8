import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type CheckpointPolicy,
  generateEd25519Key,
  type LogVerification,
  type NoteSigner,
  PostgresLog,
  parseSignerKey,
  parseVerifierKey,
  SqliteLogStore,
  type SqlPool,
  TransparencyLog,
} from '@palisade/ledger';
import type { Database } from '../db/database.ts';
import { PostgresDatabase } from '../db/postgres.ts';

export const AUDIT_ORIGIN = 'palisade.local/audit';

/** The append-only Merkle log that holds audit events: `@palisade/ledger` on SQLite or on PostgreSQL. */
export interface AuditLedger {
  size(): number;
  append(entries: readonly Uint8Array[]): Promise<number>;
  entries(start: number, end: number): Promise<{ index: number; entry: Uint8Array }[]>;
  checkpoint(): Promise<string>;
  verify(): Promise<LogVerification>;
  close(): void;
}

/** The checkpoint key, generated at first start and kept beside the data (0600); its public half verifies. */
function checkpointKey(dataDir: string): { signer: NoteSigner; policy: CheckpointPolicy; vkey: string } {
  const folder = join(dataDir, 'keys');
  const skeyPath = join(folder, 'audit-ledger.skey');
  const vkeyPath = join(folder, 'audit-ledger.vkey');
  if (!existsSync(skeyPath)) {
    mkdirSync(folder, { recursive: true, mode: 0o700 });
    const { skey, vkey } = generateEd25519Key(AUDIT_ORIGIN);
    writeFileSync(skeyPath, `${skey}\n`, { mode: 0o600, flag: 'wx' });
    writeFileSync(vkeyPath, `${vkey}\n`, { mode: 0o644 });
  }
  chmodSync(skeyPath, 0o600);
  const vkey = readFileSync(vkeyPath, 'utf8').trim();
  return {
    signer: parseSignerKey(readFileSync(skeyPath, 'utf8').trim()),
    policy: { log: parseVerifierKey(vkey) },
    vkey,
  };
}

export async function openAuditLedger(
  db: Database,
  dataDir: string,
): Promise<AuditLedger & { readonly vkey: string }> {
  const { signer, policy, vkey } = checkpointKey(dataDir);
  if (db instanceof PostgresDatabase) {
    const log = await PostgresLog.open(db.pool as unknown as SqlPool, AUDIT_ORIGIN);
    return {
      vkey,
      size: () => log.size,
      append: (entries) => log.append(entries),
      entries: async (start, end) =>
        (await log.entries(start, end)).map((e) => ({ index: e.index, entry: e.entry })),
      checkpoint: () => log.checkpoint(signer),
      verify: () => log.verify(policy),
      close: () => {},
    };
  }
  const store = new SqliteLogStore(join(dataDir, 'audit.db'));
  const log = new TransparencyLog(store, AUDIT_ORIGIN);
  return {
    vkey,
    size: () => log.size,
    append: async (entries) => log.append(entries),
    entries: async (start, end) => log.entries(start, end).map((e) => ({ index: e.index, entry: e.entry })),
    checkpoint: async () => log.checkpoint(signer),
    verify: async () => log.verify(policy),
    close: () => store.close(),
  };
}
