export type { CurveHash, EcCurve, LoadedPrivateKey, LoadedPublicKey } from './bundle/keys.ts';
export { loadPrivateKey, loadPublicKey, publicKeyHint } from './bundle/keys.ts';
export type { LoadedMlDsaKey, SigningAlgorithm } from './bundle/ml-dsa.ts';
export {
  isMlDsa65Key,
  loadMlDsaPrivateKey,
  ML_DSA_65,
  ML_DSA_65_KEYID,
  mlDsaAvailable,
  verifyMlDsaSignature,
} from './bundle/ml-dsa.ts';
export { preAuthEncoding } from './bundle/pae.ts';
export type { DsseEnvelope, DsseSignature, SigstoreBundle, VerificationMaterial } from './bundle/parse.ts';
export {
  BUNDLE_MEDIA_TYPE,
  decodeBase64,
  IN_TOTO_PAYLOAD_TYPE,
  MAX_BUNDLE_BYTES,
  parseBundle,
} from './bundle/parse.ts';
export type { SignOptions, SignResult } from './bundle/sign.ts';
export { signModel, statementBytes } from './bundle/sign.ts';
export type { OmsStatement, SignedSerialization } from './bundle/statement.ts';
export { OMS_PREDICATE_TYPE, parseStatement, STATEMENT_TYPE } from './bundle/statement.ts';
export type {
  ChangedResource,
  KeySigner,
  ManifestDifferences,
  SignerInfo,
  VerificationResult,
  VerifyOptions,
} from './bundle/verify.ts';
export {
  compareManifests,
  DEFAULT_SIGNATURE_NAME,
  verifyKeySignature,
  verifyModel,
} from './bundle/verify.ts';
export type { CertificateSigner, CertificateTime } from './bundle/verify-certificate.ts';
export { verifyCertificateSignature } from './bundle/verify-certificate.ts';
export type { KeylessSigner, KeylessTrust } from './bundle/verify-keyless.ts';
export { verifyKeylessSignature } from './bundle/verify-keyless.ts';
export { LEGACY_PREDICATE_TYPE, legacyPreAuthEncoding } from './bundle/verify-legacy.ts';
export type { SigningReason } from './errors.ts';
export { isSigningError, SIGNING_REASONS, SigningError } from './errors.ts';
export type { HashType } from './serialize/hash.ts';
export { HASH_TYPES, hashFileRange } from './serialize/hash.ts';
export type { HashProgress, HashProgressListener, HashTask } from './serialize/hash-pool.ts';
export { hashInParallel } from './serialize/hash-pool.ts';
export { compareComponents, parseShardName } from './serialize/order.ts';
export type {
  Manifest,
  Resource,
  Serialization,
  SerializationMethod,
  SerializeOptions,
} from './serialize/serialize.ts';
export {
  canonicalRelativePath,
  DEFAULT_IGNORE_PATHS,
  DEFAULT_SHARD_SIZE,
  resourceAlgorithm,
  rootDigest,
  serializeModel,
} from './serialize/serialize.ts';
export type { CertificateAuthority, TransparencyLog, TrustedRoot } from './sigstore/trusted-root.ts';
export { parseTrustedRoot } from './sigstore/trusted-root.ts';
export type { Certificate } from './x509/certificate.ts';
export { parseCertificate, parsePemCertificates } from './x509/certificate.ts';
