export type { DsseEnvelope, DsseSignature, DsseSigner, DsseVerifier } from './attest/dsse.ts';
export {
  dsseKeyId,
  dsseSigner,
  dsseVerifier,
  formatEnvelope,
  IN_TOTO_PAYLOAD_TYPE,
  preAuthEncoding,
  readEnvelope,
  signEnvelope,
  verifiedSigners,
} from './attest/dsse.ts';
export type { EntryDependency, EntryKind, LedgerEntry } from './attest/entry.ts';
export {
  decodeEntry,
  encodeEntry,
  entryDigest,
  signatureReferenceEntry,
  signStatement,
} from './attest/entry.ts';
export type { Json, JsonObject } from './attest/json.ts';
export { canonicalJson, MAX_JSON_DEPTH, parseJson } from './attest/json.ts';
export type { Lineage, LineageEdge, LineageLookup, LineageNode } from './attest/lineage.ts';
export {
  formatLineageDot,
  formatLineageText,
  lineage,
  lineageWalk,
  MAX_LINEAGE_NODES,
} from './attest/lineage.ts';
export type { IndexedEntry, ProvenanceFacts } from './attest/lookup.ts';
export {
  entriesForDependency,
  entriesForSubject,
  entriesWithDigest,
  entryReferences,
  findProvenance,
  provenanceFacts,
  syncIndex,
} from './attest/lookup.ts';
export type {
  BomReference,
  DatasetManifest,
  OmsSignature,
  PolicyDecision,
  PolicyRuleOutcome,
  ScanResult,
  SignatureReference,
} from './attest/predicates.ts';
export {
  BOM_TYPE,
  bomStatement,
  DATASET_MANIFEST_TYPE,
  datasetManifestStatement,
  OMS_SIGNATURE_TYPE,
  POLICY_DECISION_TYPE,
  policyDecisionStatement,
  readBomReference,
  readDatasetManifest,
  readOmsSignature,
  readPolicyDecision,
  readScanResult,
  readSignatureReference,
  SCAN_RESULT_TYPE,
  SIGNATURE_REFERENCE_TYPE,
  scanResultStatement,
  signatureReferenceStatement,
} from './attest/predicates.ts';
export type { SlsaProvenance, TrainingRun } from './attest/slsa.ts';
export {
  BASE_MODEL_NAME,
  DATASET_PREFIX,
  dependencyRole,
  readSlsaProvenance,
  SLSA_PROVENANCE_TYPE,
  TRAINING_BUILD_TYPE,
  trainingProvenance,
} from './attest/slsa.ts';
export type { DigestSet, ResourceDescriptor, Statement } from './attest/statement.ts';
export {
  digestNames,
  normalizeDigest,
  readStatement,
  STATEMENT_TYPE,
  statementJson,
} from './attest/statement.ts';
export { bytesEqual, decodeBase64, encodeBase64 } from './bytes.ts';
export type { Frontier } from './log/frontier.ts';
export { extendFrontier, frontierKeys } from './log/frontier.ts';
export type { LogVerification, VerifyOptions } from './log/log.ts';
export { MAX_ENTRY_BYTES, TransparencyLog } from './log/log.ts';
export type { SqlClient, SqlPool } from './log/postgres.ts';
export { PostgresLog } from './log/postgres.ts';
export { SnapshotLogStore } from './log/snapshot.ts';
export type {
  EntryReference,
  LogStore,
  ReferenceIndex,
  StoredEntry,
  StoredLeaf,
  StoredNode,
} from './log/store.ts';
export { MemoryReferenceIndex, SqliteLogStore } from './log/store.ts';
export {
  checkCount,
  checkHash,
  emptyRoot,
  HASH_SIZE,
  isPowerOfTwo,
  leafHash,
  nodeHash,
  splitPoint,
} from './merkle/hash.ts';
export type { ProofFailure } from './merkle/proof.ts';
export {
  checkConsistency,
  checkInclusion,
  consistencyProof,
  inclusionProof,
  verifyConsistency,
  verifyInclusion,
} from './merkle/proof.ts';
export type { HashSource } from './merkle/source.ts';
export { MemoryHashSource, subtreeHashFrom, treeHash } from './merkle/source.ts';
export {
  checkSubtreeConsistency,
  checkSubtreeInclusion,
  isValidSubtree,
  subtreeConsistencyProof,
  subtreeInclusionProof,
} from './merkle/subtree.ts';
export type { Checkpoint, CheckpointPolicy, VerifiedCheckpoint } from './note/checkpoint.ts';
export { formatCheckpoint, parseCheckpoint, signCheckpoint, verifyCheckpoint } from './note/checkpoint.ts';
export {
  cosignatureMessage,
  cosignatureSigner,
  cosignatureTimestamp,
  cosignatureVerifier,
} from './note/cosignature.ts';
export { ecdsaVerifier, SIG_TYPE_ECDSA } from './note/ecdsa.ts';
export type { NoteSigner, NoteVerifier } from './note/ed25519.ts';
export {
  checkKeyName,
  computeKeyId,
  ed25519PublicFromSeed,
  ed25519Signer,
  ed25519Verifier,
  keyIdHex,
  SIG_TYPE_COSIGNATURE_ED25519,
  SIG_TYPE_ED25519,
} from './note/ed25519.ts';
export {
  formatSignerKey,
  formatVerifierKey,
  generateEd25519Key,
  parseSignerKey,
  parseVerifierKey,
  signerKeyObject,
} from './note/keys.ts';
export type { SubtreeStatement } from './note/mldsa.ts';
export {
  mlDsa44RawPublicKey,
  mlDsaCosignatureSigner,
  mlDsaCosignatureVerifier,
  SIG_TYPE_COSIGNATURE_MLDSA44,
  subtreeMessage,
} from './note/mldsa.ts';
export type { Note, NoteSignature, VerifiedNote } from './note/note.ts';
export {
  addSignatures,
  checkNoteText,
  formatNote,
  formatSignatureLine,
  MAX_NOTE_BYTES,
  MAX_SIGNATURES,
  parseNote,
  signNote,
  verifyNote,
} from './note/note.ts';
export type { ProofFile, VerifiedProofFile } from './proof-file/proof-file.ts';
export {
  formatProofFile,
  PROOF_FILE_HEADER,
  parseProofFile,
  verifyProofFile,
} from './proof-file/proof-file.ts';
export type { PublishedFile } from './tiles/export.ts';
export { entryBundle, parseEntryBundle, publishedFiles } from './tiles/export.ts';
export type { TileRef } from './tiles/tiles.ts';
export {
  encodeTileIndex,
  entriesPath,
  TILE_WIDTH,
  TileHashSource,
  tileData,
  tilePath,
  tilesForSize,
} from './tiles/tiles.ts';
export type { WitnessResponse, WitnessState, WitnessStore } from './witness/witness.ts';
export {
  MemoryWitnessStore,
  parseAddCheckpoint,
  SqliteWitnessStore,
  Witness,
} from './witness/witness.ts';
